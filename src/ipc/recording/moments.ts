// A recording read as an object at one moment: the contents view reads a ByteSource, so pointing it
// at one of these shows the object as it was at sample `index` (the grid, the inspector and the
// fields panel unchanged), and a recording opened from a file is shown the same way with no object
// behind it. Bytes outside the recorded regions were never seen: their pages read as without data.
import type { ContentsHeader } from '../../shared/contentsProtocol';
import type { ByteSource } from '../byteSource';
import type { Residency } from '../helperProtocol';
import * as l10n from '../../shared/l10n';
import type { ByteRange } from './ranges';
import type { Recording } from './recording';

export class MomentSource implements ByteSource {
  readonly gaps = 'hole' as const;
  readonly refreshWhileRemoved = false;
  /** The moment shown (allocated at the first seek: a source only described never holds one). */
  private image: Buffer = Buffer.alloc(0);
  private shown = -1;
  private readBytes = 0;

  constructor(
    readonly recording: Recording,
    readonly header: ContentsHeader,
    readonly id = header.id,
    readonly title = header.title,
    readonly memoryKey = `recording:${recording.meta.object.id}`,
    /** The machine's page size, asked when needed (a view learns it from the helper after it opened). */
    private readonly pageSize: () => number = () => 4096,
  ) {}

  /** The sample shown, or -1 before the first seek. */
  get index(): number {
    return this.shown;
  }

  /** Shows sample `index` (kept: between the first and last index) and says what changed in it. */
  seek(index: number): { index: number; time: number; changed: ByteRange[] } {
    const store = this.recording.store;
    if (store.count === 0) throw new RangeError(l10n.t('the recording has no samples'));
    if (!Number.isSafeInteger(index) || index < store.firstIndex || index > store.lastIndex) {
      throw new RangeError(l10n.t('sample {0} is not kept: the recording holds samples {1} to {2}', index, store.firstIndex, store.lastIndex));
    }
    if (index !== this.shown) {
      if (this.image.length !== this.recording.store.size) this.image = Buffer.alloc(this.recording.store.size);
      this.image = this.recording.rebuild(index, this.image);
      this.shown = index;
    }
    const changed = index === store.firstIndex ? [] : inObject(this.recording, store.changes(index));
    return { index, time: store.timeOf(index), changed };
  }

  describe(): Promise<ContentsHeader> {
    return Promise.resolve(this.header);
  }

  /** Pages wholly inside recorded regions hold data; others were (at least partly) never seen. */
  dataMap(offset: number, length: number): Promise<Residency> {
    const size = this.recording.meta.object.size;
    const end = length === 0 ? size : Math.min(size, offset + length);
    const pageSize = this.pageSize();
    const firstPage = Math.floor(offset / pageSize);
    const pageCount = Math.max(0, Math.ceil(end / pageSize) - firstPage);
    const bitmap = Buffer.alloc(Math.ceil(pageCount / 8));
    for (let i = 0; i < pageCount; i++) {
      const start = (firstPage + i) * pageSize;
      const stop = Math.min(size, start + pageSize);
      if (this.recording.imageOffset(start, stop - start) !== undefined) bitmap[i >> 3] |= 1 << (i & 7);
    }
    return Promise.resolve({ firstPage, pageCount, pageSize, bitmap });
  }

  /** The bytes at the moment shown; bytes never recorded read as zeros. */
  read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const size = this.recording.meta.object.size;
    if (offset < 0 || length < 0 || offset + length > size) {
      return Promise.reject(new RangeError(l10n.t('range {0}+{1} is outside the {2}-byte object or overlaps another', offset, length, size)));
    }
    const out = into ?? Buffer.alloc(length);
    out.fill(0, 0, length);
    for (const region of this.recording.regions) {
      const start = Math.max(offset, region.offset);
      const end = Math.min(offset + length, region.offset + region.length);
      if (start < end) this.image.copy(out, start - offset, region.at + start - region.offset, region.at + end - region.offset);
    }
    this.readBytes += length;
    return Promise.resolve(out);
  }

  gapsAreZeros(): boolean {
    return false;
  }

  get bytesRead(): number {
    return this.readBytes;
  }
}

/**
 * Bytes changed per sample, counted once as samples arrive (a status a few times a second must not
 * decode every delta again), and summed into the timeline's strip: equal runs of samples kept.
 */
export class ChangeCounts {
  private counts: number[] = [];
  /** The index of counts[0]. */
  private base = 0;

  constructor(private readonly recording: Recording) {}

  /** Counts the samples added since the last call, forgets the ones the budget dropped. */
  private update(): void {
    const store = this.recording.store;
    if (store.count === 0) return;
    if (store.firstIndex > this.base) {
      this.counts = this.counts.slice(Math.min(this.counts.length, store.firstIndex - this.base));
      this.base = store.firstIndex;
    }
    for (let index = this.base + this.counts.length; index <= store.lastIndex; index++) {
      let changed = 0;
      if (index > store.firstIndex) for (const range of store.changes(index)) changed += range.length;
      this.counts.push(changed);
    }
  }

  strip(buckets: number): number[] {
    this.update();
    const n = this.counts.length;
    const out = new Array<number>(Math.max(1, Math.min(buckets, n))).fill(0);
    for (let i = 0; i < n; i++) out[Math.min(out.length - 1, Math.floor((i / n) * out.length))] += this.counts[i];
    return out;
  }
}

/** Ranges of a sample's image as ranges of the object (a range may span two recorded regions). */
export function inObject(recording: Recording, ranges: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const range of ranges) {
    for (const region of recording.regions) {
      const start = Math.max(range.offset, region.at);
      const end = Math.min(range.offset + range.length, region.at + region.length);
      if (start < end) out.push({ offset: region.offset + start - region.at, length: end - start });
    }
  }
  return out;
}
