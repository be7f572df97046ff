// A sash: the splitter between two panes that the user drags, or moves with the keyboard (it is a
// focusable WAI-ARIA separator whose value is the size of the pane after it, in CSS pixels).
// Vertical between panes side by side (Left grows the pane on the right), horizontal between
// panes one above the other (Up grows the pane below); Shift moves by a larger step, Home and End
// go to the smallest and largest size, and a double click (or Enter) gives the pane back its
// default size. The sash only reports sizes: the layout (paneLayout.ts) applies and keeps them.
import { el } from './dom';
import * as l10n from '../shared/l10n';

const STEP_PX = 10;
const BIG_STEP_PX = 50;

export type SashOrientation = 'vertical' | 'horizontal';

export interface SashHooks {
  /** The pane's size on screen now (px, along the sash's axis). */
  current(): number;
  /** The sizes the pane may have now (px). */
  bounds(): { min: number; max: number };
  /** The user chose a size (`done`: the drag or the key press is over: keep it). */
  resize(size: number, done: boolean): void;
  /** The user asked for the default size back. */
  reset(): void;
}

export class Sash {
  readonly element: HTMLElement;
  private orientation: SashOrientation = 'vertical';
  private drag: { pointer: number; from: number; start: number } | undefined;

  /** `label`: what the sash resizes, for a screen reader; `controls`: the id of that pane. */
  constructor(
    label: string,
    controls: string,
    private readonly hooks: SashHooks,
  ) {
    this.element = el('div', 'sash', {
      role: 'separator',
      tabindex: 0,
      'aria-label': label,
      'aria-controls': controls,
      title: l10n.t('Drag to resize, or use the arrow keys (Shift: larger steps). Double-click resets.'),
    });
    this.setOrientation('vertical');
    this.element.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.element.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.element.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.element.addEventListener('pointercancel', (e) => this.onPointerUp(e));
    this.element.addEventListener('dblclick', () => this.hooks.reset());
    this.element.addEventListener('keydown', (e) => this.onKey(e));
  }

  setOrientation(orientation: SashOrientation): void {
    this.orientation = orientation;
    this.element.setAttribute('aria-orientation', orientation);
    this.element.classList.toggle('vertical', orientation === 'vertical');
    this.element.classList.toggle('horizontal', orientation === 'horizontal');
  }

  /** Says the pane's size and its bounds to assistive technology. */
  describe(size: number): void {
    const { min, max } = this.hooks.bounds();
    const round = (n: number) => String(Math.round(n));
    this.set('aria-valuemin', round(min));
    this.set('aria-valuemax', round(Math.max(min, max)));
    this.set('aria-valuenow', round(size));
    this.set('aria-valuetext', l10n.t('{0} pixels', round(size)));
  }

  private set(name: string, value: string): void {
    if (this.element.getAttribute(name) !== value) this.element.setAttribute(name, value);
  }

  private coordinate(e: PointerEvent): number {
    return this.orientation === 'vertical' ? e.clientX : e.clientY;
  }

  private clamp(size: number): number {
    const { min, max } = this.hooks.bounds();
    return Math.round(Math.max(min, Math.min(Math.max(min, max), size)));
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault(); // no text selection while dragging
    this.element.setPointerCapture(e.pointerId);
    this.element.classList.add('active');
    this.drag = { pointer: e.pointerId, from: this.coordinate(e), start: this.hooks.current() };
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer) return;
    // The pane is after the sash: moving towards the start (left, up) makes it larger.
    this.hooks.resize(this.clamp(this.drag.start - (this.coordinate(e) - this.drag.from)), false);
  }

  private onPointerUp(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointer) return;
    const moved = this.coordinate(e) !== this.drag.from;
    const size = this.clamp(this.drag.start - (this.coordinate(e) - this.drag.from));
    this.drag = undefined;
    this.element.classList.remove('active');
    if (this.element.hasPointerCapture(e.pointerId)) this.element.releasePointerCapture(e.pointerId);
    if (moved) this.hooks.resize(size, true);
  }

  private onKey(e: KeyboardEvent): void {
    const grow = this.orientation === 'vertical' ? 'ArrowLeft' : 'ArrowUp';
    const shrink = this.orientation === 'vertical' ? 'ArrowRight' : 'ArrowDown';
    const step = e.shiftKey ? BIG_STEP_PX : STEP_PX;
    const { min, max } = this.hooks.bounds();
    let size: number | undefined;
    if (e.key === grow) size = this.hooks.current() + step;
    else if (e.key === shrink) size = this.hooks.current() - step;
    else if (e.key === 'Home') size = min;
    else if (e.key === 'End') size = max;
    else if (e.key === 'Enter') this.hooks.reset();
    else return;
    if (size !== undefined) this.hooks.resize(this.clamp(size), true);
    e.preventDefault();
    e.stopPropagation();
  }
}
