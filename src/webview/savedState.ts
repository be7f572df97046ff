// The page's saved state (the webview API's getState/setState): VS Code keeps it while the panel
// lives, also while the page itself is thrown away (the tab hidden) and made again (shown), so the
// view comes back to the same place, selection and choices. Written at most every SAVE_MS.
import type { CopyFormat, PaneSizes } from '../shared/contentsProtocol';
import type { Host } from './host';

const SAVE_MS = 200;

export interface SavedState {
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
  /** The sizes the user gave the panes (absent in states saved before there were sashes). */
  panes?: PaneSizes;
  /** The last request id: the next page's ids start past it. */
  seq: number;
}

export class SavedStateStore {
  private restored: SavedState | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: Pick<Host, 'getState' | 'setState'>) {}

  /** The state of the page before this one (of this panel), if it is one this page understands. */
  load(): SavedState | undefined {
    const state = this.host.getState() as Partial<SavedState> | undefined;
    this.restored = state && state.v === 2 ? (state as SavedState) : undefined;
    return this.restored;
  }

  /**
   * The loaded state, for the first init of the object it belongs to; only once (a later init,
   * e.g. after a settings change, keeps the place the page is at).
   */
  take(objectId: string, firstInit: boolean): SavedState | undefined {
    const saved = firstInit && this.restored?.object === objectId ? this.restored : undefined;
    this.restored = undefined;
    return saved;
  }

  /**
   * Saves what `make` returns, once things settle (undefined: nothing to save yet); `now`: at once,
   * for a choice the user just finished (the tab can be left within SAVE_MS, and the page with it).
   */
  save(make: () => SavedState | undefined, now = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const write = () => {
      this.timer = undefined;
      const state = make();
      if (state) this.host.setState(state);
    };
    if (now) write();
    else this.timer = setTimeout(write, SAVE_MS);
  }
}
