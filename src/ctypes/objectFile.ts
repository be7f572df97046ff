import * as fs from 'fs';
import * as zlib from 'zlib';
import * as l10n from '../shared/l10n';
// The project's one ELF reader. Two users:
// - the layout probe: named data out of a relocatable object file (what `cc -c` writes). Its tables
//   are constants the compiler worked out, so compiling is enough, with no link and no run; that also
//   lets a cross compiler give the layouts of its target. Read: section headers, the symbol table,
//   and the bytes of chosen symbols.
// - the DWARF reader (dwarf/): the sections of an executable, a shared library or a separate debug
//   file, by name, decompressed (SHF_COMPRESSED zlib; zstd where this Node has it; legacy .zdebug_),
//   plus the build-id note and .gnu_debuglink, read from the file piece by piece (a debug file can be
//   hundreds of megabytes: only the sections asked for are read).
// 32- and 64-bit, both byte orders. Every offset is bounds-checked: the file may be anything.

export interface ObjectData {
  littleEndian: boolean;
  /** The symbols asked for, by name: their bytes (empty for a symbol of size 0). */
  symbols: Map<string, Uint8Array>;
}

export class ObjectFileError extends Error {
  override readonly name = 'ObjectFileError';
}

const SHT_SYMTAB = 2;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const SHN_LORESERVE = 0xff00;
const STT_OBJECT = 1;
const SHF_COMPRESSED = 0x800;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;
const NT_GNU_BUILD_ID = 3;
/** The probe's largest symbol is a 1 MiB record: a zero-filled one claimed far bigger is damage. */
const MAX_ZERO_FILLED = 64 << 20;
/** Sections for worker threads are read and copied in pieces of this size. */
const SHARED_PIECE = 8 << 20;
/** A decompressed section is at most this big (the largest debug sections of real programs are a few hundred MiB). */
export const MAX_SECTION_BYTES = 2 ** 31 - 1;

export interface Section {
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
}

/** Bounds-checked reads of a piece of a file: `bytes` holds the file's bytes from `base` on. */
class Reader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly wide: boolean,
    readonly little: boolean,
    /** The file offset of bytes[0]; offsets given to the reads are file offsets. */
    readonly base = 0,
    /** The whole file's size, for messages. */
    readonly fileSize = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(at: number, length: number): number {
    const local = at - this.base;
    if (!Number.isSafeInteger(at) || local < 0 || local + length > this.bytes.length) {
      throw new ObjectFileError(l10n.t('The object file is cut short (reading {0} bytes at {1} of {2}).', length, at, this.fileSize));
    }
    return local;
  }

  u8(at: number): number {
    return this.view.getUint8(this.check(at, 1));
  }

  u16(at: number): number {
    return this.view.getUint16(this.check(at, 2), this.little);
  }

  u32(at: number): number {
    return this.view.getUint32(this.check(at, 4), this.little);
  }

  /** A 32- or 64-bit address or size, as the file's class has them. */
  word(at: number): number {
    if (!this.wide) return this.u32(at);
    const value = Number(this.view.getBigUint64(this.check(at, 8), this.little));
    if (!Number.isSafeInteger(value)) throw new ObjectFileError(l10n.t('The object file has an offset beyond 2^53.'));
    return value;
  }

  slice(at: number, length: number): Uint8Array {
    const local = this.check(at, length);
    return this.bytes.subarray(local, local + length);
  }

  cString(at: number): string {
    const local = this.check(at, 0);
    const end = this.bytes.indexOf(0, local);
    if (end < 0) throw new ObjectFileError(l10n.t('The object file has an unterminated name.'));
    return Buffer.from(this.bytes.subarray(local, end)).toString('latin1');
  }
}

/** Reads `length` bytes at `offset` of a file (the whole file in memory, or an open descriptor). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

interface ElfHeader {
  wide: boolean;
  little: boolean;
  type: number;
  machine: number;
}

function elfHeader(first: Uint8Array, notElf: string): ElfHeader {
  if (first.length < 0x34 || first[0] !== 0x7f || first[1] !== 0x45 || first[2] !== 0x4c || first[3] !== 0x46) throw new ObjectFileError(notElf);
  const elfClass = first[4];
  const data = first[5];
  if ((elfClass !== 1 && elfClass !== 2) || (data !== 1 && data !== 2)) {
    throw new ObjectFileError(l10n.t('The object file has an unknown ELF class {0} or byte order {1}.', elfClass, data));
  }
  const r = new Reader(first, elfClass === 2, data === 1);
  return { wide: elfClass === 2, little: data === 1, type: r.u16(0x10), machine: r.u16(0x12) };
}

/** The section headers, named (a section without a name table gets ''). */
function sectionsOf(read: ReadAt, fileSize: number, header: ElfHeader, first: Uint8Array): Section[] {
  const h = new Reader(first, header.wide, header.little, 0, fileSize);
  const shoff = h.word(header.wide ? 0x28 : 0x20);
  const entrySize = h.u16(header.wide ? 0x3a : 0x2e);
  let count = h.u16(header.wide ? 0x3c : 0x30);
  let nameIndex = h.u16(header.wide ? 0x3e : 0x32);
  if (shoff === 0) throw new ObjectFileError(l10n.t('The object file has no section headers.'));
  if (entrySize < (header.wide ? 64 : 40)) throw new ObjectFileError(l10n.t("The object file's section headers are {0} bytes: too small.", entrySize));
  const at = (index: number) => shoff + index * entrySize;
  const zeroth = new Reader(read(shoff, entrySize), header.wide, header.little, shoff, fileSize);
  // More than 0xff00 sections: the count and the name table's index are in section 0.
  if (count === 0) count = header.wide ? zeroth.word(shoff + 0x20) : zeroth.u32(shoff + 0x14);
  if (nameIndex === 0xffff) nameIndex = zeroth.u32(shoff + (header.wide ? 0x28 : 0x18));
  if (count * entrySize > fileSize) throw new ObjectFileError(l10n.t('The object file claims more sections than it can hold.'));
  const table = new Reader(read(shoff, count * entrySize), header.wide, header.little, shoff, fileSize);
  const sections: Section[] = Array.from({ length: count }, (_, i) => {
    const s = at(i);
    return table.wide
      ? {
          name: '',
          nameOffset: table.u32(s),
          type: table.u32(s + 4),
          flags: table.word(s + 8),
          offset: table.word(s + 0x18),
          size: table.word(s + 0x20),
          link: table.u32(s + 0x28),
        }
      : {
          name: '',
          nameOffset: table.u32(s),
          type: table.u32(s + 4),
          flags: table.u32(s + 8),
          offset: table.u32(s + 0x10),
          size: table.u32(s + 0x14),
          link: table.u32(s + 0x18),
        };
  });
  const names = sections[nameIndex];
  if (names && names.type !== SHT_NOBITS && names.offset + names.size <= fileSize) {
    const r = new Reader(read(names.offset, names.size), header.wide, header.little, names.offset, fileSize);
    for (const section of sections as Array<Section & { nameOffset?: number }>) {
      if (section.nameOffset !== undefined && section.nameOffset < names.size) section.name = r.cString(names.offset + section.nameOffset);
      delete section.nameOffset;
    }
  }
  return sections;
}

/** The bytes of the object symbols named in `wanted` (those present), from an ELF relocatable file. */
export function readObjectSymbols(bytes: Uint8Array, wanted: (name: string) => boolean): ObjectData {
  const header = elfHeader(bytes, l10n.t('The compiler did not write an ELF object file.'));
  const r = new Reader(bytes, header.wide, header.little);
  const sections = sectionsOf((offset, length) => r.slice(offset, length), bytes.length, header, bytes);
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

/** An ELF file opened for its sections: an executable, a shared library, a debug file, an object file. */
export class ElfFile {
  private constructor(
    readonly path: string,
    private readonly fd: number | undefined,
    private readonly bytes: Uint8Array | undefined,
    readonly size: number,
    readonly littleEndian: boolean,
    readonly wide: boolean,
    /** ET_REL 1, ET_EXEC 2, ET_DYN 3, ET_CORE 4. */
    readonly type: number,
    /** e_machine: EM_386 3, EM_ARM 40, EM_X86_64 62, EM_AARCH64 183... */
    readonly machine: number,
    readonly sections: Section[],
  ) {}

  /** Opens `file` (read-only, not following a FIFO or device: only a regular file is read). */
  static open(file: string): ElfFile {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new ObjectFileError(l10n.t('{0} is not a regular file.', file));
      const readAt: ReadAt = (offset, length) => {
        if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > stat.size) {
          throw new ObjectFileError(l10n.t('{0} is cut short (reading {1} bytes at {2} of {3}).', file, length, offset, stat.size));
        }
        const out = Buffer.allocUnsafe(length);
        let done = 0;
        while (done < length) {
          const n = fs.readSync(fd, out, done, length - done, offset + done);
          if (n === 0) throw new ObjectFileError(l10n.t('{0} is cut short (reading {1} bytes at {2} of {3}).', file, length, offset, stat.size));
          done += n;
        }
        return out;
      };
      const elf = ElfFile.read(file, readAt, stat.size, fd, undefined);
      return elf;
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /** An ELF file already in memory (tests; a probe's object file). */
  static fromBytes(bytes: Uint8Array, name = '(memory)'): ElfFile {
    const readAt: ReadAt = (offset, length) => {
      if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new ObjectFileError(l10n.t('{0} is cut short (reading {1} bytes at {2} of {3}).', name, length, offset, bytes.length));
      }
      return bytes.subarray(offset, offset + length);
    };
    return ElfFile.read(name, readAt, bytes.length, undefined, bytes);
  }

  private static read(file: string, readAt: ReadAt, size: number, fd: number | undefined, bytes: Uint8Array | undefined): ElfFile {
    const first = readAt(0, Math.min(size, 64));
    const header = elfHeader(first, l10n.t('{0} is not an ELF file.', file));
    const sections = sectionsOf(readAt, size, header, first);
    return new ElfFile(file, fd, bytes, size, header.little, header.wide, header.type, header.machine, sections);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }

  /** The section called `name` (or its legacy compressed `.zdebug_` twin), if the file has one with bytes. */
  section(name: string): Section | undefined {
    const found = this.sections.find((s) => s.name === name && s.type !== SHT_NOBITS);
    if (found || !name.startsWith('.debug_')) return found;
    return this.sections.find((s) => s.name === `.z${name.slice(1)}` && s.type !== SHT_NOBITS);
  }

  /** Whether the file carries DWARF type information (a .debug_info with bytes). */
  hasDebugInfo(): boolean {
    const info = this.section('.debug_info');
    return info !== undefined && info.size > 0;
  }

  /** The raw bytes of a section as they are in the file (read asynchronously: a debug section may be large). */
  async rawBytes(section: Section): Promise<Uint8Array> {
    if (section.offset + section.size > this.size || !Number.isSafeInteger(section.offset + section.size)) {
      throw new ObjectFileError(
        l10n.t('{0}: section {1} runs past the end of the file ({2} bytes at {3} of {4}).', this.path, section.name, section.size, section.offset, this.size),
      );
    }
    if (this.bytes) return this.bytes.subarray(section.offset, section.offset + section.size);
    const out = Buffer.allocUnsafe(section.size);
    let done = 0;
    while (done < section.size) {
      const { bytesRead } = await readAsync(this.fd!, out, done, section.size - done, section.offset + done);
      if (bytesRead === 0) {
        throw new ObjectFileError(
          l10n.t('{0}: section {1} runs past the end of the file ({2} bytes at {3} of {4}).', this.path, section.name, section.size, section.offset, this.size),
        );
      }
      done += bytesRead;
    }
    return out;
  }

  /** A section's size once decompressed (from its compression header), or its size. */
  plainSize(section: Section): number {
    if (this.isPlain(section)) return section.size;
    const head = this.readSmall({ ...section, size: Math.min(section.size, 24) });
    if (section.name.startsWith('.zdebug_')) {
      return head.length >= 12 && Buffer.from(head.subarray(0, 4)).toString('latin1') === 'ZLIB'
        ? Number(new DataView(head.buffer, head.byteOffset, 12).getBigUint64(4, false))
        : -1;
    }
    if (head.length < (this.wide ? 24 : 12)) return -1;
    const r = new Reader(head, this.wide, this.littleEndian, 0, head.length);
    return this.wide ? r.word(8) : r.u32(4);
  }

  /** Whether the file keeps the section as it is (not compressed): then a piece of it can be read alone. */
  isPlain(section: Section): boolean {
    return (section.flags & SHF_COMPRESSED) === 0 && !section.name.startsWith('.zdebug_');
  }

  /** Bytes [start, end) of a plain section into `into`, at their offsets less `base` (synchronous: a piece read when first needed). */
  readPiece(section: Section, start: number, end: number, into: Uint8Array, base = 0): void {
    if (start < 0 || end > section.size || section.offset + section.size > this.size) {
      throw new ObjectFileError(
        l10n.t('{0}: section {1} runs past the end of the file ({2} bytes at {3} of {4}).', this.path, section.name, section.size, section.offset, this.size),
      );
    }
    if (this.bytes) {
      into.set(this.bytes.subarray(section.offset + start, section.offset + end), start - base);
      return;
    }
    for (let done = start; done < end;) {
      const n = fs.readSync(this.fd!, into, done - base, end - done, section.offset + done);
      if (n === 0) {
        throw new ObjectFileError(
          l10n.t('{0}: section {1} runs past the end of the file ({2} bytes at {3} of {4}).', this.path, section.name, section.size, section.offset, this.size),
        );
      }
      done += n;
    }
  }

  /**
   * A section's contents, decompressed when the file keeps it compressed. With `shared`, into memory
   * that worker threads can read too (a SharedArrayBuffer), read in pieces without blocking.
   */
  async sectionBytes(section: Section, shared = false): Promise<Uint8Array> {
    if (shared) return this.sharedBytes(section);
    const raw = await this.rawBytes(section);
    if (section.flags & SHF_COMPRESSED) return this.decompressElf(section, raw);
    if (section.name.startsWith('.zdebug_')) return decompressZdebug(this.path, section.name, raw);
    return raw;
  }

  private async sharedBytes(section: Section): Promise<Uint8Array> {
    if (!this.isPlain(section)) {
      const plain = await this.sectionBytes(section);
      const out = new Uint8Array(new SharedArrayBuffer(plain.length));
      // Copied in pieces: one copy of hundreds of megabytes would hold the thread.
      for (let at = 0; at < plain.length; at += SHARED_PIECE) {
        out.set(plain.subarray(at, Math.min(plain.length, at + SHARED_PIECE)), at);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return out;
    }
    if (section.offset + section.size > this.size || !Number.isSafeInteger(section.offset + section.size)) {
      throw new ObjectFileError(
        l10n.t('{0}: section {1} runs past the end of the file ({2} bytes at {3} of {4}).', this.path, section.name, section.size, section.offset, this.size),
      );
    }
    const out = new Uint8Array(new SharedArrayBuffer(section.size));
    if (this.bytes) {
      out.set(this.bytes.subarray(section.offset, section.offset + section.size));
      return out;
    }
    const pieces: Array<Promise<void>> = [];
    for (let at = 0; at < section.size; at += SHARED_PIECE) {
      const length = Math.min(SHARED_PIECE, section.size - at);
      pieces.push(
        (async () => {
          for (let done = 0; done < length;) {
            const { bytesRead } = await readAsync(this.fd!, out, at + done, length - done, section.offset + at + done);
            if (bytesRead === 0) {
              throw new ObjectFileError(
                l10n.t(
                  '{0}: section {1} runs past the end of the file ({2} bytes at {3} of {4}).',
                  this.path,
                  section.name,
                  section.size,
                  section.offset,
                  this.size,
                ),
              );
            }
            done += bytesRead;
          }
        })(),
      );
    }
    await Promise.all(pieces);
    return out;
  }

  /** SHF_COMPRESSED: an Elf_Chdr (type, size, alignment), then the stream. */
  private async decompressElf(section: Section, raw: Uint8Array): Promise<Uint8Array> {
    const r = new Reader(raw, this.wide, this.littleEndian, 0, raw.length);
    const type = r.u32(0);
    const size = this.wide ? r.word(8) : r.u32(4);
    const stream = raw.subarray(this.wide ? 24 : 12);
    if (size > MAX_SECTION_BYTES) {
      throw new ObjectFileError(l10n.t('{0}: section {1} claims {2} bytes once decompressed: too many.', this.path, section.name, size));
    }
    if (type === ELFCOMPRESS_ZLIB) return inflateExactly(this.path, section.name, stream, size);
    if (type === ELFCOMPRESS_ZSTD) {
      const zstd = (zlib as unknown as { zstdDecompress?: typeof zlib.inflate }).zstdDecompress;
      if (!zstd) {
        throw new ObjectFileError(
          l10n.t(
            '{0}: section {1} is compressed with zstd, which this Node.js ({2}) cannot decompress (Node.js 22.15 or later can). Rebuild with -gz=zlib, or decompress the file: objcopy --decompress-debug-sections {0} OUT.',
            this.path,
            section.name,
            process.version,
          ),
        );
      }
      return exactly(this.path, section.name, await promisify(zstd)(stream, { maxOutputLength: Math.max(1, size), chunkSize: outputChunk(size) }), size);
    }
    throw new ObjectFileError(l10n.t('{0}: section {1} is compressed in an unknown way ({2}).', this.path, section.name, type));
  }

  /** The GNU build-id (NT_GNU_BUILD_ID note), as lowercase hex. */
  buildId(): string | undefined {
    for (const section of this.sections) {
      if (section.type !== SHT_NOTE || section.size > 1 << 20) continue;
      const bytes = this.readSmall(section);
      const r = new Reader(bytes, this.wide, this.littleEndian, 0, bytes.length);
      for (let at = 0; at + 12 <= bytes.length;) {
        const nameSize = r.u32(at);
        const descSize = r.u32(at + 4);
        const type = r.u32(at + 8);
        const nameAt = at + 12;
        const descAt = nameAt + align4(nameSize);
        if (descAt + descSize > bytes.length) break;
        const name = Buffer.from(bytes.subarray(nameAt, nameAt + nameSize)).toString('latin1');
        if (type === NT_GNU_BUILD_ID && name === 'GNU\0' && descSize > 0) return Buffer.from(bytes.subarray(descAt, descAt + descSize)).toString('hex');
        at = descAt + align4(descSize);
      }
    }
    return undefined;
  }

  /** .gnu_debuglink: the separate debug file's name and the CRC-32 of its contents. */
  debugLink(): { file: string; crc: number } | undefined {
    const section = this.section('.gnu_debuglink');
    if (!section || section.size > 4096) return undefined;
    const bytes = this.readSmall(section);
    const end = bytes.indexOf(0);
    if (end <= 0) return undefined;
    const crcAt = align4(end + 1);
    if (crcAt + 4 > bytes.length) return undefined;
    const r = new Reader(bytes, this.wide, this.littleEndian, 0, bytes.length);
    return { file: Buffer.from(bytes.subarray(0, end)).toString('utf8'), crc: r.u32(crcAt) };
  }

  private readSmall(section: Section): Uint8Array {
    if (section.offset + section.size > this.size) return new Uint8Array(0);
    if (this.bytes) return this.bytes.subarray(section.offset, section.offset + section.size);
    const out = Buffer.alloc(section.size);
    const n = fs.readSync(this.fd!, out, 0, section.size, section.offset);
    return out.subarray(0, n);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function readAsync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve({ bytesRead }))),
  );
}

function promisify(fn: typeof zlib.inflate): (input: Uint8Array, options: zlib.ZlibOptions) => Promise<Buffer> {
  return (input, options) => new Promise((resolve, reject) => fn(input, options, (error, out) => (error ? reject(error) : resolve(out))));
}

/** One output chunk for the whole section (up to 64 MiB): no copying of many small chunks together. */
function outputChunk(size: number): number {
  return Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(size + 1, 64 << 20));
}

function exactly(file: string, name: string, out: Buffer, size: number): Uint8Array {
  if (out.length !== size) {
    throw new ObjectFileError(l10n.t('{0}: section {1} decompresses to {2} bytes, not the {3} it claims.', file, name, out.length, size));
  }
  return out;
}

/** zlib off the main thread (node's thread pool), stopped at the size the header claims. */
async function inflateExactly(file: string, name: string, stream: Uint8Array, size: number): Promise<Uint8Array> {
  try {
    return exactly(file, name, await promisify(zlib.inflate)(stream, { maxOutputLength: Math.max(1, size), chunkSize: outputChunk(size) }), size);
  } catch (error) {
    if (error instanceof ObjectFileError) throw error;
    throw new ObjectFileError(l10n.t('{0}: section {1} does not decompress: {2}', file, name, error instanceof Error ? error.message : String(error)));
  }
}

/** A legacy .zdebug_ section: "ZLIB", the size as 8 big-endian bytes, then a zlib stream. */
function decompressZdebug(file: string, name: string, raw: Uint8Array): Promise<Uint8Array> {
  if (raw.length < 12 || Buffer.from(raw.subarray(0, 4)).toString('latin1') !== 'ZLIB') {
    throw new ObjectFileError(l10n.t('{0}: section {1} has no ZLIB header.', file, name));
  }
  const size = Number(new DataView(raw.buffer, raw.byteOffset, 12).getBigUint64(4, false));
  if (size > MAX_SECTION_BYTES) throw new ObjectFileError(l10n.t('{0}: section {1} claims {2} bytes once decompressed: too many.', file, name, size));
  return inflateExactly(file, name, raw.subarray(12), size);
}
