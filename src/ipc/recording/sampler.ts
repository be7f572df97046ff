// Taking samples at a steady rate: an object's bytes through its byte source (the same reads the
// contents view makes: only pages with data of a System V segment, since reading another page
// would allocate it; pread for POSIX objects), or a semaphore set's values and waiters, or a queue's
// depth, through the helper. Pure except for its timer.
//
// Where the source can (a System V segment: ByteSource.sampleInHelper), the helper takes the
// samples on its own clock and keeps only what changed, and this collects them every 100 ms:
// a round trip per sample costs Node more than the whole recording may (README, Benchmarks).
// A helper that dies is replaced by a new sampler on the next collection; one that cannot sample
// (EBUSY, ENOSYS) leaves the recording to read each sample here.
//
// The rate is kept honestly: a sample is due every period; when a read takes longer, the next one
// starts right after it (never two at once) and the late ticks are counted, so the recording's
// own times say what was really sampled. The recording ends cleanly, keeping every sample taken,
// when the object vanishes, is removed, or changes size.
import { performance } from 'perf_hooks';
import { residentRuns, type ByteSource, type HelperSampling } from '../byteSource';
import { MAX_SAMPLE_LENGTH, Op, type SampleTake } from '../helperProtocol';
import { HelperError, HelperExitedError, type HelperClient } from '../helperClient';
import * as l10n from '../../shared/l10n';
import { layRegions, Recording, SeriesRecording, type EndReason, type RecordingEnd, type RecordingOptions, type SampleResult } from './recording';
import type { Watch, WatchHit } from './watches';

export const DEFAULT_SIZE_LIMIT = 16 * 1024 * 1024;
export const MAX_RATE_HZ = 1000;
/** How often the object's size and state are asked while recording (ms). */
const DESCRIBE_EVERY_MS = 250;
/** Errors of a read that mean the object is not there (any more) as it was. */
/**
 * Errors that mean the object is gone. ESRCH: a removed object is read through a process that maps
 * it, and that process exited (its last holder: nothing keeps the memory any more).
 */
const GONE_CODES = new Set(['ENOENT', 'EINVAL', 'EIDRM', 'ESTALE', 'ENXIO', 'ESRCH']);

export const clock = (): number => performance.timeOrigin + performance.now();
/** CLOCK_MONOTONIC in ms, the clock the helper's samples are timed by (Node's hrtime reads it too). */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export type SamplerState = 'recording' | 'paused' | 'ended';

export interface SamplerEvents {
  onSample?(index: number, time: number): void;
  /** Watches fired (the sampler has paused when pauseOnWatch). */
  onWatch?(hits: WatchHit[]): void;
  onEnd?(end: RecordingEnd): void;
}

/** The loop every sampler shares: due times, no overlap, pause, resume, stop. */
abstract class PeriodicSampler {
  state: SamplerState = 'recording';
  end?: RecordingEnd;
  /** Samples taken, and ticks that came late because the one before was still reading. */
  readonly counts = { samples: 0, late: 0 };
  readonly periodMs: number;
  /** How often tick() runs: every sample, or (when the helper samples) every collection. */
  protected tickMs: number;
  /** Whether a late tick is a sample missed (not when the helper samples: it counts its own). */
  protected ticksAreSamples = true;
  private timer?: NodeJS.Timeout;
  private due = 0;
  private busy?: Promise<void>;
  private ended?: () => void;
  /** Resolves once the recording has ended (stopped, or the object went). */
  readonly whenEnded: Promise<RecordingEnd>;

  constructor(
    rateHz: number,
    protected readonly events: SamplerEvents,
    protected readonly now: () => number,
  ) {
    if (!(rateHz > 0) || rateHz > MAX_RATE_HZ) throw new RangeError(l10n.t('The sampling rate must be above 0 and at most {0} per second.', MAX_RATE_HZ));
    this.periodMs = 1000 / rateHz;
    this.tickMs = this.periodMs;
    this.whenEnded = new Promise((resolve) => (this.ended = () => resolve(this.end!)));
  }

  /** One tick: takes a sample (or collects those the helper took), counting them; throws to end it with an error. */
  protected abstract sampleOnce(): Promise<void>;

  /** What ended the recording when sampleOnce threw. */
  protected abstract classify(error: unknown): Promise<RecordingEnd>;

  /** After a pause or a stop, once no tick is in flight (the helper's sampler is let go there). */
  protected async settle(): Promise<void> {}

  protected start(): void {
    this.due = this.now();
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.state !== 'recording') return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, delay));
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.state !== 'recording') return;
    this.busy = this.sampleOnce().catch(async (error: unknown) => this.finish(await this.classify(error)));
    await this.busy;
    this.busy = undefined;
    this.due += this.tickMs;
    const now = this.now();
    if (now > this.due) {
      // Late: the read took longer than a period. Start again now; the missed moments are not faked.
      if (this.ticksAreSamples) this.counts.late += Math.floor((now - this.due) / this.periodMs) + 1;
      this.due = now;
    }
    this.schedule(this.due - now);
  }

  /** Stops taking samples until resume(); resolves once no read is in flight. */
  async pause(): Promise<void> {
    if (this.state !== 'recording') return;
    this.state = 'paused';
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy;
    await this.settle();
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'recording';
    this.due = this.now();
    if (!this.busy) this.schedule(0);
  }

  /** Ends the recording; what was taken stays. */
  async stop(): Promise<RecordingEnd> {
    if (this.state !== 'ended') {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.state = 'ended'; // a read in flight is still kept: its bytes are a real sample
      await this.busy;
      await this.settle();
      this.finish({ reason: 'stopped', time: this.now() });
    }
    return this.end!;
  }

  protected finish(end: RecordingEnd): void {
    if (this.end) return;
    this.state = 'ended';
    clearTimeout(this.timer);
    this.end = end;
    try {
      this.onFinish(end);
      this.events.onEnd?.(end);
    } finally {
      this.ended!(); // whatever a listener does, whenEnded resolves and stop() returns
    }
  }

  protected abstract onFinish(end: RecordingEnd): void;

  /** Tells of watches that fired; true when the recording paused for them. */
  protected pauseForWatch(hits: WatchHit[], pauseOnWatch: boolean): boolean {
    if (hits.length === 0) return false;
    const pausing = pauseOnWatch && this.state === 'recording';
    if (pausing) {
      this.state = 'paused';
      clearTimeout(this.timer);
    }
    this.events.onWatch?.(hits);
    return pausing;
  }
}

export type SampledSource = Pick<ByteSource, 'describe' | 'read' | 'dataMap' | 'gaps' | 'sampleInHelper'> & { readonly refreshWhileRemoved?: boolean };

export interface ObjectSamplerOptions extends SamplerEvents {
  source: SampledSource;
  /** What the recording's header says about the object (its size comes from the source). */
  object: Omit<RecordingOptions['object'], 'size'>;
  pageSize: number;
  /** Samples a second (at most 1,000). */
  rateHz: number;
  /** Objects larger than this are recorded only through `ranges` (default 16 MiB). */
  sizeLimit?: number;
  /** The parts to record (default: the whole object). */
  ranges?: ReadonlyArray<{ offset: number; length: number }>;
  budgetBytes?: number;
  layout?: RecordingOptions['layout'];
  placement?: RecordingOptions['placement'];
  watches?: readonly Watch[];
  /** Pause when a watch fires (default true). */
  pauseOnWatch?: boolean;
  /** Let the helper sample where it can (default true; false: read every sample from here). */
  helperSampling?: boolean;
  now?: () => number;
}

/** How often the samples the helper took are collected (ms), at the least. */
export const COLLECT_EVERY_MS = 100;

/** A sampler in the helper, and how to place its samples in time. */
interface Feed {
  sampling: HelperSampling;
  /** Whether the next record is this sampler's first: a whole sample (the range against zeros). */
  first: boolean;
  /** Our clock's time at the helper's CLOCK_MONOTONIC 0 (ms), as learned when it started. */
  clockAtZero: number;
  /** Started because the one before was lost with its helper: the samples in between were missed. */
  afterLoss: boolean;
  /** Let go of: whatever it still brings is not added (a later take would assume what was dropped). */
  dead: boolean;
}

/** Errors that mean the helper's sampler is gone with its helper (not the object). */
function samplerLost(error: unknown): boolean {
  return error instanceof HelperExitedError || (error instanceof HelperError && error.code === 'EINVAL' && error.op === Op[Op.ShmSampleTake]);
}

/** Errors of SHM_SAMPLE_START that mean "read each sample from here instead". */
function cannotSampleInHelper(error: unknown): boolean {
  return error instanceof HelperError && ['EBUSY', 'ENOSYS', 'ENOMEM'].includes(error.code);
}

/** Records an object's bytes. Made by recordObject(), which takes the first sample. */
export class ObjectSampler extends PeriodicSampler {
  readonly recording: Recording;
  private readonly image: Buffer;
  /** Per region: every page of it held data at some sample (a System V segment's pages stay allocated). */
  private readonly allResident: boolean[] = [];
  private lastDescribe: number;
  private helperMode: boolean;
  private feed?: Feed;
  /** A pause's or stop's last collection, which goes before any other. */
  private settling?: Promise<void>;
  private lostFeed = false;

  private constructor(
    private readonly options: ObjectSamplerOptions,
    private readonly size: number,
    now: () => number,
  ) {
    super(options.rateHz, options, now);
    const regions = layRegions(size, options.ranges);
    this.recording = new Recording({
      object: { ...options.object, size },
      samplePeriodMs: this.periodMs,
      startedAt: now(),
      regions,
      budgetBytes: options.budgetBytes,
      layout: options.layout,
      placement: options.placement,
      watches: options.watches,
    });
    this.image = Buffer.alloc(this.recording.store.size);
    this.lastDescribe = now();
    this.helperMode =
      options.helperSampling !== false && options.source.sampleInHelper !== undefined && regions.length === 1 && regions[0].length <= MAX_SAMPLE_LENGTH;
    if (this.helperMode) {
      this.tickMs = Math.max(this.periodMs, COLLECT_EVERY_MS);
      this.ticksAreSamples = false;
    }
  }

  /** Whether the helper takes the samples (one region a sampler of the helper can take, and it could). */
  get inHelper(): boolean {
    return this.helperMode;
  }

  /**
   * Starts recording `options.source`: checks it is there and small enough (or ranges are marked),
   * takes the first sample, then samples at the rate until stopped or the object goes.
   */
  static async start(options: ObjectSamplerOptions): Promise<ObjectSampler> {
    const now = options.now ?? clock;
    const header = await options.source.describe();
    if (header.phase === 'gone') throw new Error(l10n.t('The object is gone: there is nothing to record.'));
    const limit = options.sizeLimit ?? DEFAULT_SIZE_LIMIT;
    if (!options.ranges && header.size > limit) {
      throw new Error(
        l10n.t('The object is {0} bytes, over the recording limit of {1} bytes: mark the ranges to record, or raise the limit.', header.size, limit),
      );
    }
    const sampler = new ObjectSampler(options, header.size, now);
    try {
      await sampler.sampleOnce(); // the first sample: a failure here is the caller's to see
      if (sampler.recording.store.count === 0) await sampler.sampleOnce(); // the helper went meanwhile: once more
      if (sampler.recording.store.count === 0) throw new Error(l10n.t('No first sample could be taken: the IPC helper stopped answering.'));
    } catch (error) {
      if (sampler.feed) sampler.letGoOf(sampler.feed); // no sampler left running in the helper
      throw error;
    }
    sampler.start();
    return sampler;
  }

  protected async sampleOnce(): Promise<void> {
    if (this.helperMode) return this.collect();
    const time = this.now();
    if (time - this.lastDescribe >= DESCRIBE_EVERY_MS) {
      this.lastDescribe = time;
      const ended = await this.checkObject();
      if (ended) {
        this.finish(ended);
        return;
      }
    }
    await this.readImage();
    this.counts.samples++;
    const result: SampleResult = this.recording.add(time, this.image);
    this.events.onSample?.(result.index, time);
    this.pauseForWatch(result.hits, this.options.pauseOnWatch ?? true);
  }

  /** Collects what the helper sampled since the last time (starting its sampler first if none runs). */
  private async collect(): Promise<void> {
    await this.settling;
    if (this.state === 'ended') return;
    let feed = this.feed;
    let take: SampleTake;
    try {
      feed ??= this.feed = await this.startFeed();
      take = await feed.sampling.take();
    } catch (error) {
      if (!feed && cannotSampleInHelper(error)) {
        // The helper cannot take this one (four samplers running, no process_vm_readv here): read each sample from here.
        this.helperMode = false;
        this.tickMs = this.periodMs;
        this.ticksAreSamples = true;
        return this.sampleOnce();
      }
      if (!samplerLost(error)) throw error;
      // The helper died, or was replaced since: its sampler went with it. Start again on the next
      // tick, the next sample whole (a helper that keeps dying is not restarted: that ends it).
      if (feed) this.letGoOf(feed, false);
      this.lostFeed = true;
      return;
    }
    this.takeIn(feed, take);
  }

  private async startFeed(): Promise<Feed> {
    const region = this.recording.regions[0];
    const before = this.now() - monotonicMs();
    const sampling = await this.options.source.sampleInHelper!(region.offset, region.length, this.periodMs);
    const afterLoss = this.lostFeed;
    this.lostFeed = false;
    return { sampling, first: true, clockAtZero: before, afterLoss, dead: false };
  }

  /** Adds what a take brought; throws why the helper's sampler ended, when it did. */
  private takeIn(feed: Feed, take: SampleTake): void {
    if (feed.dead) return;
    this.counts.late += take.late + take.skipped;
    this.addRecords(feed, take);
    if (take.end) {
      this.letGoOf(feed, false); // told once: it is gone in the helper
      throw new HelperError(take.end.name, 0, Op[Op.ShmSampleTake], take.end.message);
    }
  }

  /** Adds the helper's records, in order, up to a watch that pauses the recording (the rest is let go). */
  private addRecords(feed: Feed, take: SampleTake): void {
    for (const record of take.records) {
      if (feed.dead) return;
      const time = this.timeOf(feed, record.monotonicNs);
      let result: SampleResult;
      if (feed.first) {
        // The range against zeros: the whole of it, added as any whole sample is.
        feed.first = false;
        if (feed.afterLoss) this.counts.late += this.missedBefore(time);
        this.image.fill(0);
        for (const change of record.changes) this.image.set(change.bytes, change.offset);
        result = this.recording.add(time, this.image);
      } else {
        result = this.recording.addChanges(time, record.changes);
      }
      this.counts.samples++;
      this.events.onSample?.(result.index, time);
      if (this.pauseForWatch(result.hits, this.options.pauseOnWatch ?? true)) {
        this.letGoOf(feed); // samples after the one that fired are not kept: the recording paused there
        return;
      }
    }
  }

  /** Samples missed between the newest one kept and `time` (the helper was down meanwhile). */
  private missedBefore(time: number): number {
    const store = this.recording.store;
    if (store.lastIndex < store.firstIndex) return 0;
    return Math.max(0, Math.round((time - store.timeOf(store.lastIndex)) / this.periodMs) - 1);
  }

  /** The helper's sample time on our clock: never before the sample before, never in the future. */
  private timeOf(feed: Feed, monotonicNs: bigint): number {
    const time = feed.clockAtZero + Number(monotonicNs) / 1e6;
    const store = this.recording.store;
    const last = store.lastIndex >= store.firstIndex ? store.timeOf(store.lastIndex) : -Infinity;
    return Math.min(Math.max(time, last), this.now());
  }

  /** Lets go of a sampler of the helper: nothing it still brings is added; stopped unless it is gone already. */
  private letGoOf(feed: Feed, stop = true): void {
    if (feed.dead) return;
    feed.dead = true;
    if (this.feed === feed) this.feed = undefined;
    if (stop) feed.sampling.stop().catch(() => undefined); // the helper may be gone: then so is its sampler
  }

  /**
   * Paused or stopping: what the helper took since the last collection is kept, then its sampler
   * stops. If it had ended (the object went), the recording ends for that reason.
   */
  protected async settle(): Promise<void> {
    const feed = this.feed;
    if (!feed) return;
    const settling = (async () => {
      try {
        this.takeIn(feed, await feed.sampling.take());
      } catch (error) {
        if (!samplerLost(error)) this.finish(await this.classify(error));
      }
      this.letGoOf(feed);
    })();
    this.settling = settling;
    await settling;
    if (this.settling === settling) this.settling = undefined;
  }

  private async readImage(): Promise<void> {
    const { source } = this.options;
    await Promise.all(
      this.recording.regions.map(async (region, r) => {
        const target = this.image.subarray(region.at, region.at + region.length);
        if (source.gaps === 'not-resident' && !this.allResident[r]) {
          // Pages without data are not read (that would allocate them): they hold zeros. Once
          // every page of a region had data, reading it allocates nothing: no more asking.
          // Read straight into the sample (no buffer of its own per sample: at 100 Hz that garbage costs).
          const runs = residentRuns(await source.dataMap(region.offset, region.length), region.offset, region.length);
          let at = region.offset;
          for (const run of runs) {
            target.fill(0, at - region.offset, run.offset - region.offset);
            at = run.offset + run.length;
          }
          target.fill(0, at - region.offset);
          await Promise.all(
            runs.map((run) => source.read(run.offset, run.length, target.subarray(run.offset - region.offset, run.offset - region.offset + run.length))),
          );
          this.allResident[r] = runs.length === 1 && runs[0].length === region.length;
        } else {
          await source.read(region.offset, region.length, target);
        }
      }),
    );
  }

  /** The end of the recording if the object went or changed size, else undefined. */
  private async checkObject(): Promise<RecordingEnd | undefined> {
    const header = await this.options.source.describe();
    const time = this.now();
    if (header.phase === 'gone') return { reason: 'vanished', time, message: l10n.t('The object was removed; the recording ends with what was kept.') };
    if (header.phase === 'removed-held' && this.options.source.refreshWhileRemoved === false) {
      return { reason: 'vanished', time, message: l10n.t('The segment was marked for removal; the recording ends with what was kept.') };
    }
    if (header.size !== this.size) {
      return {
        reason: 'resized',
        time,
        message: l10n.t(
          'The object {0} from {1} to {2} bytes; the recording ends with what was kept.',
          header.size > this.size ? l10n.t('grew') : l10n.t('shrank'),
          this.size,
          header.size,
        ),
      };
    }
    return undefined;
  }

  protected async classify(error: unknown): Promise<RecordingEnd> {
    try {
      const ended = await this.checkObject();
      if (ended) return ended;
    } catch {
      // the object cannot even be described: the read's error says why
    }
    const reason: EndReason = error instanceof HelperError && GONE_CODES.has(error.code) ? 'vanished' : 'failed';
    const message = error instanceof Error ? error.message : String(error);
    return { reason, time: this.now(), message: l10n.t('Recording stopped: {0}', message) };
  }

  protected onFinish(end: RecordingEnd): void {
    this.recording.meta.end = end;
    if (this.feed) this.letGoOf(this.feed);
  }
}

export interface SeriesSamplerOptions extends SamplerEvents {
  object: RecordingOptions['object'];
  columns: readonly string[];
  /** One row of numbers (throws when the object is gone or changed shape). */
  readRow(): Promise<number[]>;
  rateHz: number;
  budgetBytes?: number;
  watches?: readonly Watch[];
  pauseOnWatch?: boolean;
  now?: () => number;
}

/** Records numbers: a semaphore set's values and waiters, a queue's messages and bytes. */
export class SeriesSampler extends PeriodicSampler {
  readonly recording: SeriesRecording;

  private constructor(
    private readonly options: SeriesSamplerOptions,
    now: () => number,
  ) {
    super(options.rateHz, options, now);
    this.recording = new SeriesRecording(
      { object: options.object, samplePeriodMs: this.periodMs, startedAt: now() },
      options.columns,
      options.budgetBytes,
      options.watches,
    );
  }

  static async start(options: SeriesSamplerOptions): Promise<SeriesSampler> {
    const sampler = new SeriesSampler(options, options.now ?? clock);
    await sampler.sampleOnce();
    sampler.start();
    return sampler;
  }

  protected async sampleOnce(): Promise<void> {
    const time = this.now();
    const row = await this.options.readRow();
    const { index, hits } = this.recording.add(time, row);
    this.counts.samples++;
    this.events.onSample?.(index, time);
    this.pauseForWatch(hits, this.options.pauseOnWatch ?? true);
  }

  protected classify(error: unknown): Promise<RecordingEnd> {
    const time = this.now();
    if (error instanceof ShapeChanged) return Promise.resolve({ reason: 'resized', time, message: error.message });
    if (error instanceof HelperError && GONE_CODES.has(error.code)) {
      return Promise.resolve({
        reason: 'vanished',
        time,
        message: l10n.t(
          'The {0} was removed; the recording ends with what was kept.',
          this.options.object.kind === 'sysvMsg' ? l10n.t('queue') : l10n.t('set'),
        ),
      });
    }
    return Promise.resolve({ reason: 'failed', time, message: l10n.t('Recording stopped: {0}', error instanceof Error ? error.message : String(error)) });
  }

  protected onFinish(end: RecordingEnd): void {
    this.recording.meta.end = end;
  }
}

/** A set or queue that is no longer the shape it was when the recording started. */
export class ShapeChanged extends Error {}

/** The columns of a semaphore set of `nsems`: each semaphore's value and its two kinds of waiters. */
export function semaphoreColumns(nsems: number): string[] {
  return Array.from({ length: nsems }, (_, i) => [`sem[${i}].value`, `sem[${i}].ncnt`, `sem[${i}].zcnt`]).flat();
}

/** Reads a set's row (semctl GETALL, GETNCNT, GETZCNT through the helper); a set of another size ends it. */
export function semaphoreRow(client: HelperClient, semid: number, nsems: number): () => Promise<number[]> {
  return async () => {
    const { semaphores } = await client.semValues(semid);
    if (semaphores.length !== nsems) throw new ShapeChanged(l10n.t('The set now has {0} semaphores, not {1}: it was replaced.', semaphores.length, nsems));
    return semaphores.flatMap((s) => [s.value, s.ncnt, s.zcnt]);
  };
}

export const QUEUE_COLUMNS = ['messages', 'bytes'] as const;

/** Reads a System V queue's depth: messages and bytes queued (IPC_STAT through the helper). */
export function queueRow(client: HelperClient, msqid: number): () => Promise<number[]> {
  return async () => {
    const stat = await client.msgStat(msqid);
    return [stat.qnum, stat.cbytes];
  };
}
