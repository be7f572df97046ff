// The room the fields panel gets: beside the grid in a wide editor, under it in a narrow one (the
// stylesheet's 820 px breakpoint). By default, beside, the grid keeps the width of its rows and the
// panel takes the rest; under, the panel takes 45% of the height and the grid the rest (never the
// height of its own rows: that is the grid's own client height, which made the panel collapse to
// its border when the page was made again). A size the user gives it with the sash is kept per
// arrangement (a width beside, a height under) as CSS variables on the main area; the stylesheet
// applies the one that fits, and bounds it when the window is smaller than when it was chosen.
import type { PaneSizes } from '../shared/contentsProtocol';
import { show } from './dom';
import { Sash } from './sash';
import * as l10n from '../shared/l10n';

const NARROW = '(max-width: 820px)';
/** Room the grid keeps beside (px) or above the panel when the user makes the panel larger. */
const GRID_KEEPS_WIDTH = 160;
const GRID_KEEPS_HEIGHT = 72;
/** Smallest panel when the stylesheet says nothing (it says 14rem wide and 6rem tall). */
const FALLBACK_MIN = 96;

export interface PaneLayoutHooks {
  /** The user resized the panel (`done`: keep it; the extension remembers it for the next view opened). */
  changed(sizes: PaneSizes, done: boolean): void;
}

export class PaneLayout {
  readonly sash: Sash;
  private sizes: PaneSizes = {};
  private readonly narrow = matchMedia(NARROW);

  constructor(
    private readonly main: HTMLElement,
    private readonly panel: HTMLElement,
    private readonly hooks: PaneLayoutHooks,
  ) {
    this.sash = new Sash(l10n.t('Resize the C type panel'), panel.id, {
      current: () => this.current(),
      bounds: () => this.bounds(),
      resize: (size, done) => this.resize(size, done),
      reset: () => this.reset(),
    });
    show(this.sash.element, false);
    this.orient();
    this.narrow.addEventListener('change', () => this.orient());
    new ResizeObserver(() => this.sash.describe(this.current())).observe(panel);
  }

  /** The sizes the user chose (a copy: for the saved state and the extension). */
  get chosen(): PaneSizes {
    return { ...this.sizes };
  }

  /** Sizes from before (the page's saved state, or the last ones chosen in this window); no one is told. */
  restore(sizes: PaneSizes | undefined): void {
    this.sizes = { ...sizes };
    this.apply();
  }

  /** The panel is on screen or not: the sash with it. */
  setShown(shown: boolean): void {
    show(this.sash.element, shown);
    if (shown) this.sash.describe(this.current());
  }

  private get key(): keyof PaneSizes {
    return this.narrow.matches ? 'fieldsHeight' : 'fieldsWidth';
  }

  private orient(): void {
    this.sash.setOrientation(this.narrow.matches ? 'horizontal' : 'vertical');
    this.sash.describe(this.current());
  }

  private current(): number {
    const box = this.panel.getBoundingClientRect();
    return this.narrow.matches ? box.height : box.width;
  }

  private bounds(): { min: number; max: number } {
    const style = getComputedStyle(this.panel);
    const main = this.main.getBoundingClientRect();
    const min = parseFloat(this.narrow.matches ? style.minHeight : style.minWidth);
    const max = this.narrow.matches ? main.height - GRID_KEEPS_HEIGHT : main.width - GRID_KEEPS_WIDTH;
    return { min: Number.isFinite(min) && min > 0 ? min : FALLBACK_MIN, max };
  }

  private resize(size: number, done: boolean): void {
    this.sizes[this.key] = size;
    this.apply();
    this.sash.describe(size);
    this.hooks.changed(this.chosen, done);
  }

  private reset(): void {
    delete this.sizes[this.key];
    this.apply();
    this.sash.describe(this.current());
    this.hooks.changed(this.chosen, true);
  }

  private apply(): void {
    const { fieldsWidth, fieldsHeight } = this.sizes;
    const style = this.main.style;
    if (fieldsWidth === undefined) style.removeProperty('--fields-width');
    else style.setProperty('--fields-width', `${fieldsWidth}px`);
    if (fieldsHeight === undefined) style.removeProperty('--fields-height');
    else style.setProperty('--fields-height', `${fieldsHeight}px`);
    this.main.classList.toggle('sized-width', fieldsWidth !== undefined);
    this.main.classList.toggle('sized-height', fieldsHeight !== undefined);
  }
}
