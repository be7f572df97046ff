// Two bundles: the extension (Node, CommonJS, `vscode` external) and the hex view's webview (browser).
// `node esbuild.js` builds once; `--watch` rebuilds on change; `--production` minifies.
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info' };

const bundles = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // web-tree-sitter's module asks import.meta.url where it is: in a CommonJS bundle, it is this file.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
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

async function main() {
  copyWasm();
  const contexts = await Promise.all(bundles.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    return;
  }
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
