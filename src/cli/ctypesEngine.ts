// The C type engine as the command line loads it on first use (`dump --type`): its own bundle
// (esbuild.js: dist/cli-ctypes.js), like the extension's dist/ctypes.js but without the editor's
// translations setup, which needs vscode. `list` and the others never load tree-sitter. Also the
// one-type lookup of debug information that `dump --type NAME --from FILE` uses (the extension
// opens debug files through DebugLibrary instead, for its pick list).
import { DwarfError } from '../ctypes/dwarf/bytes';
import { DebugFileMissing } from '../ctypes/dwarf/debugFiles';
import { NoDebugInfoError } from '../ctypes/dwarf/debugTypes';
import { ObjectFileError } from '../ctypes/objectFile';

export * from '../ctypes/engine';
export { findDebugFile } from '../ctypes/dwarf/debugFiles';
export { DebugTypes } from '../ctypes/dwarf/debugTypes';

/** What is wrong with a file given for its debug information (bad input: said, exit 2), not a fault of ours. */
export function isDebugInfoError(error: unknown): error is Error {
  return (
    error instanceof DwarfError ||
    error instanceof ObjectFileError ||
    error instanceof NoDebugInfoError ||
    error instanceof DebugFileMissing ||
    typeof (error as NodeJS.ErrnoException)?.syscall === 'string' // the file could not be opened or read
  );
}
