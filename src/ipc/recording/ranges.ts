// What changed between two samples of an object's bytes, and how a change is kept: the changed
// ranges (near ones merged), encoded as one compact record per sample, and applied back.
//
// A delta record is: varint(number of ranges), then for each range varint(its offset minus the end
// of the range before it), varint(its length), and its bytes. Offsets relative to the previous end
// keep a range's header at two or three bytes, so a one-byte change (a counter's low byte) costs
// about four bytes, not twelve. Hand-written: no library encodes byte deltas this way, and a
// general-purpose binary diff (bsdiff, xdelta) would cost far more per sample than it saves here.

import * as l10n from '../../shared/l10n';
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * Equal bytes between two changes at most this far apart are stored as if changed: a new range's
 * header (two to four bytes) costs as much as the bytes it would skip.
 */
export const DEFAULT_GAP = 4;

/** Bytes compared at once with the native compare before any byte is looked at one by one. */
const BLOCK = 256;
const PAGE = 4096;

export interface Diff {
  ranges: ByteRange[];
  /** Bytes that differ (exactly; the ranges may also hold equal bytes merged in between). */
  changedBytes: number;
}

/** Where `next` differs from `prev` (same length): ranges with gaps of at most `gap` equal bytes merged. */
export function changedRanges(prev: Buffer, next: Buffer, gap = DEFAULT_GAP): Diff {
  if (prev.length !== next.length) throw new RangeError(l10n.t('cannot compare {0} bytes with {1}', prev.length, next.length));
  const ranges: ByteRange[] = [];
  let changedBytes = 0;
  let start = -1; // the open range's first byte
  let lastDiff = -1; // its last changed byte
  for (let block = 0; block < next.length; block += BLOCK) {
    const end = Math.min(block + BLOCK, next.length);
    // Whole 4 KiB pages first: most of an object does not change between two samples.
    if (block % PAGE === 0) {
      const pageEnd = Math.min(block + PAGE, next.length);
      if (next.compare(prev, block, pageEnd, block, pageEnd) === 0) {
        block = pageEnd - BLOCK;
        continue;
      }
    }
    if (next.compare(prev, block, end, block, end) === 0) continue;
    for (let i = block; i < end; i++) {
      if (next[i] === prev[i]) continue;
      changedBytes++;
      if (start >= 0 && i - lastDiff - 1 <= gap) {
        lastDiff = i;
        continue;
      }
      if (start >= 0) ranges.push({ offset: start, length: lastDiff - start + 1 });
      start = lastDiff = i;
    }
  }
  if (start >= 0) ranges.push({ offset: start, length: lastDiff - start + 1 });
  return { ranges, changedBytes };
}

/** Merges sorted, non-overlapping ranges whose gap is at most `gap` bytes (for a coarser view). */
export function coalesce(ranges: readonly ByteRange[], gap: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const range of ranges) {
    const last = out[out.length - 1];
    if (last && range.offset - (last.offset + last.length) <= gap) last.length = Math.max(last.length, range.offset + range.length - last.offset);
    else out.push({ ...range });
  }
  return out;
}

export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

function writeVarint(target: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    target[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  target[at++] = value;
  return at;
}

/** The size of the delta record of `ranges` taken from an object. */
export function deltaLength(ranges: readonly ByteRange[]): number {
  let length = varintLength(ranges.length);
  let end = 0;
  for (const range of ranges) {
    length += varintLength(range.offset - end) + varintLength(range.length) + range.length;
    end = range.offset + range.length;
  }
  return length;
}

/** Writes the delta record of `ranges` (sorted, non-overlapping) with their bytes from `bytes`; returns the end. */
export function writeDelta(target: Buffer, at: number, ranges: readonly ByteRange[], bytes: Buffer): number {
  at = writeVarint(target, at, ranges.length);
  let end = 0;
  for (const range of ranges) {
    at = writeVarint(target, at, range.offset - end);
    at = writeVarint(target, at, range.length);
    at += bytes.copy(target, at, range.offset, range.offset + range.length);
    end = range.offset + range.length;
  }
  return at;
}

/** A delta record that does not read as one: where and why. */
export class DeltaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeltaError';
  }
}

/**
 * Walks the delta record at [at, limit) of `source` for an object of `size` bytes: calls `range`
 * for each range with its bytes' position in `source`; returns the record's end. Every offset and
 * length is checked against the object and the record, so a damaged record throws, never reads or
 * writes out of bounds. (Varints are read inline: this runs for every range of every sample a
 * rebuild applies.)
 */
export function walkDelta(source: Buffer, at: number, limit: number, size: number, range: (offset: number, length: number, from: number) => void): number {
  let value = 0;
  const readVarint = (): number => {
    value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (at >= limit) throw new DeltaError(l10n.t('a number runs past the end of the record'));
      const b = source[at++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw new DeltaError(l10n.t('a number is longer than 8 bytes'));
  };
  const count = readVarint();
  let end = 0;
  for (let i = 0; i < count; i++) {
    const offset = end + readVarint();
    const length = readVarint();
    if (length === 0 || offset + length > size) {
      throw new DeltaError(l10n.t('range {0} ({1} bytes at {2}) is outside the {3}-byte object', i, length, offset, size));
    }
    if (at + length > limit) throw new DeltaError(l10n.t("range {0}'s bytes run past the end of the record", i));
    range(offset, length, at);
    at += length;
    end = offset + length;
  }
  return at;
}

/** Applies the delta record at [at, limit) of `source` to `target`; returns the record's end. */
export function applyDelta(source: Buffer, at: number, limit: number, target: Buffer): number {
  return walkDelta(source, at, limit, target.length, (offset, length, from) => {
    if (length <= 16) for (let i = 0; i < length; i++) target[offset + i] = source[from + i];
    else source.copy(target, offset, from, from + length);
  });
}

/** The ranges of the delta record at [at, limit) (no bytes). */
export function deltaRanges(source: Buffer, at: number, limit: number, size: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  walkDelta(source, at, limit, size, (offset, length) => ranges.push({ offset, length }));
  return ranges;
}
