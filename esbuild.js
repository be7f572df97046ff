// @ts-check
// The bundles, all in dist/: the shell that activates in every window (dist/extension.js: small,
// see src/extension.ts), the core it loads on first need (dist/core.js: /proc, the helper, views,
// commands), the command line (dist/cli.js, run by bin/ipc-inspector.js), the C type engine the core
// loads on first use (dist/ctypes.js: tree-sitter and the compiler probe), the worker thread that
// engine starts to index a big program's debug information (dist/dwarfWalk.js, beside it), the
// contents view's page (dist/webview.js, for the browser) and the wait-for graph's page
// (dist/waitGraph.js), and the page of a recording of numbers (dist/seriesView.js).
// `node esbuild.js` builds once; `--watch` rebuilds on change; `--production` minifies.
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };
/** @type {import('esbuild').BuildOptions} */
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], metafile: true };

/**
 * Modules required lazily (`require('./core')` inside a function), each the entry of a bundle of
 * its own: in the bundle that requires it, the require becomes one of that bundle's file (beside it
 * in dist/) instead of a copy of the module.
 */
const LAZY = {
  'src/core.ts': 'dist/core.js',
  'src/ctypes/engine.ts': 'dist/ctypes.js',
  'src/cli/ctypesEngine.ts': 'dist/cli-ctypes.js',
};

/** @returns {import('esbuild').Plugin} */
function lazyBundles() {
  return {
    name: 'lazy-bundles',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        const source = path.relative(__dirname, path.resolve(args.resolveDir, args.path)) + '.ts';
        const bundle = LAZY[source];
        return bundle ? { path: `./${path.basename(bundle)}`, external: true } : undefined;
      });
    },
  };
}

/** @type {(import('esbuild').BuildOptions & { outfile: string, only?: RegExp[], never?: RegExp[], commandLine?: boolean })[]} */
const bundles = [
  {
    ...node,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    plugins: [lazyBundles()],
    // What activation may load: the shell alone (the checks below).
    only: [/^src\/extension\.ts$/],
  },
  {
    ...node,
    entryPoints: ['src/core.ts'],
    outfile: 'dist/core.js',
    plugins: [lazyBundles()],
    never: [/^node_modules\/web-tree-sitter\//, /^src\/ctypes\/(?!errors|parserFiles)/],
  },
  {
    // The command line (bin/ipc-inspector.js): the core without the editor; the C type engine is
    // required lazily from dist/ctypes.js, as the extension's core does.
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    commandLine: true,
    plugins: [lazyBundles()],
    never: [/^node_modules\/web-tree-sitter\//, /^src\/ctypes\/(?!errors|parserFiles)/, /^src\/(views|commands|services)\//, /^src\/l10nSetup/],
  },
  {
    // web-tree-sitter's module asks import.meta.url where it is: in a CommonJS bundle, it is this file.
    ...node,
    entryPoints: ['src/ctypesBundle.ts'],
    outfile: 'dist/ctypes.js',
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  },
  {
    // A worker thread's script (src/ctypes/dwarf/walkPool.ts starts it by this name, beside dist/ctypes.js).
    ...node,
    entryPoints: ['src/ctypes/dwarf/dwarfWalk.ts'],
    outfile: 'dist/dwarfWalk.js',
    only: [/^src\/ctypes\/dwarf\//, /^src\/shared\/(l10n|memo)\.ts$/, /^node_modules\/@vscode\/l10n\//],
  },
  {
    // The same engine for the command line's dump --type: no vscode anywhere in it.
    ...node,
    entryPoints: ['src/cli/ctypesEngine.ts'],
    outfile: 'dist/cli-ctypes.js',
    commandLine: true,
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    never: [/^src\/(views|commands|services|l10nSetup)/],
  },
  {
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    // The page of a recording of numbers (a semaphore set's, a queue's): the recorded fields and uPlot.
    ...common,
    entryPoints: ['src/webview/series/main.ts'],
    outfile: 'dist/seriesView.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    // The wait-for graph's page (its layout, d3-hierarchy, d3-dag and potpack, runs in the page itself).
    ...common,
    entryPoints: ['src/webview/waitGraph/main.ts'],
    outfile: 'dist/waitGraph.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

// The C parser (View as C Type…) is WebAssembly: its two files sit beside the bundles
// (src/assets.ts says where).
const WASM = ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter-c/tree-sitter-c.wasm'];

function copyWasm() {
  fs.mkdirSync('dist', { recursive: true });
  for (const file of WASM) fs.copyFileSync(require.resolve(file), `dist/${file.split('/').pop()}`);
}

/** A bundle that includes what it must not (or more than it may) fails the build, naming the modules. */
/**
 * @param {{ outfile: string, only?: RegExp[], never?: RegExp[] }} bundle
 * @param {import('esbuild').Metafile | undefined} metafile
 */
function checkBundle(bundle, metafile) {
  if (!metafile || (!bundle.only && !bundle.never)) return;
  const inputs = Object.keys(metafile.outputs[bundle.outfile].inputs);
  const wrong = inputs.filter((input) => (bundle.only && !bundle.only.some((p) => p.test(input))) || (bundle.never ?? []).some((p) => p.test(input)));
  if (wrong.length > 0) throw new Error(`${bundle.outfile} must not include ${wrong.join(', ')}: require them lazily (esbuild.js LAZY)`);
}

async function main() {
  copyWasm();
  /** @type {import('esbuild').BuildOptions[]} */
  const options = bundles.map(({ only: _only, never: _never, commandLine: _commandLine, ...rest }) => rest);
  const contexts = await Promise.all(options.map((o) => esbuild.context(o)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  const results = await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  bundles.forEach((bundle, i) => checkBundle(bundle, results[i].metafile));
  // The command line's code cache, made from the bundle just built (scripts/cliCodeCache.js). It
  // runs commands on this machine: bounded in time, and without one the command only starts slower.
  const made = require('child_process').spawnSync(process.execPath, [path.join(__dirname, 'scripts', 'cliCodeCache.js')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  if (made.status !== 0)
    console.warn(`no code cache for the command line (${made.error?.message ?? made.signal ?? `exit ${made.status}`}): it compiles from source`);
}

/**
 * Every file the build writes that the extension needs at run time (scripts/package.js checks each
 * ships); the command line's bundles are not the extension's (the npm package's bin runs them).
 */
const OUTPUTS = [...bundles.filter((b) => !b.commandLine).map((b) => b.outfile), ...WASM.map((file) => `dist/${file.split('/').pop()}`)];
module.exports = { OUTPUTS };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
