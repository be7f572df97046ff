// Maps the native scrollbar to row positions. Pure arithmetic, no DOM.
//
// The grid keeps its own position, `virtualTop`: the distance in CSS pixels from the top of the
// (imaginary) full-height table of rows to the top of the rows area. The scroller only holds a
// spacer. While the full table fits under MAX_SCROLL_PX the spacer is its true height and
// scrollTop === virtualTop. Beyond that (a 1 GiB segment at 16 bytes/row and 20 px/row is
// 1.34e9 px, but Chromium caps layout heights near 33.5e6 px) the spacer is clamped and the
// scrollbar maps proportionally: scrollTop / maxScrollTop === virtualTop / maxVirtualTop. Both ends
// are exact: scrollTop 0 is row 0 at the top and maxScrollTop puts the last row's bottom edge on
// the rows area's bottom edge. Wheel and keys move virtualTop in real pixels (the grid handles the
// wheel itself when scaled), so fine scrolling stays fine; the scrollbar thumb is the coarse jump.

/** Largest spacer height used: well under every engine's limit (Chromium ~33.5M px, Firefox ~17.8M). */
export const MAX_SCROLL_PX = 10_000_000;

export interface ScrollGeometry {
  /** Height of one row in CSS px (an integer, so rows never drift by sub-pixels). */
  rowHeight: number;
  totalRows: number;
  /** Height available to rows (the scroller's client height minus the column header). */
  areaHeight: number;
  /** The scroller's client height (the sticky canvas is this tall). */
  clientHeight: number;
}

export class ScrollMap {
  readonly maxVirtualTop: number;
  readonly scaled: boolean;
  /** Height of the spacer under the sticky canvas, which is also the largest scrollTop. */
  readonly maxScrollTop: number;

  constructor(
    readonly geometry: ScrollGeometry,
    readonly limit = MAX_SCROLL_PX,
  ) {
    const { rowHeight, totalRows, areaHeight, clientHeight } = geometry;
    this.maxVirtualTop = Math.max(0, totalRows * rowHeight - Math.max(0, areaHeight));
    this.scaled = this.maxVirtualTop + clientHeight > limit;
    this.maxScrollTop = this.scaled ? Math.max(1, limit - clientHeight) : this.maxVirtualTop;
  }

  clampVirtual(v: number): number {
    if (!(v > 0)) return 0; // also NaN
    return v > this.maxVirtualTop ? this.maxVirtualTop : v;
  }

  /** virtualTop for a scrollTop the browser reports (scrollbar drag, native scrolling). */
  virtualFromScroll(scrollTop: number): number {
    if (scrollTop <= 0) return 0;
    // The browser may report the end as maxScrollTop minus a fraction of a device pixel.
    if (scrollTop >= this.maxScrollTop - 1) return this.maxVirtualTop;
    if (!this.scaled) return this.clampVirtual(scrollTop);
    return this.clampVirtual((scrollTop / this.maxScrollTop) * this.maxVirtualTop);
  }

  /** The scrollTop to set so the thumb shows virtualTop. */
  scrollFromVirtual(virtualTop: number): number {
    const v = this.clampVirtual(virtualTop);
    if (!this.scaled) return v;
    if (v >= this.maxVirtualTop) return this.maxScrollTop;
    return Math.round((v / this.maxVirtualTop) * this.maxScrollTop);
  }

  /** First row (partly) visible at virtualTop, and how many px of it are above the rows area. */
  firstRow(virtualTop: number): { row: number; shift: number } {
    const v = this.clampVirtual(virtualTop);
    const row = Math.floor(v / this.geometry.rowHeight);
    return { row, shift: v - row * this.geometry.rowHeight };
  }

  /** Last row (partly) visible at virtualTop. */
  lastRow(virtualTop: number): number {
    const { rowHeight, totalRows, areaHeight } = this.geometry;
    const v = this.clampVirtual(virtualTop);
    const bottom = v + Math.max(areaHeight, 1);
    return Math.max(0, Math.min(totalRows - 1, Math.ceil(bottom / rowHeight) - 1));
  }

  /** Rows entirely visible (at least 1): the PageUp/PageDown step. */
  get fullRows(): number {
    return Math.max(1, Math.floor(this.geometry.areaHeight / this.geometry.rowHeight));
  }

  /** The smallest move of virtualTop that brings `row` fully into view. */
  revealRow(virtualTop: number, row: number): number {
    const { rowHeight, areaHeight } = this.geometry;
    const top = row * rowHeight;
    if (top < virtualTop) return this.clampVirtual(top);
    if (top + rowHeight > virtualTop + areaHeight) return this.clampVirtual(top + rowHeight - areaHeight);
    return this.clampVirtual(virtualTop);
  }

  /** virtualTop that puts `row` near the middle of the rows area, aligned to a row edge. */
  centerRow(row: number): number {
    const { rowHeight, areaHeight } = this.geometry;
    const above = Math.max(0, Math.floor((areaHeight - rowHeight) / 2 / rowHeight));
    return this.clampVirtual((row - above) * rowHeight);
  }
}
