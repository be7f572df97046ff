// The C type engine as the command line loads it on first use (`dump --type`): its own bundle
// (esbuild.js: dist/cli-ctypes.js), like the extension's dist/ctypes.js but without the editor's
// translations setup, which needs vscode. `list` and the others never load tree-sitter.
export * from '../ctypes/engine';
