// Text of the contents view: offsets, hex bytes, the text column, the copy formats, the hex search
// pattern a user types, and which bytes changed between two reads (live refresh highlighting).
// Pure: no `vscode`, no Node, no DOM (bundled into the webview too). The per-byte functions use
// tables because the view renders tens of thousands of bytes per frame.

import { MAX_SEARCH_PATTERN } from './contentsProtocol';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const PRINTABLE: readonly string[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.'));

/** Hex digits needed for the largest offset of a segment of `size` bytes: at least 4, always even. */
export function offsetDigits(size: number): number {
  const largest = Math.max(0, Math.floor(size) - 1);
  const digits = largest.toString(16).length;
  return Math.max(4, digits + (digits % 2));
}

/** An offset as lowercase hex, zero-padded to `digits` (never cut when it needs more). */
export function formatOffset(offset: number, digits: number): string {
  return offset.toString(16).padStart(digits, '0');
}

/** A byte as two lowercase hex digits. */
export function hexByte(b: number): string {
  return HEX[b & 0xff];
}

/** Printable ASCII (0x20..0x7e) as itself, every other byte as ".". */
export function printableChar(b: number): string {
  return PRINTABLE[b & 0xff];
}

// Long texts (a copy of up to 16 MiB) are built as UTF-16 codes in a small buffer that is turned
// into a string whenever it is nearly full: several times faster than concatenating short strings.
const BUFFER_CODES = 16 * 1024;
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const SPACE = 0x20;

class TextBuilder {
  readonly codes = new Uint16Array(BUFFER_CODES);
  length = 0;
  private readonly parts: string[] = [];

  /** Makes room for `count` more codes. */
  reserve(count: number): void {
    if (this.length + count > BUFFER_CODES) this.flush();
  }

  hexByte(b: number): void {
    this.codes[this.length++] = HEX_CODES[b >>> 4];
    this.codes[this.length++] = HEX_CODES[b & 15];
  }

  text(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.codes[this.length++] = text.charCodeAt(i);
  }

  private flush(): void {
    if (this.length === 0) return;
    this.parts.push(String.fromCharCode.apply(null, this.codes.subarray(0, this.length) as unknown as number[]));
    this.length = 0;
  }

  toString(): string {
    this.flush();
    return this.parts.join('');
  }
}

/** Bytes as hex, groups of `grouping` bytes separated by spaces: "de ad be ef", or "dead beef" for 2. */
export function toHexString(bytes: Uint8Array, grouping: 1 | 2 | 4 | 8 = 1): string {
  const out = new TextBuilder();
  const codes = out.codes;
  for (let i = 0; i < bytes.length; i++) {
    out.reserve(3);
    if (i > 0 && i % grouping === 0) codes[out.length++] = SPACE;
    out.hexByte(bytes[i]);
  }
  return out.toString();
}

/** A valid C identifier made from `name` ("data" when nothing is left of it). */
function cIdentifier(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (cleaned === '') return 'data';
  return /^[0-9]/.test(cleaned) ? '_' + cleaned : cleaned;
}

const C_PER_LINE = 12;

/**
 * Bytes as a C array definition, 12 bytes a line:
 * ```
 * const unsigned char data[4] = {
 *     0xde, 0xad, 0xbe, 0xef
 * };
 * ```
 * `name` is made into a valid identifier. No bytes give `data[0]` (a GNU C zero-length array).
 */
export function toCArray(bytes: Uint8Array, name = 'data'): string {
  const out = new TextBuilder();
  const codes = out.codes;
  out.text(`const unsigned char ${cIdentifier(name)}[${bytes.length}] = {\n`);
  for (let i = 0; i < bytes.length; i++) {
    out.reserve(16);
    const column = i % C_PER_LINE;
    if (column === 0) {
      codes.fill(SPACE, out.length, out.length + 3);
      out.length += 3;
    }
    codes[out.length++] = SPACE;
    codes[out.length++] = 0x30; // 0
    codes[out.length++] = 0x78; // x
    out.hexByte(bytes[i]);
    if (i < bytes.length - 1) codes[out.length++] = 0x2c; // ,
    if (column === C_PER_LINE - 1 || i === bytes.length - 1) codes[out.length++] = 0x0a;
  }
  out.text('};');
  return out.toString();
}

/** The text column for a range: printable ASCII kept, every other byte as ".". */
export function toText(bytes: Uint8Array): string {
  const out = new TextBuilder();
  const codes = out.codes;
  for (let i = 0; i < bytes.length; i++) {
    out.reserve(1);
    const b = bytes[i];
    codes[out.length++] = b >= 0x20 && b <= 0x7e ? b : 0x2e;
  }
  return out.toString();
}

export type HexPattern = { ok: true; bytes: number[] } | { ok: false; error: string };

/**
 * Hex bytes typed by a user: "de ad be ef", "deadbeef", "0xde 0xad", "DE-AD", "de:ad", "de,ad".
 * Every group must have an even number of digits (so "a" or "dead b" are refused rather than
 * guessed at) and the pattern is 1 to MAX_SEARCH_PATTERN bytes.
 */
export function parseHexPattern(text: string): HexPattern {
  const groups = text
    .trim()
    .split(/[\s,:-]+/)
    .filter((g) => g !== '');
  if (groups.length === 0) return { ok: false, error: 'type hex bytes, e.g. "de ad be ef"' };
  const bytes: number[] = [];
  for (const group of groups) {
    const digits = /^0x/i.test(group) ? group.slice(2) : group;
    const bad = /[^0-9a-f]/i.exec(digits);
    if (bad) return { ok: false, error: `"${bad[0]}" is not a hex digit (in "${group}")` };
    if (digits.length === 0) return { ok: false, error: `"${group}" has no hex digits` };
    if (digits.length % 2 !== 0) return { ok: false, error: `"${group}" has an odd number of hex digits: write each byte as two digits` };
    if (bytes.length + digits.length / 2 > MAX_SEARCH_PATTERN) return { ok: false, error: `a pattern can have at most ${MAX_SEARCH_PATTERN} bytes` };
    for (let i = 0; i < digits.length; i += 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
  }
  return { ok: true, bytes };
}

/**
 * Absolute offsets (`base + i`) of the bytes that differ between two reads of the same range.
 * Only the common length is compared. Four bytes are compared at a time through Uint32Array views
 * when both arrays can be aligned the same way; otherwise byte by byte.
 */
export function changedOffsets(previous: Uint8Array, next: Uint8Array, base = 0): number[] {
  const length = Math.min(previous.length, next.length);
  const changed: number[] = [];
  let i = 0;
  const misalignment = previous.byteOffset & 3;
  if (length >= 16 && misalignment === (next.byteOffset & 3)) {
    // Bytes up to the first 4-aligned address, then whole words, then the tail.
    const head = Math.min(length, (4 - misalignment) & 3);
    for (; i < head; i++) if (previous[i] !== next[i]) changed.push(base + i);
    const words = (length - head) >>> 2;
    const a = new Uint32Array(previous.buffer, previous.byteOffset + head, words);
    const b = new Uint32Array(next.buffer, next.byteOffset + head, words);
    for (let w = 0; w < words; w++) {
      if (a[w] !== b[w]) {
        const at = head + w * 4;
        for (let k = at; k < at + 4; k++) if (previous[k] !== next[k]) changed.push(base + k);
      }
    }
    i = head + words * 4;
  }
  for (; i < length; i++) if (previous[i] !== next[i]) changed.push(base + i);
  return changed;
}

export interface Range {
  start: number;
  /** Exclusive. */
  end: number;
}

/** Sorted offsets (as changedOffsets returns them) as runs of consecutive offsets: [1,2,3,7] -> [1,4) [7,8). */
export function offsetsToRanges(offsets: readonly number[]): Range[] {
  const ranges: Range[] = [];
  for (const offset of offsets) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end === offset) last.end++;
    else ranges.push({ start: offset, end: offset + 1 });
  }
  return ranges;
}

/** Ranges in any order, overlapping or touching ones merged, empty ones dropped; sorted by start. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((x, y) => x.start - y.start);
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ start: r.start, end: r.end });
  }
  return merged;
}
