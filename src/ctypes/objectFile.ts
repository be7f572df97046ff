import * as l10n from '../shared/l10n';
// Reading named data out of a relocatable ELF object file (what `cc -c` writes): the layout probe's
// tables are constants the compiler worked out, so compiling is enough, with no link and no run. That
// also lets a cross compiler give the layouts of its target. Only what the probe needs is read: the
// section headers, the symbol table, and the bytes of chosen symbols. Every offset is bounds-checked:
// the file comes from whatever compiler the settings name.

export interface ObjectData {
  littleEndian: boolean;
  /** The symbols asked for, by name: their bytes (empty for a symbol of size 0). */
  symbols: Map<string, Uint8Array>;
}

export class ObjectFileError extends Error {}

const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHN_LORESERVE = 0xff00;
const STT_OBJECT = 1;
/** The probe's largest symbol is a 1 MiB record: a zero-filled one claimed far bigger is damage. */
const MAX_ZERO_FILLED = 64 << 20;

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
}

class Reader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly wide: boolean,
    readonly little: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(at: number, length: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || at + length > this.bytes.length) {
      throw new ObjectFileError(l10n.t('The object file is cut short (reading {0} bytes at {1} of {2}).', length, at, this.bytes.length));
    }
  }

  u8(at: number): number {
    this.check(at, 1);
    return this.view.getUint8(at);
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, this.little);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, this.little);
  }

  /** A 32- or 64-bit address or size, as the file's class has them. */
  word(at: number): number {
    if (!this.wide) return this.u32(at);
    this.check(at, 8);
    const value = Number(this.view.getBigUint64(at, this.little));
    if (!Number.isSafeInteger(value)) throw new ObjectFileError(l10n.t('The object file has an offset beyond 2^53.'));
    return value;
  }

  slice(at: number, length: number): Uint8Array {
    this.check(at, length);
    return this.bytes.subarray(at, at + length);
  }

  cString(at: number): string {
    this.check(at, 0);
    const end = this.bytes.indexOf(0, at);
    if (end < 0) throw new ObjectFileError(l10n.t('The object file has an unterminated name.'));
    return Buffer.from(this.bytes.subarray(at, end)).toString('latin1');
  }
}

function sectionsOf(r: Reader): Section[] {
  const shoff = r.word(r.wide ? 0x28 : 0x20);
  const entrySize = r.u16(r.wide ? 0x3a : 0x2e);
  let count = r.u16(r.wide ? 0x3c : 0x30);
  if (shoff === 0) throw new ObjectFileError(l10n.t('The object file has no section headers.'));
  if (entrySize < (r.wide ? 64 : 40)) throw new ObjectFileError(l10n.t("The object file's section headers are {0} bytes: too small.", entrySize));
  const read = (index: number): Section => {
    const at = shoff + index * entrySize;
    return r.wide
      ? { type: r.u32(at + 4), offset: r.word(at + 0x18), size: r.word(at + 0x20), link: r.u32(at + 0x28) }
      : { type: r.u32(at + 4), offset: r.u32(at + 0x10), size: r.u32(at + 0x14), link: r.u32(at + 0x18) };
  };
  if (count === 0) count = read(0).size; // more than 0xff00 sections: the count is in section 0
  if (count * entrySize > r.bytes.length) throw new ObjectFileError(l10n.t('The object file claims more sections than it can hold.'));
  return Array.from({ length: count }, (_, i) => read(i));
}

/** The bytes of the object symbols named in `wanted` (those present), from an ELF relocatable file. */
export function readObjectSymbols(bytes: Uint8Array, wanted: (name: string) => boolean): ObjectData {
  if (bytes.length < 0x34 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ObjectFileError(l10n.t('The compiler did not write an ELF object file.'));
  }
  const elfClass = bytes[4];
  const data = bytes[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) {
    throw new ObjectFileError(l10n.t('The object file has an unknown ELF class {0} or byte order {1}.', elfClass, data));
  }
  const r = new Reader(bytes, elfClass === 2, data === 1);
  const sections = sectionsOf(r);
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) throw new ObjectFileError(l10n.t('The object file has no symbol table.'));
  const strtab = sections[symtab.link];
  if (!strtab) throw new ObjectFileError(l10n.t('The object file names a missing string table.'));
  const entrySize = r.wide ? 24 : 16;
  const symbols = new Map<string, Uint8Array>();
  for (let at = symtab.offset; at + entrySize <= symtab.offset + symtab.size; at += entrySize) {
    const nameOffset = r.u32(at);
    const info = r.u8(r.wide ? at + 4 : at + 12);
    const shndx = r.u16(r.wide ? at + 6 : at + 14);
    const value = r.wide ? r.word(at + 8) : r.u32(at + 4);
    const size = r.wide ? r.word(at + 16) : r.u32(at + 8);
    if ((info & 0xf) !== STT_OBJECT || nameOffset >= strtab.size) continue;
    const name = r.cString(strtab.offset + nameOffset);
    if (!wanted(name)) continue;
    if (shndx === 0 || shndx >= SHN_LORESERVE || !sections[shndx]) throw new ObjectFileError(l10n.t('The object file puts "{0}" in no section it has.', name));
    const section = sections[shndx];
    if (value + size > section.size) throw new ObjectFileError(l10n.t('The object file\'s "{0}" runs past its section.', name));
    // Zero-filled data (NOBITS) has no bytes in the file.
    if (section.type === SHT_NOBITS && size > MAX_ZERO_FILLED) throw new ObjectFileError(l10n.t('The object file\'s "{0}" claims {1} zero bytes.', name, size));
    symbols.set(name, section.type === SHT_NOBITS ? new Uint8Array(size) : r.slice(section.offset + value, size));
  }
  return { littleEndian: r.little, symbols };
}
