// The C parser: tree-sitter's C grammar, run as WebAssembly (no native module to build per platform).
// Loaded once per process; the wasm files sit beside the bundle in dist/ (esbuild.js copies them) or,
// in the tests, in node_modules.
import * as fs from 'fs';
import * as path from 'path';
import { Language, Node, Parser, Tree } from 'web-tree-sitter';
import * as l10n from '../shared/l10n';

export type { Node, Tree };

const RUNTIME_WASM = 'tree-sitter.wasm';
const C_WASM = 'tree-sitter-c.wasm';

let loading: Promise<Parser> | undefined;

/** Where the two wasm files are: `dir` when given and it has them, else the installed packages. */
function wasmPaths(dir: string | undefined): { runtime: string; c: string } {
  if (dir && fs.existsSync(path.join(dir, C_WASM))) return { runtime: path.join(dir, RUNTIME_WASM), c: path.join(dir, C_WASM) };
  return { runtime: require.resolve(`web-tree-sitter/${RUNTIME_WASM}`), c: require.resolve(`tree-sitter-c/${C_WASM}`) };
}

async function load(dir: string | undefined): Promise<Parser> {
  const wasm = wasmPaths(dir);
  await Parser.init({ locateFile: () => wasm.runtime });
  const parser = new Parser();
  parser.setLanguage(await Language.load(wasm.c));
  return parser;
}

/** The shared parser. `wasmDir` is only looked at by the first call. */
export function cParser(wasmDir?: string): Promise<Parser> {
  loading ??= load(wasmDir).catch((error) => {
    loading = undefined;
    throw new Error(l10n.t('The C parser could not be loaded: {0}', error instanceof Error ? error.message : String(error)));
  });
  return loading;
}

/** Parses C text; throws if tree-sitter gives up (it only does on cancellation or out of memory). */
export async function parseC(text: string, wasmDir?: string): Promise<Tree> {
  const tree = (await cParser(wasmDir)).parse(text);
  if (!tree) throw new Error(l10n.t('The C parser returned no tree.'));
  return tree;
}
