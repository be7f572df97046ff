// What is on screen, told to the extension: the grid's rows (at most every VIEWPORT_MS while
// scrolling, the last position always) and the bytes the fields panel shows. The extension re-reads
// exactly these windows while the panel is visible and live.
import { MAX_VIEW_READ, type ViewportMessage } from '../shared/contentsProtocol';

/** Viewport messages at most this often while scrolling (the last one always goes out). */
const VIEWPORT_MS = 100;

export interface ViewportHooks {
  post(message: ViewportMessage): void;
  /** The object now: its size, the grid's bytes per row, and whether it is gone (nothing is told then). */
  object(): { size: number; bytesPerRow: number; gone: boolean };
}

export class Viewport {
  private visible = { first: 0, last: -1 };
  /** The bytes the fields panel shows: read like the rows on screen, and re-read live. */
  private fields: { offset: number; length: number } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastPost = 0;
  private last = '';

  constructor(private readonly hooks: ViewportHooks) {}

  /** The grid's rows on screen (first and last row index; last < first when none). */
  get rows(): { first: number; last: number } {
    return this.visible;
  }

  get fieldsWindow(): { offset: number; length: number } | undefined {
    return this.fields;
  }

  /** The rows on screen changed: tell the extension (throttled). */
  setRows(first: number, last: number): void {
    this.visible = { first, last };
    this.post();
  }

  /** The fields panel's rows show these bytes now (told at once: the panel already coalesces). */
  setFieldsWindow(offset: number, length: number): void {
    this.fields = { offset, length };
    if (!this.hooks.object().gone) this.hooks.post({ type: 'viewport', window: 'fields', offset, length });
  }

  /** No C type is shown: the fields panel reads nothing. */
  clearFieldsWindow(): void {
    this.fields = undefined;
  }

  /** The next position is told even if it is the same as the last (after an init of the page). */
  forget(): void {
    this.last = '';
  }

  /** The object is gone: nothing more is told. */
  stop(): void {
    clearTimeout(this.timer);
  }

  private post(): void {
    const { size, bytesPerRow: bpr, gone } = this.hooks.object();
    if (gone) return;
    const wait = VIEWPORT_MS - (performance.now() - this.lastPost);
    clearTimeout(this.timer);
    if (wait > 0) {
      this.timer = setTimeout(() => this.post(), wait);
      return;
    }
    const offset = Math.min(size, this.visible.first * bpr);
    const length = size === 0 ? 0 : Math.max(0, Math.min((this.visible.last - this.visible.first + 1) * bpr, size - offset, MAX_VIEW_READ));
    const key = `${offset}:${length}`;
    if (key === this.last) return;
    this.last = key;
    this.lastPost = performance.now();
    this.hooks.post({ type: 'viewport', window: 'grid', offset, length });
  }
}
