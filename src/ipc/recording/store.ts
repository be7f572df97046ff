// A recording's bytes over time, kept in memory: each sample is a time and what changed since the
// sample before (a delta record, ranges.ts), with a full copy of the object (a keyframe) whenever
// the deltas since the last one add up to the object's size. So any moment is rebuilt from at most
// one keyframe plus one object's worth of deltas, and keyframes cost at most what the deltas cost:
// memory stays within about twice the bytes that changed, plus the index (16 bytes a sample).
//
// The samples between two keyframes form a segment. Over the memory budget the oldest segments
// go, whole: the recording always starts at a keyframe, and says how much was dropped.
import * as l10n from '../../shared/l10n';
import { applyDelta, changedRanges, DEFAULT_GAP, deltaLength, deltaRanges, writeDelta, type ByteRange } from './ranges';

export const DEFAULT_BUDGET = 64 * 1024 * 1024;
/** Deltas are appended to chunks of this size (or of one sample's delta when larger). */
const CHUNK = 64 * 1024;
const FIRST_CHUNK = 1024;
const TWO_32 = 2 ** 32;

export interface StoreOptions {
  /** Bytes of each sample (the object, or the marked ranges laid end to end). */
  size: number;
  /** Memory the recording may use before its oldest samples go (default 64 MiB). */
  budgetBytes?: number;
  /** Equal bytes between two changes merged into one range (default 4). */
  gap?: number;
  /** Delta bytes after which the next sample is also kept whole (default: twice the size: keyframes then cost at most half the deltas kept, and a rebuild applies at most two sizes of deltas). */
  keyframeBytes?: number;
}

export interface Dropped {
  samples: number;
  /** Memory the dropped samples used. */
  bytes: number;
  /** Time of the newest dropped sample (undefined while nothing was dropped). */
  throughTime?: number;
}

export interface AddResult {
  /** The sample's index (counted from the recording's first sample, dropped ones included). */
  index: number;
  ranges: ByteRange[];
  /** Bytes that differ from the sample before (exactly). */
  changedBytes: number;
}

class Segment {
  times = new Float64Array(64);
  /** Where each sample's delta starts: chunk * 2^32 + offset in it. */
  positions = new Float64Array(64);
  count = 0;
  chunks: Buffer[] = [];
  /** Bytes used of each chunk. */
  used: number[] = [];
  deltaBytes = 0;

  constructor(
    readonly first: number,
    readonly keyframe: Buffer,
  ) {}

  /** Reserves `length` bytes for one sample's delta; returns the chunk and the offset. */
  reserve(time: number, length: number): [Buffer, number] {
    let last = this.chunks.length - 1;
    if (last < 0 || this.used[last] + length > this.chunks[last].length) {
      // Chunks start small and double up to 64 KiB: a short segment wastes little.
      const size = Math.min(CHUNK, FIRST_CHUNK * 2 ** this.chunks.length);
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(size, length)));
      this.used.push(0);
      last++;
    }
    if (this.count === this.times.length) {
      this.times = grow(this.times);
      this.positions = grow(this.positions);
    }
    const offset = this.used[last];
    this.times[this.count] = time;
    this.positions[this.count] = last * TWO_32 + offset;
    this.count++;
    this.used[last] += length;
    this.deltaBytes += length;
    return [this.chunks[last], offset];
  }

  /** The chunk and [start, end) of sample `i` (of this segment) in it. */
  delta(i: number): [Buffer, number, number] {
    const position = this.positions[i];
    const chunkIndex = Math.floor(position / TWO_32);
    const start = position - chunkIndex * TWO_32;
    const next = i + 1 < this.count ? this.positions[i + 1] : -1;
    const end = next >= 0 && Math.floor(next / TWO_32) === chunkIndex ? next - chunkIndex * TWO_32 : this.used[chunkIndex];
    return [this.chunks[chunkIndex], start, end];
  }

  /** Gives back the unused end of the last chunk: no more deltas come once the next segment starts. */
  trim(): void {
    const last = this.chunks.length - 1;
    if (last >= 0 && this.used[last] < this.chunks[last].length) this.chunks[last] = Buffer.from(this.chunks[last].subarray(0, this.used[last]));
  }

  memory(): number {
    let bytes = this.keyframe.length + this.times.byteLength + this.positions.byteLength;
    for (const chunk of this.chunks) bytes += chunk.length;
    return bytes;
  }
}

function grow(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(Math.ceil(array.length * 1.5));
  bigger.set(array);
  return bigger;
}

export class RecordingStore {
  readonly size: number;
  readonly budgetBytes: number;
  readonly gap: number;
  readonly keyframeBytes: number;
  readonly dropped: Dropped = { samples: 0, bytes: 0 };
  /** Bytes that differed between consecutive samples, over the whole recording (dropped ones included). */
  changedBytesTotal = 0;
  private segments: Segment[] = [];
  /** The newest sample's bytes (what the next one is compared with). */
  private latest: Buffer;
  private next = 0;
  /** The last moment rebuilt, so stepping forward applies only the samples in between. */
  private cache?: { index: number; bytes: Buffer };

  constructor(options: StoreOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 0) throw new RangeError(l10n.t('bad recording size {0}', options.size));
    this.size = options.size;
    this.budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET;
    this.gap = options.gap ?? DEFAULT_GAP;
    this.keyframeBytes = Math.max(1, options.keyframeBytes ?? 2 * options.size);
    this.latest = Buffer.alloc(this.size);
  }

  /** Samples kept. */
  get count(): number {
    return this.next - this.firstIndex;
  }

  /** Index of the oldest sample kept (0 until something was dropped). */
  get firstIndex(): number {
    return this.segments[0]?.first ?? this.next;
  }

  /** Index of the newest sample, -1 when there is none. */
  get lastIndex(): number {
    return this.next - 1;
  }

  /** Indexes of the samples kept whole (keyframes). */
  get keyframes(): number[] {
    return this.segments.map((s) => s.first);
  }

  /** Memory the samples use (keyframes, deltas, index), not counting the two working copies. */
  get memoryBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.memory(), 0);
  }

  /** The newest sample's bytes (the store's own copy: read, never change). */
  get newest(): Buffer {
    return this.latest;
  }

  /** The working copies: the newest sample and the last moment rebuilt. */
  get workingBytes(): number {
    return this.latest.length + (this.cache?.bytes.length ?? 0);
  }

  /** Adds a sample: its bytes (exactly `size` of them), taken at `time` (ms). */
  add(time: number, bytes: Buffer): AddResult {
    if (bytes.length !== this.size) throw new RangeError(l10n.t('a sample of {0} bytes in a {1}-byte recording', bytes.length, this.size));
    this.checkTime(time);
    const first = this.next === 0;
    const { ranges, changedBytes } = first ? { ranges: [], changedBytes: 0 } : changedRanges(this.latest, bytes, this.gap);
    return this.append(time, ranges, changedBytes, bytes);
  }

  /**
   * Adds a sample given as the changes since the newest one (offset and bytes each), e.g. what a
   * helper that keeps the previous bytes sends. The changes are written into the newest sample's
   * copy; ranges may hold unchanged bytes.
   */
  addChanges(time: number, changes: ReadonlyArray<{ offset: number; bytes: Uint8Array }>): AddResult {
    this.checkTime(time);
    if (this.next === 0) throw new Error(l10n.t('the first sample must be whole: use add()'));
    const sorted = [...changes].sort((a, b) => a.offset - b.offset);
    const ranges: ByteRange[] = [];
    let changedBytes = 0;
    for (const change of sorted) {
      if (change.offset < 0 || change.offset + change.bytes.length > this.size) {
        throw new RangeError(l10n.t('a change at {0} outside the {1}-byte recording', change.offset, this.size));
      }
      if (change.bytes.length === 0) continue;
      for (let i = 0; i < change.bytes.length; i++) if (this.latest[change.offset + i] !== change.bytes[i]) changedBytes++;
      const last = ranges[ranges.length - 1];
      if (last && change.offset < last.offset + last.length) throw new RangeError(l10n.t('changes overlap'));
      if (last && change.offset - (last.offset + last.length) <= this.gap) last.length = change.offset + change.bytes.length - last.offset;
      else ranges.push({ offset: change.offset, length: change.bytes.length });
    }
    const bytes = this.latest;
    for (const change of sorted) bytes.set(change.bytes, change.offset);
    return this.append(time, ranges, changedBytes, bytes);
  }

  /**
   * Adds a sample read back from a file: its delta record (already checked by the reader), and the
   * whole bytes when it is a keyframe there. Returns its index.
   */
  addRecorded(time: number, delta: Buffer, whole?: Buffer): number {
    this.checkTime(time);
    const segment = whole || this.segments.length === 0 ? this.startSegment(whole ?? Buffer.alloc(this.size)) : this.segments[this.segments.length - 1];
    if (!whole) applyDelta(delta, 0, delta.length, this.latest);
    else whole.copy(this.latest);
    const [chunk, at] = segment.reserve(time, delta.length);
    delta.copy(chunk, at);
    this.next++;
    this.enforceBudget();
    return this.next - 1;
  }

  private checkTime(time: number): void {
    if (!Number.isFinite(time)) throw new RangeError(l10n.t('bad sample time {0}', time));
    const last = this.lastTime();
    if (last !== undefined && time < last) throw new RangeError(l10n.t('sample time {0} before the previous one ({1})', time, last));
  }

  private append(time: number, ranges: ByteRange[], changedBytes: number, bytes: Buffer): AddResult {
    this.changedBytesTotal += changedBytes;
    const length = deltaLength(ranges);
    let segment = this.segments[this.segments.length - 1];
    if (!segment || segment.deltaBytes + length > this.keyframeBytes) segment = this.startSegment(Buffer.from(bytes));
    const [chunk, at] = segment.reserve(time, length);
    writeDelta(chunk, at, ranges, bytes);
    if (bytes !== this.latest) bytes.copy(this.latest);
    const index = this.next++;
    this.enforceBudget();
    return { index, ranges, changedBytes };
  }

  private startSegment(keyframe: Buffer): Segment {
    this.segments[this.segments.length - 1]?.trim();
    const segment = new Segment(this.next, keyframe);
    this.segments.push(segment);
    return segment;
  }

  private enforceBudget(): void {
    while (this.memoryBytes > this.budgetBytes && this.count > 1) {
      if (this.segments.length === 1) {
        // One segment over the budget: keep only the newest sample, whole.
        const time = this.lastTime()!;
        const only = this.segments[0];
        this.segments = [];
        const head = new Segment(this.next - 1, Buffer.from(this.latest));
        this.dropped.samples += only.count - 1;
        this.dropped.bytes += only.memory();
        this.dropped.throughTime = only.times[only.count - 2];
        const [chunk, at] = head.reserve(time, 1);
        chunk[at] = 0; // no change recorded for it: its changes went with the samples before
        this.segments.push(head);
        this.cache = undefined;
        return;
      }
      const gone = this.segments.shift()!;
      this.dropped.samples += gone.count;
      this.dropped.bytes += gone.memory();
      this.dropped.throughTime = gone.times[gone.count - 1];
      if (this.cache && this.cache.index < this.firstIndex) this.cache = undefined;
    }
  }

  private lastTime(): number | undefined {
    const segment = this.segments[this.segments.length - 1];
    return segment && segment.count > 0 ? segment.times[segment.count - 1] : undefined;
  }

  private locate(index: number): [Segment, number] {
    if (!Number.isInteger(index) || index < this.firstIndex || index > this.lastIndex) {
      throw new RangeError(l10n.t('sample {0} is not in the recording ({1} to {2})', index, this.firstIndex, this.lastIndex));
    }
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.segments[mid].first <= index) low = mid;
      else high = mid - 1;
    }
    const segment = this.segments[low];
    return [segment, index - segment.first];
  }

  /** The time (ms) of sample `index`. */
  timeOf(index: number): number {
    const [segment, i] = this.locate(index);
    return segment.times[i];
  }

  /** The newest sample at or before `time`, or the first one when `time` is earlier. */
  indexAt(time: number): number {
    if (this.count === 0) throw new RangeError(l10n.t('the recording has no samples'));
    let low = this.firstIndex;
    let high = this.lastIndex;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.timeOf(mid) <= time) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The ranges that changed in sample `index` since the one before (none for the first). */
  changes(index: number): ByteRange[] {
    const [segment, i] = this.locate(index);
    const [chunk, start, end] = segment.delta(i);
    return deltaRanges(chunk, start, end, this.size);
  }

  /** Whether sample `index` is kept whole. */
  isKeyframe(index: number): boolean {
    return this.locate(index)[1] === 0;
  }

  /** The delta record of sample `index` (for writing it to a file). */
  deltaRecord(index: number): Buffer {
    const [segment, i] = this.locate(index);
    const [chunk, start, end] = segment.delta(i);
    return chunk.subarray(start, end);
  }

  /** The object's bytes at sample `index`, into `target` (or a new buffer). */
  rebuild(index: number, target?: Buffer): Buffer {
    const [segment, i] = this.locate(index);
    const bytes = target ?? Buffer.allocUnsafe(this.size);
    const cache = this.cache;
    let from: number;
    if (cache && cache.index <= index && cache.index >= segment.first) {
      cache.bytes.copy(bytes);
      from = cache.index - segment.first + 1;
    } else {
      segment.keyframe.copy(bytes);
      from = 1;
    }
    for (let k = from; k <= i; k++) {
      const [chunk, start, end] = segment.delta(k);
      applyDelta(chunk, start, end, bytes);
    }
    this.cache ??= { index, bytes: Buffer.allocUnsafe(this.size) };
    if (this.cache.bytes !== bytes) bytes.copy(this.cache.bytes);
    this.cache.index = index;
    return bytes;
  }

  /**
   * Walks samples `from` to `to` in order: `visit` gets each one's index, time, bytes (the same
   * buffer each time, updated in place: copy what you keep) and changed ranges.
   */
  replay(visit: (index: number, time: number, bytes: Buffer, ranges: ByteRange[]) => void, from = this.firstIndex, to = this.lastIndex): void {
    if (this.count === 0 || to < from) return;
    const bytes = this.rebuild(from, Buffer.allocUnsafe(this.size));
    visit(from, this.timeOf(from), bytes, this.changes(from));
    let [segment, i] = this.locate(from);
    let s = this.segments.indexOf(segment);
    for (let index = from + 1; index <= to; index++) {
      i++;
      if (i >= segment.count) {
        segment = this.segments[++s];
        i = 0;
      }
      const [chunk, start, end] = segment.delta(i);
      applyDelta(chunk, start, end, bytes);
      visit(index, segment.times[i], bytes, deltaRanges(chunk, start, end, this.size));
    }
  }

  /** Bytes changed (as stored: merged ranges) in each of `buckets` equal spans of time, for the strip. */
  strip(buckets: number, fromTime = this.count ? this.timeOf(this.firstIndex) : 0, toTime = this.count ? this.timeOf(this.lastIndex) : 0): Float64Array {
    const out = new Float64Array(Math.max(1, buckets));
    const span = Math.max(toTime - fromTime, 1e-9);
    for (const segment of this.segments) {
      for (let i = 0; i < segment.count; i++) {
        const time = segment.times[i];
        if (time < fromTime || time > toTime) continue;
        const [chunk, start, end] = segment.delta(i);
        let changed = 0;
        for (const range of deltaRanges(chunk, start, end, this.size)) changed += range.length;
        out[Math.min(out.length - 1, Math.floor(((time - fromTime) / span) * out.length))] += changed;
      }
    }
    return out;
  }

  /** What differs between samples `a` and `b`: ranges (near ones merged) and counts. */
  compare(a: number, b: number, gap = this.gap): { ranges: ByteRange[]; changedBytes: number } {
    const before = this.rebuild(a, Buffer.allocUnsafe(this.size));
    const after = this.rebuild(b, Buffer.allocUnsafe(this.size));
    return changedRanges(before, after, gap);
  }
}
