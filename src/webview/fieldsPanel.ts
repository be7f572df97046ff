// The fields panel: the bytes seen as a C type (View as C Type…). A tree of name, type, offset, size
// and value; structs, unions and arrays expand; an array of structs is a table (one row per element,
// one column per member); padding shows as its own rows. Rows are virtual (only those on screen are
// in the DOM) so an array of a million elements scrolls like ten. Values are decoded here from the
// page's byte cache, so a live refresh costs the extension nothing beyond reading the bytes; a value
// that changed is highlighted like changed bytes. The rows come from fieldRows.ts (the type
// flattened, pure); the grid's fieldAt()/describe() (each field's tint, the field under the
// pointer) are answered by fieldIndex.ts. This module draws, handles keys and clicks, and copies.
import { byteRange, CField, CLayout, hasChildren } from '../shared/cLayout';
import { cInitializer, valueOf, type ByteAt } from '../shared/cValues';
import type { CTypeView, FromWebview } from '../shared/contentsProtocol';
import { FADE_MS } from './changeStamps';
import { el, show } from './dom';
import { FieldIndex } from './fieldIndex';
import { buildRows, rootField, type Row, summaryText } from './fieldRows';
import * as l10n from '../shared/l10n';

const ROW_HEIGHT = 22;
/** Bytes the live refresh re-reads for the panel at most (the protocol's bound on one read). */
const MAX_WINDOW = 1024 * 1024;
/** Largest object Copy as C writes out: the bytes of one fields window, all of them read. */
const MAX_INITIALIZER_BYTES = MAX_WINDOW;

export interface FieldsHooks {
  byteAt: ByteAt;
  size(): number;
  /** Selects [offset, offset + length) in the grid and brings it into view. */
  select(offset: number, length: number): void;
  /** The bytes the rows on screen show: read them now, and re-read them live. */
  onWindow(offset: number, length: number): void;
  post(message: FromWebview): void;
  /** The panel's rows changed (the grid repaints its tints). */
  onLayoutChange(): void;
  /** A message for the status line. */
  status(text: string, error: boolean): void;
}

export class FieldsPanel {
  readonly element: HTMLElement;
  private readonly title = el('h2', undefined, undefined, [l10n.t('C type')]);
  private readonly summary = el('p', 'fields-summary');
  private readonly list: HTMLDivElement;
  private readonly spacer = el('div', 'fields-spacer');
  private readonly box = el('div', 'fields-rows', { role: 'presentation' });
  private readonly problem = el('p', 'fields-problem', { role: 'alert' });
  private view: CTypeView | null = null;
  private root: CField | undefined;
  private rows: Row[] = [];
  private readonly expanded = new Set<string>();
  private focused = 0;
  private readonly lastText = new Map<string, { text: string; changedAt: number }>();
  private index = new FieldIndex(null, () => 0);
  private lastWindow = '';
  private renderQueued = false;

  constructor(private readonly hooks: FieldsHooks) {
    const button = (label: string, title: string, action: () => void) => {
      const b = el('button', 'seg-btn', { type: 'button', title }, [label]);
      b.addEventListener('click', action);
      return b;
    };
    this.list = el('div', 'fields-list', { role: 'tree', tabindex: 0, 'aria-label': l10n.t('Fields') }, [this.spacer, this.box]);
    this.element = el('aside', 'fields', { id: 'fields', 'aria-label': l10n.t('C type fields') }, [
      this.title,
      el('div', 'fields-actions', { role: 'toolbar', 'aria-label': l10n.t('C type') }, [
        button('Change type…', 'View as another C type (View as C Type…)', () => this.hooks.post({ type: 'chooseType' })),
        button('Copy value', 'Copy the value of the focused field (Ctrl+C)', () => this.copyValue()),
        button('Copy as C', 'Copy the focused element (or the whole object) as a C initializer', () => this.copyInitializer()),
        button('Clear', 'Stop showing the bytes as a C type', () => this.hooks.post({ type: 'clearType' })),
      ]),
      this.summary,
      this.problem,
      this.list,
    ]);
    show(this.problem, false);
    this.list.addEventListener('scroll', () => this.queueRender(), { passive: true });
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    this.box.addEventListener('click', (e) => this.onClick(e));
    show(this.element, false);
  }

  /** Whether a type is shown. */
  get shown(): boolean {
    return this.view !== null;
  }

  /** Whether the panel is on screen (a type, or a problem to tell). */
  get visible(): boolean {
    return !this.element.hidden;
  }

  /** The type to show (null: none; the panel hides unless there is a problem to tell). */
  setView(view: CTypeView | null, problem?: string): void {
    // The same type at the same place (a reload, a remembered choice): keep what is open and focused.
    const sameType =
      view &&
      this.view &&
      view.layout.name === this.view.layout.name &&
      view.layout.size === this.view.layout.size &&
      view.placement.offset === this.view.placement.offset &&
      view.placement.count === this.view.placement.count;
    this.view = view;
    this.lastWindow = ''; // the extension forgot the fields window when the type was cleared or changed
    this.problem.textContent = problem ?? '';
    show(this.problem, !!problem);
    show(this.element, view !== null || !!problem);
    show(this.list, view !== null);
    if (!sameType) {
      this.expanded.clear();
      this.lastText.clear();
      this.focused = 0;
    }
    this.root = view ? rootField(view) : undefined;
    if (this.root) {
      this.expanded.add(this.root.name);
      if (view!.placement.count === 1 && this.root.members) {
        for (const m of this.root.members) if (m.kind !== 'array') this.expanded.add(`${this.root.name}.${m.name}`);
      }
    }
    this.index = new FieldIndex(view, () => this.end);
    this.rebuild();
    this.hooks.onLayoutChange();
  }

  /** Values may have changed (new bytes arrived): redraw the rows on screen. */
  refresh(): void {
    this.queueRender();
  }

  /** The object grew or shrank: "as many as fit" and flexible arrays count again (what is open stays open). */
  resized(): void {
    if (!this.view) return;
    this.lastWindow = '';
    this.rebuild();
    this.hooks.onLayoutChange();
  }

  /** Which field a byte belongs to, as an alternating index for the grid's tints; -1 for none. */
  fieldAt(offset: number): number {
    return this.index.fieldAt(offset);
  }

  /** Names the field(s) a byte belongs to (bit-fields share bytes), for the grid's tooltip. */
  describe(offset: number): string | undefined {
    return this.index.describe(offset);
  }

  // ---- model ---------------------------------------------------------------------------------------

  private get end(): number {
    return this.hooks.size();
  }

  private rebuild(): void {
    this.rows = this.root && this.view ? buildRows(this.root, this.view.placement.offset, this.expanded, this.end) : [];
    this.focused = Math.min(this.focused, Math.max(0, this.rows.length - 1));
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    this.summary.textContent = this.view ? summaryText(this.view, this.end) : '';
    this.renderNow();
  }

  // ---- drawing -------------------------------------------------------------------------------------

  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderNow();
    });
  }

  private renderNow(): void {
    if (!this.view) {
      this.box.replaceChildren();
      return;
    }
    const top = this.list.scrollTop;
    const height = this.list.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 2);
    const last = Math.min(this.rows.length - 1, Math.ceil((top + height) / ROW_HEIGHT) + 2);
    const now = performance.now();
    const children: HTMLElement[] = [];
    let windowStart = Number.MAX_SAFE_INTEGER;
    let windowEnd = 0;
    for (let i = first; i <= last; i++) {
      const row = this.rows[i];
      children.push(this.renderRow(row, i, now));
      const range = row.padding ?? this.rangeOf(row);
      windowStart = Math.min(windowStart, range.offset);
      windowEnd = Math.max(windowEnd, range.offset + range.length);
    }
    this.box.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.box.replaceChildren(...children);
    const focusedRow = this.rows[this.focused];
    if (focusedRow) this.list.setAttribute('aria-activedescendant', `field-${this.focused}`);
    this.postWindow(windowStart, windowEnd);
  }

  private rangeOf(row: Row): { offset: number; length: number } {
    if (row.kind === 'table-row') return { offset: row.shift + row.field.offset, length: row.field.size };
    if (row.kind === 'table-head' || row.kind === 'more') return { offset: row.shift + row.field.offset, length: 0 };
    if (row.field.kind === 'array' && row.field.count === -1) {
      return { offset: row.shift + row.field.offset, length: Math.min(MAX_WINDOW, Math.max(0, this.end - row.shift - row.field.offset)) };
    }
    return byteRange(row.field, row.shift);
  }

  private postWindow(start: number, end: number): void {
    const size = this.end;
    if (start >= size || end <= start) return;
    const offset = start;
    const length = Math.min(end, size) - offset;
    const clipped = Math.min(length, MAX_WINDOW);
    const key = `${offset}:${clipped}`;
    if (key === this.lastWindow) return;
    this.lastWindow = key;
    this.hooks.onWindow(offset, clipped);
  }

  /** The value text of a field, with its change noted (the highlight restarts on each change). */
  private valueCell(path: string, field: CField, shift: number, now: number): HTMLElement {
    const value = valueOf(this.view!.layout, field, shift, this.hooks.byteAt, this.end);
    const cell = el('span', `fv-value ${value.state}`, undefined, [value.text]);
    if (value.state === 'ok') {
      const before = this.lastText.get(path);
      if (!before) this.lastText.set(path, { text: value.text, changedAt: 0 });
      else if (before.text !== value.text) this.lastText.set(path, { text: value.text, changedAt: now });
      const changedAt = this.lastText.get(path)!.changedAt;
      if (changedAt > 0 && now - changedAt < FADE_MS) {
        cell.classList.add('changed');
        cell.style.animationDelay = `${-(now - changedAt).toFixed(0)}ms`;
      }
    }
    return cell;
  }

  private renderRow(row: Row, index: number, now: number): HTMLElement {
    const element = el('div', `fields-row ${row.kind}${index === this.focused ? ' focused' : ''}`, {
      id: `field-${index}`,
      role: 'treeitem',
      'aria-level': row.depth + 1,
      'data-index': index,
    });
    element.style.paddingLeft = `${4 + row.depth * 14}px`;
    const offsetText = (o: number) => `0x${o.toString(16)}`;
    if (row.kind === 'table-head') {
      element.setAttribute('role', 'row');
      element.append(
        el('span', 'fv-index', undefined, ['#']),
        ...row.columns!.map((c) => el('span', 'fv-cell head', { title: l10n.t('{0}, offset {1}', c.type, c.offset) }, [c.name])),
      );
      return element;
    }
    if (row.kind === 'table-row') {
      element.append(el('span', 'fv-index', undefined, [row.name]));
      for (const column of row.columns!) {
        const cell = this.valueCell(`${row.path}.${column.name}`, column, row.shift, now);
        cell.classList.add('fv-cell');
        cell.dataset.column = column.name;
        cell.title = `${row.path}.${column.name} (${column.type})`;
        element.append(cell);
      }
      return element;
    }
    if (row.kind === 'more') {
      element.append(el('span', 'fv-name muted', undefined, [l10n.t('… {0} more elements (Go to an offset to see them in the grid)', row.more ?? 0)]));
      return element;
    }
    if (row.kind === 'padding') {
      element.append(
        el('span', 'fv-name muted', undefined, [row.name]),
        el('span', 'fv-value muted', undefined, ['']),
        el('span', 'fv-type muted', undefined, ['']),
        el('span', 'fv-off muted', undefined, [offsetText(row.padding!.offset)]),
        el('span', 'fv-size muted', undefined, [String(row.padding!.length)]),
      );
      return element;
    }
    const field = row.field;
    const expandable = hasChildren(field);
    if (expandable) element.setAttribute('aria-expanded', String(this.expanded.has(row.path)));
    const twisty = el('span', `fv-twisty${expandable ? (this.expanded.has(row.path) ? ' open' : ' closed') : ''}`, { 'aria-hidden': 'true' });
    const range = byteRange(field, row.shift);
    const bits = field.bits ? ` bits ${field.bits.first % 8}..${(field.bits.first % 8) + field.bits.width - 1}` : '';
    const sizeText = field.bits
      ? `${field.bits.width} bit${field.bits.width === 1 ? '' : 's'}`
      : field.kind === 'array' && field.count === -1
        ? field.asManyAsFit
          ? 'as many as fit'
          : 'flexible'
        : String(field.size);
    // A scalar stored in the other byte order (scalar_storage_order) says so beside its type.
    const typeText =
      field.byteOrder === 'big'
        ? l10n.t('{0} (stored big-endian)', field.type)
        : field.byteOrder === 'little'
          ? l10n.t('{0} (stored little-endian)', field.type)
          : field.type;
    const type = field.kind === 'pointer' ? `${field.type} (an address in the process)` : typeText;
    // Name and value first: the columns a narrow panel keeps.
    element.append(
      el('span', 'fv-name', undefined, [twisty, row.name]),
      this.valueCell(row.path, field, row.shift, now),
      el('span', 'fv-type', { title: type }, [typeText]),
      el('span', 'fv-off', { title: l10n.t('offset {0}{1}', range.offset, bits) }, [offsetText(range.offset) + bits]),
      el('span', 'fv-size', undefined, [sizeText]),
    );
    return element;
  }

  // ---- interaction ---------------------------------------------------------------------------------

  private onClick(e: MouseEvent): void {
    const target = e.target instanceof Element ? e.target : null;
    const rowEl = target?.closest('.fields-row');
    if (!(rowEl instanceof HTMLElement)) return;
    const index = Number(rowEl.dataset.index);
    const row = this.rows[index];
    if (!row) return;
    this.focused = index;
    const cell = target?.closest('.fv-cell');
    if (row.kind === 'table-row' && cell instanceof HTMLElement && cell.dataset.column) {
      const column = row.columns!.find((c) => c.name === cell.dataset.column);
      if (column) this.selectRange(byteRange(column, row.shift));
    } else if (target?.closest('.fv-twisty') && hasChildren(row.field) && row.kind === 'field') {
      this.toggle(row);
      return;
    } else {
      this.selectRow(row);
    }
    this.list.focus();
    this.renderNow();
  }

  private selectRow(row: Row): void {
    this.selectRange(row.padding ?? this.rangeOf(row));
  }

  private selectRange(range: { offset: number; length: number }): void {
    const length = Math.min(range.length, Math.max(0, this.end - range.offset));
    if (range.offset < this.end && length > 0) this.hooks.select(range.offset, length);
  }

  private toggle(row: Row): void {
    if (this.expanded.has(row.path)) this.expanded.delete(row.path);
    else this.expanded.add(row.path);
    this.rebuild();
  }

  private onKey(e: KeyboardEvent): void {
    const row = this.rows[this.focused];
    const page = Math.max(1, Math.floor(this.list.clientHeight / ROW_HEIGHT) - 1);
    const move = (to: number) => {
      this.focused = Math.max(0, Math.min(this.rows.length - 1, to));
      const top = this.focused * ROW_HEIGHT;
      if (top < this.list.scrollTop) this.list.scrollTop = top;
      else if (top + ROW_HEIGHT > this.list.scrollTop + this.list.clientHeight) this.list.scrollTop = top + ROW_HEIGHT - this.list.clientHeight;
      this.renderNow();
    };
    switch (e.key) {
      case 'ArrowDown':
        move(this.focused + 1);
        break;
      case 'ArrowUp':
        move(this.focused - 1);
        break;
      case 'PageDown':
        move(this.focused + page);
        break;
      case 'PageUp':
        move(this.focused - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(this.rows.length - 1);
        break;
      case 'ArrowRight':
        if (row && row.kind === 'field' && hasChildren(row.field) && !this.expanded.has(row.path)) this.toggle(row);
        else move(this.focused + 1);
        break;
      case 'ArrowLeft':
        if (row && row.kind === 'field' && this.expanded.has(row.path)) this.toggle(row);
        else if (row) {
          move(
            this.rows
              .slice(0, this.focused)
              .map((r) => r.depth)
              .lastIndexOf(row.depth - 1),
          );
        }
        break;
      case 'Enter':
      case ' ':
        if (row) this.selectRow(row);
        break;
      case 'c':
        if (!(e.ctrlKey || e.metaKey)) return;
        this.copyValue();
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  private copyValue(): void {
    const row = this.rows[this.focused];
    if (!row || !this.view || row.kind !== 'field') return;
    const text = valueOf(this.view.layout, row.field, row.shift, this.hooks.byteAt, this.end).text;
    this.hooks.post({ type: 'copyText', text, what: `the value of ${row.path}` });
  }

  private copyInitializer(): void {
    if (!this.view || !this.root) return;
    const row = this.rows[this.focused];
    const layout: CLayout = this.view.layout;
    // The element the focused row is in (for an array placement), else the whole object.
    const shift =
      row && this.view.placement.count !== 1
        ? this.view.placement.offset + Math.floor((row.shift - this.view.placement.offset) / Math.max(1, layout.size)) * layout.size
        : this.view.placement.offset;
    if (layout.size > MAX_INITIALIZER_BYTES) {
      this.hooks.status(
        `${layout.name} is ${layout.size} bytes: too large to copy as a C initializer (up to ${MAX_INITIALIZER_BYTES}). Copy the bytes from the grid instead.`,
        true,
      );
      return;
    }
    const known = (o: number) => this.hooks.byteAt(o) >= 0;
    for (let o = shift; o < Math.min(this.end, shift + layout.size); o++) {
      if (!known(o)) {
        this.hooks.status(`Not all of ${layout.name} is read yet (offset 0x${o.toString(16)}): scroll the fields into view, then copy again.`, true);
        return;
      }
    }
    const text = cInitializer(layout, layout.root, shift, this.hooks.byteAt, this.end);
    this.hooks.post({ type: 'copyText', text, what: `${layout.name} as a C initializer` });
  }
}
