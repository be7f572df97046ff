// A recording as the contents view uses it: the bytes over time (store.ts) with what they are (the
// object, the marked regions, the C type laid over them), per-field statistics kept as samples
// arrive, and watches checked at every sample. Also the numeric recordings of semaphore sets and
// message queues (values, waiters, messages, bytes), which have columns instead of bytes.
import * as l10n from '../../shared/l10n';
import type { CLayout, CPlacement } from '../../shared/cLayout';
import { fieldsByPath, fieldValue, FieldTracker, numericFields, type FieldStats, type FieldValue, type NumericField } from './fields';
import type { ByteRange } from './ranges';
import { DEFAULT_BUDGET, RecordingStore, type AddResult, type Dropped } from './store';
import { WatchSet, type Watch, type WatchHit } from './watches';

/** What was recorded, as the file's header says it. */
export interface RecordedObject {
  /** sysvShm, posixShm, memfd, anonymous, sysvSem, sysvMsg... */
  kind: string;
  /** The contents view's id of it, and its title. */
  id: string;
  title: string;
  /** Its size in bytes (0 for sets and queues). */
  size: number;
}

/** A part of the object that is recorded: `length` bytes at `offset` of the object, at `at` in each sample. */
export interface Region {
  offset: number;
  length: number;
  at: number;
}

export type EndReason = 'stopped' | 'resized' | 'vanished' | 'failed';

export interface RecordingEnd {
  reason: EndReason;
  time: number;
  /** In words, for the view. */
  message?: string;
}

export interface RecordingMeta {
  object: RecordedObject;
  /** The period samples are taken at (ms); the real times are each sample's own. */
  samplePeriodMs: number;
  /** When the recording started (ms since the epoch). */
  startedAt: number;
  layout?: CLayout;
  placement?: CPlacement;
  end?: RecordingEnd;
}

export interface RecordingOptions extends RecordingMeta {
  /** The recorded parts of the object (default: all of it). */
  regions?: readonly Region[];
  budgetBytes?: number;
  keyframeBytes?: number;
  watches?: readonly Watch[];
}

export interface SampleResult extends AddResult {
  time: number;
  hits: WatchHit[];
}

/** The regions laid end to end (checked: inside the object, not overlapping, in order). */
export function layRegions(size: number, marked?: ReadonlyArray<{ offset: number; length: number }>): Region[] {
  if (!marked) return [{ offset: 0, length: size, at: 0 }];
  const regions: Region[] = [];
  let at = 0;
  let end = 0;
  for (const { offset, length } of [...marked].sort((a, b) => a.offset - b.offset)) {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < end || length <= 0 || offset + length > size) {
      throw new RangeError(l10n.t('range {0}+{1} is outside the {2}-byte object or overlaps another', offset, length, size));
    }
    regions.push({ offset, length, at });
    at += length;
    end = offset + length;
  }
  return regions;
}

export class Recording {
  readonly meta: RecordingMeta;
  readonly regions: readonly Region[];
  readonly store: RecordingStore;
  /** Every scalar field of the layout (empty without one). */
  readonly fields: readonly NumericField[];
  readonly watches: WatchSet;
  private readonly tracker?: FieldTracker;
  private readonly byPath: Map<string, NumericField>;

  constructor(options: RecordingOptions) {
    this.meta = {
      object: options.object,
      samplePeriodMs: options.samplePeriodMs,
      startedAt: options.startedAt,
      layout: options.layout,
      placement: options.placement,
      end: options.end,
    };
    this.regions = options.regions ?? [{ offset: 0, length: options.object.size, at: 0 }];
    const size = this.regions.reduce((sum, r) => sum + r.length, 0);
    this.store = new RecordingStore({ size, budgetBytes: options.budgetBytes ?? DEFAULT_BUDGET, keyframeBytes: options.keyframeBytes });
    // Fields are laid over the object; with regions, a field is read where its bytes were recorded.
    this.fields = options.layout
      ? numericFields(options.layout, options.placement, options.object.size).filter((f) => this.imageOffset(f.offset, f.length) !== undefined)
      : [];
    this.byPath = new Map(this.fields.map((f) => [f.path, f]));
    if (options.layout) {
      this.tracker = new FieldTracker(
        options.layout,
        this.fields.map((f) => this.inImage(f)),
      );
    }
    this.watches = new WatchSet(options.watches ?? [], options.samplePeriodMs);
  }

  /** Where object bytes [offset, offset + length) are in a sample, or undefined when not recorded. */
  imageOffset(offset: number, length: number): number | undefined {
    const region = this.regions.find((r) => offset >= r.offset && offset + length <= r.offset + r.length);
    return region ? region.at + offset - region.offset : undefined;
  }

  /** A field with its offsets moved to where its bytes are in a sample. */
  private inImage(field: NumericField): NumericField {
    const at = this.imageOffset(field.offset, field.length)!;
    const delta = at - field.offset;
    return { ...field, shift: field.shift + delta, offset: at };
  }

  /** Adds a sample (the regions' bytes, end to end) taken at `time`; checks the watches. */
  add(time: number, bytes: Buffer): SampleResult {
    const result = this.store.add(time, bytes);
    return { ...result, time, hits: this.observe(result.index, time, bytes, result.ranges) };
  }

  /** Adds a sample given as what changed since the one before (the helper's sampling); checks the watches. */
  addChanges(time: number, changes: ReadonlyArray<{ offset: number; bytes: Uint8Array }>): SampleResult {
    const result = this.store.addChanges(time, changes);
    return { ...result, time, hits: this.observe(result.index, time, this.store.newest, result.ranges) };
  }

  /** Adds a sample read back from a file (see RecordingStore.addRecorded). */
  addRecorded(time: number, delta: Buffer, whole?: Buffer): void {
    this.store.addRecorded(time, delta, whole);
  }

  private observe(index: number, time: number, bytes: Buffer, ranges: readonly ByteRange[]): WatchHit[] {
    this.tracker?.observe(index, time, bytes, ranges);
    if (this.watches.watches.length === 0) return [];
    return this.watches.evaluate(index, time, this.subject(bytes));
  }

  /** What watches read from a sample's bytes. */
  private subject(bytes: Buffer) {
    return {
      value: (path: string): FieldValue | undefined => {
        const field = this.byPath.get(path);
        return field && this.meta.layout ? fieldValue(this.meta.layout, this.inImage(field), bytes) : undefined;
      },
      bytes: (offset: number, length: number): Uint8Array | undefined => {
        const at = this.imageOffset(offset, length);
        return at === undefined ? undefined : bytes.subarray(at, at + length);
      },
    };
  }

  /** The object's recorded bytes at sample `index` (the regions end to end). */
  rebuild(index: number, target?: Buffer): Buffer {
    return this.store.rebuild(index, target);
  }

  /** Statistics of every field since the recording started (kept as samples arrived). */
  liveStatistics(): FieldStats[] {
    return this.tracker?.statistics() ?? [];
  }

  /** Statistics of every field over the samples kept (from `from` to `to`), recomputed. */
  statistics(from = this.store.firstIndex, to = this.store.lastIndex): FieldStats[] {
    if (!this.meta.layout) return [];
    const tracker = new FieldTracker(
      this.meta.layout,
      this.fields.map((f) => this.inImage(f)),
    );
    this.store.replay((index, time, bytes, ranges) => tracker.observe(index, time, bytes, ranges), from, to);
    return tracker.statistics();
  }

  /**
   * Values of the fields at `paths` at every sample from `from` to `to`, for a plot: times (ms)
   * and one column per field (NaN where a value is not a number).
   */
  series(paths: readonly string[], from = this.store.firstIndex, to = this.store.lastIndex): { times: Float64Array; columns: Float64Array[] } {
    const layout = this.meta.layout;
    const fields = fieldsByPath(this.fields, paths).map((f) => this.inImage(f));
    const count = Math.max(0, to - from + 1);
    const times = new Float64Array(count);
    const columns = fields.map(() => new Float64Array(count));
    if (!layout || count === 0) return { times, columns };
    this.store.replay(
      (index, time, bytes) => {
        const row = index - from;
        times[row] = time;
        fields.forEach((field, c) => {
          const value = fieldValue(layout, field, bytes);
          columns[c][row] = value === undefined ? NaN : Number(value);
        });
      },
      from,
      to,
    );
    return { times, columns };
  }

  /** Every numeric field's exact value at sample `index` (undefined where it cannot be read). */
  valuesAt(index: number): Array<FieldValue | undefined> {
    const layout = this.meta.layout;
    if (!layout) return [];
    const bytes = this.rebuild(index, Buffer.allocUnsafe(this.store.size));
    return this.fields.map((field) => fieldValue(layout, this.inImage(field), bytes));
  }

  /** Watch hits over the samples kept, for watches added after recording (or a recording opened from a file). */
  findHits(watches: readonly Watch[], from = this.store.firstIndex, to = this.store.lastIndex): WatchHit[] {
    const set = new WatchSet(watches, this.meta.samplePeriodMs);
    this.store.replay((index, time, bytes) => set.evaluate(index, time, this.subject(bytes)), from, to);
    return set.hits;
  }

  get dropped(): Dropped {
    return this.store.dropped;
  }
}

/** Numbers over time with named columns: a semaphore set's values and waiters, a queue's depth. */
export class SeriesRecording {
  private times = new Float64Array(256);
  private values: Float64Array[];
  private length = 0;
  private first = 0;
  readonly dropped: Dropped = { samples: 0, bytes: 0 };
  readonly watches: WatchSet;

  constructor(
    readonly meta: RecordingMeta,
    readonly columns: readonly string[],
    readonly budgetBytes = DEFAULT_BUDGET,
    watches: readonly Watch[] = [],
  ) {
    this.values = columns.map(() => new Float64Array(256));
    this.watches = new WatchSet(watches, meta.samplePeriodMs);
  }

  get count(): number {
    return this.length;
  }

  /** Index of the oldest row kept. */
  get firstIndex(): number {
    return this.first;
  }

  get memoryBytes(): number {
    return this.times.byteLength * (1 + this.columns.length);
  }

  /** Adds a row taken at `time`; checks the watches (a column is a field to them). */
  add(time: number, row: readonly number[]): { index: number; hits: WatchHit[] } {
    if (row.length !== this.columns.length) throw new RangeError(l10n.t('a row of {0} values for {1} columns', row.length, this.columns.length));
    if (!Number.isFinite(time) || (this.length > 0 && time < this.times[this.length - 1])) throw new RangeError(l10n.t('bad sample time {0}', time));
    if (this.length === this.times.length) this.makeRoom();
    this.times[this.length] = time;
    row.forEach((v, c) => (this.values[c][this.length] = v));
    this.length++;
    const index = this.first + this.length - 1;
    if (this.watches.watches.length === 0) return { index, hits: [] };
    const hits = this.watches.evaluate(index, time, {
      value: (name) => {
        const c = this.columns.indexOf(name);
        return c < 0 ? undefined : row[c];
      },
      bytes: () => undefined,
    });
    return { index, hits };
  }

  /** Grows the arrays, or over the budget drops the older half. */
  private makeRoom(): void {
    const grownBytes = Math.ceil(this.times.length * 1.5) * 8 * (1 + this.columns.length);
    if (grownBytes <= this.budgetBytes) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(Math.ceil(a.length * 1.5));
        b.set(a);
        return b;
      };
      this.times = grow(this.times);
      this.values = this.values.map(grow);
      return;
    }
    const drop = this.length >> 1;
    this.dropped.samples += drop;
    this.dropped.bytes += drop * 8 * (1 + this.columns.length);
    this.dropped.throughTime = this.times[drop - 1];
    this.times.copyWithin(0, drop, this.length);
    for (const column of this.values) column.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.first += drop;
  }

  timeOf(index: number): number {
    return this.times[this.check(index)];
  }

  row(index: number): number[] {
    const i = this.check(index);
    return this.values.map((column) => column[i]);
  }

  /** Times and columns of rows `from` to `to` (copies). */
  series(from = this.first, to = this.first + this.length - 1): { times: Float64Array; columns: Float64Array[] } {
    const a = from - this.first;
    const b = to - this.first + 1;
    return { times: this.times.slice(a, b), columns: this.values.map((c) => c.slice(a, b)) };
  }

  /** Per column: changes, min, max, last change (as for fields). */
  statistics(): FieldStats[] {
    return this.columns.map((path, c) => {
      const stats: FieldStats = { path, changes: 0 };
      for (let i = 0; i < this.length; i++) {
        const value = this.values[c][i];
        if (i > 0 && value !== this.values[c][i - 1]) {
          stats.changes++;
          stats.lastChangeTime = this.times[i];
          stats.lastChangeIndex = this.first + i;
        }
        if (stats.min === undefined || value < stats.min) stats.min = value;
        if (stats.max === undefined || value > stats.max) stats.max = value;
        stats.last = value;
      }
      return stats;
    });
  }

  private check(index: number): number {
    const i = index - this.first;
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(l10n.t('row {0} is not in the recording', index));
    return i;
  }
}
