// The C type engine as the command line loads it on first use (`dump --type`): its own bundle
// (esbuild.js: dist/cli-ctypes.js), like the extension's dist/ctypes.js but without the editor's
// translations setup, which needs vscode. `list` and the others never load tree-sitter. Also the
// one-type lookup of debug information that `dump --type NAME --from FILE` uses (the extension
// opens debug files through DebugLibrary instead, for its pick list).
export * from '../ctypes/engine';
export { findDebugFile } from '../ctypes/dwarf/debugFiles';
export { DebugTypes } from '../ctypes/dwarf/debugTypes';
