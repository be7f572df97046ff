// The C parser's WebAssembly files for the tests and the bench: the packages' own copies in
// node_modules (the extension itself takes the bundle's copies, src/assets.ts).
import type { ParserFiles } from '../../src/ctypes/cParser';

export const testParser: ParserFiles = {
  runtime: require.resolve('web-tree-sitter/tree-sitter.wasm'),
  grammar: require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
};
