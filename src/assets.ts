// Where the extension's own files are, decided once from the extension's folder (what VS Code says
// it installed, or the checkout under development). Every caller takes its paths from here: nothing
// else joins paths under the extension's folder, and nothing falls back to node_modules, which an
// installed VSIX does not have (View as C Type once found no types that way). (The bundles the main
// one loads on first use, such as dist/ctypes.js, are required relative to it: esbuild.js.)
import * as path from 'path';
import { ParserFiles, parserFilesIn } from './ctypes/parserFiles';

export interface ExtensionAssets {
  /** The extension's folder. */
  readonly root: string;
  /** The bundles (extension.js, webview.js) and the C parser's WebAssembly beside them. */
  readonly dist: string;
  /** Icons and the contents view's style sheet. */
  readonly media: string;
  /** The demo's sources (Start the Demo copies and builds them). */
  readonly demo: string;
  /** Where the shipped helper binaries are (helperLocation.ts picks one). */
  readonly nativeBin: string;
  /** The C parser's two WebAssembly files (the bundle's copies). */
  readonly parser: ParserFiles;
  /** The script of the DWARF index's worker threads (its own bundle, esbuild.js). */
  readonly dwarfWalk: string;
}

export function extensionAssets(root: string): ExtensionAssets {
  const dist = path.join(root, 'dist');
  return {
    root,
    dist,
    media: path.join(root, 'media'),
    demo: path.join(root, 'demo'),
    nativeBin: path.join(root, 'native', 'bin'),
    parser: parserFilesIn(dist),
    dwarfWalk: path.join(dist, 'dwarfWalk.js'),
  };
}
