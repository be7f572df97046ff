// The numeric fields of a C type laid over a recording, and what each did over time: how often it
// changed, its smallest and largest value, when it last changed, its values for a plot. Values are
// decoded by the C type engine's own readers (src/shared/cValues.ts), so a field reads here exactly
// as the fields panel shows it.
import * as l10n from '../../shared/l10n';
import { byteRange, elementCount, type CField, type CLayout, type CPlacement } from '../../shared/cLayout';
import { integerOf, valueOf } from '../../shared/cValues';
import type { ByteRange } from './ranges';

/** A scalar field at its place in the recording. */
export interface NumericField {
  /** As a user writes it: `ring.head`, `sensors[2].value`, `[1].count` for the second placed copy. */
  path: string;
  field: CField;
  /** Array elements' and placement's shift of `field`'s offsets. */
  shift: number;
  /** The bytes its value is read from. */
  offset: number;
  length: number;
}

/** Integers are exact (bigint); floating values are numbers. */
export type FieldValue = bigint | number;

const NUMERIC = new Set(['int', 'bool', 'enum', 'float', 'pointer']);
/** At most this many fields are listed (an array of a million ints is not a million plots). */
export const MAX_FIELDS = 10_000;

/**
 * The scalar fields of `layout` placed at `placement` in an object of `end` bytes, in offset order.
 * Arrays are expanded (flexible ones as far as the object goes), at most `max` fields.
 */
export function numericFields(layout: CLayout, placement: CPlacement = { offset: 0, count: 1 }, end = Infinity, max = MAX_FIELDS): NumericField[] {
  const out: NumericField[] = [];
  // Fields visited, numeric or not: a huge array of opaque members must not take forever either.
  let visits = 0;
  const walk = (field: CField, shift: number, path: string): void => {
    if (out.length >= max || ++visits > 50 * max) return;
    if (field.kind === 'struct' || field.kind === 'union') {
      for (const member of field.members ?? []) walk(member, shift, member.anonymous ? path : path ? `${path}.${member.name}` : member.name);
      return;
    }
    if (field.kind === 'array' && field.element) {
      const count = elementCount(field, shift, end);
      for (let i = 0; i < count && out.length < max; i++) {
        const at = shift + i * field.element.size;
        if (at + field.offset >= end) break;
        walk(field.element, at, `${path}[${i}]`);
      }
      return;
    }
    if (!NUMERIC.has(field.kind) || field.complex || field.decimal) return;
    const range = byteRange(field, shift);
    if (range.offset + range.length > end) return;
    out.push({ path, field, shift, offset: range.offset, length: range.length });
  };
  for (let copy = 0; copy < placement.count; copy++) {
    const shift = placement.offset + copy * layout.size;
    walk(layout.root, shift, placement.count > 1 ? `[${copy}]` : '');
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** A field's value in `bytes`, or undefined when its format is not read as a number. */
export function fieldValue(layout: CLayout, field: NumericField, bytes: Uint8Array): FieldValue | undefined {
  const byteAt = (offset: number) => (offset < bytes.length ? bytes[offset] : -1);
  if (field.field.kind === 'float') {
    const text = valueOf(layout, field.field, field.shift, byteAt, bytes.length).text;
    const value = Number(text);
    return Number.isNaN(value) && text !== 'NaN' ? undefined : value;
  }
  return integerOf(field.field, field.shift, byteAt);
}

/** A value as text, exactly (CSV, tooltips). */
export function valueText(value: FieldValue | undefined): string {
  return value === undefined ? '' : String(value);
}

export interface FieldStats {
  path: string;
  /** Samples at which its value differed from the sample before. */
  changes: number;
  min?: FieldValue;
  max?: FieldValue;
  last?: FieldValue;
  lastChangeTime?: number;
  lastChangeIndex?: number;
}

/**
 * Keeps each field's statistics as samples arrive: only the fields a sample's changed ranges touch
 * are decoded again.
 */
export class FieldTracker {
  private readonly stats: FieldStats[];
  /** The longest field, so a range's fields are found by a search on offsets. */
  private readonly longest: number;
  private seen = false;

  constructor(
    private readonly layout: CLayout,
    readonly fields: readonly NumericField[],
  ) {
    this.stats = fields.map((f) => ({ path: f.path, changes: 0 }));
    this.longest = fields.reduce((most, f) => Math.max(most, f.length), 0);
  }

  /** Takes sample `index` (its bytes and the ranges that changed since the one before). */
  observe(index: number, time: number, bytes: Uint8Array, changed: readonly ByteRange[]): void {
    if (!this.seen) {
      this.seen = true;
      this.fields.forEach((_, i) => this.update(i, index, time, bytes, true));
      return;
    }
    const done = new Set<number>();
    for (const range of changed) {
      for (let i = this.firstAtOrAfter(range.offset - this.longest + 1); i < this.fields.length; i++) {
        const field = this.fields[i];
        if (field.offset >= range.offset + range.length) break;
        if (field.offset + field.length <= range.offset || done.has(i)) continue;
        done.add(i);
        this.update(i, index, time, bytes, false);
      }
    }
  }

  /** The statistics, one per field, in the fields' order. */
  statistics(): FieldStats[] {
    return this.stats.map((s) => ({ ...s }));
  }

  private firstAtOrAfter(offset: number): number {
    let low = 0;
    let high = this.fields.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.fields[mid].offset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private update(i: number, index: number, time: number, bytes: Uint8Array, first: boolean): void {
    const value = fieldValue(this.layout, this.fields[i], bytes);
    const stats = this.stats[i];
    if (value === undefined) return;
    if (!first && stats.last !== undefined && !same(value, stats.last)) {
      stats.changes++;
      stats.lastChangeTime = time;
      stats.lastChangeIndex = index;
    }
    stats.last = value;
    if (stats.min === undefined || value < stats.min) stats.min = value;
    if (stats.max === undefined || value > stats.max) stats.max = value;
  }
}

/** Equal values (NaN equals NaN: a float stuck at NaN does not change). */
function same(a: FieldValue, b: FieldValue): boolean {
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

/** Finds fields by path; an unknown path throws with the nearest names. */
export function fieldsByPath(fields: readonly NumericField[], paths: readonly string[]): NumericField[] {
  const byPath = new Map(fields.map((f) => [f.path, f]));
  return paths.map((path) => {
    const field = byPath.get(path);
    if (!field) throw new RangeError(l10n.t('no numeric field {0}', path));
    return field;
  });
}

/** A numeric field whose value differs between two images of the same object, with both values as text. */
export interface FieldDifference {
  path: string;
  a: string;
  b: string;
}

/** The numeric fields of `layout` at `placement` whose values differ between `before` and `after` (at most MAX_FIELDS looked at). */
export function fieldDifferences(layout: CLayout, placement: CPlacement, before: Uint8Array, after: Uint8Array): FieldDifference[] {
  const text = (v: FieldValue | undefined) => (v === undefined ? '?' : valueText(v));
  const out: FieldDifference[] = [];
  for (const field of numericFields(layout, placement, Math.min(before.length, after.length))) {
    const a = text(fieldValue(layout, field, before));
    const b = text(fieldValue(layout, field, after));
    if (a !== b) out.push({ path: field.path, a, b });
  }
  return out;
}
