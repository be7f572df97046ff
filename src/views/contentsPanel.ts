// The contents view of one object: a webview panel (one per object) whose page asks for the rows on
// screen. It reads through a ByteSource, so System V segments and POSIX objects are shown, searched,
// copied and saved by the same code. Every message from the page is checked (parseWebviewMessage)
// before anything reaches the helper. Only pages with data are read unless the user asks; the rows
// on screen are re-read while the panel is visible and live; the panel follows the object's state
// (removed, grown or shrunk, gone) and stops reading once it is gone. A recording (panelRecording.ts)
// swaps the source the page reads for the moment at the timeline's cursor.
// Over 600 lines on purpose: this is the one place each of the page's messages meets the object and
// its recording; what a recording does lives in panelRecording.ts, the commands in src/commands.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { webviewPage } from './webviewPage';
import { readResident } from '../ipc/byteSource';
import type { ContentsSource } from '../ipc/kind';
import { formatBytes } from '../ipc/format';
import { HelperError } from '../ipc/helperClient';
import { searchBytes } from '../ipc/byteSearch';
import { toCArray, toHexString, toText } from '../shared/hexFormat';
import {
  ContentsHeader,
  ContentsPhase,
  CopyRequest,
  CTypeView,
  FromWebview,
  PaneSizes,
  parseWebviewMessage,
  ReadRequest,
  RecordAction,
  SearchRequest,
  ToWebview,
  ViewSettings,
} from '../shared/contentsProtocol';
import { completeStep } from '../walkthrough';
import * as l10n from '../shared/l10n';
import { fieldDifferences } from '../ipc/recording/fields';
import { changedRanges } from '../ipc/recording/ranges';
import type { Recording } from '../ipc/recording/recording';
import type { ObjectSamplerOptions } from '../ipc/recording/sampler';
import { PanelRecording, recordedKind, type RecordingHost } from './panelRecording';

export const CONTENTS_VIEW_TYPE = 'ipcInspector.contentsView';
/** How often the header (holders, removal, size) is checked while visible, when live refresh is slower. */
const STATE_CHECK_MS = 1000;
/** Snapshots are read in pieces of this size, so progress moves and memory stays flat. */
const SNAPSHOT_CHUNK = 16 * 1024 * 1024;
/** Helper errors that mean the object is not where it was: ask the source what it is now. */
const VANISHED = new Set(['EINVAL', 'EIDRM', 'ENOENT', 'ESTALE']);

/** What Record chooses (the rest comes from the view: its object, its C type). */
type RecordOptions = Pick<ObjectSamplerOptions, 'rateHz' | 'sizeLimit' | 'budgetBytes' | 'watches' | 'ranges'>;

/** The commands the timeline's buttons run on their view (by id: views never import commands). */
const RECORD_COMMANDS: Record<Exclude<RecordAction, 'pause' | 'resume'>, string> = {
  start: 'ipcInspector.startRecording',
  stop: 'ipcInspector.stopRecording',
  save: 'ipcInspector.saveRecording',
  exportCsv: 'ipcInspector.exportRecordingCsv',
  addWatch: 'ipcInspector.addRecordingWatch',
  compareFile: 'ipcInspector.compareWithSnapshot',
};

/** A source the panel can follow: its header as known now, and whether to refresh once removed. */
export type PanelSource = ContentsSource;

function viewSettings(): ViewSettings {
  const config = vscode.workspace.getConfiguration('ipcInspector.hexView');
  const rate = config.get<number>('refreshRate', 4);
  const grouping = config.get<number>('byteGrouping', 1);
  return {
    bytesPerRow: Math.min(64, Math.max(4, config.get<number>('bytesPerRow', 16))),
    grouping: ([1, 2, 4, 8].includes(grouping) ? grouping : 1) as ViewSettings['grouping'],
    refreshMs: rate > 0 ? Math.round(1000 / Math.min(30, rate)) : 0,
  };
}

export class ContentsPanel implements vscode.Disposable {
  private static readonly open = new Map<string, ContentsPanel>();
  /** The pane sizes last chosen in any contents view of this window: a view opened later starts with them. */
  private static paneSizes: PaneSizes = {};

  /** Opens (or reveals) the panel of an object. */
  static show(ipc: IpcContext, source: PanelSource): ContentsPanel {
    const existing = ContentsPanel.open.get(source.id);
    if (existing && existing.phase !== 'gone') {
      existing.panel.reveal();
      return existing;
    }
    existing?.panel.dispose();
    const panel = new ContentsPanel(ipc, source);
    ContentsPanel.open.set(source.id, panel);
    completeStep('contentsOpened');
    return panel;
  }

  /** Open panels, for the tests and for disposing on deactivate. */
  static all(): ContentsPanel[] {
    return [...ContentsPanel.open.values()];
  }

  /** Opens a recording read from a file in a view of its own: the object as it was, no live object behind it. */
  static showRecording(ipc: IpcContext, source: PanelSource, recording: Recording): ContentsPanel {
    ContentsPanel.open.get(source.id)?.panel.dispose();
    const panel = new ContentsPanel(ipc, source);
    ContentsPanel.open.set(source.id, panel);
    panel.recorder = PanelRecording.opened(panel.recordingHost(), recording);
    if (recording.meta.layout) panel.ctype = { layout: recording.meta.layout, placement: recording.meta.placement ?? { offset: 0, count: 1 } };
    return panel;
  }

  private static readonly recordingsChanged = new vscode.EventEmitter<void>();
  /** A recording started, paused, resumed or ended in some view (the status bar shows them). */
  static readonly onDidChangeRecordings = ContentsPanel.recordingsChanged.event;

  private static readonly cTypesChanged = new vscode.EventEmitter<void>();
  /** A C type was shown over an object, or taken away (set to none, or its panel closed): the Waits view names fields by them. */
  static readonly onDidChangeCTypes = ContentsPanel.cTypesChanged.event;

  /** The C type shown over the object of row id `sourceId` in its open contents view, if any. */
  static cTypeOver(sourceId: string): CTypeView | undefined {
    return ContentsPanel.open.get(sourceId)?.ctype ?? undefined;
  }

  readonly panel: vscode.WebviewPanel;
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the page (the integration tests watch it). */
  readonly onDidPost = this.posted.event;
  private header: ContentsHeader;
  /** The windows on screen (the grid's rows, the fields panel's bytes) and what each last read. */
  private readonly windows = new Map<'grid' | 'fields', { offset: number; length: number; last?: Buffer }>();
  private live = true;
  private ctype: CTypeView | null = null;
  /** The view's recording (taking samples, ended, or opened from a file), if any. */
  private recorder: PanelRecording | undefined;
  /** A recording being started (its first sample being read). */
  private starting: Promise<PanelRecording> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private lastStateCheck = 0;
  private searchCancelled = false;
  private pageSize = 4096;
  /** Where to go once the page has its init (goTo before the page was ready). */
  private pendingGoTo: number | undefined;
  private initialised = false;
  /** Set when the tab closed: work still in flight must not touch the disposed webview. */
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly ipc: IpcContext,
    readonly source: PanelSource,
  ) {
    this.header = source.header;
    this.panel = vscode.window.createWebviewPanel(CONTENTS_VIEW_TYPE, source.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.file(ipc.assets.dist), vscode.Uri.file(ipc.assets.media)],
    });
    this.panel.iconPath = vscode.Uri.file(path.join(ipc.assets.media, 'ipc.svg'));
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.posted,
      this.panel.webview.onDidReceiveMessage((raw) => this.receive(raw).catch((error) => this.ipc.log.error(`contents view: ${String(error)}`))),
      this.panel.onDidChangeViewState(() => {
        this.schedule();
        if (this.panel.visible) this.recorder?.postStatus();
      }),
      this.panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        // The settings keep their published keys (ipcInspector.hexView.*): users have them in settings.json.
        if (event.affectsConfiguration('ipcInspector.hexView')) {
          void this.post(this.initMessage());
          this.schedule();
        }
      }),
    );
  }

  /** Selects the byte at `offset` (a lock's, from the Waits view or the graph), now or once the page is ready. */
  async goTo(offset: number): Promise<void> {
    if (offset < 0 || offset >= this.header.size) return;
    if (!this.initialised) {
      this.pendingGoTo = offset;
      return;
    }
    await this.post({ type: 'goTo', offset });
  }

  /** The view's recording, if any. */
  get recording(): PanelRecording | undefined {
    return this.recorder;
  }

  /** Starts recording the object (a recording already ended is replaced; the caller asked first). */
  async startRecording(options: RecordOptions): Promise<PanelRecording> {
    if (this.recorder?.fromFile) throw new Error(l10n.t('This view shows a recording opened from a file: there is no object to record.'));
    if (this.recorder && this.recorder.state !== 'ended') return this.recorder;
    if (this.phase === 'gone') throw new Error(l10n.t('The {0} was removed: there is nothing to record.', this.header.noun));
    // Record pressed twice (a double click) starts one recording.
    this.starting ??= this.startAnew(options).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startAnew(options: RecordOptions): Promise<PanelRecording> {
    const previous = this.recorder;
    const recorder = await PanelRecording.record(this.recordingHost(), {
      ...options,
      source: this.source,
      object: { kind: recordedKind(this.header), id: this.source.id, title: this.source.title },
      pageSize: this.pageSize,
      layout: this.ctype?.layout,
      placement: this.ctype?.placement,
    });
    if (this.disposed) {
      // The view closed while the recording started: nothing would ever stop it.
      recorder.dispose();
      throw new Error(l10n.t('The view was closed while the recording started.'));
    }
    // The recording it replaces goes only once this one runs (a failed start keeps it).
    previous?.dispose();
    if (previous?.moment !== undefined) await this.post({ type: 'moment', moment: null });
    this.recorder = recorder;
    recorder.onDidChange(() => ContentsPanel.recordingsChanged.fire());
    ContentsPanel.recordingsChanged.fire();
    recorder.postStatus();
    return recorder;
  }

  /**
   * Compares `snapshot` (a file of the object's bytes, Save snapshot…'s) with the object as shown:
   * the recorded moment at the cursor, else now. Marks the bytes that differ and lists the C type's
   * fields that differ, with both values.
   */
  async compareWith(snapshot: Buffer, label: string): Promise<{ bytes: number; fields: number }> {
    const moment = this.recorder?.reading;
    const size = this.header.size;
    let shown = moment ? await moment.read(0, size) : (await this.readRange(0, size, !this.source.gapsAreZeros())).bytes;
    if (moment && snapshot.length === size) {
      // Of a recording of a part, only the recorded bytes are known: the rest is taken as the file
      // has it, so that what was never seen is never called a difference.
      const known = Buffer.from(snapshot);
      for (const region of moment.recording.regions) known.set(shown.subarray(region.offset, region.offset + region.length), region.offset);
      shown = known;
    }
    const { ranges, changedBytes } = changedRanges(snapshot, shown); // another size throws (the command refused it in words first)
    const fields = this.ctype ? fieldDifferences(this.ctype.layout, this.ctype.placement, snapshot, shown) : [];
    const now = moment ? l10n.t('sample {0}', moment.index) : l10n.t('now');
    await this.post({ type: 'compared', a: 0, b: 0, labels: [label, now], ranges: ranges.map((r) => [r.offset, r.length]), bytes: changedBytes, fields });
    return { bytes: changedBytes, fields: fields.length };
  }

  /** What the recording needs of the panel. */
  private recordingHost(): RecordingHost {
    return {
      post: (message) => this.post(message),
      visible: () => !this.disposed && this.initialised && this.panel.visible,
      header: () => this.header,
      pageSize: () => this.pageSize,
      momentChanged: () => {
        for (const window of this.windows.values()) window.last = undefined;
        this.schedule();
      },
      announce: (kind, text, at) => {
        if (kind === 'watch') {
          const show = l10n.t('Show');
          void this.ipc.prompts.notify('info', text, show).then(async (chosen) => {
            if (chosen !== show || this.disposed || !this.recorder) return;
            this.panel.reveal();
            await this.recorder.seek(at ?? null).catch(() => undefined); // a sample dropped meanwhile: the view says where it is
          });
        } else if (!this.disposed) vscode.window.setStatusBarMessage(l10n.t('$(record) {0}: {1}', this.source.title, text), 5000);
        this.ipc.log.info(`recording of ${this.source.id}: ${text}`);
      },
    };
  }

  /** The object's phase as the panel last saw it. */
  get phase(): ContentsPhase {
    return this.header.phase;
  }

  /** The object's size as the panel last saw it. */
  get size(): number {
    return this.header.size;
  }

  /** The machine's page size, as the helper said (4096 until it has). */
  get pageSizeNow(): number {
    return this.pageSize;
  }

  /** The C type shown over the bytes, if any. */
  get cType(): CTypeView | null {
    return this.ctype;
  }

  /** Shows a C type over the bytes (or none); `problem` tells the page why none is shown. */
  async setCType(view: CTypeView | null, problem?: string): Promise<void> {
    this.ctype = view;
    ContentsPanel.cTypesChanged.fire();
    if (!view) this.windows.delete('fields');
    await this.post({ type: 'ctype', view, problem });
  }

  /** Shows the type remembered for this object (View as C Type… on an earlier day), if any. */
  private async restoreCType(): Promise<void> {
    const choice = this.ipc.cTypes.remembered(this.source.memoryKey);
    if (!choice) return;
    try {
      await this.setCType({ layout: await this.ipc.cTypes.layoutOf(choice), placement: choice.placement });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.ipc.log.warn(`contents view ${this.source.id}: the remembered type ${choice.typeName} was not shown: ${reason}`);
      await this.setCType(null, `${choice.typeName} (remembered for this ${this.header.noun}) could not be laid out: ${reason}`);
    }
  }

  /** Bytes read from the object for this panel (the benchmark's measure of what opening costs). */
  get bytesRead(): number {
    return this.source.bytesRead;
  }

  /** Handles one message from the page (public so the tests can act as the page). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw, this.header.size);
    if (!parsed.ok) {
      this.ipc.log.warn(`contents view ${this.source.id}: refused a message from the page: ${parsed.error}`);
      const requestId = typeof (raw as { requestId?: unknown })?.requestId === 'number' ? (raw as { requestId: number }).requestId : 0;
      await this.post({ type: 'error', requestId, message: l10n.t('Refused: {0}', parsed.error) });
      return;
    }
    try {
      await this.handle(parsed.message);
    } catch (error) {
      await this.onFailure(error, (parsed.message as { requestId?: number }).requestId ?? 0);
    }
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.pageSize = (await this.ipc.helper().hello()).pageSize;
        await this.post(this.initMessage());
        if (this.ctype) await this.post({ type: 'ctype', view: this.ctype });
        else void this.restoreCType();
        this.initialised = true;
        if (this.recorder) {
          this.recorder.postStatus();
          // A page made anew (its tab shown again) is at the moment the view was at, or the oldest kept.
          await this.recorder.showAgain();
        }
        if (this.pendingGoTo !== undefined) await this.post({ type: 'goTo', offset: this.pendingGoTo });
        this.pendingGoTo = undefined;
        this.schedule();
        return;
      case 'read':
        return this.read(message);
      case 'viewport':
        if (message.length > 0) this.windows.set(message.window, { offset: message.offset, length: message.length });
        else this.windows.delete(message.window);
        return;
      case 'live':
        this.live = message.live;
        this.schedule();
        return;
      case 'search':
        return this.search(message);
      case 'cancelSearch':
        this.searchCancelled = true;
        return;
      case 'copy':
        return this.copy(message);
      case 'saveSnapshot':
        return this.saveSnapshot();
      case 'chooseType':
        // By id, not by import: views never import commands.
        await vscode.commands.executeCommand('ipcInspector.viewAsCType', { panelId: this.source.id });
        return;
      case 'clearType':
        await vscode.commands.executeCommand('ipcInspector.clearCType', { panelId: this.source.id });
        return;
      case 'copyText':
        await vscode.env.clipboard.writeText(message.text);
        vscode.window.setStatusBarMessage(l10n.t('Copied {0}.', message.what), 3000);
        return;
      case 'paneSizes':
        ContentsPanel.paneSizes = message.sizes;
        return;
      case 'record':
        return this.recordAction(message.action, message.selection);
      case 'seek':
        return this.withRecording((r) => r.seek(message.index));
      case 'compare':
        return this.withRecording((r) => r.compare(message.a, message.b));
      case 'plot':
        return this.withRecording((r) => r.plot(message.paths));
    }
  }

  private async withRecording(act: (recording: PanelRecording) => Promise<void>): Promise<void> {
    if (!this.recorder) throw new Error(l10n.t('This view has no recording.'));
    await act(this.recorder);
  }

  /** The timeline's buttons: pause and resume here, the rest the commands of the same names on this view. */
  private async recordAction(action: RecordAction, selection?: { offset: number; length: number }): Promise<void> {
    if (action === 'pause') return this.recorder?.pause();
    if (action === 'resume') return this.recorder?.resume();
    await vscode.commands.executeCommand(RECORD_COMMANDS[action], { panelId: this.source.id, selection });
  }

  private initMessage(): ToWebview {
    return { type: 'init', header: this.header, settings: viewSettings(), pageSize: this.pageSize, paneSizes: ContentsPanel.paneSizes };
  }

  /** Reads the object, or the recording at the moment shown. */
  private readRange(offset: number, length: number, includeGaps: boolean) {
    return readResident(this.recorder?.reading ?? this.source, this.pageSize, offset, length, includeGaps);
  }

  private async read(request: ReadRequest): Promise<void> {
    // A removed object's recording still has every moment kept: only now is gone.
    if (this.phase === 'gone' && !this.recorder?.reading) {
      await this.post({ type: 'error', requestId: request.requestId, message: l10n.t('The {0} was removed.', this.header.noun) });
      return;
    }
    const result = await this.readRange(request.offset, request.length, request.includeNonResident);
    await this.post({
      type: 'data',
      requestId: request.requestId,
      offset: request.offset,
      bytes: binary(result.bytes),
      firstPage: result.firstPage,
      resident: binary(result.resident),
    });
  }

  /** Whether the windows on screen are re-read now. */
  private refreshing(): boolean {
    const phaseAllows = this.phase === 'live' || (this.phase === 'removed-held' && this.source.refreshWhileRemoved);
    const atMoment = this.recorder?.reading !== undefined;
    return this.windows.size > 0 && this.live && !atMoment && phaseAllows && viewSettings().refreshMs > 0;
  }

  /** Live refresh: each window on screen again, each posted only when it changed. */
  private async tick(): Promise<void> {
    if (this.ticking) return; // a slow read must not pile up behind itself
    this.ticking = true;
    try {
      const now = Date.now();
      if (now - this.lastStateCheck >= STATE_CHECK_MS) {
        this.lastStateCheck = now;
        await this.checkState();
      }
      if (!this.refreshing()) return;
      for (const window of [...this.windows.values()]) {
        const { offset, length } = window;
        if (offset + length > this.header.size) continue; // shrunk: the page sends a new viewport
        const result = await this.readRange(offset, length, false);
        if (this.recorder?.reading) return; // a moment was chosen meanwhile: these bytes are now's, not its
        const signature = Buffer.concat([result.bytes, result.resident]);
        if (window.last && window.last.equals(signature)) continue;
        window.last = signature;
        await this.post({ type: 'data', requestId: 0, offset, bytes: binary(result.bytes), firstPage: result.firstPage, resident: binary(result.resident) });
      }
    } catch (error) {
      await this.onFailure(error, 0);
    } finally {
      this.ticking = false;
    }
  }

  /** Follows the object: holders, removal, size, gone (or its id or name now another object's). */
  private async checkState(): Promise<void> {
    const header = await this.source.describe();
    if (JSON.stringify(header) === JSON.stringify(this.header)) return;
    const resized = header.size !== this.header.size;
    this.header = header;
    if (resized) for (const window of this.windows.values()) window.last = undefined;
    await this.post({ type: 'header', header });
    if (header.phase === 'gone') this.schedule();
  }

  private async search(request: SearchRequest): Promise<void> {
    this.searchCancelled = false;
    const pattern = request.pattern.kind === 'hex' ? Uint8Array.from(request.pattern.bytes) : new TextEncoder().encode(request.pattern.text);
    const result = await searchBytes({
      size: this.header.size,
      pattern,
      caseInsensitive: request.pattern.kind === 'text' && !request.pattern.caseSensitive,
      from: request.from,
      readChunk: async (offset, length) => {
        const read = await this.readRange(offset, length, request.includeNonResident);
        // A match never spans a page that was not read.
        return read.runs.map((run) => ({ offset: run.offset, bytes: read.bytes.subarray(run.offset - offset, run.offset - offset + run.length) }));
      },
      onProgress: (searched, total) => void this.post({ type: 'searchProgress', requestId: request.requestId, searched, total }),
      isCancelled: () => this.searchCancelled || this.phase === 'gone',
    });
    await this.post({ type: 'searchResult', requestId: request.requestId, offset: result.offset, skipped: result.skipped, cancelled: result.cancelled });
  }

  /** A name for files and C arrays made from the object: "segment-5", "psm_1a2b". */
  private fileStem(): string {
    if (this.header.noun === 'segment') return `segment-${this.header.subtitle.replace(/\D/g, '')}`;
    return this.header.title.replace(/[^\w.-]+/g, '_').replace(/^_+/, '') || this.header.noun;
  }

  /** Pages without data that are known zeros are copied as zeros, without reading (allocating) them. */
  private async copy(request: CopyRequest): Promise<void> {
    const { bytes } = await this.readRange(request.offset, request.length, !this.source.gapsAreZeros());
    const text = request.format === 'hex' ? toHexString(bytes) : request.format === 'c' ? toCArray(bytes, this.fileStem()) : toText(bytes);
    await vscode.env.clipboard.writeText(text);
    void this.ipc.prompts.notify(
      'info',
      l10n.t(
        'Copied {0} at offset 0x{1} as {2}.',
        formatBytes(request.length),
        request.offset.toString(16),
        request.format === 'c' ? 'a C array' : request.format,
      ),
    );
  }

  /**
   * Saves the whole object. Pages without data that are known zeros (holes; a segment with nothing
   * in swap) are written as zeros without reading, which for a segment would allocate them; when
   * they may hold data (swapped out), everything is read.
   */
  private async saveSnapshot(): Promise<void> {
    const what = `${this.header.noun} ${this.header.title.replace(/^Key /, '')}`;
    const target = await this.ipc.prompts.saveDialog({
      title: l10n.t('Save a snapshot of {0} ({1})', what, this.header.subtitle),
      defaultUri: vscode.Uri.file(`${this.fileStem()}.bin`),
      saveLabel: l10n.t('Save Snapshot'),
    });
    if (!target) return;
    const readGaps = !this.source.gapsAreZeros();
    const size = this.header.size;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: l10n.t('Saving {0}', what), cancellable: true },
      async (progress, token) => {
        const out = fs.createWriteStream(target.fsPath);
        const done = new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
        for (let at = 0; at < size && !token.isCancellationRequested; at += SNAPSHOT_CHUNK) {
          const length = Math.min(SNAPSHOT_CHUNK, size - at);
          const read = await this.readRange(at, length, readGaps);
          if (!out.write(read.bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          progress.report({ increment: (length / size) * 100, message: l10n.t('{0} of {1}', formatBytes(at + length), formatBytes(size)) });
        }
        out.end();
        await done;
        if (token.isCancellationRequested) {
          fs.rmSync(target.fsPath, { force: true });
          return;
        }
        void this.ipc.prompts.notify('info', l10n.t('Saved {0} of {1} to {2}.', formatBytes(size), what, target.fsPath));
      },
    );
  }

  private async onFailure(error: unknown, requestId: number): Promise<void> {
    if (error instanceof HelperError && VANISHED.has(error.code)) {
      // Removed, replaced or resized under us: the source says which; the page hears it.
      try {
        await this.checkState();
      } catch {
        // the error below says enough
      }
      if (requestId) {
        await this.post({ type: 'error', requestId, message: this.phase === 'gone' ? l10n.t('The {0} was removed.', this.header.noun) : error.message });
      }
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.ipc.log.error(`contents view ${this.source.id}: ${message}`);
    await this.post({ type: 'error', requestId, message });
  }

  /** Reads only while someone can see the panel, the object is not gone and the user wants it. */
  private schedule(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.disposed || !this.panel.visible || this.phase === 'gone') return;
    const { refreshMs } = viewSettings();
    const period = refreshMs > 0 && this.live ? Math.min(refreshMs, STATE_CHECK_MS) : STATE_CHECK_MS;
    this.timer = setInterval(() => void this.tick(), period);
  }

  private post(message: ToWebview): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    this.posted.fire(message);
    return this.panel.webview.postMessage(message);
  }

  private html(): string {
    return webviewPage(this.panel.webview, this.ipc.assets, {
      script: 'webview.js',
      style: 'contentsView.css',
      bundleStyle: 'webview.css',
      title: this.source.title,
      root: { tag: 'div', data: { object: this.source.id, l10n: JSON.stringify(vscode.l10n.bundle ?? {}) } },
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.timer);
    this.searchCancelled = true;
    if (ContentsPanel.open.get(this.source.id) === this) ContentsPanel.open.delete(this.source.id);
    if (this.ctype) ContentsPanel.cTypesChanged.fire();
    if (this.recorder) {
      this.recorder.dispose();
      ContentsPanel.recordingsChanged.fire();
    }
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/**
 * A plain Uint8Array view of a Buffer: VS Code sends typed arrays to a webview as binary, but
 * serialises a Buffer through its toJSON, as an array of numbers three to four times the size.
 */
function binary(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
