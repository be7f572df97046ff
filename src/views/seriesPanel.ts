// The recording of a System V semaphore set's values and waiters, or a queue's messages and bytes,
// over time (src/ipc/recording: SeriesSampler), in a view of its own: the same recorded-fields
// table and uPlot chart as a contents view's recording (src/webview/recordingFields.ts, one column
// per number), Stop, Save… and CSV…. It also shows such a recording opened from a file. Samples go
// on while the view is hidden; closing it ends the recording.
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import type { FieldStats } from '../ipc/recording/fields';
import type { SeriesRecording } from '../ipc/recording/recording';
import { SeriesSampler, type SeriesSamplerOptions } from '../ipc/recording/sampler';
import { describeWatch } from '../ipc/recording/watches';
import { MAX_PLOT_FIELDS, parseWebviewMessage, type RecordAction, type RecordingStatus, type ToWebview } from '../shared/contentsProtocol';
import * as l10n from '../shared/l10n';
import { webviewPage } from './webviewPage';

export const SERIES_VIEW_TYPE = 'ipcInspector.seriesView';
/** The page hears of new samples at most this often. */
const STATUS_EVERY_MS = 500;

export class SeriesPanel implements vscode.Disposable {
  private static readonly open = new Map<string, SeriesPanel>();
  private static readonly changed = new vscode.EventEmitter<void>();
  /** A recording of numbers started, paused, resumed or ended (the status bar shows them). */
  static readonly onDidChangeRecordings = SeriesPanel.changed.event;

  static all(): SeriesPanel[] {
    return [...SeriesPanel.open.values()];
  }

  /** Starts recording a set's or a queue's numbers in a new view (or shows the one recording it). */
  static async record(ipc: IpcContext, id: string, title: string, options: Omit<SeriesSamplerOptions, 'onSample' | 'onWatch' | 'onEnd'>): Promise<SeriesPanel> {
    const existing = SeriesPanel.open.get(id);
    if (existing && existing.state !== 'ended') {
      existing.panel.reveal();
      return existing;
    }
    // Asked twice at once (a double click): one recording.
    const starting = SeriesPanel.starting.get(id);
    if (starting) return starting;
    const started = SeriesPanel.startAnew(ipc, id, title, options).finally(() => SeriesPanel.starting.delete(id));
    SeriesPanel.starting.set(id, started);
    return started;
  }

  private static readonly starting = new Map<string, Promise<SeriesPanel>>();

  private static async startAnew(
    ipc: IpcContext,
    id: string,
    title: string,
    options: Omit<SeriesSamplerOptions, 'onSample' | 'onWatch' | 'onEnd'>,
  ): Promise<SeriesPanel> {
    const events: { panel?: SeriesPanel } = {};
    const sampler = await SeriesSampler.start({
      ...options,
      onSample: () => events.panel?.sampled(),
      onWatch: () => events.panel?.postStatus(),
      onEnd: (end) => events.panel?.ended(end.message ?? l10n.t('Recording stopped.')),
    });
    // The ended recording it replaces goes only once this one runs (the command asked first).
    SeriesPanel.open.get(id)?.dispose();
    const panel = new SeriesPanel(ipc, id, title, sampler.recording, sampler);
    events.panel = panel;
    return panel;
  }

  /** A recording of numbers read from a file. */
  static opened(ipc: IpcContext, file: string, recording: SeriesRecording): SeriesPanel {
    const id = `recording:${file}`;
    SeriesPanel.open.get(id)?.dispose();
    return new SeriesPanel(ipc, id, l10n.t('{0} (recorded)', recording.meta.object.title), recording, undefined, path.basename(file));
  }

  readonly panel: vscode.WebviewPanel;
  /** Samples kept when it was last written to a file. */
  savedSamples = -1;
  private statusTimer?: NodeJS.Timeout;
  private lastStatus = 0;
  private ready = false;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the page (the integration tests watch it). */
  readonly onDidPost = this.posted.event;

  private constructor(
    private readonly ipc: IpcContext,
    readonly id: string,
    readonly title: string,
    readonly recording: SeriesRecording,
    private readonly sampler?: SeriesSampler,
    private readonly fromFile?: string,
  ) {
    this.panel = vscode.window.createWebviewPanel(SERIES_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.file(ipc.assets.dist), vscode.Uri.file(ipc.assets.media)],
    });
    this.panel.iconPath = vscode.Uri.file(path.join(ipc.assets.media, 'ipc.svg'));
    this.panel.webview.html = webviewPage(this.panel.webview, ipc.assets, {
      script: 'seriesView.js',
      style: 'contentsView.css',
      bundleStyle: 'seriesView.css',
      title,
      root: { tag: 'div', data: { title, l10n: JSON.stringify(vscode.l10n.bundle ?? {}) } },
    });
    this.disposables.push(
      this.posted,
      this.panel.webview.onDidReceiveMessage((raw) => this.receive(raw).catch((error) => this.ipc.log.error(`series view: ${String(error)}`))),
      this.panel.onDidChangeViewState(() => this.panel.visible && this.postStatus()),
      this.panel.onDidDispose(() => this.dispose()),
    );
    SeriesPanel.open.set(id, this);
    SeriesPanel.changed.fire();
  }

  get state(): RecordingStatus['state'] {
    return this.sampler?.state ?? 'ended';
  }

  get samples(): number {
    return this.recording.count;
  }

  /** Samples taken since it was last saved (a recording still going is never all saved). */
  get unsaved(): boolean {
    return this.samples > 0 && (this.state !== 'ended' || this.savedSamples !== this.samples);
  }

  async stop(): Promise<void> {
    await this.sampler?.stop();
  }

  /** Handles one message from the page (public so the tests can act as the page). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw, 0);
    if (!parsed.ok) {
      this.ipc.log.warn(`series view ${this.id}: refused a message from the page: ${parsed.error}`);
      return;
    }
    const message = parsed.message;
    try {
      if (message.type === 'ready') {
        this.ready = true;
        this.postStatus();
      } else if (message.type === 'plot') await this.plot(message.paths);
      else if (message.type === 'record') await this.act(message.action);
    } catch (error) {
      await this.post({ type: 'error', requestId: 0, message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async act(action: RecordAction): Promise<void> {
    const args = { panelId: this.id };
    if (action === 'stop') await this.stop();
    else if (action === 'pause') await this.sampler?.pause();
    else if (action === 'resume') this.sampler?.resume();
    else if (action === 'save') await vscode.commands.executeCommand('ipcInspector.saveRecording', args);
    else if (action === 'exportCsv') await vscode.commands.executeCommand('ipcInspector.exportRecordingCsv', args);
    SeriesPanel.changed.fire();
    this.postStatus();
  }

  private async plot(paths: readonly string[]): Promise<void> {
    const columns = paths.slice(0, MAX_PLOT_FIELDS).map((p) => this.recording.columns.indexOf(p));
    const unknown = columns.indexOf(-1);
    if (unknown >= 0) throw new RangeError(l10n.t('no numeric field {0}', paths[unknown]));
    const series = this.recording.series();
    const startedAt = this.recording.meta.startedAt;
    await this.post({
      type: 'plotData',
      paths: [...paths],
      first: this.recording.firstIndex,
      times: series.times.map((t) => t - startedAt),
      columns: columns.map((c) => series.columns[c]),
    });
  }

  /** What the page shows: the state line and one row of statistics per column. */
  status(): RecordingStatus {
    const r = this.recording;
    const startedAt = r.meta.startedAt;
    const count = r.count;
    const text = (v: FieldStats['min']) => (v === undefined ? '' : String(v));
    return {
      state: this.state,
      fromFile: this.fromFile !== undefined,
      count,
      first: r.firstIndex,
      last: r.firstIndex + count - 1,
      startedAt,
      firstTime: count ? r.timeOf(r.firstIndex) - startedAt : 0,
      lastTime: count ? r.timeOf(r.firstIndex + count - 1) - startedAt : 0,
      samplePeriodMs: r.meta.samplePeriodMs,
      droppedSamples: r.dropped.samples,
      memoryBytes: r.memoryBytes,
      budgetBytes: r.budgetBytes,
      late: this.sampler?.counts.late ?? 0,
      endMessage: this.state === 'ended' ? (r.meta.end?.message ?? this.fromFile) : undefined,
      strip: [],
      watches: r.watches.watches.map((w) => ({
        id: w.id,
        text: describeWatch(w.condition),
        hits: r.watches.hits.filter((h) => h.watchId === w.id).map((h) => h.index),
      })),
      fields: r.statistics().map((s) => ({
        path: s.path,
        changes: s.changes,
        min: text(s.min),
        max: text(s.max),
        last: text(s.last),
        lastChange: s.lastChangeTime === undefined ? -1 : s.lastChangeTime - startedAt,
      })),
    };
  }

  postStatus(): void {
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    if (this.disposed || !this.ready || !this.panel.visible) return;
    this.lastStatus = Date.now();
    void this.post({ type: 'recording', status: this.status() });
  }

  private sampled(): void {
    if (this.disposed || this.statusTimer || !this.ready || !this.panel.visible) return;
    this.statusTimer = setTimeout(() => this.postStatus(), Math.max(0, this.lastStatus + STATUS_EVERY_MS - Date.now()));
  }

  private ended(message: string): void {
    if (this.disposed) return; // closed: dispose() said so already
    SeriesPanel.changed.fire();
    this.postStatus();
    if (!this.disposed) vscode.window.setStatusBarMessage(l10n.t('$(record) {0}: {1}', this.title, message), 5000);
    this.ipc.log.info(`recording of ${this.id}: ${message}`);
  }

  private post(message: ToWebview): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    this.posted.fire(message);
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.statusTimer);
    void this.sampler?.stop();
    if (SeriesPanel.open.get(this.id) === this) SeriesPanel.open.delete(this.id);
    SeriesPanel.changed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
