// Debug sections read piece by piece when first needed: once the name index comes from the cache,
// laying out one type needs its unit, the abbreviations, a few names and a line table header, not
// the hundreds of megabytes of a big program's DWARF. Each section is a buffer of its full size
// whose pieces are read from the file the first time something reads them (the pages of
// the pieces never read are never touched; pieces of 16 KiB, neighbours read together). A compressed section cannot be read in pieces: it is
// read whole beforehand, as before.
import type { ElfFile, Section } from '../objectFile';
import type { DwarfSections } from './info';

const PIECE = 16 << 10;

export type SectionName = Exclude<keyof DwarfSections, 'loader'>;

/** Reads the parts of sections a reader is about to use. */
export interface SectionLoader {
  /** Bytes [start, end) of a section are there after this. */
  ensure(section: SectionName, start: number, end: number): void;
  /** The NUL-terminated string at `offset` of a string section is there after this. */
  ensureString(section: SectionName, offset: number): void;
}

class LazySection {
  readonly bytes: Uint8Array;
  private readonly loaded: Uint8Array;

  constructor(
    private readonly elf: ElfFile,
    private readonly section: Section,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(section.size);
    this.loaded = new Uint8Array(Math.ceil(section.size / PIECE));
  }

  ensure(start: number, end: number): void {
    const first = Math.max(0, Math.floor(start / PIECE));
    const last = Math.min(this.loaded.length - 1, Math.floor((Math.min(end, this.section.size) - 1) / PIECE));
    for (let piece = first; piece <= last; piece++) {
      if (this.loaded[piece]) continue;
      let stop = piece;
      while (stop < last && !this.loaded[stop + 1]) stop++; // neighbours in one read
      this.elf.readPiece(this.section, piece * PIECE, Math.min(this.section.size, (stop + 1) * PIECE), this.bytes);
      this.loaded.fill(1, piece, stop + 1);
      piece = stop;
    }
  }

  ensureString(offset: number): void {
    for (let at = offset; at < this.section.size; at = (Math.floor(at / PIECE) + 1) * PIECE) {
      this.ensure(at, at + 1);
      const pieceEnd = Math.min(this.section.size, (Math.floor(at / PIECE) + 1) * PIECE);
      if (this.bytes.subarray(at, pieceEnd).indexOf(0) >= 0) return;
    }
  }
}

/**
 * The debug sections of `elf` with the plain ones read lazily: `eager` reads the others (compressed)
 * whole. The result's loader must be called before reading (DwarfInfo does).
 */
export async function lazySections(
  elf: ElfFile,
  names: Record<SectionName, string>,
  eager: (section: Section) => Promise<Uint8Array>,
): Promise<DwarfSections & { loader: SectionLoader }> {
  const lazy = new Map<SectionName, LazySection>();
  const out: Partial<Record<SectionName, Uint8Array>> = {};
  for (const [key, name] of Object.entries(names) as Array<[SectionName, string]>) {
    const section = elf.section(name);
    if (!section) continue;
    if (elf.isPlain(section)) {
      const part = new LazySection(elf, section);
      lazy.set(key, part);
      out[key] = part.bytes;
    } else {
      out[key] = await eager(section);
    }
  }
  const loader: SectionLoader = {
    ensure: (section, start, end) => lazy.get(section)?.ensure(start, end),
    ensureString: (section, offset) => lazy.get(section)?.ensureString(offset),
  };
  return { ...(out as DwarfSections), loader };
}
