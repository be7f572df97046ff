// The bytes of an IPC object, as the contents view reads them: one small interface (what the
// object is now, which of its pages hold data, read a range), with one implementation per kind:
// a System V segment read through a read-only attachment, where mincore tells which pages are
// resident; a POSIX object read with pread, where SEEK_DATA/SEEK_HOLE tell which pages were ever
// written. The contents view, its search, copy and snapshot work over any source unchanged.
//
// Pages without data are never read on the view's own initiative: reading a never-touched page of
// a System V segment allocates it. (A hole of a POSIX object reads as zeros without allocating,
// but it is still shown as a hole: that it was never written is worth seeing.)
import type { Residency, SampleTake } from './helperProtocol';
import { isPageResident } from './helperProtocol';
import type { ContentsHeader } from '../shared/contentsProtocol';

export interface ByteSource {
  /** Stable id of the object (its tree row's id): one contents view per object. */
  readonly id: string;
  /** The tab's title. */
  readonly title: string;
  /**
   * What users know the object by across runs of their program (a System V key, a POSIX name), not
   * its id: choices made for it (View as C Type…) are remembered under this.
   */
  readonly memoryKey: string;
  /** What a page without data is: not resident (System V) or a hole (POSIX, never written). */
  readonly gaps: ContentsHeader['gaps'];
  /**
   * What the object is now: size, facts, phase. A removed or replaced object gives phase 'gone'
   * (with the last facts known), not an exception; other failures (EACCES...) throw.
   */
  describe(): Promise<ContentsHeader>;
  /** Which pages of [offset, offset + length) hold data (whole pages; length 0 = to the end). */
  dataMap(offset: number, length: number): Promise<Residency>;
  /** Reads exactly `length` bytes; with `into` (exactly `length` bytes) they land there. */
  read(offset: number, length: number, into?: Buffer): Promise<Buffer>;
  /**
   * True when the pages without data are known to hold zeros (holes; a segment with nothing in
   * swap), so copy and snapshot can write zeros for them instead of reading them.
   */
  gapsAreZeros(): boolean;
  /** Bytes read from the object so far (the benchmark's measure of what opening costs). */
  readonly bytesRead: number;
  /**
   * Where the helper can sample the object on its own clock (System V segments): starts it taking
   * [offset, offset + length) every periodMs, the first sample at once, and keeping only what
   * changed. A recording then collects the changes a few times a second instead of reading the
   * bytes at every sample.
   */
  sampleInHelper?(offset: number, length: number, periodMs: number): Promise<HelperSampling>;
}

/** A sampler running in the helper (SHM_SAMPLE_*). */
export interface HelperSampling {
  /** The samples taken since the last take; once the sampler ended, `end` says why and it is gone. */
  take(): Promise<SampleTake>;
  stop(): Promise<void>;
}

export interface ByteRun {
  offset: number;
  length: number;
}

/** The parts of [offset, offset + length) that lie in pages with data, as maximal runs. */
export function residentRuns(residency: Residency, offset: number, length: number): ByteRun[] {
  const runs: ByteRun[] = [];
  const { pageSize } = residency;
  const end = offset + length;
  let page = Math.floor(offset / pageSize);
  while (page * pageSize < end) {
    if (!isPageResident(residency, page)) {
      page++;
      continue;
    }
    const start = Math.max(offset, page * pageSize);
    while ((page + 1) * pageSize < end && isPageResident(residency, page + 1)) page++;
    const stop = Math.min(end, (page + 1) * pageSize);
    runs.push({ offset: start, length: stop - start });
    page++;
  }
  return runs;
}

export interface ResidentRead {
  /** The range's bytes; those of pages without data are left zero. */
  bytes: Buffer;
  firstPage: number;
  /** Bit i (LSB first): page firstPage + i held data and was read. */
  resident: Buffer;
  /** The parts with data (so read) of the range. */
  runs: ByteRun[];
  /** Bytes actually read. */
  bytesRead: number;
}

/** Reads [offset, offset + length) of a source: only its pages with data unless includeGaps. */
export async function readResident(
  source: Pick<ByteSource, 'dataMap' | 'read'>,
  pageSize: number,
  offset: number,
  length: number,
  includeGaps: boolean,
): Promise<ResidentRead> {
  const firstPage = Math.floor(offset / pageSize);
  const pageCount = Math.floor((offset + length - 1) / pageSize) - firstPage + 1;
  const resident = Buffer.alloc(Math.ceil(pageCount / 8));
  if (includeGaps) {
    resident.fill(0xff);
    const bytes = await source.read(offset, length);
    return { bytes, firstPage, resident, runs: [{ offset, length }], bytesRead: length };
  }
  const residency = await source.dataMap(offset, length);
  const bytes = Buffer.alloc(length);
  const runs = residentRuns(residency, offset, length);
  await Promise.all(runs.map((run) => source.read(run.offset, run.length, bytes.subarray(run.offset - offset, run.offset - offset + run.length))));
  for (let i = 0; i < pageCount; i++) {
    if (isPageResident(residency, firstPage + i)) resident[i >> 3] |= 1 << (i & 7);
  }
  return { bytes, firstPage, resident, runs, bytesRead: runs.reduce((sum, run) => sum + run.length, 0) };
}

/**
 * Reads any range as pieces of at most `maxRead` bytes (what one helper request carries),
 * pipelined, each landing straight in its place of `into` (or of a new buffer).
 */
export async function readInPieces(
  maxRead: number,
  offset: number,
  length: number,
  into: Buffer | undefined,
  readPiece: (offset: number, length: number, into: Buffer) => Promise<unknown>,
): Promise<Buffer> {
  const target = into ?? Buffer.allocUnsafe(length);
  const pieces: Array<Promise<unknown>> = [];
  for (let at = 0; at < length; at += maxRead) {
    const size = Math.min(maxRead, length - at);
    pieces.push(readPiece(offset + at, size, target.subarray(at, at + size)));
  }
  await Promise.all(pieces);
  return target;
}
