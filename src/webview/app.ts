// The hex view's page: wires the header, toolbar, grid, data inspector and status line to the
// extension. It asks only for the blocks of rows on screen (plus one screen of margin), at most a few
// requests at a time, never twice for the same block, and tells the extension which rows are on
// screen so live refresh re-reads exactly those.
import { offsetDigits, formatOffset, hexByte, parseHexPattern, printableChar } from '../shared/hexFormat';
import {
  MAX_COPY,
  MAX_SEARCH_PATTERN,
  MAX_VIEW_READ,
  type CopyFormat,
  type DataMessage,
  type InitMessage,
  type SearchPattern,
  type SearchProgressMessage,
  type SearchResultMessage,
  type ContentsHeader,
  type ToWebview,
  type ViewSettings,
} from '../shared/hexProtocol';
import { BLOCK_SIZE, ByteCache, NOT_LOADED, NOT_RESIDENT, READ_FAILED } from './byteCache';
import { el, show } from './dom';
import { groupDigits, hex, humanSize, parseOffset, utf8Length } from './format';
import { gapWords } from './gapWords';
import { FieldsPanel } from './fieldsPanel';
import { FADE_MS, Grid } from './grid';
import { HeaderBar } from './header';
import type { Host } from './host';
import { parseHostMessage } from './incoming';
import { InspectorPanel } from './inspectorPanel';
import { selectionEnd, selectionLength, selectionStart } from './selection';
import { Toolbar } from './toolbar';
import * as l10n from '../shared/l10n';

/** Reads in flight at once: enough to fill a screen quickly, few enough that a fast scrollbar drag
 * does not queue reads for places already scrolled past (the next ones are chosen on arrival). */
const MAX_IN_FLIGHT = 4;
/** A block whose read failed is not asked for again before this. */
const RETRY_MS = 3000;
/** Viewport messages at most this often while scrolling (the last one always goes out). */
const VIEWPORT_MS = 100;
/** Bytes handed to the data inspector (the C string looks this far for its NUL). */
const INSPECT_BYTES = 256;
/** Bound on remembered change stamps (a whole 1 MiB window changing at once still fits). */
const MAX_CHANGES = 1 << 20;
const READING = 'Reading…';
const WAITING = 'Waiting for the contents…';

interface SavedState {
  v: 2;
  /** The object's id (ContentsHeader.id): a reload of the page comes back to the same place. */
  object: string;
  topOffset: number;
  anchor: number;
  cursor: number;
  littleEndian: boolean;
  searchKind: 'hex' | 'text';
  caseSensitive: boolean;
  includeNonResident: boolean;
  copyFormat: CopyFormat;
  live: boolean;
  inspector: boolean;
  seq: number;
}

interface Search {
  requestId: number;
  from: number;
  length: number;
  /** The pattern, to tell "find the next one" from a new search. */
  key: string;
}

export class App {
  private readonly headerBar = new HeaderBar();
  private readonly toolbar: Toolbar;
  private readonly grid: Grid;
  private readonly inspector = new InspectorPanel();
  private readonly fields: FieldsPanel;
  /** The bytes the fields panel shows: read like the rows on screen, and re-read live. */
  private fieldsWindow: { offset: number; length: number } | undefined;
  private readonly where = el('span', 'where', { role: 'status', 'aria-live': 'polite' });
  private readonly message = el('span', 'message', { 'aria-live': 'polite' });
  private readonly empty = el('div', 'empty-note', { role: 'note' });
  private readonly main: HTMLElement;

  private header: ContentsHeader | undefined;
  private settings: ViewSettings = { bytesPerRow: 16, grouping: 1, refreshMs: 0 };
  private pageSize = 4096;
  private digits = 8;
  private cache = new ByteCache(0, 4096);
  private seq = 0;
  /** Block index -> requestId of its read in flight. */
  private readonly pendingBlocks = new Map<number, number>();
  /** requestId -> what it asked for. */
  private readonly pending = new Map<number, { block?: number; page?: number }>();
  private readonly failed = new Map<number, number>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changes = new Map<number, number>();
  private live = true;
  private search: Search | undefined;
  private lastMatch: { offset: number; length: number; key: string } | undefined;
  private visible = { first: 0, last: -1 };
  private viewportTimer: ReturnType<typeof setTimeout> | undefined;
  private lastViewportPost = 0;
  private lastViewport = '';
  private whereTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private restored: SavedState | undefined;
  private inspectorShown = true;
  private lastWhereByte = -100;

  constructor(
    private readonly host: Host,
    root: HTMLElement,
  ) {
    this.toolbar = new Toolbar({
      toggleLive: () => this.setLive(!this.live, true),
      goTo: (text) => this.goTo(text),
      search: () => this.startSearch(),
      cancelSearch: () => this.cancelSearch(),
      copy: (format) => this.copy(format),
      saveSnapshot: () => this.saveSnapshot(),
      toggleInspector: () => this.showInspector(!this.inspectorShown),
      chooseType: () => this.host.post({ type: 'chooseType' }),
      returnFocus: () => this.grid.element.focus(),
    });
    this.grid = new Grid({
      byteAt: (o) => this.byteAt(o),
      changedAt: (o) => this.changedAt(o),
      hasChanges: () => this.changes.size > 0,
      onVisibleRows: (first, last) => this.onVisibleRows(first, last),
      onSelectionChange: () => this.onSelectionChange(),
      onReadPage: (o) => this.readPage(o),
      onCopy: () => this.copy(this.toolbar.copyFormat.value as CopyFormat),
      onEscape: () => this.cancelSearch(),
      fieldAt: (o) => (this.fields.shown ? this.fields.fieldAt(o) : -1),
      describeField: (o) => (this.fields.shown ? this.fields.describe(o) : undefined),
    });
    this.fields = new FieldsPanel({
      byteAt: (o) => this.byteAt(o),
      size: () => this.size,
      select: (offset, length) => {
        this.grid.select(offset, offset + length - 1, 'center');
        this.grid.renderNow();
      },
      onWindow: (offset, length) => {
        this.fieldsWindow = { offset, length };
        if (!this.gone) this.host.post({ type: 'viewport', window: 'fields', offset, length });
        this.fetch();
      },
      post: (message) => this.host.post(message),
      onLayoutChange: () => this.grid.queueRender(),
      status: (text, error) => this.setMessage(text, error),
    });
    this.inspector.element.id = 'inspector';
    this.inspector.onEndian(() => {
      this.updateInspector();
      this.saveState();
    });
    show(this.empty, false);
    this.main = el('div', 'main', undefined, [el('div', 'grid-wrap', undefined, [this.grid.element, this.empty]), this.fields.element, this.inspector.element]);
    const status = el('footer', 'statusbar', undefined, [this.where, this.message]);
    root.classList.add('hexview');
    root.replaceChildren(this.headerBar.element, this.toolbar.element, this.main, status);
    this.setMessage(WAITING);

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
    const state = this.host.getState() as Partial<SavedState> | undefined;
    if (state && state.v === 2) {
      this.restored = state as SavedState;
      // Request ids keep growing across reloads of the page, so a late answer to a request of the
      // previous page is never taken for an answer to a new one.
      this.seq = (state.seq ?? 0) + 1000;
    }
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
        return this.onSearchProgress(message);
      case 'searchResult':
        return this.onSearchResult(message);
      case 'ctype':
        if (!message.view) this.fieldsWindow = undefined;
        // The fields panel says more than the data inspector and needs its room: the Inspector button brings it back.
        if (message.view && !this.fields.shown && this.inspectorShown) this.showInspector(false);
        this.main.classList.toggle('with-fields', message.view !== null);
        return this.fields.setView(message.view, message.problem);
      case 'error':
        return this.onError(message.requestId, message.message);
      case 'goTo': {
        const error = this.goTo(`0x${message.offset.toString(16)}`);
        if (error) this.setMessage(error);
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
    const saved = !same && this.restored?.object === header.id ? this.restored : undefined;
    this.restored = undefined;

    this.settings = settings;
    this.pageSize = pageSize;
    this.digits = offsetDigits(header.size);
    if (!same || this.cache.pageSize !== pageSize || this.cache.size !== header.size) {
      this.cache = new ByteCache(header.size, pageSize);
      this.pendingBlocks.clear();
      this.pending.clear();
      this.failed.clear();
      this.changes.clear();
      this.lastMatch = undefined;
      this.grid.match = undefined;
    }
    this.lastViewport = '';
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
    if (!this.gone) this.setMessage(this.pendingBlocks.size > 0 ? READING : '');
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
      this.pendingBlocks.clear();
      this.pending.clear();
      clearTimeout(this.viewportTimer);
      if (this.search) {
        this.search = undefined;
        this.toolbar.setSearching(false);
        this.toolbar.setFindStatus('', false);
      }
      this.setMessage(`This ${header.noun} was removed: showing the last bytes read.`);
      this.grid.renderNow();
    }
  }

  private onData(message: DataMessage): void {
    const request = message.requestId === 0 ? undefined : this.pending.get(message.requestId);
    if (request) {
      this.pending.delete(message.requestId);
      if (request.block !== undefined && this.pendingBlocks.get(request.block) === message.requestId) this.pendingBlocks.delete(request.block);
    }
    // Answers not (or no longer) pending are still this object's bytes: take them.
    if (message.offset >= this.size) return;
    if (this.failed.size > 0) {
      for (let b = Math.floor(message.offset / BLOCK_SIZE); b * BLOCK_SIZE < message.offset + message.bytes.length; b++) this.failed.delete(b);
    }
    const now = performance.now();
    const changed = this.cache.apply(message, now);
    if (changed.length > 0) this.noteChanges(changed, now);
    if (request?.page !== undefined) {
      const count = Math.ceil(message.bytes.length / this.pageSize);
      this.setMessage(`Read ${count === 1 ? 'the page' : `${count} pages`} at ${hex(message.offset)}.`);
    } else if (this.message.textContent === READING || this.message.textContent === WAITING) this.setMessage('');
    this.grid.queueRender();
    this.updateInspector();
    this.fields.refresh();
    this.fetch();
  }

  private onError(requestId: number, text: string): void {
    const request = this.pending.get(requestId);
    if (request) {
      this.pending.delete(requestId);
      if (request.block !== undefined) {
        this.pendingBlocks.delete(request.block);
        this.failed.set(request.block, performance.now());
        // Try again later while it is on screen (a transient error must not leave a hole).
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.fetch(), RETRY_MS + 50);
        this.grid.queueRender();
        this.updateInspector();
        this.updateWhere();
      }
      this.setMessage(`Could not read ${request.page !== undefined ? 'the page' : 'bytes'}: ${text}`, true);
      return;
    }
    if (this.search && requestId === this.search.requestId) {
      this.search = undefined;
      this.toolbar.setSearching(false);
      this.toolbar.setFindStatus(`Search failed: ${text}`, true);
      return;
    }
    this.setMessage(text, true);
  }

  // ---- reading -----------------------------------------------------------------------------------

  /** A byte as the view shows it: from the cache, or READ_FAILED when its block's read failed. */
  private byteAt(offset: number): number {
    const b = this.cache.byteAt(offset);
    if (b === NOT_LOADED && this.failed.size > 0 && this.failed.has(Math.floor(offset / BLOCK_SIZE))) return READ_FAILED;
    return b;
  }

  private nextId(): number {
    this.seq += 1;
    return this.seq;
  }

  private onVisibleRows(first: number, last: number): void {
    this.visible = { first, last };
    this.postViewport();
    this.fetch();
    this.saveState();
  }

  /** Asks for the blocks on screen first, then one screen of margin below and above. */
  private fetch(): void {
    if (this.gone || this.size === 0 || this.visible.last < this.visible.first) return;
    const bpr = this.settings.bytesPerRow;
    const { first, last } = this.visible;
    const blockOfRow = (row: number) => Math.floor(Math.max(0, Math.min(this.size - 1, row * bpr)) / BLOCK_SIZE);
    const blockOfRowEnd = (row: number) => Math.floor(Math.max(0, Math.min(this.size - 1, (row + 1) * bpr - 1)) / BLOCK_SIZE);
    const rows = last - first + 1;
    const firstBlock = blockOfRow(first);
    const lastBlock = blockOfRowEnd(last);
    this.cache.touch(firstBlock, lastBlock);
    const wanted: number[] = [];
    for (let b = firstBlock; b <= lastBlock; b++) wanted.push(b);
    // The fields panel's bytes come right after the rows on screen.
    if (this.fieldsWindow && this.fields.shown) {
      const { offset, length } = this.fieldsWindow;
      for (let b = Math.floor(offset / BLOCK_SIZE); b <= Math.floor((offset + length - 1) / BLOCK_SIZE); b++) if (!wanted.includes(b)) wanted.push(b);
    }
    for (let b = lastBlock + 1; b <= blockOfRowEnd(last + rows); b++) wanted.push(b);
    for (let b = firstBlock - 1; b >= blockOfRow(first - rows); b--) wanted.push(b);
    const now = performance.now();
    for (const block of wanted) {
      if (this.pendingBlocks.size >= MAX_IN_FLIGHT) break;
      if (this.pendingBlocks.has(block)) continue;
      if (this.cache.has(block) && !this.cache.isStale(block)) continue;
      const failedAt = this.failed.get(block);
      if (failedAt !== undefined && now - failedAt < RETRY_MS) continue;
      const { offset, length } = this.cache.blockRange(block);
      if (length <= 0) continue;
      const requestId = this.nextId();
      this.pendingBlocks.set(block, requestId);
      this.pending.set(requestId, { block });
      this.host.post({ type: 'read', requestId, offset, length, includeNonResident: false });
    }
  }

  /** Reads the non-resident page holding `offset` (the user asked: this allocates it). */
  private readPage(offset: number): void {
    if (this.gone || offset < 0 || offset >= this.size) return;
    const page = Math.floor(offset / this.pageSize);
    let start = page * this.pageSize;
    let length = Math.min(this.pageSize, this.size - start);
    if (length > MAX_VIEW_READ) {
      // Huge pages: read the block around the offset (the kernel allocates the whole page anyway;
      // the other blocks of it are read again as resident when they come into view).
      start = Math.floor(offset / BLOCK_SIZE) * BLOCK_SIZE;
      length = Math.min(BLOCK_SIZE, this.size - start);
    }
    const requestId = this.nextId();
    this.pending.set(requestId, { page });
    this.host.post({ type: 'read', requestId, offset: start, length, includeNonResident: true });
    this.setMessage(`Reading the page at ${hex(page * this.pageSize)}…`);
    // Blocks of a huge page outside the part read must be read again to learn they are resident.
    if (this.pageSize > BLOCK_SIZE) {
      const pageStart = page * this.pageSize;
      for (let o = pageStart; o < Math.min(this.size, pageStart + this.pageSize); o += BLOCK_SIZE) {
        if (o !== start) this.cache.invalidate(o, 1);
      }
    }
  }

  private postViewport(): void {
    if (this.gone) return;
    const wait = VIEWPORT_MS - (performance.now() - this.lastViewportPost);
    clearTimeout(this.viewportTimer);
    if (wait > 0) {
      this.viewportTimer = setTimeout(() => this.postViewport(), wait);
      return;
    }
    const bpr = this.settings.bytesPerRow;
    const offset = Math.min(this.size, this.visible.first * bpr);
    const length = this.size === 0 ? 0 : Math.max(0, Math.min((this.visible.last - this.visible.first + 1) * bpr, this.size - offset, MAX_VIEW_READ));
    const key = `${offset}:${length}`;
    if (key === this.lastViewport) return;
    this.lastViewport = key;
    this.lastViewportPost = performance.now();
    this.host.post({ type: 'viewport', window: 'grid', offset, length });
  }

  private setLive(live: boolean, byUser: boolean): void {
    if (this.gone || this.settings.refreshMs <= 0) return;
    this.live = live;
    this.toolbar.setLive(live, true);
    this.host.post({ type: 'live', live });
    if (byUser) this.setMessage(live ? 'Live refresh resumed.' : 'Live refresh paused: the view keeps the bytes as last read.');
    this.saveState();
  }

  // ---- change highlighting -------------------------------------------------------------------------

  private noteChanges(offsets: number[], now: number): void {
    for (const o of offsets) {
      this.changes.delete(o); // re-insert: the map stays ordered oldest first
      this.changes.set(o, now);
    }
    this.pruneChanges(now);
  }

  private pruneChanges(now: number): void {
    for (const [o, at] of this.changes) {
      if (now - at < FADE_MS && this.changes.size <= MAX_CHANGES) break;
      this.changes.delete(o);
    }
  }

  private changedAt(offset: number): number | undefined {
    const at = this.changes.get(offset);
    if (at === undefined) return undefined;
    if (performance.now() - at >= FADE_MS) {
      this.changes.delete(offset);
      return undefined;
    }
    return at;
  }

  // ---- selection, inspector, status --------------------------------------------------------------

  private onSelectionChange(): void {
    this.updateInspector();
    this.toolbar.setSelectionAvailable(!this.gone && this.size > 0);
    clearTimeout(this.whereTimer);
    // Announce after the keys settle, not on every repeat.
    this.whereTimer = setTimeout(() => this.updateWhere(), 120);
    this.saveState();
  }

  private updateWhere(): void {
    if (this.size === 0) {
      this.where.textContent = '';
      return;
    }
    const sel = this.grid.selection;
    const cursor = sel.cursor;
    const b = this.byteAt(cursor);
    const value =
      b >= 0
        ? `0x${hexByte(b)} = ${b}${printableChar(b) !== '.' || b === 0x2e ? ` '${printableChar(b)}'` : ''}`
        : b === NOT_RESIDENT
          ? gapWords(this.header?.gaps).status
          : b === READ_FAILED
            ? 'could not be read'
            : 'not loaded yet';
    let line = `Offset 0x${formatOffset(cursor, this.digits)} (${groupDigits(cursor)}): ${value}`;
    const length = selectionLength(sel);
    if (length > 1) {
      line += ` · ${groupDigits(length)} bytes selected (0x${formatOffset(selectionStart(sel), this.digits)}–0x${formatOffset(selectionEnd(sel), this.digits)})`;
    }
    this.where.textContent = line;
  }

  private updateInspector(): void {
    if (this.size === 0) {
      this.inspector.update(undefined, this.digits, new Uint8Array(0));
      return;
    }
    const start = selectionStart(this.grid.selection);
    const b = this.byteAt(start);
    const note = b === NOT_RESIDENT ? gapWords(this.header?.gaps).short : b === READ_FAILED ? 'could not be read' : b < 0 ? 'not loaded yet' : '';
    this.inspector.update(start, this.digits, this.cache.readKnown(start, INSPECT_BYTES), note);
    if (this.where.textContent !== '' && b !== this.lastWhereByte) this.updateWhere();
    this.lastWhereByte = b;
  }

  private setMessage(text: string, error = false): void {
    this.message.setAttribute('aria-live', error ? 'assertive' : 'polite');
    this.message.classList.toggle('error', error);
    this.message.textContent = text;
    this.message.title = text;
  }

  private showInspector(shown: boolean): void {
    this.inspectorShown = shown;
    show(this.inspector.element, shown);
    this.toolbar.setInspectorShown(shown);
    this.saveState();
  }

  // ---- go to, search, copy, snapshot -------------------------------------------------------------

  private goTo(text: string): string | undefined {
    const parsed = parseOffset(text, this.size);
    if (!parsed.ok) return parsed.error;
    this.grid.select(parsed.offset, parsed.offset, 'center');
    this.grid.element.focus({ preventScroll: true });
    this.setMessage(`Went to ${hex(parsed.offset)} (${groupDigits(parsed.offset)}).`);
    return undefined;
  }

  private startSearch(): void {
    if (this.gone || this.search) return;
    const raw = this.toolbar.findInput.value;
    let pattern: SearchPattern;
    let length: number;
    if (this.toolbar.searchKind === 'hex') {
      const parsed = parseHexPattern(raw);
      if (!parsed.ok) {
        this.toolbar.setFindStatus(`Not a hex pattern: ${parsed.error}.`, true);
        return;
      }
      pattern = { kind: 'hex', bytes: parsed.bytes };
      length = parsed.bytes.length;
    } else {
      if (raw.length === 0) {
        this.toolbar.setFindStatus('Type the text to find.', true);
        return;
      }
      if (raw.length > MAX_SEARCH_PATTERN) {
        this.toolbar.setFindStatus(`The text is too long (at most ${MAX_SEARCH_PATTERN} characters).`, true);
        return;
      }
      pattern = { kind: 'text', text: raw, caseSensitive: this.toolbar.isCaseSensitive };
      length = utf8Length(raw);
    }
    // From the selection; from just after the last match when it is still selected and the
    // pattern is the same (Find next).
    const key = JSON.stringify(pattern);
    const start = selectionStart(this.grid.selection);
    let from = start;
    if (this.lastMatch && this.lastMatch.offset === start && this.lastMatch.key === key) from = start + 1 >= this.size ? 0 : start + 1;
    const requestId = this.nextId();
    this.search = { requestId, from, length, key };
    this.toolbar.setSearching(true);
    this.toolbar.setProgress(0, 'Searching…');
    this.host.post({ type: 'search', requestId, pattern, from, includeNonResident: this.toolbar.nonResident.checked });
    this.saveState();
  }

  private onSearchProgress(message: SearchProgressMessage): void {
    if (!this.search || message.requestId !== this.search.requestId) return;
    const fraction = message.total > 0 ? message.searched / message.total : 0;
    this.toolbar.setProgress(fraction, `Searching… ${humanSize(message.searched)} of ${humanSize(message.total)}`);
  }

  private onSearchResult(message: SearchResultMessage): void {
    const search = this.search;
    if (!search || message.requestId !== search.requestId) return;
    this.search = undefined;
    this.toolbar.setSearching(false);
    const gaps = gapWords(this.header?.gaps);
    const skippedShort = message.skipped > 0 ? ` (${humanSize(message.skipped)} ${gaps.short}, not searched)` : '';
    const skippedLong = message.skipped > 0 ? ` ${humanSize(message.skipped)} ${gaps.skipped}.` : '';
    if (message.cancelled) {
      this.toolbar.setFindStatus('Search cancelled.', false);
      return;
    }
    if (message.offset < 0 || message.offset >= this.size) {
      this.lastMatch = undefined;
      this.grid.match = undefined;
      this.grid.queueRender();
      this.toolbar.setFindStatus(`Not found${skippedShort}.`, false);
      this.setMessage(`Not found.${skippedLong}`);
      return;
    }
    const length = Math.max(1, Math.min(search.length, this.size - message.offset));
    this.lastMatch = { offset: message.offset, length, key: search.key };
    this.grid.match = { offset: message.offset, length };
    this.grid.select(message.offset, message.offset + length - 1, 'center');
    const wrapped = message.offset < search.from ? ' (wrapped around to the start)' : '';
    const at = `0x${formatOffset(message.offset, this.digits)}`;
    this.toolbar.setFindStatus(`Found at ${at}${wrapped}${skippedShort}.`, false);
    this.setMessage(`Found at ${at}${wrapped}.${skippedLong}`);
  }

  private cancelSearch(): void {
    if (!this.search) return;
    this.search = undefined;
    this.host.post({ type: 'cancelSearch' });
    this.toolbar.setSearching(false);
    this.toolbar.setFindStatus('Search cancelled.', false);
  }

  private copy(format: CopyFormat): void {
    if (this.gone || this.size === 0) return;
    const sel = this.grid.selection;
    const offset = selectionStart(sel);
    const length = selectionLength(sel);
    if (length > MAX_COPY) {
      this.setMessage(`The selection is ${humanSize(length)}: at most ${humanSize(MAX_COPY)} can be copied. Save a snapshot instead.`, true);
      return;
    }
    this.host.post({ type: 'copy', offset, length, format });
    const what = format === 'c' ? 'a C array' : format;
    this.setMessage(`Copying ${length === 1 ? '1 byte' : `${groupDigits(length)} bytes`} at ${hex(offset)} as ${what}…`);
    this.saveState();
  }

  private saveSnapshot(): void {
    if (this.gone) return;
    this.host.post({ type: 'saveSnapshot' });
    this.setMessage('Choose where to save the snapshot…');
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
      this.startSearch();
    } else if (e.key === 'Escape' && this.search) {
      this.cancelSearch();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private saveState(): void {
    if (!this.header) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      if (!this.header) return;
      const sel = this.grid.selection;
      const state: SavedState = {
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
        seq: this.seq,
      };
      this.host.setState(state);
    }, 200);
  }
}
