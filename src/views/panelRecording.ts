// The recording of one contents view: the sampler taking samples (src/ipc/recording), or a recording
// opened from a file, and the moment the view shows. It tells the page what the timeline shows (a
// few times a second at most while samples arrive), answers seek, compare and plot, and hands the
// panel the byte source to read: the object itself when live, the recording at the cursor otherwise.
// Samples keep coming while the panel is hidden; only the page's updates wait until it is seen.
import type { ContentsHeader, FieldStatsInfo, RecordingStatus, ToWebview } from '../shared/contentsProtocol';
import { valueText, type FieldValue } from '../ipc/recording/fields';
import { ChangeCounts, inObject, MomentSource } from '../ipc/recording/moments';
import type { Recording } from '../ipc/recording/recording';
import { ObjectSampler, type ObjectSamplerOptions } from '../ipc/recording/sampler';
import { describeWatch, type Watch, type WatchHit } from '../ipc/recording/watches';
import * as l10n from '../shared/l10n';

/** The page hears of new samples at most this often. */
const STATUS_EVERY_MS = 250;
/** Bars in the timeline's strip. */
const STRIP_BUCKETS = 240;

export interface RecordingHost {
  post(message: ToWebview): Thenable<boolean>;
  /** Whether the page can be seen (updates wait until it is). */
  visible(): boolean;
  /** The header the moment source shows (a recording opened from a file has no object). */
  header(): ContentsHeader;
  pageSize(): number;
  /** The bytes shown changed (another moment, or live again): the page reads them again. */
  momentChanged(): void;
  /** A watch fired (at sample `at`) or the recording ended: said once, in words, by the panel's owner. */
  announce(kind: 'watch' | 'end', text: string, at?: number): void;
}

export class PanelRecording {
  private sampler?: ObjectSampler;
  private readonly moments: MomentSource;
  private readonly counts: ChangeCounts;
  /** The sample shown, or undefined while live. */
  private at: number | undefined;
  /** Samples kept when it was last written to a file (Record again asks before dropping more than that). */
  savedSamples = -1;
  /** Closed: the sampler's last calls (its end) must not reach the disposed view. */
  private disposed = false;
  private statusTimer?: NodeJS.Timeout;
  private lastStatus = 0;
  private readonly changed = new Set<() => void>();

  private constructor(
    readonly recording: Recording,
    private readonly host: RecordingHost,
    readonly fromFile: boolean,
  ) {
    this.moments = new MomentSource(recording, host.header(), undefined, undefined, undefined, () => host.pageSize());
    this.counts = new ChangeCounts(recording);
  }

  /** Starts recording the panel's object (the first sample is taken before this returns). */
  static async record(host: RecordingHost, options: Omit<ObjectSamplerOptions, 'onSample' | 'onWatch' | 'onEnd'>): Promise<PanelRecording> {
    // The sampler calls back from its first tick on; this recording exists once start() returns.
    const to: { recording?: PanelRecording } = {};
    const sampler = await ObjectSampler.start({
      ...options,
      onSample: () => to.recording?.sampled(),
      onWatch: (hits) => to.recording?.watched(hits),
      onEnd: (end) => to.recording?.ended(end.message ?? l10n.t('Recording stopped.')),
    });
    const self = new PanelRecording(sampler.recording, host, false);
    to.recording = self;
    self.sampler = sampler;
    if (sampler.state === 'ended') self.ended(sampler.end?.message ?? l10n.t('Recording stopped.'));
    return self;
  }

  /** A recording read from a file: shown at its last sample, with no live object. */
  static opened(host: RecordingHost, recording: Recording): PanelRecording {
    const self = new PanelRecording(recording, host, true);
    self.at = recording.store.count > 0 ? recording.store.lastIndex : undefined;
    if (self.at !== undefined) self.moments.seek(self.at);
    return self;
  }

  get state(): RecordingStatus['state'] {
    return this.sampler?.state ?? 'ended';
  }

  /** Resolves once the recording has ended (at once for one opened from a file). */
  get whenEnded(): Promise<unknown> {
    return this.sampler?.whenEnded ?? Promise.resolve();
  }

  /** Samples kept. */
  get samples(): number {
    return this.recording.store.count;
  }

  /** Samples taken since it was last saved (a recording still going is never all saved). */
  get unsaved(): boolean {
    return this.samples > 0 && (this.state !== 'ended' || this.savedSamples !== this.samples);
  }

  /** Called when recording starts, pauses, resumes or ends (the status bar listens). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.changed.add(listener);
    return { dispose: () => this.changed.delete(listener) };
  }

  private fire(): void {
    for (const listener of this.changed) listener();
  }

  /** The source the panel reads: the recording at the cursor, or undefined while live. */
  get reading(): MomentSource | undefined {
    return this.at === undefined ? undefined : this.moments;
  }

  /** The sample shown (undefined while live). */
  get moment(): number | undefined {
    return this.at;
  }

  async stop(): Promise<void> {
    await this.sampler?.stop();
  }

  async pause(): Promise<void> {
    await this.sampler?.pause();
    this.fire();
    this.postStatus();
  }

  resume(): void {
    this.sampler?.resume();
    this.fire();
    this.postStatus();
  }

  /** A watch from the next sample on while recording; on an ended recording (or one from a file), the samples kept are searched. */
  addWatch(watch: Watch): WatchHit[] {
    this.recording.watches.add(watch);
    if (this.state === 'ended') {
      const hits = this.recording.findHits([watch]);
      this.recording.watches.hits.push(...hits);
      this.postStatus();
      return hits;
    }
    this.postStatus();
    return [];
  }

  /** Shows sample `index` (null: live again; a recording from a file has no live and stays). */
  async seek(index: number | null): Promise<void> {
    try {
      await this.seekTo(index);
    } catch (error) {
      // The page waits for a moment after each seek: it hears where the view still is, then why.
      await this.postMoment();
      throw error;
    }
  }

  /** A page made anew shows the moment the view was at, or the oldest kept if that one was dropped meanwhile. */
  async showAgain(): Promise<void> {
    if (this.at === undefined) return;
    const store = this.recording.store;
    await this.seek(store.count === 0 ? null : Math.min(store.lastIndex, Math.max(this.at, store.firstIndex)));
  }

  private async postMoment(): Promise<void> {
    if (this.at === undefined) {
      await this.host.post({ type: 'moment', moment: null });
      return;
    }
    const moment = this.moments.seek(this.at);
    const startedAt = this.recording.meta.startedAt;
    await this.host.post({
      type: 'moment',
      moment: { index: moment.index, time: moment.time - startedAt, changed: moment.changed.map((r) => [r.offset, r.length]) },
    });
  }

  private async seekTo(index: number | null): Promise<void> {
    if (index === null) {
      if (this.fromFile) index = this.recording.store.lastIndex;
      else {
        this.at = undefined;
        await this.host.post({ type: 'moment', moment: null });
        this.host.momentChanged();
        return;
      }
    }
    this.at = this.moments.seek(index).index;
    await this.postMoment();
    this.host.momentChanged();
  }

  async compare(a: number, b: number): Promise<void> {
    const store = this.recording.store;
    for (const index of [a, b]) {
      if (index < store.firstIndex || index > store.lastIndex) {
        throw new RangeError(l10n.t('sample {0} is not kept: the recording holds samples {1} to {2}', index, store.firstIndex, store.lastIndex));
      }
    }
    const { ranges, changedBytes } = store.compare(a, b);
    const fields: Array<{ path: string; a: string; b: string }> = [];
    const text = (v: FieldValue | undefined) => (v === undefined ? '?' : valueText(v));
    const before = this.recording.valuesAt(a).map(text);
    const after = this.recording.valuesAt(b).map(text);
    before.forEach((value, i) => {
      if (value !== after[i]) fields.push({ path: this.recording.fields[i].path, a: value, b: after[i] });
    });
    const objectRanges = inObject(this.recording, ranges).map((r): [number, number] => [r.offset, r.length]);
    await this.host.post({ type: 'compared', a, b, ranges: objectRanges, bytes: changedBytes, fields });
  }

  async plot(paths: readonly string[]): Promise<void> {
    const known = new Set(this.recording.fields.map((f) => f.path));
    const unknown = paths.find((p) => !known.has(p));
    if (unknown !== undefined) throw new RangeError(l10n.t('no numeric field {0}', unknown));
    const { times, columns } = this.recording.series(paths);
    const startedAt = this.recording.meta.startedAt;
    for (let i = 0; i < times.length; i++) times[i] -= startedAt;
    const first = this.recording.store.count ? this.recording.store.firstIndex : 0;
    await this.host.post({ type: 'plotData', paths: [...paths], first, times, columns });
  }

  /** What the timeline shows now. */
  status(): RecordingStatus {
    const store = this.recording.store;
    const meta = this.recording.meta;
    const startedAt = meta.startedAt;
    const hitsByWatch = new Map<string, number[]>();
    for (const hit of this.recording.watches.hits) {
      const list = hitsByWatch.get(hit.watchId) ?? [];
      list.push(hit.index);
      hitsByWatch.set(hit.watchId, list);
    }
    return {
      state: this.state,
      fromFile: this.fromFile,
      count: store.count,
      first: store.count ? store.firstIndex : 0,
      last: store.count ? store.lastIndex : -1,
      startedAt,
      firstTime: store.count ? store.timeOf(store.firstIndex) - startedAt : 0,
      lastTime: store.count ? store.timeOf(store.lastIndex) - startedAt : 0,
      samplePeriodMs: meta.samplePeriodMs,
      droppedSamples: store.dropped.samples,
      memoryBytes: store.memoryBytes,
      budgetBytes: store.budgetBytes,
      late: this.sampler?.counts.late ?? 0,
      endMessage: this.state === 'ended' ? (meta.end?.message ?? (this.fromFile ? undefined : l10n.t('Recording stopped.'))) : undefined,
      strip: this.counts.strip(STRIP_BUCKETS),
      watches: this.recording.watches.watches.map((w) => ({ id: w.id, text: describeWatch(w.condition), hits: hitsByWatch.get(w.id) ?? [] })),
      fields: this.recording.liveStatistics().length > 0 ? this.fieldStats() : [],
    };
  }

  private fieldStats(): FieldStatsInfo[] {
    // A recording from a file has no statistics kept as it was taken: they are computed once.
    const stats = this.fromFile ? (this.fileStats ??= this.recording.statistics()) : this.recording.liveStatistics();
    const text = (v: FieldValue | undefined) => (v === undefined ? '' : valueText(v));
    return stats.map((s) => ({
      path: s.path,
      changes: s.changes,
      min: text(s.min),
      max: text(s.max),
      last: text(s.last),
      lastChange: s.lastChangeTime === undefined ? -1 : s.lastChangeTime - this.recording.meta.startedAt,
    }));
  }
  private fileStats?: ReturnType<Recording['statistics']>;

  /** Tells the page now (it became visible, or the state changed). */
  postStatus(): void {
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    if (this.disposed || !this.host.visible()) return;
    this.lastStatus = Date.now();
    void this.host.post({ type: 'recording', status: this.status() });
  }

  private sampled(): void {
    if (this.disposed || this.statusTimer || !this.host.visible()) return;
    const wait = Math.max(0, this.lastStatus + STATUS_EVERY_MS - Date.now());
    this.statusTimer = setTimeout(() => this.postStatus(), wait);
  }

  private watched(hits: WatchHit[]): void {
    if (this.disposed) return;
    const texts = hits.map((hit) => {
      const watch = this.recording.watches.watches.find((w) => w.id === hit.watchId);
      const what = watch ? describeWatch(watch.condition) : hit.watchId;
      return hit.value !== undefined ? l10n.t('{0} (now {1}, was {2})', what, hit.value, hit.previous ?? '?') : what;
    });
    const paused = this.state === 'paused';
    this.host.announce(
      'watch',
      l10n.t(
        'Watch fired at sample {0}: {1}. Sampled every {2} ms: the change happened since the sample before.{3}',
        hits[0].index,
        texts.join('; '),
        this.recording.meta.samplePeriodMs.toFixed(1),
        paused ? ` ${l10n.t('Recording paused.')}` : '',
      ),
      hits[0].index,
    );
    this.fire();
    this.postStatus();
  }

  private ended(message: string): void {
    if (this.disposed) return;
    this.fire();
    this.postStatus();
    this.host.announce('end', message);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.statusTimer);
    void this.sampler?.stop();
    this.changed.clear();
  }
}

/** The kind a recording's header names (docs/recording-format.md). */
export function recordedKind(header: ContentsHeader): string {
  if (header.noun === 'segment') return 'sysvShm';
  if (/memfd/i.test(header.subtitle)) return 'memfd';
  if (/anonymous/i.test(header.subtitle)) return 'anonymous';
  return 'posixShm';
}
