import * as l10n from '../shared/l10n';
// Search of an object's bytes (a System V segment, a POSIX object, a queued message) for the contents
// view, chunk by chunk through a reader (the helper), so a 1 GiB object is searched without holding
// it in memory and without blocking the extension host.
// Non-resident pages are not read (reading allocates them): the reader leaves them out, they are
// counted as skipped, and no match is reported across them.

export interface ResidentRun {
  offset: number;
  bytes: Uint8Array;
}

export interface SearchOptions {
  /** The object's size: the search covers [0, size). */
  size: number;
  pattern: Uint8Array;
  /** ASCII letters match either case (A-Z = a-z); other bytes match exactly. */
  caseInsensitive?: boolean;
  /** Where to start; the search goes to the end, then wraps to the start once. */
  from: number;
  /** Bytes asked of readChunk at once (default 1 MiB). */
  chunkSize?: number;
  /**
   * The resident runs inside [offset, offset + length), in any order. Non-resident pages are simply
   * missing from the result: they are counted as skipped and a match never spans a gap.
   */
  readChunk(offset: number, length: number): Promise<ResidentRun[]>;
  /** After every chunk: segment bytes covered so far (searched or skipped) out of `total` (= size). */
  onProgress?(searched: number, total: number): void;
  /** Checked before every chunk and after every read. */
  isCancelled?(): boolean;
}

export interface SearchOutcome {
  /** Offset of the first match at or after `from` (wrapping around), or -1 when there is none. */
  offset: number;
  /** Bytes of the segment that were not resident and so not searched. */
  skipped: number;
  cancelled: boolean;
}

export const DEFAULT_SEARCH_CHUNK = 1024 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** ASCII upper case to lower case, every other byte to itself. */
const FOLD = new Uint8Array(256).map((_, b) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b));

type Finder = (haystack: Uint8Array) => number;

/** Case-sensitive: Buffer.indexOf (native, memchr-based). */
function exactFinder(pattern: Uint8Array): Finder {
  const needle = Buffer.from(pattern);
  return (haystack) => Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle);
}

/** ASCII case-insensitive: Boyer-Moore-Horspool over folded bytes. */
function foldingFinder(pattern: Uint8Array): Finder {
  const m = pattern.length;
  const needle = pattern.map((b) => FOLD[b]);
  const shift = new Int32Array(256).fill(m);
  for (let i = 0; i < m - 1; i++) shift[needle[i]] = m - 1 - i;
  const last = needle[m - 1];
  return (haystack) => {
    const end = haystack.length - m;
    let at = 0;
    while (at <= end) {
      const tail = FOLD[haystack[at + m - 1]];
      if (tail === last) {
        let k = m - 2;
        while (k >= 0 && FOLD[haystack[at + k]] === needle[k]) k--;
        if (k < 0) return at;
      }
      at += shift[tail];
    }
    return -1;
  };
}

function hasLetters(pattern: Uint8Array): boolean {
  return pattern.some((b) => FOLD[b] !== b || (b >= 0x61 && b <= 0x7a));
}

/** The resident runs clipped to [start, end), sorted, overlaps dropped: the reader is not trusted blindly. */
function clipRuns(runs: readonly ResidentRun[], start: number, end: number): ResidentRun[] {
  const sorted = [...runs].sort((a, b) => a.offset - b.offset);
  const clipped: ResidentRun[] = [];
  let covered = start;
  for (const run of sorted) {
    const from = Math.max(run.offset, covered);
    const to = Math.min(run.offset + run.bytes.length, end);
    if (to <= from) continue;
    clipped.push({ offset: from, bytes: run.bytes.subarray(from - run.offset, to - run.offset) });
    covered = to;
  }
  return clipped;
}

/** Bytes of [start, end) that no run covers (runs clipped, sorted, disjoint). */
function uncovered(runs: readonly ResidentRun[], start: number, end: number): number {
  let missing = Math.max(0, end - start);
  for (const run of runs) {
    const from = Math.max(run.offset, start);
    const to = Math.min(run.offset + run.bytes.length, end);
    if (to > from) missing -= to - from;
  }
  return missing;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * Finds the first occurrence of `pattern` at or after `from`, wrapping around to the start once
 * (so a match that begins before `from` and runs over it is found last). Reads chunk by chunk,
 * keeps the last pattern.length - 1 bytes of a contiguous resident run to find matches that
 * straddle chunks, and yields to the event loop between chunks.
 */
export async function searchBytes(options: SearchOptions): Promise<SearchOutcome> {
  const { pattern, readChunk, onProgress, isCancelled } = options;
  const m = pattern.length;
  if (m === 0) throw new RangeError(l10n.t('searchBytes: the pattern is empty'));
  const size = Math.max(0, Math.floor(options.size));
  const from = Math.min(Math.max(0, Math.floor(options.from)), size);
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_SEARCH_CHUNK));
  const find = options.caseInsensitive && hasLetters(pattern) ? foldingFinder(pattern) : exactFinder(pattern);

  // The wrapped pass covers [0, from + m - 1): matches starting before `from`. Only its part below
  // `from` is new ground, so only that part counts for progress and skipped bytes.
  const passes =
    from === 0
      ? [{ start: 0, end: size, counted: size }]
      : [
          { start: from, end: size, counted: size },
          { start: 0, end: Math.min(size, from + m - 1), counted: from },
        ];
  let searched = 0;
  let skipped = 0;
  const cancelled = (): SearchOutcome => ({ offset: -1, skipped, cancelled: true });

  for (const pass of passes) {
    /** The last m - 1 bytes (or fewer) of the resident run that ended at carryEnd. */
    let carry: Uint8Array = new Uint8Array(0);
    let carryEnd = -1;
    for (let start = pass.start; start < pass.end; start += chunkSize) {
      if (isCancelled?.()) return cancelled();
      const end = Math.min(pass.end, start + chunkSize);
      const runs = clipRuns(await readChunk(start, end - start), start, end);
      if (isCancelled?.()) return cancelled();
      for (const run of runs) {
        const bytes = run.bytes;
        if (carryEnd === run.offset && carry.length > 0) {
          // A match that starts in the carry and ends in this run: it lies within carry + m - 1 bytes.
          const seam = concat(carry, bytes.subarray(0, m - 1));
          const at = find(seam);
          if (at >= 0) return { offset: run.offset - carry.length + at, skipped, cancelled: false };
        } else {
          carry = new Uint8Array(0);
        }
        const at = find(bytes);
        if (at >= 0) return { offset: run.offset + at, skipped, cancelled: false };
        // A copy (new Uint8Array(view), not Buffer#slice, which shares memory): the reader may reuse its buffer.
        carry = bytes.length >= m - 1 ? new Uint8Array(bytes.subarray(bytes.length - (m - 1))) : concat(carry, bytes).subarray(-(m - 1));
        carryEnd = run.offset + bytes.length;
      }
      const countedEnd = Math.min(end, pass.counted);
      if (countedEnd > start) {
        skipped += uncovered(runs, start, countedEnd);
        searched += countedEnd - start;
      }
      onProgress?.(searched, size);
      await yieldToEventLoop();
    }
  }
  return { offset: -1, skipped, cancelled: false };
}
