// What the fake host (fakeHost.mjs) puts on the page's window, for the type check of run.js's
// page.evaluate callbacks (tsconfig.scripts.json checks the JavaScript of the repository).
interface Window {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  __harness: any;
}
