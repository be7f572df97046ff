// Debug sections read when first needed, as little as a layout needs: once the name index comes
// from the cache (indexCache.ts), laying out one type reads a few DIEs of its unit, a few names, an
// abbreviation table and a line table header, not the hundreds of megabytes of a big program's
// DWARF. Nothing is allocated for what is never read: big buffers, even unwritten, are what makes a
// virtual machine slow (zeroed pages, and the garbage collector counting them).
// - .debug_info and .debug_types: a window of the section, in memory from its first to its last
//   byte read so far, grown (pieces of 16 KiB) when something outside it is read;
// - .debug_str and .debug_line_str: each string read on its own, and kept (a small one in pieces);
// - the others (abbreviations, string offsets, line tables): a buffer of the section's size, made
//   on first use, whose pieces are read the first time something reads them.
// A compressed section cannot be read in pieces: it is read whole beforehand.
import type { ElfFile, Section } from '../objectFile';
import * as l10n from '../../shared/l10n';
import { DwarfError, utf8 } from './bytes';
import type { DwarfSections, SectionLoader, SectionName } from './info';

export type { SectionLoader, SectionName } from './info';

const PIECE = 16 << 10;
/** A window grows by this much at least (fewer, larger reads: each growth copies what it had). */
const WINDOW_STEP = 256 << 10;
/** String sections up to this size are read in pieces like the others; larger ones string by string. */
const STRINGS_ALONE_FROM = 1 << 20;

/** A section read in pieces into a buffer of its size, made when first needed. */
class Pieces {
  private buffer: Uint8Array | undefined;
  private loaded: Uint8Array | undefined;

  constructor(
    private readonly elf: ElfFile,
    private readonly section: Section,
    private readonly place: (bytes: Uint8Array) => void,
  ) {}

  ensure(start: number, end: number): void {
    if (!this.buffer) {
      this.buffer = Buffer.allocUnsafeSlow(this.section.size);
      this.loaded = new Uint8Array(Math.ceil(this.section.size / PIECE));
      this.place(this.buffer);
    }
    const loaded = this.loaded!;
    const first = Math.max(0, Math.floor(start / PIECE));
    const last = Math.min(loaded.length - 1, Math.floor((Math.min(end, this.section.size) - 1) / PIECE));
    for (let piece = first; piece <= last; piece++) {
      if (loaded[piece]) continue;
      let stop = piece;
      while (stop < last && !loaded[stop + 1]) stop++; // neighbours in one read
      this.elf.readPiece(this.section, piece * PIECE, Math.min(this.section.size, (stop + 1) * PIECE), this.buffer);
      loaded.fill(1, piece, stop + 1);
      piece = stop;
    }
  }

  ensureString(offset: number): void {
    for (let at = offset; at < this.section.size; at = (Math.floor(at / PIECE) + 1) * PIECE) {
      this.ensure(at, at + 1);
      const pieceEnd = Math.min(this.section.size, (Math.floor(at / PIECE) + 1) * PIECE);
      if (this.buffer!.subarray(at, pieceEnd).indexOf(0) >= 0) return;
    }
  }
}

/** A window of a section: its bytes from `start` on, grown as reading goes outside it. */
class Window {
  start = 0;
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly elf: ElfFile,
    private readonly section: Section,
    private readonly place: (bytes: Uint8Array) => void,
  ) {}

  ensure(start: number, end: number): void {
    const stop = Math.min(this.section.size, end);
    if (start >= this.start && stop <= this.start + this.bytes.length) return;
    const wantFrom = Math.floor(Math.min(start, stop - WINDOW_STEP) / PIECE) * PIECE;
    const wantTo = Math.ceil(Math.max(stop, start + WINDOW_STEP) / PIECE) * PIECE;
    const from = Math.max(0, this.bytes.length === 0 ? wantFrom : Math.min(this.start, start < this.start ? wantFrom : this.start));
    const to = Math.min(
      this.section.size,
      this.bytes.length === 0 ? wantTo : Math.max(this.start + this.bytes.length, stop > this.start + this.bytes.length ? wantTo : 0),
    );
    const grown = Buffer.allocUnsafeSlow(to - from);
    if (this.bytes.length === 0) {
      this.elf.readPiece(this.section, from, to, grown, from);
    } else {
      const oldEnd = this.start + this.bytes.length;
      if (from < this.start) this.elf.readPiece(this.section, from, this.start, grown, from);
      grown.set(this.bytes, this.start - from);
      if (to > oldEnd) this.elf.readPiece(this.section, oldEnd, to, grown, from);
    }
    this.start = from;
    this.bytes = grown;
    this.place(grown);
  }
}

/** Strings read one by one (pread of a small piece until the NUL), kept once read. */
class Strings {
  private readonly known = new Map<number, string>();
  private readonly piece = Buffer.allocUnsafe(256);

  constructor(
    private readonly elf: ElfFile,
    private readonly section: Section,
  ) {}

  text(offset: number): string | undefined {
    let text = this.known.get(offset);
    if (text !== undefined) return text;
    if (!(offset >= 0 && offset < this.section.size)) {
      throw new DwarfError(l10n.t('The debug section {0} has no string at offset {1} (it has {2} bytes).', this.section.name, offset, this.section.size));
    }
    const parts: Buffer[] = [];
    for (let at = offset; at < this.section.size; at += this.piece.length) {
      const end = Math.min(this.section.size, at + this.piece.length);
      this.elf.readPiece(this.section, at, end, this.piece, at);
      const nul = this.piece.subarray(0, end - at).indexOf(0);
      parts.push(Buffer.from(this.piece.subarray(0, nul >= 0 ? nul : end - at)));
      if (nul >= 0) break;
    }
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    text = utf8(bytes, 0, bytes.length);
    this.known.set(offset, text);
    return text;
  }
}

/**
 * The debug sections of `elf` read lazily (plain ones) or whole beforehand (compressed ones, by
 * `eager`). The loader must be called before reading: DwarfInfo does.
 */
export async function lazySections(
  elf: ElfFile,
  names: Record<SectionName, string>,
  eager: (section: Section) => Promise<Uint8Array>,
): Promise<DwarfSections & { loader: SectionLoader }> {
  const sections = { info: new Uint8Array(0), abbrev: new Uint8Array(0) } as DwarfSections & { loader: SectionLoader };
  const pieces = new Map<SectionName, Pieces>();
  const windows = new Map<'info' | 'types', Window>();
  const strings = new Map<'str' | 'lineStr', Strings>();
  const sizes = new Map<SectionName, number>();
  for (const [key, name] of Object.entries(names) as Array<[SectionName, string]>) {
    const section = elf.section(name);
    if (!section) continue;
    if (!elf.isPlain(section)) {
      sections[key] = await eager(section);
      sizes.set(key, sections[key]!.length);
      continue;
    }
    sizes.set(key, section.size);
    const place = (bytes: Uint8Array) => (sections[key] = bytes);
    if (key === 'info' || key === 'types') windows.set(key, new Window(elf, section, place));
    else if ((key === 'str' || key === 'lineStr') && section.size >= STRINGS_ALONE_FROM) {
      strings.set(key, new Strings(elf, section));
      sections[key] = new Uint8Array(0);
    } else pieces.set(key, new Pieces(elf, section, place));
    if (pieces.has(key)) sections[key] = new Uint8Array(0);
  }
  sections.loader = {
    ensure: (section, start, end) => {
      if (section === 'info' || section === 'types') windows.get(section)?.ensure(start, end);
      else pieces.get(section)?.ensure(start, end);
    },
    ensureString: (section, offset) => pieces.get(section)?.ensureString(offset),
    text: (section, offset) => {
      const alone = strings.get(section);
      if (alone) return alone.text(offset);
      pieces.get(section)?.ensureString(offset);
      return undefined; // read from the section's pieces
    },
    windowStart: (section) => windows.get(section)?.start ?? 0,
    size: (section) => sizes.get(section) ?? 0,
  };
  return sections;
}
