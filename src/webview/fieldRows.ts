// The fields panel's rows: a C type laid over the bytes, flattened into the rows a tree shows
// (what is expanded is open), with padding as rows of its own and an array of structs as a table
// (a head row, then one row per element). Pure: no DOM; the panel draws only the rows on screen.
import { byteRange, type CField, elementCount, hasChildren } from '../shared/cLayout';
import type { CTypeView } from '../shared/contentsProtocol';

/** Elements of one array listed before a "… more" row (the rest is reachable with Go to). */
const MAX_ELEMENTS = 100_000;

export type RowKind = 'field' | 'padding' | 'table-head' | 'table-row' | 'more';

export interface Row {
  kind: RowKind;
  depth: number;
  field: CField;
  /** Bytes added to the field's offsets (the placement, and array elements on the way). */
  shift: number;
  /** `sensors[2].name`: the key of its expansion and change state, and what copy names. */
  path: string;
  name: string;
  padding?: { offset: number; length: number };
  /** Table rows: the element's members, one per column. */
  columns?: CField[];
  more?: number;
}

/** The tree's root: the type itself, or an array of it (placed N times, or as many as fit). */
export function rootField(view: CTypeView): CField {
  const { layout, placement } = view;
  if (placement.count === 1) return { ...layout.root, name: layout.name, type: layout.name };
  return {
    name: `${layout.name}[${placement.count < 0 ? '' : placement.count}]`,
    type: `${layout.name}[]`,
    kind: 'array',
    offset: 0,
    size: layout.size * Math.max(0, placement.count),
    align: layout.align,
    element: layout.root,
    count: placement.count,
    asManyAsFit: placement.count < 0,
  };
}

/** What the summary line says: the type, where, how many, its size and alignment, where it is declared. */
export function summaryText(view: CTypeView, end: number): string {
  const { layout, placement } = view;
  const count = placement.count < 0 ? Math.max(0, Math.floor((end - placement.offset) / Math.max(1, layout.size))) : placement.count;
  const at = `at 0x${placement.offset.toString(16)}`;
  const where = `${layout.file.split('/').pop()}:${layout.line}`;
  const what = placement.count === 1 ? `${layout.name} ${at}` : `${count} × ${layout.name} ${at}${placement.count < 0 ? ' (as many as fit)' : ''}`;
  const size = placement.count === 1 ? `${layout.size} bytes` : `${layout.size} bytes each`;
  return `${what}, ${size}, aligned to ${layout.align}, from ${where}`;
}

/** The rows of `root` placed at `offset` in an object of `end` bytes, with the paths in `expanded` open. */
export function buildRows(root: CField, offset: number, expanded: ReadonlySet<string>, end: number): Row[] {
  const rows: Row[] = [];
  addRows(rows, root, offset, 0, root.name, root.name, expanded, end);
  return rows;
}

function addRows(rows: Row[], field: CField, shift: number, depth: number, path: string, name: string, expanded: ReadonlySet<string>, end: number): void {
  rows.push({ kind: 'field', depth, field, shift, path, name });
  if (!hasChildren(field) || !expanded.has(path)) return;
  if (field.kind === 'array' && field.element) {
    const count = elementCount(field, shift, end);
    const stride = field.element.size;
    const tabular = field.element.kind === 'struct' || field.element.kind === 'union';
    if (tabular) {
      rows.push({
        kind: 'table-head',
        depth: depth + 1,
        field: field.element,
        shift,
        path: `${path}#head`,
        name: '',
        columns: columnsOf(field.element),
      });
    }
    const shown = Math.min(count, MAX_ELEMENTS);
    for (let i = 0; i < shown; i++) {
      const at = shift + i * stride;
      const elementPath = `${path}[${i}]`;
      if (tabular) {
        rows.push({
          kind: 'table-row',
          depth: depth + 1,
          field: field.element,
          shift: at,
          path: elementPath,
          name: `[${i}]`,
          columns: columnsOf(field.element),
        });
      } else addRows(rows, field.element, at, depth + 1, elementPath, `[${i}]`, expanded, end);
    }
    if (count > shown) rows.push({ kind: 'more', depth: depth + 1, field, shift, path: `${path}#more`, name: '', more: count - shown });
    return;
  }
  let reached = shift + field.offset;
  (field.members ?? []).forEach((member, index) => {
    const range = byteRange(member, shift);
    if (field.kind === 'struct' && range.offset > reached) {
      rows.push({
        kind: 'padding',
        depth: depth + 1,
        field: member,
        shift,
        path: `${path}#pad${reached}`,
        name: '(padding)',
        padding: { offset: reached, length: range.offset - reached },
      });
    }
    // An anonymous member is keyed by its place among its siblings: two of them may share an offset (in a union).
    addRows(rows, member, shift, depth + 1, member.anonymous ? `${path}.#${index}` : `${path}.${member.name}`, member.name, expanded, end);
    reached = Math.max(reached, range.offset + range.length);
  });
  const fieldEnd = shift + field.offset + field.size;
  if (field.kind === 'struct' && !field.anonymous && fieldEnd > reached) {
    rows.push({
      kind: 'padding',
      depth: depth + 1,
      field,
      shift,
      path: `${path}#pad${reached}`,
      name: '(padding)',
      padding: { offset: reached, length: fieldEnd - reached },
    });
  }
}

/** The table's columns: the element's members, anonymous ones' members in their place. */
function columnsOf(element: CField): CField[] {
  return (element.members ?? []).flatMap((m) => (m.anonymous ? columnsOf(m) : [m]));
}
