// The C type engine as the extension uses it: what src/cTypes.ts calls once View as C Type is
// first used. It is its own bundle (dist/ctypes.js, with tree-sitter), so a window that never lays
// out a type never loads it.
export { findDatabase, flagsFromDatabase } from './compileCommands';
export { LayoutCache, typesInFile } from './layouts';
