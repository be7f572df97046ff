// Where the C parser's two WebAssembly files are, without loading the parser: the extension says
// where its bundle keeps them (src/assets.ts) at activation, and tree-sitter itself loads only when
// View as C Type first needs it (src/ctypes/cParser.ts).
import * as path from 'path';

/** The parser's two WebAssembly files: tree-sitter's runtime and the C grammar. */
export interface ParserFiles {
  readonly runtime: string;
  readonly grammar: string;
}

export const RUNTIME_WASM = 'tree-sitter.wasm';
export const C_WASM = 'tree-sitter-c.wasm';

/** The two files as the bundle keeps them: side by side in `dir`. */
export function parserFilesIn(dir: string): ParserFiles {
  return { runtime: path.join(dir, RUNTIME_WASM), grammar: path.join(dir, C_WASM) };
}
