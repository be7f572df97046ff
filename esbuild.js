// The bundles: the extension's (Node, CommonJS, `vscode` external; what activation loads), the C type
// engine's (loaded on first use) and the contents view's page (browser).
// `node esbuild.js` builds once; `--watch` rebuilds on change; `--production` minifies.
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };

// web-tree-sitter's module asks import.meta.url where it is: in a CommonJS bundle, it is this file.
const importMetaUrl = {
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] };

const bundles = [
  {
    // What activation loads: the views, the commands, the status bar. It must stay light (every
    // window pays for it): modules needed only later live in bundles of their own beside it, and
    // the main bundle requires them by that name when first needed (LAZY).
    ...node,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    plugins: [lazyBundles()],
    metafile: true,
  },
  {
    // The C type engine (View as C Type…): the compiler probe, the declarations reader, tree-sitter.
    ...node,
    ...importMetaUrl,
    entryPoints: ['src/ctypesBundle.ts'],
    outfile: 'dist/ctypes.js',
  },
];
// The webview bundle joins once the hex view (src/webview/) exists.
if (fs.existsSync('src/webview/main.ts')) {
  bundles.push({
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}

// The C parser (View as C Type…) is WebAssembly: its two files sit beside the bundle, where
// src/ctypes/cParser.ts looks first.
const WASM = ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter-c/tree-sitter-c.wasm'];

function copyWasm() {
  fs.mkdirSync('dist', { recursive: true });
  for (const file of WASM) fs.copyFileSync(require.resolve(file), `dist/${file.split('/').pop()}`);
}

/** A module the code requires lazily, and the bundle of its own (beside dist/extension.js) it is in. */
const LAZY = { './ctypes/engine': './ctypes.js' };

/** In the main bundle, a lazy `require('./ctypes/engine')` becomes `require('./ctypes.js')`, not bundled. */
function lazyBundles() {
  return {
    name: 'lazy-bundles',
    setup(build) {
      const filter = new RegExp(
        `^(${Object.keys(LAZY)
          .map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
          .join('|')})$`,
      );
      build.onResolve({ filter }, (args) => ({ path: LAZY[args.path], external: true }));
    },
  };
}

/** Modules that must never be part of the activation bundle (they have their own, loaded on first use). */
const NOT_AT_ACTIVATION = [/^node_modules\/web-tree-sitter\//, /^src\/ctypes\/(?!errors|parserFiles)/];

function checkMainBundle(metafile) {
  const inputs = Object.keys(metafile.outputs['dist/extension.js'].inputs);
  const wrong = inputs.filter((input) => NOT_AT_ACTIVATION.some((pattern) => pattern.test(input)));
  if (wrong.length > 0) throw new Error(`dist/extension.js must not include ${wrong.join(', ')}: load them lazily (see src/cTypes.ts)`);
}

async function main() {
  copyWasm();
  const contexts = await Promise.all(bundles.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  const results = await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  checkMainBundle(results[0].metafile);
}

/** Every file the build writes that the extension needs at run time (scripts/package.js checks each ships). */
const OUTPUTS = [...bundles.map((b) => b.outfile), ...WASM.map((file) => `dist/${file.split('/').pop()}`)];
module.exports = { OUTPUTS };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
