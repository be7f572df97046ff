// Bounds-checked reading of DWARF data: fixed-size integers in the file's byte order, LEB128, the
// 4- or 8-byte offsets of 32- and 64-bit DWARF, NUL-terminated strings. Every read checks it stays
// inside its section: a truncated or hostile section gives a DwarfError naming the section, never a
// read past the end or an endless loop.
import * as l10n from '../../shared/l10n';

export class DwarfError extends Error {
  override readonly name = 'DwarfError';
}

/** Reading was stopped by its AbortSignal (recognized by its name, as DOM's AbortError is). */
export function abortError(): Error {
  const error = new Error(l10n.t('Reading the debug information was cancelled.'));
  error.name = 'AbortError';
  return error;
}

export class Cursor {
  private readonly view: DataView;
  at: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly little: boolean,
    /** For messages: the section read. */
    readonly section: string,
    at = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = at;
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(length: number): never {
    throw new DwarfError(
      l10n.t('The debug section {0} is cut short (reading {1} bytes at offset {2} of {3}).', this.section, length, this.at, this.bytes.length),
    );
  }

  need(length: number): void {
    if (this.at < 0 || this.at + length > this.bytes.length) this.fail(length);
  }

  u8(): number {
    if (this.at >= this.bytes.length || this.at < 0) this.fail(1);
    return this.bytes[this.at++];
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, this.little);
    this.at += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const v = this.little ? b[this.at] | (b[this.at + 1] << 8) | (b[this.at + 2] << 16) : (b[this.at] << 16) | (b[this.at + 1] << 8) | b[this.at + 2];
    this.at += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, this.little);
    this.at += 4;
    return v;
  }

  u64big(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.at, this.little);
    this.at += 8;
    return v;
  }

  /** A 64-bit value that must fit a double exactly (an offset or a size). */
  u64(): number {
    const v = this.u64big();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new DwarfError(l10n.t('The debug section {0} has a number beyond 2^53 at offset {1}.', this.section, this.at - 8));
    }
    return Number(v);
  }

  /** A section offset: 4 bytes in 32-bit DWARF, 8 in 64-bit DWARF. */
  offset(size: number): number {
    return size === 8 ? this.u64() : this.u32();
  }

  /** An unsigned LEB128 as a number; beyond 2^53 it is an error (offsets and sizes cannot be that big). */
  uleb(): number {
    const b = this.bytes;
    let at = this.at;
    let result = 0;
    let scale = 1;
    for (;;) {
      if (at >= b.length) this.fail(at - this.at + 1);
      const byte = b[at++];
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
      if (scale > 2 ** 56) {
        this.at = at;
        return this.ulebTail(result);
      }
    }
    this.at = at;
    if (!Number.isSafeInteger(result)) throw new DwarfError(l10n.t('The debug section {0} has a number beyond 2^53 at offset {1}.', this.section, this.at));
    return result;
  }

  /** The rest of a too-long LEB128: skipped, then refused (bounded by the section). */
  private ulebTail(_partial: number): never {
    while (this.u8() & 0x80);
    throw new DwarfError(l10n.t('The debug section {0} has a number beyond 2^53 at offset {1}.', this.section, this.at));
  }

  /** An unsigned LEB128 of any size, exactly. */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.u8();
      if (shift < 128n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) return result;
    }
  }

  /** A signed LEB128 of any size, exactly (kept to 128 bits). */
  slebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      byte = this.u8();
      if (shift < 128n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (byte & 0x40 && shift < 128n) result -= 1n << shift;
    return BigInt.asIntN(128, result);
  }

  /** Skips a LEB128 (signed or not). */
  skipLeb(): void {
    const b = this.bytes;
    let at = this.at;
    while (at < b.length && b[at] & 0x80) at++;
    if (at >= b.length) this.fail(at - this.at + 1);
    this.at = at + 1;
  }

  skip(length: number): void {
    this.need(length);
    this.at += length;
  }

  slice(length: number): Uint8Array {
    this.need(length);
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  /** A NUL-terminated string (UTF-8) at the cursor. */
  cString(): string {
    const end = this.bytes.indexOf(0, this.at);
    if (end < 0 || this.at < 0) throw new DwarfError(l10n.t('The debug section {0} has an unterminated string at offset {1}.', this.section, this.at));
    const text = utf8(this.bytes, this.at, end);
    this.at = end + 1;
    return text;
  }

  skipCString(): void {
    const end = this.bytes.indexOf(0, this.at);
    if (end < 0 || this.at < 0) throw new DwarfError(l10n.t('The debug section {0} has an unterminated string at offset {1}.', this.section, this.at));
    this.at = end + 1;
  }
}

const decoder = new TextDecoder('utf-8');

/** Bytes [start, end) as text: ASCII the fast way (most names), anything else through the decoder. */
export function utf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  if (Buffer.isBuffer(bytes)) return bytes.toString('utf8', start, end);
  return decoder.decode(bytes.subarray(start, end));
}

/** A NUL-terminated string at `offset` of a string section (.debug_str, .debug_line_str). */
export function stringAt(bytes: Uint8Array, offset: number, section: string): string {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw new DwarfError(l10n.t('The debug section {0} has no string at offset {1} (it has {2} bytes).', section, offset, bytes.length));
  }
  const end = bytes.indexOf(0, offset);
  if (end < 0) throw new DwarfError(l10n.t('The debug section {0} has an unterminated string at offset {1}.', section, offset));
  return utf8(bytes, offset, end);
}
