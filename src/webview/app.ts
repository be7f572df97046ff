// The contents view's page: wires the parts on screen (header, toolbar, grid, fields panel, data
// inspector, status line) to the extension and to the modules that do the work: BlockReader (which
// blocks to read, retries), ChangeStamps (what changed, for the highlights), Search, Viewport (what
// is on screen, told to the extension), StatusLine and SavedStateStore. What is left here is the
// order things happen in when a message arrives or the user acts.
import { offsetDigits } from '../shared/hexFormat';
import {
  MAX_COPY,
  type ContentsHeader,
  type CopyFormat,
  type DataMessage,
  type InitMessage,
  type RecordingStatus,
  type ToWebview,
  type ViewSettings,
} from '../shared/contentsProtocol';
import { ChangeStamps } from './changeStamps';
import { el, show } from './dom';
import { FieldsPanel } from './fieldsPanel';
import { groupDigits, hex, humanSize, parseOffset } from './format';
import { gapWords } from './gapWords';
import { Grid } from './grid';
import { HeaderBar } from './header';
import type { Host } from './host';
import { parseHostMessage } from './incoming';
import { InspectorPanel } from './inspectorPanel';
import { PaneLayout } from './paneLayout';
import { BlockReader } from './reader';
import { RequestIds } from './requestIds';
import { SavedStateStore } from './savedState';
import { Search } from './search';
import { selectionLength, selectionStart } from './selection';
import { byteNote, READING, StatusLine, WAITING } from './statusLine';
import { Marks } from './marks';
import { RecordingFields } from './recordingFields';
import { Timeline } from './timeline';
import { Toolbar } from './toolbar';
import { Viewport } from './viewport';
import * as l10n from '../shared/l10n';

/** Bytes handed to the data inspector (the C string looks this far for its NUL). */
const INSPECT_BYTES = 256;

export class App {
  private readonly headerBar = new HeaderBar();
  private readonly toolbar: Toolbar;
  private readonly grid: Grid;
  private readonly inspector = new InspectorPanel();
  private readonly fields: FieldsPanel;
  private readonly status: StatusLine;
  private readonly empty = el('div', 'empty-note', { role: 'note' });
  private readonly main: HTMLElement;
  private readonly panes: PaneLayout;
  private readonly timeline: Timeline;
  private readonly recFields: RecordingFields;
  /** Bytes marked in the grid: the moment's changes, or the comparison's differences. */
  private readonly marks = new Marks();
  private compareRanges: Array<[number, number]> | undefined;
  private momentRanges: Array<[number, number]> = [];
  private recordingState: 'none' | 'recording' | 'paused' | 'ended' = 'none';
  private fromFile = false;
  /** Which recording the timeline shows (its start), to notice another one. */
  private recordingKey = '';

  private readonly ids = new RequestIds();
  private readonly reader: BlockReader;
  private readonly changes = new ChangeStamps();
  private readonly viewport: Viewport;
  private readonly search: Search;
  private readonly saved: SavedStateStore;

  private header: ContentsHeader | undefined;
  private settings: ViewSettings = { bytesPerRow: 16, grouping: 1, refreshMs: 0 };
  private pageSize = 4096;
  private digits = 8;
  private live = true;
  private inspectorShown = true;

  constructor(
    private readonly host: Host,
    root: HTMLElement,
  ) {
    this.saved = new SavedStateStore(host);
    this.reader = new BlockReader({ post: (request) => host.post(request), nextId: () => this.ids.next(), retry: () => this.fetch() });
    this.viewport = new Viewport({
      post: (message) => host.post(message),
      object: () => ({ size: this.size, bytesPerRow: this.settings.bytesPerRow, gone: this.gone }),
    });
    this.toolbar = new Toolbar({
      toggleLive: () => this.setLive(!this.live, true),
      goTo: (text) => this.goTo(text),
      search: () => this.search.start(),
      cancelSearch: () => this.search.cancel(),
      copy: (format) => this.copy(format),
      saveSnapshot: () => this.saveSnapshot(),
      toggleInspector: () => this.showInspector(!this.inspectorShown),
      chooseType: () => host.post({ type: 'chooseType' }),
      record: () => this.recordOrStop(),
      returnFocus: () => this.grid.element.focus(),
    });
    this.grid = new Grid({
      byteAt: (o) => this.reader.byteAt(o),
      changedAt: (o) => this.changes.at(o),
      hasChanges: () => this.changes.any,
      onVisibleRows: (first, last) => this.onVisibleRows(first, last),
      onSelectionChange: () => this.onSelectionChange(),
      onReadPage: (o) => this.readPage(o),
      onCopy: () => this.copy(this.toolbar.copyFormat.value as CopyFormat),
      onEscape: () => this.search.cancel(),
      fieldAt: (o) => (this.fields.shown ? this.fields.fieldAt(o) : -1),
      describeField: (o) => (this.fields.shown ? this.fields.describe(o) : undefined),
      markedAt: (o) => this.marks.at(o),
    });
    this.timeline = new Timeline({
      record: (action) => host.post({ type: 'record', action }),
      seek: (index) => host.post({ type: 'seek', index }),
      compare: (a, b) => host.post({ type: 'compare', a, b }),
      clearCompare: () => {
        this.compareRanges = undefined;
        this.showMarks();
      },
    });
    this.recFields = new RecordingFields({
      plot: (paths) => host.post({ type: 'plot', paths }),
      seek: (index) => this.timeline.requestSeek(index),
    });
    this.search = new Search({
      toolbar: this.toolbar,
      grid: this.grid,
      post: (message) => host.post(message),
      nextId: () => this.ids.next(),
      setMessage: (text, error) => this.status.setMessage(text, error),
      object: () => ({ size: this.size, digits: this.digits, gaps: gapWords(this.header?.gaps), gone: this.gone }),
      changed: () => this.saveState(),
    });
    this.status = new StatusLine({
      size: () => this.size,
      selection: () => this.grid.selection,
      byteAt: (o) => this.reader.byteAt(o),
      digits: () => this.digits,
      gaps: () => gapWords(this.header?.gaps),
    });
    this.fields = new FieldsPanel({
      byteAt: (o) => this.reader.byteAt(o),
      size: () => this.size,
      select: (offset, length) => {
        this.grid.select(offset, offset + length - 1, 'center');
        this.grid.renderNow();
      },
      onWindow: (offset, length) => {
        this.viewport.setFieldsWindow(offset, length);
        this.fetch();
      },
      post: (message) => host.post(message),
      onLayoutChange: () => this.grid.queueRender(),
      status: (text, error) => this.status.setMessage(text, error),
    });
    this.inspector.element.id = 'inspector';
    this.inspector.onEndian(() => {
      this.updateInspector();
      this.saveState();
    });
    show(this.empty, false);
    this.main = el('div', 'main');
    this.panes = new PaneLayout(this.main, this.fields.element, {
      changed: (sizes, done) => {
        this.saveState(done);
        if (done) host.post({ type: 'paneSizes', sizes });
      },
    });
    this.main.append(el('div', 'grid-wrap', undefined, [this.grid.element, this.empty]), this.panes.sash.element, this.fields.element, this.inspector.element);
    root.classList.add('contents-view');
    root.replaceChildren(
      this.headerBar.element,
      this.toolbar.element,
      this.main,
      this.timeline.element,
      this.timeline.compared,
      this.recFields.element,
      this.status.element,
    );
    this.status.setMessage(WAITING);

    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    document.addEventListener('keydown', (e) => this.onGlobalKey(e));
    document.addEventListener('copy', (e) => {
      // Edit > Copy (or the host's copy command) while the grid has focus: copy the selection.
      if (document.activeElement !== this.grid.element) return;
      e.preventDefault();
      this.copy(this.toolbar.copyFormat.value as CopyFormat);
    });
  }

  start(): void {
    const state = this.saved.load();
    if (state) this.ids.continueAfter(state.seq ?? 0);
    this.host.post({ type: 'ready' });
  }

  // ---- messages ----------------------------------------------------------------------------------

  private receive(raw: unknown): void {
    const message = parseHostMessage(raw);
    if (!message) return;
    this.handle(message);
  }

  private handle(message: ToWebview): void {
    switch (message.type) {
      case 'init':
        return this.init(message);
      case 'header':
        return this.setHeader(message.header);
      case 'data':
        return this.onData(message);
      case 'searchProgress':
        return this.search.onProgress(message);
      case 'searchResult':
        return this.search.onResult(message);
      case 'ctype':
        if (!message.view) this.viewport.clearFieldsWindow();
        // The fields panel says more than the data inspector and needs its room: the Inspector button brings it back.
        if (message.view && !this.fields.shown && this.inspectorShown) this.showInspector(false);
        this.main.classList.toggle('with-fields', message.view !== null);
        this.fields.setView(message.view, message.problem);
        return this.panes.setShown(this.fields.visible);
      case 'error':
        return this.onError(message.requestId, message.message);
      case 'recording':
        return this.onRecording(message.status);
      case 'moment':
        return this.onMoment(message.moment);
      case 'compared':
        this.compareRanges = message.ranges;
        this.showMarks();
        return this.timeline.showCompared(message);
      case 'plotData':
        return this.recFields.onPlotData(message);
      case 'goTo': {
        const error = this.goTo(`0x${message.offset.toString(16)}`);
        if (error) this.status.setMessage(error, true);
        return;
      }
    }
  }

  private get gone(): boolean {
    return this.header?.phase === 'gone';
  }

  private get size(): number {
    return this.header?.size ?? 0;
  }

  private init(message: InitMessage): void {
    const { header, settings, pageSize } = message;
    const same = this.header !== undefined && this.header.id === header.id;
    // Keep the place and the selection when the extension re-sends init (settings changed) or the
    // object changed size (a POSIX object its owner truncated).
    const keep = same ? { top: this.grid.topOffset, sel: this.grid.selection } : undefined;
    const saved = this.saved.take(header.id, !same);
    // The panes as this panel had them, else as last chosen in this window (per arrangement).
    if (!same) this.panes.restore({ ...message.paneSizes, ...saved?.panes });

    this.settings = settings;
    this.pageSize = pageSize;
    this.digits = offsetDigits(header.size);
    if (!same || this.reader.pageSize !== pageSize || this.reader.size !== header.size) {
      this.reader.reset(header.size, pageSize);
      this.changes.clear();
      this.search.reset();
    }
    this.viewport.forget();
    if (saved) {
      this.inspector.setEndian(saved.littleEndian);
      this.toolbar.setKind(saved.searchKind);
      this.toolbar.setCaseSensitive(saved.caseSensitive);
      this.toolbar.nonResident.checked = saved.includeNonResident;
      this.toolbar.copyFormat.value = saved.copyFormat;
      this.showInspector(saved.inspector);
    }
    const liveAvailable = settings.refreshMs > 0;
    const wantLive = saved ? saved.live : same ? this.live : true;
    this.live = wantLive;
    this.header = undefined; // setHeader must not take this for a resize
    this.setHeader(header);
    if (liveAvailable && !wantLive && !this.gone) this.host.post({ type: 'live', live: false });
    this.grid.element.setAttribute('aria-label', l10n.t('Bytes of {0} {1}, {2}', header.noun, header.title, header.subtitle));
    const gaps = gapWords(header.gaps);
    this.toolbar.setGapWords(gaps);
    this.grid.setLayout({ size: header.size, bytesPerRow: settings.bytesPerRow, grouping: settings.grouping, digits: this.digits, pageSize, gaps });

    if (header.size === 0) {
      this.empty.textContent = l10n.t('This {0} is empty (0 bytes).', header.noun);
      show(this.empty, true);
    } else show(this.empty, false);

    const place = keep ?? (saved ? { top: saved.topOffset, sel: { anchor: saved.anchor, cursor: saved.cursor } } : undefined);
    if (place && header.size > 0) {
      const last = header.size - 1;
      this.grid.scrollToOffset(Math.min(place.top, last), 'top');
      this.grid.select(Math.min(place.sel.anchor, last), Math.min(place.sel.cursor, last), 'none');
    } else {
      this.grid.select(0, 0, 'none');
    }
    this.grid.renderNow();
    // Always tell the extension where the view is after an init, even if the rows did not move.
    const rows = this.grid.visibleRows;
    this.onVisibleRows(rows.first, rows.last);
    if (!this.gone) this.status.setMessage(this.reader.reading ? READING : '');
    this.onSelectionChange();
  }

  private setHeader(header: ContentsHeader): void {
    if (this.header && header.size !== this.header.size && header.phase !== 'gone') {
      // Grown or shrunk (ftruncate by its owner): lay the view out again, in the same place.
      this.init({ type: 'init', header, settings: this.settings, pageSize: this.pageSize });
      this.fields.resized();
      return;
    }
    const wasGone = this.gone;
    if (this.header && header.phase === 'gone') header = { ...header, size: this.header.size }; // keep showing the last bytes
    this.header = header;
    this.headerBar.update(header);
    document.body.classList.toggle('segment-gone', this.gone);
    this.toolbar.setGone(this.gone);
    this.toolbar.setLive(this.live, this.settings.refreshMs > 0 && !this.gone);
    this.toolbar.setSelectionAvailable(!this.gone && this.size > 0);
    if (this.gone && !wasGone) {
      // Stop asking: reads in flight will not be answered, a search in progress is over.
      this.reader.stop();
      this.viewport.stop();
      this.search.stop();
      this.status.setMessage(`This ${header.noun} was removed: showing the last bytes read.`);
      this.grid.renderNow();
    }
  }

  private onData(message: DataMessage): void {
    const now = performance.now();
    const taken = this.reader.take(message, now);
    if (!taken) return;
    // At a recorded moment the marks say what changed; bytes read again are not "changes" to fade.
    if (taken.changed.length > 0 && this.timeline.moment === undefined) this.changes.note(taken.changed, now);
    if (taken.purpose?.page !== undefined) {
      const count = Math.ceil(message.bytes.length / this.pageSize);
      this.status.setMessage(`Read ${count === 1 ? 'the page' : `${count} pages`} at ${hex(message.offset)}.`);
    } else if (this.status.waitingForBytes) this.status.setMessage('');
    this.grid.queueRender();
    this.updateInspector();
    this.fields.refresh();
    this.fetch();
  }

  // ---- recording -------------------------------------------------------------------------------

  private onRecording(status: RecordingStatus | null): void {
    // Another recording in this view (Record again): nothing of the one before stays on screen.
    const key = status ? `${status.startedAt}:${status.fromFile}` : '';
    if (key !== this.recordingKey && this.recordingKey !== '') {
      this.timeline.reset();
      this.recFields.reset();
      this.compareRanges = undefined;
      this.momentRanges = [];
      this.showMarks();
      document.body.classList.remove('at-moment');
    }
    this.recordingKey = key;
    this.recordingState = status?.state ?? 'none';
    this.fromFile = status?.fromFile ?? false;
    this.toolbar.setRecording(status !== null && status.state !== 'ended', !this.fromFile && !this.gone);
    this.timeline.setStatus(status);
    this.recFields.setStatus(status);
  }

  /** The extension shows another moment (or live again): read the bytes on screen again, keep showing the old ones meanwhile. */
  private onMoment(moment: { index: number; time: number; changed: Array<[number, number]> } | null): void {
    this.timeline.onMoment(moment);
    this.momentRanges = moment?.changed ?? [];
    this.changes.clear();
    this.showMarks();
    this.reader.rereadAll();
    this.fetch();
    this.fields.refresh();
    this.updateInspector();
    document.body.classList.toggle('at-moment', moment !== null);
  }

  /** The comparison's differences while one is open, else the moment's changes. */
  private showMarks(): void {
    this.marks.set(this.compareRanges ?? this.momentRanges);
    this.grid.queueRender();
  }

  private onError(requestId: number, text: string): void {
    const read = this.reader.fail(requestId);
    if (read) {
      if (read.block !== undefined) {
        this.grid.queueRender();
        this.updateInspector();
        this.status.updateWhere();
      }
      this.status.setMessage(`Could not read ${read.page !== undefined ? 'the page' : 'bytes'}: ${text}`, true);
      return;
    }
    if (this.search.fail(requestId, text)) return;
    this.timeline.seekFailed(); // a seek the extension refused must not hold the next one back
    this.status.setMessage(text, true);
  }

  // ---- reading -----------------------------------------------------------------------------------

  private onVisibleRows(first: number, last: number): void {
    this.viewport.setRows(first, last);
    this.fetch();
    this.saveState();
  }

  /** Reads what is on screen and not read yet (nothing once the object is gone). */
  private fetch(): void {
    // Gone: nothing to read now, but a recording's moments are still there to show.
    if (this.gone && this.timeline.moment === undefined) return;
    const { first, last } = this.viewport.rows;
    const fieldsWindow = this.viewport.fieldsWindow;
    this.reader.fetch({ first, last, bytesPerRow: this.settings.bytesPerRow, extra: fieldsWindow && this.fields.shown ? fieldsWindow : undefined });
  }

  /** Reads the page without data holding `offset` (the user asked: this allocates it). */
  private readPage(offset: number): void {
    if (this.gone) return;
    const at = this.reader.readPage(offset);
    if (at !== undefined) this.status.setMessage(`Reading the page at ${hex(at)}…`);
  }

  private setLive(live: boolean, byUser: boolean): void {
    if (this.gone || this.settings.refreshMs <= 0) return;
    this.live = live;
    this.toolbar.setLive(live, true);
    this.host.post({ type: 'live', live });
    if (byUser) this.status.setMessage(live ? 'Live refresh resumed.' : 'Live refresh paused: the view keeps the bytes as last read.');
    this.saveState();
  }

  /** Record (with the bytes selected, which is what an object over the size limit records) or Stop. */
  private recordOrStop(): void {
    if (this.recordingState === 'recording' || this.recordingState === 'paused') {
      this.host.post({ type: 'record', action: 'stop' });
      return;
    }
    const sel = this.grid.selection;
    const length = selectionLength(sel);
    this.host.post({ type: 'record', action: 'start', ...(length >= 2 ? { selection: { offset: selectionStart(sel), length } } : {}) });
  }

  // ---- selection, inspector ------------------------------------------------------------------------

  private onSelectionChange(): void {
    this.updateInspector();
    this.toolbar.setSelectionAvailable(!this.gone && this.size > 0);
    this.status.scheduleWhere();
    this.saveState();
  }

  private updateInspector(): void {
    if (this.size === 0) {
      this.inspector.update(undefined, this.digits, new Uint8Array(0));
      return;
    }
    const start = selectionStart(this.grid.selection);
    const b = this.reader.byteAt(start);
    this.inspector.update(start, this.digits, this.reader.readKnown(start, INSPECT_BYTES), byteNote(b, gapWords(this.header?.gaps)));
    this.status.byteShown(b);
  }

  private showInspector(shown: boolean): void {
    this.inspectorShown = shown;
    show(this.inspector.element, shown);
    this.toolbar.setInspectorShown(shown);
    this.saveState();
  }

  // ---- go to, copy, snapshot ---------------------------------------------------------------------

  private goTo(text: string): string | undefined {
    const parsed = parseOffset(text, this.size);
    if (!parsed.ok) return parsed.error;
    this.grid.select(parsed.offset, parsed.offset, 'center');
    this.grid.element.focus({ preventScroll: true });
    this.status.setMessage(`Went to ${hex(parsed.offset)} (${groupDigits(parsed.offset)}).`);
    return undefined;
  }

  private copy(format: CopyFormat): void {
    if (this.gone || this.size === 0) return;
    const sel = this.grid.selection;
    const offset = selectionStart(sel);
    const length = selectionLength(sel);
    if (length > MAX_COPY) {
      this.status.setMessage(`The selection is ${humanSize(length)}: at most ${humanSize(MAX_COPY)} can be copied. Save a snapshot instead.`, true);
      return;
    }
    this.host.post({ type: 'copy', offset, length, format });
    const what = format === 'c' ? 'a C array' : format;
    this.status.setMessage(`Copying ${length === 1 ? '1 byte' : `${groupDigits(length)} bytes`} at ${hex(offset)} as ${what}…`);
    this.saveState();
  }

  private saveSnapshot(): void {
    if (this.gone) return;
    this.host.post({ type: 'saveSnapshot' });
    this.status.setMessage('Choose where to save the snapshot…');
  }

  // ---- keys and state ----------------------------------------------------------------------------

  private onGlobalKey(e: KeyboardEvent): void {
    const ctrl = e.ctrlKey || e.metaKey;
    if (ctrl && !e.altKey && !e.shiftKey && (e.key === 'g' || e.key === 'G')) {
      this.toolbar.gotoInput.focus();
      this.toolbar.gotoInput.select();
    } else if (ctrl && !e.altKey && !e.shiftKey && (e.key === 'f' || e.key === 'F')) {
      if (this.gone) return;
      this.toolbar.findInput.focus();
      this.toolbar.findInput.select();
    } else if (e.key === 'F3' && !ctrl) {
      this.search.start();
    } else if (e.key === 'Escape' && this.search.active) {
      this.search.cancel();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private saveState(now = false): void {
    if (!this.header) return;
    this.saved.save(() => {
      if (!this.header) return undefined;
      const sel = this.grid.selection;
      return {
        v: 2,
        object: this.header.id,
        topOffset: this.grid.topOffset,
        anchor: sel.anchor,
        cursor: sel.cursor,
        littleEndian: this.inspector.isLittleEndian,
        searchKind: this.toolbar.searchKind,
        caseSensitive: this.toolbar.isCaseSensitive,
        includeNonResident: this.toolbar.nonResident.checked,
        copyFormat: this.toolbar.copyFormat.value as CopyFormat,
        live: this.live,
        inspector: this.inspectorShown,
        panes: this.panes.chosen,
        seq: this.ids.current,
      };
    }, now);
  }
}
