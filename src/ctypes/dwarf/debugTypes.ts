// Types from a program's own debug information: open an ELF file with DWARF (an executable, a
// library, a separate debug file), list its named types, and lay one out as the compiler probe would
// (CLayout). The list comes from one pass over the units by worker threads (walkPool.ts: their
// scopes and named types, every other subtree jumped over), and is kept on disk per build-id in a
// folder the caller gives (indexCache.ts), reused while the file has the same size, modification
// time and inode: then nothing of the DWARF is read but what a layout needs (lazySections.ts).
// Everything long is asynchronous and cooperative: the event loop gets control back every few
// milliseconds, an AbortSignal stops it, and a progress callback hears how far it is.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { CLayout } from '../../shared/cLayout';
import * as l10n from '../../shared/l10n';
import { ElfFile, ObjectFileError } from '../objectFile';
import { abortError, DwarfError } from './bytes';
import { DW_AT } from './constants';
import { FileIndex, saveIndex, Stamp } from './indexCache';
import { OWN } from './indexWalk';
import { Die, DwarfInfo, DwarfSections, numberOf, stringOf } from './info';
import { Layouter, LayoutSource } from './layout';
import { KEYWORD_SPELLING, UnitsByName, WholeIndexNeeded } from './nameLookup';
import { lazySections, SectionName } from './lazySections';
import { fileNames } from './lines';
import type { NameIndex, TypeList } from './typeIndex';
import { buildIndex } from './walkPool';

export interface NamedType {
  /** As the language spells it: `struct point` (C), `ring::Slot<Msg>` (C++), `shm::Header` (Rust). */
  name: string;
  /** Its DWARF tag (structure, class, union, enumeration, typedef). */
  tag: number;
  /** Declared in the program's own files (not in a library's or the toolchain's headers). */
  own: boolean;
}

export interface OpenOptions {
  /** A folder for the name index (per build-id); none: the index is built in memory only. */
  cacheDir?: string;
  signal?: AbortSignal;
  /** How far reading is, 0 to 1. */
  progress?: (fraction: number) => void;
  /** Worker threads for the index (0: none); default: by the file's size and the machine's cores. */
  workers?: number;
  /** Their script (see BuildOptions). */
  workerScript?: string;
}

const ET_REL = 1;
const SECTION_NAMES: Record<SectionName, string> = {
  info: '.debug_info',
  abbrev: '.debug_abbrev',
  str: '.debug_str',
  lineStr: '.debug_line_str',
  strOffsets: '.debug_str_offsets',
  types: '.debug_types',
  line: '.debug_line',
};
/** Below this much DWARF the sections are read whole and the walk stays on this thread. */
const SHARED_FROM_BYTES = 1 << 20;

/** The file has no DWARF types at all. */
export class NoDebugInfoError extends Error {
  override readonly name = 'NoDebugInfoError';
}

export class DebugTypes {
  /** Whether the index came from the cache (for tests and the bench). */
  readonly fromCache: boolean;
  /** Settles once the index is written to the cache (at once when it came from there or there is none). */
  readonly saved: Promise<void>;

  private constructor(
    readonly file: string,
    readonly buildId: string | undefined,
    private readonly elf: ElfFile,
    private readonly info: DwarfInfo,
    private readonly index: NameIndex,
    private readonly cacheFile: string | undefined,
    saving: Promise<void> | undefined,
  ) {
    this.fromCache = index instanceof FileIndex;
    this.saved = saving ?? Promise.resolve();
  }

  /** Opens `file`, reads its debug sections and lists its named types (from the cache when it can). */
  static async open(file: string, options: OpenOptions = {}): Promise<DebugTypes> {
    return DebugTypes.read(ElfFile.open(file), options);
  }

  /** The same from an ELF file already open (or in memory: ElfFile.fromBytes). It is closed with close(). */
  static async read(elf: ElfFile, options: OpenOptions = {}): Promise<DebugTypes> {
    const file = elf.path;
    let cached: FileIndex | undefined;
    try {
      checkReadable(elf);
      const buildId = elf.buildId();
      const cacheFile = options.cacheDir ? cacheFileOf(options.cacheDir, file, buildId) : undefined;
      const stamp = cacheFile ? stampOf(file) : undefined;
      const info = elf.section('.debug_info');
      const infoLength = info ? elf.plainSize(info) : 0;
      const found = cacheFile && stamp ? FileIndex.open(cacheFile, stamp, infoLength) : undefined;
      if (found) {
        // The names come from the cache; the DWARF is read only where a layout needs it.
        cached = found.index;
        const sections = await lazySections(elf, SECTION_NAMES, (section) => elf.sectionBytes(section));
        const dwarf = new DwarfInfo(sections, elf.littleEndian);
        dwarf.setUnits(found.units);
        options.progress?.(1);
        return new DebugTypes(file, buildId, elf, dwarf, found.index, cacheFile, undefined);
      }
      const sections = await readSections(elf, options.signal, options.workers !== 0 && infoLength >= SHARED_FROM_BYTES);
      const dwarf = new DwarfInfo(sections, elf.littleEndian);
      dwarf.readUnitHeaders();
      const index = await buildIndex(dwarf, options);
      const saving = cacheFile && stamp ? saveIndex(cacheFile, index, dwarf.units, stamp, dwarf.infoLength) : undefined;
      return new DebugTypes(file, buildId, elf, dwarf, index, cacheFile, saving);
    } catch (error) {
      cached?.close();
      elf.close();
      throw wrap(file, error);
    }
  }

  close(): void {
    if (this.index instanceof FileIndex) this.index.close();
    this.elf.close();
  }

  /** How many named types the file has (one per spelled name). */
  get count(): number {
    return this.index.listed;
  }

  /** Every named type, one per name (the first definition), in file order. */
  async types(signal?: AbortSignal): Promise<NamedType[]> {
    return entries(await this.index.all(signal));
  }

  /** The types declared in the program's own files (not in a library's or the toolchain's), up to `limit`, in file order, and how many there are. */
  async ownTypes(limit = Infinity, signal?: AbortSignal): Promise<{ types: NamedType[]; total: number }> {
    const list = await this.index.ownList(limit, signal);
    return { types: entries(list), total: list.total };
  }

  /** The types whose name contains `text` (case-insensitive), up to `limit`, own ones first, and how many match. */
  async search(text: string, limit = 1000, signal?: AbortSignal): Promise<{ types: NamedType[]; total: number }> {
    const list = await this.index.all(signal);
    const wanted = text.toLowerCase();
    const own: number[] = [];
    const others: number[] = [];
    for (let i = 0; i < list.ids.length; i++) {
      if (!list.names[i].toLowerCase().includes(wanted)) continue;
      (list.flags[i] & OWN ? own : others).push(i);
    }
    const found = [...own, ...others];
    return { types: found.slice(0, limit).map((i) => ({ name: list.names[i], tag: list.tags[i], own: (list.flags[i] & OWN) !== 0 })), total: found.length };
  }

  has(name: string): boolean {
    return this.index.find(name) >= 0;
  }

  /** The layout of the type called `name` (as types() spells it). */
  async layout(name: string): Promise<CLayout> {
    const index = this.index;
    const id = index.find(name);
    if (id < 0) throw new DwarfError(notFound(name, this.file, (n) => index.find(n) >= 0));
    const source: TypeSource = {
      definition: (n) => {
        const found = index.find(n);
        return found < 0 ? undefined : index.offset(found);
      },
      prefixAt: (at) => index.prefixAt(at),
    };
    return layoutAt(this.file, this.elf.machine, this.info, name, index.offset(id), source, (die) => this.checked(die, id, name));
  }

  /**
   * The layout of the type spelled `name` in `file`, without indexing the whole file: only the
   * units that hold its name are walked (nameLookup.ts): one answer, as `gdb ptype` and `pahole -C`
   * give one. Where they cannot answer for sure, the whole index is built, on this thread (longer
   * than open() on a machine where open() would use worker threads). An ELF file given open
   * (ElfFile.fromBytes) is closed here.
   */
  static async layoutByName(from: string | ElfFile, name: string, options: Pick<OpenOptions, 'signal'> = {}): Promise<CLayout> {
    const elf = typeof from === 'string' ? ElfFile.open(from) : from;
    const file = elf.path;
    try {
      checkReadable(elf);
      const dwarf = new DwarfInfo(await readSections(elf, options.signal, false), elf.littleEndian);
      dwarf.readUnitHeaders();
      const found = await layoutFromUnits(file, elf.machine, dwarf, name, options.signal);
      if (found) return found;
      // Only the whole index can answer (see nameLookup.ts), and it says the same as open() would.
      const whole = new DebugTypes(file, elf.buildId(), elf, dwarf, await buildIndex(dwarf, { signal: options.signal, workers: 0 }), undefined, undefined);
      return await whole.layout(name);
    } catch (error) {
      throw wrap(file, error);
    } finally {
      elf.close();
    }
  }

  /**
   * The DIE an index entry names. From the cache it must be a DIE of the entry's tag with the
   * entry's name: a cache that does not match the file (damaged) goes, and says so.
   */
  private async checked(die: Die | undefined, id: number, name: string): Promise<void> {
    if (!this.fromCache) return;
    const own = stringOf(die?.attrs.get(DW_AT.name));
    if (!die || die.tag !== this.index.tag(id) || (own !== undefined && !name.endsWith(own))) await this.damaged();
  }

  /** The cached index does not match the file (damaged, or written by a faulty version): it goes, and says so. */
  private async damaged(): Promise<never> {
    if (this.cacheFile) await fs.promises.rm(this.cacheFile, { force: true });
    throw new DwarfError(l10n.t('The saved index of {0} does not match it: it was removed. Open the file again to index it anew.', this.file));
  }
}

/** The definitions and scopes of the types a layout meets, from whichever index found its type. */
type TypeSource = Pick<LayoutSource, 'definition' | 'prefixAt'>;

/** No type `name`: said so, and how C spells it when it is a struct, union or enum tag (`point` is `struct point`). */
function notFound(name: string, file: string, has: (name: string) => boolean): string {
  const spelled = KEYWORD_SPELLING.test(name) ? undefined : ['struct', 'union', 'enum'].map((keyword) => `${keyword} ${name}`).find(has);
  return spelled
    ? l10n.t('No type "{0}" in the debug information of {1}; there is "{2}" (C names a tag with its keyword).', name, file, spelled)
    : l10n.t('No type "{0}" in the debug information of {1}.', name, file);
}

/** The layout of `name` from the units that hold its name (nameLookup.ts); undefined: only the whole index can say. */
async function layoutFromUnits(file: string, machine: number, info: DwarfInfo, name: string, signal?: AbortSignal): Promise<CLayout | undefined> {
  const units = new UnitsByName(info);
  try {
    const offset = await units.find(name, signal);
    if (offset === undefined) return undefined;
    return await layoutAt(file, machine, info, name, offset, { definition: (n) => units.findNow(n), prefixAt: (at) => units.prefixAt(at) });
  } catch (error) {
    if (error instanceof WholeIndexNeeded) return undefined;
    throw error;
  }
}

/** Refuses what cannot be read for types: no DWARF at all, or an object file not yet relocated. */
function checkReadable(elf: ElfFile): void {
  if (!elf.hasDebugInfo()) {
    throw new NoDebugInfoError(
      l10n.t(
        '{0} has no debug information (no .debug_info section). Build it with -g, or install its debug package (Debian and Ubuntu: the -dbgsym or -dbg package; Fedora: debuginfo-install).',
        elf.path,
      ),
    );
  }
  if (elf.type === ET_REL && (elf.section('.rela.debug_info') || elf.section('.rel.debug_info'))) {
    throw new DwarfError(l10n.t('{0} is an object file whose debug information is not relocated yet: open the linked program or library instead.', elf.path));
  }
}

/**
 * The layout of the type DIE at `offset`, called `name`; `check` sees the DIE first (a cached
 * index's entry must name what is there), and may throw.
 */
async function layoutAt(
  file: string,
  machine: number,
  info: DwarfInfo,
  name: string,
  offset: number,
  source: TypeSource,
  check?: (die: Die | undefined) => Promise<void>,
): Promise<CLayout> {
  try {
    const layouter = new Layouter({ info, machine, ...source });
    if (check) {
      let die: Die | undefined;
      try {
        die = layouter.die(offset);
      } catch {
        // not even a DIE there
      }
      await check(die);
    }
    const root = layouter.field(name, layouter.die(offset), 0, 0);
    root.type = name;
    const where = declaredAt(file, info, layouter.die(offset));
    return { name, size: root.size, align: root.align, root, enums: layouter.enums, file: where.file, line: where.line };
  } catch (error) {
    throw wrap(file, error);
  }
}

/** Where a type is declared: its source file (from the unit's line table) and line; the debug file itself when it does not say. */
function declaredAt(file: string, info: DwarfInfo, die: Die): { file: string; line: number } {
  const line = numberOf(die.attrs.get(DW_AT.decl_line)) ?? 0;
  const index = numberOf(die.attrs.get(DW_AT.decl_file));
  let where = file;
  if (index !== undefined) {
    try {
      where = fileNames(info, die.unit)[index] ?? where;
    } catch {
      // a damaged line table only loses the file name
    }
  }
  return { file: where, line };
}

function entries(list: TypeList): NamedType[] {
  return list.names.map((name, i) => ({ name, tag: list.tags[i], own: (list.flags[i] & OWN) !== 0 }));
}

function cacheFileOf(dir: string, file: string, buildId: string | undefined): string {
  const key = buildId ?? crypto.createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 40);
  return path.join(dir, `dwarf-${key}.index`);
}

function stampOf(file: string): Stamp | undefined {
  try {
    const stat = fs.statSync(file);
    return { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
  } catch {
    return undefined;
  }
}

/** The debug sections, read (and decompressed) without blocking the event loop. */
async function readSections(elf: ElfFile, signal: AbortSignal | undefined, shared: boolean): Promise<DwarfSections> {
  const read = async (name: string): Promise<Uint8Array | undefined> => {
    const section = elf.section(name);
    if (!section) return undefined;
    if (signal?.aborted) throw abortError();
    return elf.sectionBytes(section, shared);
  };
  const [info, abbrev, str, lineStr, strOffsets, types, line] = await Promise.all([
    read('.debug_info'),
    read('.debug_abbrev'),
    read('.debug_str'),
    read('.debug_line_str'),
    read('.debug_str_offsets'),
    read('.debug_types'),
    read('.debug_line'),
  ]);
  if (!info || !abbrev) throw new DwarfError(l10n.t('The file has .debug_info but no .debug_abbrev: its debug information cannot be read.'));
  return { info, abbrev, str, lineStr, strOffsets, types, line };
}

/** Errors of the reader, said with the file they are about. */
function wrap(file: string, error: unknown): unknown {
  if (error instanceof DwarfError || error instanceof ObjectFileError) {
    if (error.message.includes(file)) return error;
    const wrapped = new DwarfError(l10n.t('{0}: {1}', file, error.message));
    return wrapped;
  }
  if (error instanceof RangeError) return new DwarfError(l10n.t('{0}: the debug information is damaged ({1}).', file, error.message));
  return error;
}
