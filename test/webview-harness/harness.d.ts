// What the fake host (fakeHost.mjs) puts on the page's window, for the type check of run.js's
// page.evaluate callbacks and of fakeHost.mjs itself (tsconfig.scripts.json checks the JavaScript of the repository).
interface Window {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  __harness: any;
  /** The first row's bytes on screen as hex (run.js's recording scenario defines it). */
  __firstRowHex: () => string;
  /** What VS Code gives a webview; the fake host gives its own. */
  acquireVsCodeApi: () => unknown;
}
