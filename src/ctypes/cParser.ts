// The C parser: tree-sitter's C grammar, run as WebAssembly (no native module to build per platform).
// Loaded once per process from the two wasm files the caller names: the extension's are beside its
// bundle (src/assets.ts; esbuild.js copies them there), the tests' in node_modules. No fall back:
// a missing file is said with its path.
import * as fs from 'fs';
import { Language, Node, Parser, Tree } from 'web-tree-sitter';
import * as l10n from '../shared/l10n';
import type { ParserFiles } from './parserFiles';

export type { Node, Tree };
export { parserFilesIn, type ParserFiles } from './parserFiles';

let loading: Promise<Parser> | undefined;

async function load(files: ParserFiles): Promise<Parser> {
  const missing = [files.runtime, files.grammar].filter((file) => !fs.existsSync(file));
  if (missing.length > 0) throw new Error(l10n.t('{0} is missing: reinstall the extension (or run "npm run build" in a checkout).', missing.join(', ')));
  await Parser.init({ locateFile: () => files.runtime });
  const parser = new Parser();
  parser.setLanguage(await Language.load(files.grammar));
  return parser;
}

/** The shared parser. `files` is only looked at by the first call that succeeds. */
export function cParser(files: ParserFiles): Promise<Parser> {
  loading ??= load(files).catch((error) => {
    loading = undefined;
    throw new Error(l10n.t('The C parser could not be loaded: {0}', error instanceof Error ? error.message : String(error)));
  });
  return loading;
}

/** Parses C text; throws if tree-sitter gives up (it only does on cancellation or out of memory). */
export async function parseC(text: string, files: ParserFiles): Promise<Tree> {
  const tree = (await cParser(files)).parse(text);
  if (!tree) throw new Error(l10n.t('The C parser returned no tree.'));
  return tree;
}
