// Selection as anchor + cursor (both byte offsets; the selection is the inclusive range between
// them) and the cursor moves for the grid's keys. Pure, no DOM.

export interface Selection {
  anchor: number;
  cursor: number;
}

export const selectionStart = (s: Selection): number => Math.min(s.anchor, s.cursor);
export const selectionEnd = (s: Selection): number => Math.max(s.anchor, s.cursor); // inclusive
export const selectionLength = (s: Selection): number => selectionEnd(s) - selectionStart(s) + 1;

export interface MoveContext {
  size: number;
  bytesPerRow: number;
  /** Rows entirely visible: the PageUp/PageDown step. */
  pageRows: number;
}

/**
 * The cursor after a navigation key, or undefined when the key is not a navigation key.
 * Home/End go to the row's ends, Ctrl (or Cmd) + Home/End to the segment's.
 */
export function moveCursor(cursor: number, key: string, ctrl: boolean, ctx: MoveContext): number | undefined {
  const { size, bytesPerRow: bpr, pageRows } = ctx;
  if (size <= 0) return undefined;
  const last = size - 1;
  const clamp = (o: number) => (o < 0 ? 0 : o > last ? last : o);
  const rowStart = cursor - (cursor % bpr);
  switch (key) {
    case 'ArrowLeft':
      return clamp(cursor - 1);
    case 'ArrowRight':
      return clamp(cursor + 1);
    case 'ArrowUp':
      return cursor - bpr >= 0 ? cursor - bpr : cursor;
    case 'ArrowDown':
      // From a column past the end of a short last row, go to the last byte.
      return cursor + bpr <= last ? cursor + bpr : rowStart + bpr <= last ? last : cursor;
    case 'PageUp': {
      const to = cursor - pageRows * bpr;
      return to >= 0 ? to : cursor % bpr;
    }
    case 'PageDown':
      return clamp(cursor + pageRows * bpr);
    case 'Home':
      return ctrl ? 0 : rowStart;
    case 'End':
      return ctrl ? last : Math.min(rowStart + bpr - 1, last);
    default:
      return undefined;
  }
}
