// The debug files View as C Type reads types from, as the extension uses them: where the types of
// the processes holding an object are (debugFiles.ts), the files kept open while they are used (a
// few, the least recently used closed first; reopened when the file on disk changes), their name
// indexes kept on disk in the extension's storage, and what a remembered choice needs to find its
// type again another day: the debug file by path and build-id, and the program it belongs to (when
// the program was rebuilt, its new debug information is the one that describes what runs now).
import * as fs from 'fs';
import type { CLayout } from '../../shared/cLayout';
import * as l10n from '../../shared/l10n';
import { DwarfError } from './bytes';
import { DebugFileMissing, debugFilesOfProcesses, DebugSource, findDebugFile, LookupOptions, ProcessDebugFiles } from './debugFiles';
import { DebugTypes } from './debugTypes';

/** What a remembered choice keeps of where its type came from. */
export interface DebugRef {
  /** The program or library as the user knows it (`/home/me/ring/consumer`). */
  elf: string;
  /** The file with its DWARF (the program itself, or a separate debug file), as this machine can open it again. */
  path: string;
  buildId?: string;
}

export interface ReadOptions {
  signal?: AbortSignal;
  progress?: (fraction: number) => void;
}

/** Files kept open at most (each holds its name index and the sections read so far). */
const KEEP = 4;

export class DebugLibrary {
  private readonly files = new Map<string, { types: Promise<DebugTypes>; used: number }>();
  private clock = 0;

  constructor(
    /** Where the name indexes are kept (per build-id); none: in memory only. */
    private readonly cacheDir?: string,
    private readonly lookup: LookupOptions = {},
    /** The index's worker thread script (the extension's dist/dwarfWalk.js). */
    private readonly workerScript?: string,
  ) {}

  /** The debug files of the programs and libraries the processes run (programs first), and those without debug information. */
  sourcesOf(pids: number[]): Promise<ProcessDebugFiles> {
    return debugFilesOfProcesses(pids, this.lookup);
  }

  /** The debug file of an ELF file the user chose (itself, or a separate debug file); DebugFileMissing says where it looked. */
  find(file: string): Promise<DebugSource> {
    return findDebugFile(file, file, this.lookup);
  }

  /** The types of a debug file, opened once and shared while it stays the same file. Not to be closed by the caller. */
  types(debugFile: string, options: ReadOptions = {}): Promise<DebugTypes> {
    const key = identity(debugFile);
    let entry = this.files.get(key);
    if (!entry) {
      const types = DebugTypes.open(debugFile, {
        cacheDir: this.cacheDir,
        signal: options.signal,
        progress: options.progress,
        workerScript: this.workerScript,
      });
      entry = { types, used: 0 };
      this.files.set(key, entry);
      types.catch(() => this.files.delete(key));
      this.trim();
    }
    entry.used = ++this.clock;
    return entry.types;
  }

  private trim(): void {
    if (this.files.size <= KEEP) return;
    const oldest = [...this.files.entries()].sort((a, b) => a[1].used - b[1].used).slice(0, this.files.size - KEEP);
    for (const [key, entry] of oldest) {
      this.files.delete(key);
      entry.types.then((t) => t.close()).catch(() => undefined);
    }
  }

  /** What to remember of a source: its debug file by a path that stays valid (not /proc/PID/...), and its build-id. */
  ref(source: DebugSource): DebugRef {
    let where = source.debugFile;
    if (where === source.open && where.startsWith('/proc/') && sameFile(source.elf, where)) where = source.elf;
    return { elf: source.elf, path: where, buildId: source.buildId };
  }

  /**
   * The layout of a remembered type: from its debug file when it is still the same build, else from
   * the program as it is now (rebuilt: its new debug information), else an error that says what is gone.
   */
  async layout(ref: DebugRef, typeName: string, options: ReadOptions = {}): Promise<CLayout> {
    let types: DebugTypes | undefined;
    if (fs.existsSync(ref.path)) {
      const remembered = await this.types(ref.path, options);
      if (!ref.buildId || !remembered.buildId || remembered.buildId === ref.buildId) types = remembered;
    }
    if (!types) {
      let source: DebugSource;
      try {
        source = await this.find(ref.elf);
      } catch (error) {
        if (error instanceof DebugFileMissing || (error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new DwarfError(
            l10n.t('{0} came from the debug information of {1}, which is not there any more (looked at {2} and {1}).', typeName, ref.elf, ref.path),
          );
        }
        throw error;
      }
      types = await this.types(source.debugFile, options);
    }
    return types.layout(typeName);
  }

  dispose(): void {
    for (const entry of this.files.values()) entry.types.then((t) => t.close()).catch(() => undefined);
    this.files.clear();
  }
}

/** A file as it is now: the same path rebuilt is another file. */
function identity(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return `missing:${file}`;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}
