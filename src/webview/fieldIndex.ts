// Which C field a byte of the object belongs to, for the grid: a tint per field (alternating
// between neighbours) and the field's name under the pointer. The leaves (scalars, strings) of one
// element are indexed once, sorted by offset; a byte is found by binary search, every element of
// an array placement by its offset modulo the type's size. Pure: no DOM.
import { byteRange, placedCount, type CField } from '../shared/cLayout';
import type { CTypeView } from '../shared/contentsProtocol';

/** Leaves of one element indexed for tinting and hover; beyond, the grid shows no tint. */
const MAX_LEAVES = 200_000;

interface Leaf {
  start: number;
  end: number;
  path: string;
  type: string;
}

interface Hit {
  /** Which element of an array placement (0 for one object). */
  element: number;
  /** The leaf that covers the byte and starts last; `all` are every leaf that covers it (bit-fields share bytes). */
  index: number;
  all: number[];
}

export class FieldIndex {
  private readonly leaves: Leaf[] = [];
  /** reachEnd[i]: the furthest end of leaves 0..i (union members overlap: an early one may reach furthest). */
  private readonly reachEnd: number[];
  private readonly stride: number;

  /** `size`: the object's size now (an array of as many as fit follows it). */
  constructor(
    private readonly view: CTypeView | null,
    private readonly size: () => number,
  ) {
    this.stride = view?.layout.size ?? 0;
    if (view && !this.walk(view.layout.root, 0, '')) this.leaves = [];
    this.leaves.sort((a, b) => a.start - b.start || a.end - b.end);
    let reach = 0;
    this.reachEnd = this.leaves.map((leaf) => (reach = Math.max(reach, leaf.end)));
  }

  /** Which field a byte belongs to, as an alternating index for the grid's tints; -1 for none. */
  fieldAt(offset: number): number {
    const hit = this.leafAt(offset);
    return hit ? hit.element * this.leaves.length + hit.index : -1;
  }

  /** Names the field(s) a byte belongs to (bit-fields share bytes), for the grid's tooltip. */
  describe(offset: number): string | undefined {
    const hit = this.leafAt(offset);
    if (!hit || !this.view) return undefined;
    const { layout, placement } = this.view;
    const prefix = placement.count === 1 ? layout.name : `${layout.name}[${hit.element}]`;
    const names = [...hit.all].sort((a, b) => a - b).map((i) => this.leaves[i].path);
    const leaf = this.leaves[hit.index];
    return `${prefix}${names.map((n) => (n ? `.${n}` : '')).join(', ')} (${leaf.type})`;
  }

  /** Adds the leaves under `field`; false once there are too many (then none are kept). */
  private walk(field: CField, shift: number, path: string): boolean {
    if (this.leaves.length >= MAX_LEAVES) return false;
    if (field.kind === 'array' && field.element && !(field.element.char && field.element.size === 1)) {
      const count = field.count !== undefined && field.count >= 0 ? field.count : 0;
      for (let i = 0; i < count; i++) if (!this.walk(field.element, shift + i * field.element.size, `${path}[${i}]`)) return false;
      return true;
    }
    if (field.members) {
      for (const m of field.members) if (!this.walk(m, shift, m.anonymous ? path : path ? `${path}.${m.name}` : m.name)) return false;
      return true;
    }
    const range = byteRange(field, shift);
    if (range.length > 0) this.leaves.push({ start: range.offset, end: range.offset + range.length, path, type: field.type });
    return true;
  }

  /** Indexes of every leaf that covers `within` (bytes of one element), last first. */
  private covering(within: number): number[] {
    let low = 0;
    let high = this.leaves.length - 1;
    let last = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.leaves[mid].start <= within) {
        last = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    const found: number[] = [];
    for (let i = last; i >= 0 && this.reachEnd[i] > within; i--) if (this.leaves[i].end > within) found.push(i);
    return found;
  }

  private leafAt(offset: number): Hit | undefined {
    if (!this.view || this.leaves.length === 0 || this.stride <= 0) return undefined;
    const { placement } = this.view;
    const rel = offset - placement.offset;
    if (rel < 0) return undefined;
    const element = Math.floor(rel / this.stride);
    const count = placedCount(placement, this.stride, this.size());
    if (element >= count) return undefined;
    const within = rel - element * this.stride;
    const found = this.covering(within);
    return found.length > 0 ? { element, index: found[0], all: found } : undefined;
  }
}
