// The byte grid: offset / hex / text columns over a virtual scroller.
// Over 600 lines on purpose: it is one DOM structure drawn in one pass per frame. The row ring, the
// text runs, the highlight boxes (selection, match, cursor, changes, field tints) and the hit test
// share the per-layout tables (hex positions, gaps, char-to-byte) and the ring's recycling rules;
// split apart, every frame of scrolling would cross module seams with that state, and the frame
// cost is what the webview harness measures. Pure parts already live beside it (scrollMap.ts,
// selection.ts, byteCache.ts).
//
// DOM: the scroller (role=grid, focusable) holds a sticky canvas exactly one client-height tall and
// a spacer under it. The canvas shows a column header and a fixed set of row elements (the rows
// that fit, plus one), absolutely placed in a row box that is shifted by the sub-row remainder.
// Row elements are built once per layout and recycled as a ring: row r is always drawn by element
// r mod n, so scrolling by one row rewrites one row and only moves the others (a transform, no
// layout). A row's hex and text columns are each a few text runs, one per stretch of bytes in the
// same style (zero, non-printable, not resident, not loaded), not a node per byte: repainting a
// whole screen is a few hundred DOM writes, not thousands. Selection, search match, cursor and
// change highlights are boxes placed behind the text in `ch` units (the font is monospace), moved
// only when they change. See scrollMap.ts for how scrollTop maps to rows when the table is taller
// than a browser allows.
import { formatOffset, hexByte, printableChar } from '../shared/hexFormat';
import { NOT_LOADED, NOT_RESIDENT, READ_FAILED } from './byteCache';
import { FADE_MS } from './changeStamps';
import { gapWords, type GapWords } from './gapWords';
import { el, setText, show, text } from './dom';
import { ScrollMap } from './scrollMap';
import { moveCursor, type Selection, selectionEnd, selectionStart } from './selection';
import * as l10n from '../shared/l10n';

export interface GridLayout {
  size: number;
  bytesPerRow: number;
  grouping: number;
  /** Hex digits of the offset column. */
  digits: number;
  pageSize: number;
  /** What a page without data is called (not resident, hole). */
  gaps: GapWords;
}

export interface GridHooks {
  /** 0..255, NOT_LOADED, NOT_RESIDENT or READ_FAILED. */
  byteAt(offset: number): number;
  /** performance.now() of the byte's last change while it is still highlighted, else undefined. */
  changedAt(offset: number): number | undefined;
  hasChanges(): boolean;
  /** The rows on screen changed (after a render). */
  onVisibleRows(first: number, last: number): void;
  onSelectionChange(): void;
  /** The user asked to read the non-resident page holding `offset`. */
  onReadPage(offset: number): void;
  onCopy(): void;
  onEscape(): void;
  /** The C field a byte belongs to, as an index that differs between neighbours (tints); -1 for none. */
  fieldAt(offset: number): number;
  /** Names the field of a byte (the tooltip), or undefined. */
  describeField(offset: number): string | undefined;
  /** Whether a byte is marked as changed in the recording's moment or comparison shown (kept, not fading). */
  markedAt(offset: number): boolean;
}

const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
const OUT = -3;
const MARGIN_ROWS = 1;

// Run styles. The hex column does not set non-printable bytes apart; the text column does.
const S_NORMAL = 0;
const S_ZERO = 1;
const S_NP = 2;
const S_NR = 3;
const S_LD = 4;
const S_OUT = 5;
const S_FAILED = 6;
const RUN_CLASS = ['r', 'r zero', 'r np', 'r nr', 'r ld', 'r out', 'r failed'];

/** A highlight box behind one column of one row; `key` is what it shows now ('' = hidden). */
interface Box {
  el: HTMLSpanElement;
  key: string;
}

interface ChangeBox extends Box {
  stamp: number;
  parity: number;
}

interface Column {
  el: HTMLSpanElement;
  runs: HTMLSpanElement[];
  runText: Text[];
  used: number;
  sel: Box;
  match: Box;
  cur: Box;
  changes: ChangeBox[];
  /** Tints behind the bytes of each C field (View as C Type…), alternating between neighbours. */
  tints: Box[];
  /** Boxes behind bytes changed at the moment shown, or between the two moments compared. */
  marks: Box[];
}

interface RowView {
  el: HTMLDivElement;
  offText: Text;
  hex: Column;
  txt: Column;
  button: HTMLButtonElement;
  /** Row index shown, -1 for none. */
  row: number;
  /** Values shown (byte, NOT_LOADED, NOT_RESIDENT or OUT), to repaint only what changed. */
  val: Int16Array;
  stamps: Float64Array;
  /** First non-resident offset in the row, or -1. */
  nrOffset: number;
  /** translateY in the row box (px), -1 before the first placement. */
  y: number;
}

export class Grid {
  readonly element: HTMLDivElement;
  private readonly canvas: HTMLDivElement;
  private readonly head: HTMLDivElement;
  private readonly clip: HTMLDivElement;
  private readonly box: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly probe: HTMLDivElement;
  private rows: RowView[] = [];
  private layout: GridLayout = { size: 0, bytesPerRow: 16, grouping: 1, digits: 8, pageSize: 4096, gaps: gapWords(undefined) };
  private map = new ScrollMap({ rowHeight: 20, totalRows: 0, areaHeight: 0, clientHeight: 0 });
  private rowHeight = 20;
  private virtualTop = 0;
  /** scrollTop we set ourselves: its scroll event must not overwrite the exact virtualTop. */
  private expectedScrollTop = -1;
  private queued = 0;
  private lastFirst = -1;
  private lastLast = -1;
  private wheelTarget: number | undefined;
  private wheelFrame = 0;
  private dragging = false;
  private activeKey = '';
  private readonly hexTable: string[] = [];
  private readonly charTable: string[] = [];
  private readonly printable: boolean[] = [];
  /** Per layout: where byte c starts in the hex column (in characters), its gap, and the reverse. */
  private hexPos = new Int32Array(17);
  private gapAfter: string[] = [];
  private charToByte = new Int32Array(0);
  private hexChars = 0;
  private readonly hexStyle = new Uint8Array(256);
  private readonly txtStyle = new Uint8Array(256);

  selection: Selection = { anchor: 0, cursor: 0 };
  /** Which column the cursor is drawn in most strongly (the one last clicked). */
  column: 'hex' | 'text' = 'hex';
  match: { offset: number; length: number } | undefined;

  constructor(private readonly hooks: GridHooks) {
    this.spacer = el('div', 'spacer', { 'aria-hidden': 'true' });
    this.head = el('div', 'row colhead', { role: 'row', 'aria-rowindex': 1 });
    this.box = el('div', 'rowbox');
    this.clip = el('div', 'rowclip', undefined, [this.box]);
    this.canvas = el('div', 'canvas', undefined, [this.head, this.clip]);
    this.probe = el('div', 'row probe', { 'aria-hidden': 'true' }, [l10n.t('0Ag·')]);
    this.element = el('div', 'grid', { role: 'grid', tabindex: 0, 'aria-readonly': 'true', 'aria-multiselectable': 'true', 'aria-label': l10n.t('Bytes') }, [
      this.canvas,
      this.spacer,
      this.probe,
    ]);
    for (let b = 0; b < 256; b++) {
      this.hexTable.push(hexByte(b));
      const c = printableChar(b);
      this.charTable.push(c);
      this.printable.push(c !== '.' || b === 0x2e);
    }

    this.element.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.element.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    this.box.addEventListener('mousedown', (e) => this.onMouseDown(e));
    this.box.addEventListener('click', (e) => this.onClick(e));
    document.addEventListener('mousemove', (e) => this.onDrag(e));
    this.box.addEventListener('mousemove', (e) => this.onHover(e));
    document.addEventListener('mouseup', () => (this.dragging = false));
    new ResizeObserver(() => this.relayout()).observe(this.element);
  }

  // ---- layout ------------------------------------------------------------------------------------

  setLayout(layout: GridLayout): void {
    this.layout = layout;
    const { bytesPerRow: bpr, grouping, size } = layout;
    // Character positions of the hex column: groups of `grouping` bytes, a space between groups,
    // two every 8 bytes when groups are smaller than that (easier to count along a 16-byte row).
    this.hexPos = new Int32Array(bpr + 1);
    this.gapAfter = [];
    let at = 0;
    for (let c = 0; c < bpr; c++) {
      this.hexPos[c] = at;
      const gap = c === bpr - 1 ? '' : grouping < 8 && bpr > 8 && c % 8 === 7 ? '  ' : c % grouping === grouping - 1 ? ' ' : '';
      this.gapAfter.push(gap);
      at += 2 + gap.length;
    }
    this.hexPos[bpr] = at;
    this.hexChars = at;
    this.charToByte = new Int32Array(at);
    for (let c = 0; c < bpr; c++) this.charToByte.fill(c, this.hexPos[c], this.hexPos[c + 1]);

    const style = this.element.style;
    style.setProperty('--off-ch', String(Math.max(layout.digits, 6)));
    style.setProperty('--hex-ch', String(this.hexChars));
    style.setProperty('--bpr', String(bpr));
    this.element.setAttribute('aria-rowcount', String(Math.ceil(size / bpr) + 1));
    this.element.setAttribute('aria-colcount', '3');
    this.buildHead();
    for (const row of this.rows) row.el.remove();
    this.rows = [];
    this.lastFirst = this.lastLast = -1;
    this.activeKey = '';
    this.measure();
    this.relayout();
  }

  private get totalRows(): number {
    return Math.ceil(this.layout.size / this.layout.bytesPerRow);
  }

  private buildHead(): void {
    let hexHead = '';
    for (let c = 0; c < this.layout.bytesPerRow; c++) hexHead += hexByte(c & 0xff) + this.gapAfter[c];
    this.head.replaceChildren(
      el('span', 'off', { role: 'columnheader' }, [l10n.t('Offset')]),
      el('span', 'hexcol', { role: 'columnheader', 'aria-label': l10n.t('Bytes in hex') }, [hexHead]),
      el('span', 'txtcol txthead', { role: 'columnheader', 'aria-label': l10n.t('Bytes as text') }, [l10n.t('Text')]),
    );
  }

  /** Row height from the font: an integer so rows never drift by fractions of a pixel. */
  private measure(): void {
    const h = this.probe.getBoundingClientRect().height;
    this.rowHeight = Math.max(14, Math.ceil(h > 0 ? h : 17) + 4);
    this.element.style.setProperty('--row-h', `${this.rowHeight}px`);
    // The canvas gets a fixed width (that of a row): rows are then laid out one by one, never
    // measured together.
    const sample = this.makeRow(-1);
    sample.el.classList.add('measure');
    this.box.append(sample.el);
    const width = Math.ceil(sample.el.getBoundingClientRect().width);
    sample.el.remove();
    if (width > 0) this.canvas.style.width = `${width}px`;
  }

  private makeColumn(className: string, attrs: Record<string, string>): Column {
    const box = (kind: string): Box => ({ el: el('span', `ov ${kind}`), key: '' });
    const column: Column = {
      el: el('span', className, attrs),
      runs: [],
      runText: [],
      used: 0,
      sel: box('sel'),
      match: box('match'),
      cur: box('cur'),
      changes: [],
      tints: [],
      marks: [],
    };
    for (const b of [column.sel, column.match, column.cur]) {
      b.el.hidden = true;
      column.el.append(b.el);
    }
    return column;
  }

  private makeRow(slot: number): RowView {
    const { bytesPerRow: bpr } = this.layout;
    const offText = text();
    const hex = this.makeColumn('hexcol', { role: 'gridcell', id: `hx${slot}` });
    const txt = this.makeColumn('txtcol', { 'aria-hidden': 'true' });
    const button = el('button', 'nr-read', { type: 'button', tabindex: -1 }, [this.layout.gaps.button]);
    button.hidden = true;
    // The read affordance lies over the start of the hex column (which shows only "··" on such
    // rows), so it is on screen whenever the bytes are, however narrow the panel.
    hex.el.append(button);
    const row = el('div', 'row', { role: 'row' }, [el('span', 'off', { role: 'rowheader' }, [offText]), hex.el, txt.el]);
    row.dataset.slot = String(slot);
    return { el: row, offText, hex, txt, button, row: -1, val: new Int16Array(bpr).fill(-99), stamps: new Float64Array(bpr), nrOffset: -1, y: -1 };
  }

  /** Sizes everything to the scroller; keeps the position (and sticks to the end if it was there). */
  relayout(): void {
    const clientHeight = this.element.clientHeight;
    if (clientHeight <= 0) return; // hidden: nothing to lay out yet
    const atEnd = this.map.maxVirtualTop > 0 && this.virtualTop >= this.map.maxVirtualTop;
    const areaHeight = Math.max(this.rowHeight, clientHeight - this.rowHeight);
    this.map = new ScrollMap({ rowHeight: this.rowHeight, totalRows: this.totalRows, areaHeight, clientHeight });
    this.canvas.style.height = `${clientHeight}px`;
    this.clip.style.height = `${areaHeight}px`;
    this.spacer.style.height = `${this.map.maxScrollTop}px`;
    this.element.classList.toggle('scaled', this.map.scaled);
    const want = Math.min(this.totalRows, Math.ceil(areaHeight / this.rowHeight) + MARGIN_ROWS);
    if (want !== this.rows.length) {
      // The ring's size changed: every element draws another row now.
      for (const row of this.rows) row.el.remove();
      this.rows = [];
      for (let slot = 0; slot < want; slot++) {
        const row = this.makeRow(slot);
        this.rows.push(row);
        this.box.append(row.el);
      }
      this.activeKey = '';
    }
    this.setVirtualTop(atEnd ? this.map.maxVirtualTop : this.virtualTop);
    this.renderNow();
  }

  // ---- position ----------------------------------------------------------------------------------

  get scrollMap(): ScrollMap {
    return this.map;
  }

  /** Offset of the first byte of the first (partly) visible row. */
  get topOffset(): number {
    return this.map.firstRow(this.virtualTop).row * this.layout.bytesPerRow;
  }

  get visibleRows(): { first: number; last: number } {
    return { first: this.map.firstRow(this.virtualTop).row, last: this.map.lastRow(this.virtualTop) };
  }

  private setVirtualTop(v: number): void {
    this.virtualTop = this.map.clampVirtual(v);
    const st = this.map.scrollFromVirtual(this.virtualTop);
    if (Math.abs(this.element.scrollTop - st) >= 0.5) this.element.scrollTop = st;
    this.expectedScrollTop = this.element.scrollTop;
    this.queueRender();
  }

  scrollToRow(row: number, how: 'reveal' | 'center' | 'top'): void {
    this.stopWheel();
    const v = how === 'center' ? this.map.centerRow(row) : how === 'top' ? row * this.rowHeight : this.map.revealRow(this.virtualTop, row);
    this.setVirtualTop(v);
  }

  scrollToOffset(offset: number, how: 'reveal' | 'center' | 'top'): void {
    this.scrollToRow(Math.floor(offset / this.layout.bytesPerRow), how);
  }

  private onScroll(): void {
    const st = this.element.scrollTop;
    if (Math.abs(st - this.expectedScrollTop) < 1) return;
    this.stopWheel();
    this.expectedScrollTop = st;
    this.virtualTop = this.map.virtualFromScroll(st);
    this.queueRender();
  }

  /**
   * When scaled, one scrollbar pixel is many rows, so the wheel is handled here in real pixels
   * (eased over a few frames for mouse wheels; touchpad deltas apply at once).
   */
  private onWheel(e: WheelEvent): void {
    if (!this.map.scaled || e.ctrlKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? this.rowHeight : e.deltaMode === 2 ? this.map.geometry.areaHeight : 1;
    const delta = e.deltaY * unit;
    const from = this.wheelTarget ?? this.virtualTop;
    const target = this.map.clampVirtual(from + delta);
    if (Math.abs(delta) < 60 || reducedMotion.matches) {
      this.stopWheel();
      this.setVirtualTop(target);
      return;
    }
    this.wheelTarget = target;
    if (!this.wheelFrame) this.wheelFrame = requestAnimationFrame(() => this.wheelStep());
  }

  private wheelStep(): void {
    this.wheelFrame = 0;
    if (this.wheelTarget === undefined) return;
    const diff = this.wheelTarget - this.virtualTop;
    if (Math.abs(diff) < 1) {
      this.setVirtualTop(this.wheelTarget);
      this.wheelTarget = undefined;
      return;
    }
    this.setVirtualTop(this.virtualTop + diff * 0.35);
    this.wheelFrame = requestAnimationFrame(() => this.wheelStep());
  }

  private stopWheel(): void {
    this.wheelTarget = undefined;
    if (this.wheelFrame) cancelAnimationFrame(this.wheelFrame);
    this.wheelFrame = 0;
  }

  // ---- selection ---------------------------------------------------------------------------------

  /** Selects [anchor..cursor], optionally revealing the cursor. */
  select(anchor: number, cursor: number, reveal: 'reveal' | 'center' | 'none' = 'reveal'): void {
    const last = Math.max(0, this.layout.size - 1);
    const clamp = (o: number) => Math.max(0, Math.min(last, o));
    this.selection = { anchor: clamp(anchor), cursor: clamp(cursor) };
    if (reveal !== 'none') this.scrollToOffset(this.selection.cursor, reveal);
    this.queueRender();
    this.hooks.onSelectionChange();
  }

  private setColumn(column: 'hex' | 'text'): void {
    this.column = column;
    this.element.classList.toggle('col-text', column === 'text');
  }

  private onKey(e: KeyboardEvent): void {
    const { size, bytesPerRow } = this.layout;
    const ctrl = e.ctrlKey || e.metaKey;
    if (size <= 0) return;
    if (ctrl && !e.shiftKey && !e.altKey && (e.key === 'a' || e.key === 'A')) {
      this.select(0, size - 1, 'none');
    } else if (ctrl && !e.altKey && (e.key === 'c' || e.key === 'C')) {
      this.hooks.onCopy();
    } else if ((e.key === 'Enter' || e.key === ' ') && !ctrl) {
      if (this.hooks.byteAt(this.selection.cursor) !== NOT_RESIDENT) return;
      this.hooks.onReadPage(this.selection.cursor);
    } else if (e.key === 'Escape') {
      this.hooks.onEscape();
      if (this.selection.anchor !== this.selection.cursor) this.select(this.selection.cursor, this.selection.cursor, 'none');
    } else {
      const pageRows = this.map.fullRows;
      const to = moveCursor(this.selection.cursor, e.key, ctrl, { size, bytesPerRow, pageRows });
      if (to === undefined) return;
      if (e.key === 'PageUp' || e.key === 'PageDown') {
        // Move the view by the same number of rows so the cursor keeps its place on screen.
        const rows = Math.floor(to / bytesPerRow) - Math.floor(this.selection.cursor / bytesPerRow);
        this.stopWheel();
        this.setVirtualTop(this.virtualTop + rows * this.rowHeight);
      }
      this.select(e.shiftKey ? this.selection.anchor : to, to);
    }
    e.preventDefault();
    e.stopPropagation();
  }

  /** Names the C field under the pointer (the row's tooltip), when a type is shown. */
  private onHover(e: MouseEvent): void {
    const hit = this.hitTest(e);
    const name = hit && hit.column !== 'offset' ? this.hooks.describeField(hit.offset) : undefined;
    const rowEl = e.target instanceof Element ? e.target.closest('.rowbox .row') : null;
    if (!(rowEl instanceof HTMLElement)) return;
    if (name) rowEl.title = name;
    else if (rowEl.title) rowEl.removeAttribute('title');
  }

  /** The byte under the pointer: by column and x position (the font is monospace). */
  private hitTest(e: MouseEvent): { offset: number; column: 'hex' | 'text' | 'offset' } | undefined {
    const target = e.target instanceof Element ? e.target : null;
    const rowEl = target?.closest('.rowbox .row');
    if (!(rowEl instanceof HTMLElement) || rowEl.dataset.slot === undefined) return undefined;
    const view = this.rows[Number(rowEl.dataset.slot)];
    if (!view || view.row < 0) return undefined;
    const { bytesPerRow: bpr, size } = this.layout;
    const base = view.row * bpr;
    if (target?.closest('.off')) return { offset: base, column: 'offset' };
    const hexRect = view.hex.el.getBoundingClientRect();
    const txtRect = view.txt.el.getBoundingClientRect();
    const inText = e.clientX >= (hexRect.right + txtRect.left) / 2;
    let c: number;
    if (inText) {
      c = Math.floor(((e.clientX - txtRect.left) / txtRect.width) * bpr);
    } else {
      const i = Math.floor(((e.clientX - hexRect.left) / hexRect.width) * this.hexChars);
      c = i < 0 ? 0 : i >= this.hexChars ? bpr - 1 : this.charToByte[i];
    }
    c = Math.max(0, Math.min(bpr - 1, c));
    return { offset: Math.min(base + c, size - 1), column: inText ? 'text' : 'hex' };
  }

  private onMouseDown(e: MouseEvent): void {
    if (e.button !== 0 || (e.target instanceof Element && e.target.closest('button'))) return;
    const hit = this.hitTest(e);
    if (!hit) return;
    e.preventDefault(); // no native text selection; focus explicitly without scrolling
    this.element.focus({ preventScroll: true });
    if (hit.column === 'offset') {
      // The offset selects its row.
      const end = Math.min(hit.offset + this.layout.bytesPerRow, this.layout.size) - 1;
      this.select(e.shiftKey ? this.selection.anchor : hit.offset, e.shiftKey && this.selection.anchor > hit.offset ? hit.offset : end, 'none');
      return;
    }
    this.setColumn(hit.column);
    this.select(e.shiftKey ? this.selection.anchor : hit.offset, hit.offset, 'none');
    this.dragging = true;
  }

  private onDrag(e: MouseEvent): void {
    if (!this.dragging) return;
    if (!(e.buttons & 1)) {
      this.dragging = false;
      return;
    }
    const rect = this.clip.getBoundingClientRect();
    const bpr = this.layout.bytesPerRow;
    if (e.clientY < rect.top) {
      // Above or below the rows: extend a row at a time, scrolling.
      this.select(this.selection.anchor, this.selection.cursor - bpr >= 0 ? this.selection.cursor - bpr : 0);
      return;
    }
    if (e.clientY > rect.bottom) {
      this.select(this.selection.anchor, this.selection.cursor + bpr);
      return;
    }
    const hit = this.hitTest(e);
    if (hit && hit.column !== 'offset' && hit.offset !== this.selection.cursor) this.select(this.selection.anchor, hit.offset, 'none');
  }

  private onClick(e: MouseEvent): void {
    const button = e.target instanceof Element ? e.target.closest('button.nr-read') : null;
    if (!button) return;
    const row = button.closest('.row');
    const view = row instanceof HTMLElement ? this.rows[Number(row.dataset.slot)] : undefined;
    if (view && view.nrOffset >= 0) this.hooks.onReadPage(view.nrOffset);
  }

  // ---- rendering ---------------------------------------------------------------------------------

  queueRender(): void {
    if (!this.queued) this.queued = requestAnimationFrame(() => this.renderNow());
  }

  renderNow(): void {
    if (this.queued) cancelAnimationFrame(this.queued);
    this.queued = 0;
    const { size, bytesPerRow: bpr, digits, pageSize } = this.layout;
    const { row: first, shift } = this.map.firstRow(this.virtualTop);
    this.box.style.transform = `translateY(${-shift}px)`;
    const selStart = selectionStart(this.selection);
    const selEnd = selectionEnd(this.selection);
    const cursor = this.selection.cursor;
    const anyChanges = this.hooks.hasChanges();
    const now = performance.now();
    const total = this.totalRows;
    let activeRow: RowView | undefined;
    let prevNr = false;

    const n = this.rows.length;
    for (let k = 0; k < n; k++) {
      const r = first + k;
      const view = this.rows[r % n];
      if (r >= total) {
        view.el.classList.add('void');
        view.row = -1;
        show(view.button, false);
        continue;
      }
      const y = k * this.rowHeight;
      if (view.y !== y) {
        view.y = y;
        view.el.style.transform = `translateY(${y}px)`;
      }
      const base = r * bpr;
      if (view.row !== r) {
        if (view.row < 0) view.el.classList.remove('void');
        view.row = r;
        setText(view.offText, formatOffset(base, digits));
        view.el.setAttribute('aria-rowindex', String(r + 2));
        view.val.fill(-99);
      }

      // Bytes: repaint the text runs only if a value changed.
      let dirty = false;
      let nrOffset = -1;
      for (let c = 0; c < bpr; c++) {
        const o = base + c;
        const v = o >= size ? OUT : this.hooks.byteAt(o);
        if (v === NOT_RESIDENT && nrOffset < 0) nrOffset = o;
        if (view.val[c] !== v) {
          view.val[c] = v;
          dirty = true;
        }
      }
      if (dirty) this.paintRow(view);

      // Highlights: selection, search match, cursor, recent changes.
      const rowLast = Math.min(base + bpr, size) - 1;
      this.placeRange(view, 'sel', selStart, selEnd, base, rowLast);
      const m = this.match;
      this.placeRange(view, 'match', m ? m.offset : -1, m ? m.offset + m.length - 1 : -2, base, rowLast);
      this.placeRange(view, 'cur', cursor, cursor, base, rowLast);
      if (cursor >= base && cursor <= rowLast) activeRow = view;
      if (anyChanges || view.hex.changes.length > 0) this.placeChanges(view, base, rowLast, now);
      this.placeTints(view, base, rowLast);
      this.placeMarks(view, base, rowLast);

      // The read affordance: on the first row of each run of non-resident rows on screen, and on
      // rows where a new page starts.
      view.nrOffset = nrOffset;
      const isNr = nrOffset >= 0;
      const pageStart = isNr && Math.floor(base / pageSize) !== Math.floor((base - 1) / pageSize);
      const wantButton = isNr && (!prevNr || k === 0 || pageStart);
      if (wantButton) {
        const label = this.layout.gaps.readLabel(Math.floor(nrOffset / pageSize) * pageSize);
        if (view.button.getAttribute('aria-label') !== label) view.button.setAttribute('aria-label', label);
        view.button.tabIndex = 0;
      } else if (!view.button.hidden) view.button.tabIndex = -1;
      show(view.button, wantButton);
      prevNr = isNr;
    }

    // The focused byte for assistive technology: the cursor row's hex cell, labelled with the byte.
    const v = activeRow ? this.hooks.byteAt(cursor) : OUT;
    const key = activeRow ? `${activeRow.hex.el.id}:${cursor}:${v}` : '';
    if (key !== this.activeKey) {
      this.activeKey = key;
      for (const row of this.rows) if (row !== activeRow) row.hex.el.removeAttribute('aria-label');
      if (activeRow) {
        const value =
          v >= 0 ? `0x${this.hexTable[v]} (${v})` : v === NOT_RESIDENT ? this.layout.gaps.short : v === READ_FAILED ? 'could not be read' : 'not loaded';
        activeRow.hex.el.setAttribute('aria-label', l10n.t('Offset 0x{0}: {1}', formatOffset(cursor, digits), value));
        this.element.setAttribute('aria-activedescendant', activeRow.hex.el.id);
      } else this.element.removeAttribute('aria-activedescendant');
    }

    const last = this.map.lastRow(this.virtualTop);
    if (first !== this.lastFirst || last !== this.lastLast) {
      this.lastFirst = first;
      this.lastLast = last;
      if (total > 0) this.hooks.onVisibleRows(first, last);
    }
  }

  /** Rebuilds a row's text runs from view.val. */
  private paintRow(view: RowView): void {
    const bpr = this.layout.bytesPerRow;
    for (let c = 0; c < bpr; c++) {
      const v = view.val[c];
      const s = v === OUT ? S_OUT : v === NOT_RESIDENT ? S_NR : v === NOT_LOADED ? S_LD : v === READ_FAILED ? S_FAILED : v === 0 ? S_ZERO : S_NORMAL;
      this.hexStyle[c] = s;
      this.txtStyle[c] = s === S_NORMAL && !this.printable[v] ? S_NP : s;
    }
    const hexOf = (v: number) => (v >= 0 ? this.hexTable[v] : v === NOT_RESIDENT ? '··' : v === READ_FAILED ? '??' : v === OUT ? '' : '  ');
    const charOf = (v: number) => (v >= 0 ? this.charTable[v] : v === NOT_RESIDENT ? '·' : v === READ_FAILED ? '?' : v === OUT ? '' : ' ');
    this.paintRuns(view.hex, this.hexStyle, (c, v) => hexOf(v) + (v === OUT ? '' : this.gapAfter[c]), view.val);
    this.paintRuns(view.txt, this.txtStyle, (_c, v) => charOf(v), view.val);
  }

  private paintRuns(column: Column, styles: Uint8Array, piece: (c: number, v: number) => string, val: Int16Array): void {
    const bpr = this.layout.bytesPerRow;
    let used = 0;
    for (let c = 0; c < bpr;) {
      const style = styles[c];
      let content = '';
      let d = c;
      for (; d < bpr && styles[d] === style; d++) content += piece(d, val[d]);
      if (style !== S_OUT) {
        if (used === column.runs.length) {
          const t = text();
          const span = el('span', undefined, undefined, [t]);
          column.runs.push(span);
          column.runText.push(t);
          column.el.append(span);
        }
        const span = column.runs[used];
        if (span.className !== RUN_CLASS[style]) span.className = RUN_CLASS[style];
        setText(column.runText[used], content);
        used++;
      }
      c = d;
    }
    for (let i = used; i < column.used; i++) {
      setText(column.runText[i], '');
      column.runs[i].className = 'r';
    }
    column.used = used;
  }

  /** Shows box `kind` over bytes [from, to] ∩ [rowStart, rowLast] in both columns. */
  private placeRange(view: RowView, kind: 'sel' | 'match' | 'cur', from: number, to: number, rowStart: number, rowLast: number): void {
    const a = Math.max(from, rowStart);
    const b = Math.min(to, rowLast);
    if (a > b) {
      this.placeBox(view.hex[kind], -1, 0);
      this.placeBox(view.txt[kind], -1, 0);
      return;
    }
    const ca = a - rowStart;
    const cb = b - rowStart;
    this.placeBox(view.hex[kind], this.hexPos[ca], this.hexPos[cb] + 2 - this.hexPos[ca]);
    this.placeBox(view.txt[kind], ca, cb - ca + 1);
  }

  private placeBox(box: Box, left: number, width: number): void {
    const key = left < 0 ? '' : `${left}/${width}`;
    if (key === box.key) return;
    box.key = key;
    if (key === '') {
      box.el.hidden = true;
      return;
    }
    box.el.style.left = `${left}ch`;
    box.el.style.width = `${width}ch`;
    box.el.hidden = false;
  }

  /** Tints behind the bytes of C fields, one per run of bytes of the same field. */
  private placeTints(view: RowView, rowStart: number, rowLast: number): void {
    let used = 0;
    for (let o = rowStart; o <= rowLast;) {
      const field = this.hooks.fieldAt(o);
      if (field < 0) {
        o++;
        continue;
      }
      let end = o;
      while (end + 1 <= rowLast && this.hooks.fieldAt(end + 1) === field) end++;
      const ca = o - rowStart;
      const cb = end - rowStart;
      const kind = field % 2 === 0 ? 'fld-a' : 'fld-b';
      this.placeTint(view.hex, used, this.hexPos[ca], this.hexPos[cb] + 2 - this.hexPos[ca], kind);
      this.placeTint(view.txt, used, ca, cb - ca + 1, kind);
      used++;
      o = end + 1;
    }
    for (const column of [view.hex, view.txt]) {
      for (let i = used; i < column.tints.length; i++) this.placeBox(column.tints[i], -1, 0);
    }
  }

  /** Boxes behind runs of marked bytes (a recorded moment's changes, or two moments' differences). */
  private placeMarks(view: RowView, rowStart: number, rowLast: number): void {
    let used = 0;
    for (let o = rowStart; o <= rowLast; o++) {
      if (!this.hooks.markedAt(o)) continue;
      let end = o;
      while (end + 1 <= rowLast && this.hooks.markedAt(end + 1)) end++;
      const ca = o - rowStart;
      const cb = end - rowStart;
      this.placeMark(view.hex, used, this.hexPos[ca], this.hexPos[cb] + 2 - this.hexPos[ca]);
      this.placeMark(view.txt, used, ca, cb - ca + 1);
      used++;
      o = end;
    }
    for (const column of [view.hex, view.txt]) {
      for (let i = used; i < column.marks.length; i++) this.placeBox(column.marks[i], -1, 0);
    }
  }

  private placeMark(column: Column, i: number, left: number, width: number): void {
    if (i === column.marks.length) {
      const box: Box = { el: el('span', 'ov mark'), key: '' };
      box.el.hidden = true;
      column.cur.el.after(box.el); // above the selection and match boxes, below the text
      column.marks.push(box);
    }
    this.placeBox(column.marks[i], left, width);
  }

  private placeTint(column: Column, i: number, left: number, width: number, kind: string): void {
    if (i === column.tints.length) {
      const box: Box = { el: el('span', 'ov fld-a'), key: '' };
      box.el.hidden = true;
      column.el.prepend(box.el); // below the selection, match, cursor and change boxes
      column.tints.push(box);
    }
    const box = column.tints[i];
    const className = `ov ${kind}`;
    if (box.el.className !== className) box.el.className = className;
    this.placeBox(box, left, width);
  }

  /** Fading boxes behind bytes that changed recently, one per run of bytes changed together. */
  private placeChanges(view: RowView, rowStart: number, rowLast: number, now: number): void {
    let used = 0;
    for (let o = rowStart; o <= rowLast;) {
      const stamp = this.hooks.changedAt(o);
      if (stamp === undefined) {
        o++;
        continue;
      }
      let end = o;
      while (end + 1 <= rowLast && this.hooks.changedAt(end + 1) === stamp) end++;
      const ca = o - rowStart;
      const cb = end - rowStart;
      this.placeChange(view.hex, used, this.hexPos[ca], this.hexPos[cb] + 2 - this.hexPos[ca], stamp, now);
      this.placeChange(view.txt, used, ca, cb - ca + 1, stamp, now);
      used++;
      o = end + 1;
    }
    for (const column of [view.hex, view.txt]) {
      for (let i = used; i < column.changes.length; i++) {
        const box = column.changes[i];
        if (box.key !== '') {
          box.key = '';
          box.stamp = 0;
          box.el.hidden = true;
        }
      }
    }
  }

  private placeChange(column: Column, i: number, left: number, width: number, stamp: number, now: number): void {
    if (i === column.changes.length) {
      const box: ChangeBox = { el: el('span', 'ov chg-a'), key: '', stamp: 0, parity: 0 };
      box.el.hidden = true;
      column.changes.push(box);
      column.cur.el.after(box.el); // above the selection and match boxes, below the text
    }
    const box = column.changes[i];
    if (box.stamp !== stamp) {
      // Another change (or another byte's): flip the animation name, which restarts it, and start
      // it as far in as the change is old.
      box.stamp = stamp;
      box.parity ^= 1;
      box.el.className = box.parity ? 'ov chg-a' : 'ov chg-b';
      box.el.style.animationDelay = `${-Math.min(FADE_MS, Math.max(0, now - stamp)).toFixed(0)}ms`;
    }
    this.placeBox(box, left, width);
  }
}
