// Types from a program's own debug information: open an ELF file with DWARF (an executable, a
// library, a separate debug file), list its named types, and lay one out as the compiler probe would
// (CLayout). The list comes from one pass over the units (their scopes and named types, every other
// subtree jumped over), kept on disk per build-id in a folder the caller gives and reused while the
// file has the same size, modification time and inode. Everything long is asynchronous and
// cooperative: the event loop gets control back every few milliseconds, an AbortSignal stops it, and
// a progress callback hears how far it is.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { CLayout } from '../../shared/cLayout';
import * as l10n from '../../shared/l10n';
import { ElfFile, ObjectFileError } from '../objectFile';
import { DwarfError } from './bytes';
import { DW_AT, DW_TAG, DW_UT } from './constants';
import { numberOf, Unit } from './die';
import { DwarfInfo, DwarfSections } from './info';
import { Layouter } from './layout';
import { fileNames } from './lines';
import { abortError, Scopes, spelledName, TYPE_TAGS, walkScopes, Yielder } from './scopes';

export interface NamedType {
  /** As the language spells it: `struct point` (C), `ring::Slot<Msg>` (C++), `shm::Header` (Rust). */
  name: string;
  /** Global offset of its DIE. */
  offset: number;
  /** Its DWARF tag (structure, class, union, enumeration, typedef). */
  tag: number;
}

export interface OpenOptions {
  /** A folder for the name index (per build-id); none: the index is built in memory only. */
  cacheDir?: string;
  signal?: AbortSignal;
  /** How far reading is, 0 to 1. */
  progress?: (fraction: number) => void;
}

const CACHE_VERSION = 2;
const ET_REL = 1;
/** The listed tags as 0..4, for a number key. */
const TAG_INDEX: Record<number, number> = {
  [DW_TAG.structure_type]: 0,
  [DW_TAG.class_type]: 1,
  [DW_TAG.union_type]: 2,
  [DW_TAG.enumeration_type]: 3,
  [DW_TAG.typedef]: 4,
};

/** The file has no DWARF types at all. */
export class NoDebugInfoError extends Error {}

export class DebugTypes {
  private index = new Map<string, NamedType>();
  private readonly prefixMaps = new Map<Unit, Map<number, string>>();
  private readonly scopes: Scopes;
  /** Whether the index came from the cache (for tests and the bench). */
  fromCache = false;

  private constructor(
    readonly file: string,
    readonly buildId: string | undefined,
    private readonly elf: ElfFile,
    private readonly info: DwarfInfo,
  ) {
    this.scopes = new Scopes(info);
  }

  /** Opens `file`, reads its debug sections and lists its named types (from the cache when it can). */
  static async open(file: string, options: OpenOptions = {}): Promise<DebugTypes> {
    return DebugTypes.read(ElfFile.open(file), options);
  }

  /** The same from an ELF file already open (or in memory: ElfFile.fromBytes). It is closed with close(). */
  static async read(elf: ElfFile, options: OpenOptions = {}): Promise<DebugTypes> {
    const file = elf.path;
    try {
      if (!elf.hasDebugInfo()) {
        throw new NoDebugInfoError(
          l10n.t(
            '{0} has no debug information (no .debug_info section). Build it with -g, or install its debug package (Debian and Ubuntu: the -dbgsym or -dbg package; Fedora: debuginfo-install).',
            file,
          ),
        );
      }
      if (elf.type === ET_REL && (elf.section('.rela.debug_info') || elf.section('.rel.debug_info'))) {
        throw new DwarfError(l10n.t('{0} is an object file whose debug information is not relocated yet: open the linked program or library instead.', file));
      }
      const sections = await readSections(elf, options.signal);
      const info = new DwarfInfo(sections, elf.littleEndian);
      info.readUnitHeaders();
      const types = new DebugTypes(file, elf.buildId(), elf, info);
      await types.buildIndex(options);
      return types;
    } catch (error) {
      elf.close();
      throw wrap(file, error);
    }
  }

  close(): void {
    this.elf.close();
  }

  /** Every named type, one per name (the first definition), in file order. */
  types(): NamedType[] {
    return [...this.index.values()];
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  /** The layout of the type called `name` (as types() spells it). */
  async layout(name: string, options: { signal?: AbortSignal } = {}): Promise<CLayout> {
    const entry = this.index.get(name);
    if (!entry) throw new DwarfError(l10n.t('No type "{0}" in the debug information of {1}.', name, this.file));
    try {
      for (let round = 0; round < 8; round++) {
        const layouter = new Layouter({
          info: this.info,
          machine: this.elf.machine,
          definition: (n) => this.index.get(n)?.offset,
          prefixes: (unit) => this.prefixMaps.get(unit),
        });
        const die = layouter.die(entry.offset);
        const root = layouter.field(name, die, 0, 0);
        root.type = name;
        if (layouter.missing.size > 0) {
          // Type names in C++ or Rust scopes need their units' scope walk: done, then built again.
          for (const unit of layouter.missing) await this.prefixesOf(unit, options.signal);
          continue;
        }
        const where = this.declaredAt(layouter, entry.offset);
        return { name, size: root.size, align: root.align, root, enums: layouter.enums, file: where.file, line: where.line };
      }
      throw new DwarfError(l10n.t('The type "{0}" refers to too many units to lay out.', name));
    } catch (error) {
      throw wrap(this.file, error);
    }
  }

  private declaredAt(layouter: Layouter, offset: number): { file: string; line: number } {
    const die = layouter.die(offset);
    const line = numberOf(die.attrs.get(DW_AT.decl_line)) ?? 0;
    const index = numberOf(die.attrs.get(DW_AT.decl_file));
    let file = this.file;
    if (index !== undefined) {
      try {
        file = fileNames(this.info, die.unit)[index] ?? file;
      } catch {
        // a damaged line table only loses the file name
      }
    }
    return { file, line };
  }

  private async prefixesOf(unit: Unit, signal?: AbortSignal): Promise<void> {
    if (this.prefixMaps.has(unit)) return;
    const map = new Map<number, string>();
    await walkScopes(
      this.info,
      unit,
      this.scopes,
      (tag) => TYPE_TAGS.has(tag),
      (v) => v.scope && map.set(v.offset, this.scopes.prefixes[v.scope]),
      new Yielder({ signal }),
    );
    this.prefixMaps.set(unit, map);
  }

  private async buildIndex(options: OpenOptions): Promise<void> {
    const cacheFile = options.cacheDir ? this.cacheFile(options.cacheDir) : undefined;
    const stamp = cacheFile ? this.stamp() : { size: 0, mtimeMs: 0, ino: 0 };
    if (cacheFile && (await this.loadCache(cacheFile, stamp, options.signal))) return;
    const total = this.info.units.length ? this.info.units[this.info.units.length - 1].end : 0;
    const yielder = new Yielder({ signal: options.signal, step: (bytes) => options.progress?.(total ? bytes / total : 1) });
    // The same type in many units (every header's types are in every unit that includes it): known
    // again by its scope, tag and name's .debug_str offset, a number, before any string is built.
    const seen = new Set<number>();
    for (const unit of this.info.units) {
      if (unit.unitType === DW_UT.skeleton || unit.unitType === DW_UT.split_compile || unit.unitType === DW_UT.split_type) continue;
      const language = this.info.top(unit).language;
      await walkScopes(
        this.info,
        unit,
        this.scopes,
        (tag) => TYPE_TAGS.has(tag),
        (v) => {
          if (v.declaration || !TYPE_TAGS.has(v.tag)) return; // namespaces are walked, not listed
          if (v.nameOffset >= 0 && v.nameOffset < 2 ** 27 && v.scope < 2 ** 23) {
            const key = (v.scope * 8 + TAG_INDEX[v.tag]) * 2 ** 27 + v.nameOffset; // below 2^53: exact
            if (seen.has(key)) return;
            seen.add(key);
          }
          const name = spelledName(v.tag, this.scopes.name(v), this.scopes.prefixes[v.scope], language);
          if (!this.index.has(name)) this.index.set(name, { name, offset: v.offset, tag: v.tag });
        },
        yielder,
      );
      if (options.signal?.aborted) throw abortError();
    }
    options.progress?.(1);
    if (cacheFile) await this.saveCache(cacheFile, stamp);
  }

  private cacheFile(dir: string): string {
    const key = this.buildId ?? crypto.createHash('sha256').update(path.resolve(this.file)).digest('hex').slice(0, 40);
    return path.join(dir, `dwarf-${key}.json`);
  }

  private stamp(): { size: number; mtimeMs: number; ino: number } {
    const stat = fs.statSync(this.file);
    return { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino };
  }

  /**
   * The cached index if it is for this very file; a corrupt or stale one is ignored (and rebuilt).
   * The file is a JSON header line, then one `offset tag name` line per type: read line by line,
   * giving the event loop back now and then (a big program's index is megabytes).
   */
  private async loadCache(file: string, stamp: { size: number; mtimeMs: number; ino: number }, signal?: AbortSignal): Promise<boolean> {
    try {
      const bytes = await fs.promises.readFile(file);
      const firstLine = bytes.indexOf(10);
      if (firstLine < 0) return false;
      const header = JSON.parse(bytes.toString('utf8', 0, firstLine)) as {
        version: number;
        size: number;
        mtimeMs: number;
        ino: number;
        infoLength: number;
        count: number;
      };
      if (header.version !== CACHE_VERSION || header.size !== stamp.size || header.mtimeMs !== stamp.mtimeMs || header.ino !== stamp.ino) return false;
      if (header.infoLength !== this.info.infoLength) return false;
      const index = new Map<string, NamedType>();
      const limit = this.info.units.length ? this.info.units[this.info.units.length - 1].end : 0;
      const yielder = new Yielder({ signal });
      // Decoded a piece at a time (whole lines of about 256 KiB): one decode of megabytes would block.
      for (let start = firstLine + 1; start < bytes.length;) {
        let stop = bytes.indexOf(10, Math.min(bytes.length - 1, start + (256 << 10)));
        if (stop < 0) stop = bytes.length - 1;
        const text = bytes.toString('utf8', start, stop + 1);
        start = stop + 1;
        for (let at = 0; at < text.length;) {
          let end = text.indexOf('\n', at);
          if (end < 0) end = text.length;
          const tab1 = text.indexOf('\t', at);
          const tab2 = tab1 < 0 ? -1 : text.indexOf('\t', tab1 + 1);
          if (tab2 < 0 || tab2 > end) return false;
          const offset = Number(text.slice(at, tab1));
          const tag = Number(text.slice(tab1 + 1, tab2));
          const name = text.slice(tab2 + 1, end);
          if (!Number.isSafeInteger(offset) || offset < 0 || offset >= limit || !TYPE_TAGS.has(tag) || name === '') return false;
          index.set(name, { name, offset, tag });
          at = end + 1;
          if (yielder.due()) await yielder.yield(start);
        }
      }
      if (index.size !== header.count) return false;
      this.index = index;
      this.fromCache = true;
      return true;
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      return false;
    }
  }

  /** Writes the index in pieces (a big program's is megabytes), giving the event loop back between them. */
  private async saveCache(file: string, stamp: { size: number; mtimeMs: number; ino: number }): Promise<void> {
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const handle = await fs.promises.open(temp, 'w', 0o600);
      let writable = true;
      try {
        const header = JSON.stringify({ version: CACHE_VERSION, ...stamp, infoLength: this.info.infoLength, count: this.index.size });
        await handle.write(`${header}\n`);
        let batch: string[] = [];
        for (const t of this.index.values()) {
          // A name with a newline or tab cannot be written in this format: then nothing is cached (and the index is built again next time).
          if (t.name.includes('\n') || t.name.includes('\t')) {
            writable = false;
            break;
          }
          batch.push(`${t.offset}\t${t.tag}\t${t.name}\n`);
          if (batch.length === 4096) {
            await handle.write(batch.join(''));
            batch = [];
          }
        }
        if (batch.length) await handle.write(batch.join(''));
      } finally {
        await handle.close();
      }
      if (writable) await fs.promises.rename(temp, file);
      else await fs.promises.rm(temp, { force: true });
    } catch {
      // a cache that cannot be written costs only time next time
      await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    }
  }
}

/** The debug sections, read (and decompressed) without blocking the event loop. */
async function readSections(elf: ElfFile, signal?: AbortSignal): Promise<DwarfSections> {
  const read = async (name: string): Promise<Uint8Array | undefined> => {
    const section = elf.section(name);
    if (!section) return undefined;
    if (signal?.aborted) throw abortError();
    return elf.sectionBytes(section);
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
