// The structure `npm run lint` holds the code to (dependency-cruiser): no import cycles, type-only
// imports included; pure layers that know nothing of the editor; imports that only go down. The
// layers, bottom up:
//   src/shared   words, formats and the protocol both sides of the contents view share
//   src/ipc, src/ctypes   the machine's IPC objects and C types: pure Node, no vscode
//   src/services, src/views, src/commands   the extension (views never reach commands)
//   src/cli   the command line: a sibling of the extension over the same core, no vscode
//   src/extension.ts   the shell activation loads; src/core.ts the core it loads
//   src/webview   the contents view's page (the browser): only src/shared below it
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'An import cycle (type-only imports count too).', from: {}, to: { circular: true } },
    {
      name: 'pure-layers',
      severity: 'error',
      comment: 'src/ipc, src/ctypes and src/shared are pure: no vscode, nothing of the extension above them.',
      from: { path: '^src/(ipc|ctypes|shared)/' },
      to: { path: '^(vscode$|src/(views|commands|services|webview)/|src/(context|core|extension|prompts|holds|walkthrough|assets)\\.ts$)' },
    },
    { name: 'shared-is-the-bottom', severity: 'error', from: { path: '^src/shared/' }, to: { path: '^src/(?!shared/)' } },
    { name: 'views-never-reach-commands', severity: 'error', from: { path: '^src/views/' }, to: { path: '^src/commands/' } },
    { name: 'services-below-views', severity: 'error', from: { path: '^src/services/' }, to: { path: '^src/(views|commands)/' } },
    {
      name: 'cli-over-the-core',
      severity: 'error',
      comment: 'The command line (src/cli) is a sibling of the views and commands over the same core: no vscode, nothing of the extension.',
      from: { path: '^src/cli/' },
      to: { path: '^(vscode$|src/(views|commands|services|webview)/|src/(context|core|extension|prompts|holds|walkthrough|l10nSetup)\\.ts$)' },
    },
    { name: 'nothing-reaches-the-cli', severity: 'error', from: { path: '^src/(?!cli/)' }, to: { path: '^src/cli/' } },
    { name: 'webview-only-shared', severity: 'error', from: { path: '^src/webview/' }, to: { path: '^src/(?!webview/|shared/)' } },
    {
      name: 'shell-stays-small',
      severity: 'error',
      comment: 'What activates in every window imports nothing of the extension but the core it requires lazily (esbuild.js checks the bundle too).',
      from: { path: '^src/extension\\.ts$' },
      to: { path: '^src/', pathNot: '^src/core\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(out|dist|node_modules)/' },
  },
};
