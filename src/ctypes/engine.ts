// The C type engine as the extension uses it: what src/cTypes.ts calls once View as C Type is
// first used. It is its own bundle (dist/ctypes.js, with tree-sitter), so a window that never lays
// out a type never loads it.
export { findDatabase, flagsFromDatabase } from './compileCommands';
export { LayoutCache, typesInFile } from './layouts';
// Types from a program's own debug information (View as C Type's pick list): loaded with the
// engine, never by the core at activation.
export { DebugLibrary } from './dwarf/library';
