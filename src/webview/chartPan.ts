// Panning a uPlot chart's time axis, which uPlot leaves to its users: Shift+drag moves the range
// shown, and, from the keyboard, the arrows move it a tenth, + and - zoom around its middle, 0 shows
// everything. Always within the samples there are (a pan stops at the first and the last).
import type uPlot from 'uplot';

/**
 * The range of times there is data for (the x column's first and last), or undefined when it has
 * no width (no sample, or one: nothing to move over, and a scale of no width would collapse).
 */
function dataRange(u: uPlot): [number, number] | undefined {
  const xs = u.data[0];
  return xs.length > 1 && xs[xs.length - 1] > xs[0] ? [xs[0], xs[xs.length - 1]] : undefined;
}

/** Shows `span` seconds from `min`, moved back inside the data (a span wider than the data shows all of it). */
function showRange(u: uPlot, min: number, span: number): void {
  const range = dataRange(u);
  if (!range) return;
  const [lo, hi] = range;
  if (span >= hi - lo) {
    u.setScale('x', { min: lo, max: hi });
    return;
  }
  const start = Math.min(Math.max(min, lo), hi - span);
  u.setScale('x', { min: start, max: start + span });
}

/** Moves the range shown by `fraction` of its width (negative: back in time). */
export function panBy(u: uPlot, fraction: number): void {
  const { min, max } = u.scales.x;
  if (min === undefined || max === undefined) return;
  showRange(u, min + (max - min) * fraction, max - min);
}

/** Zooms by `factor` around the middle of the range shown (2: twice as wide). */
export function zoomBy(u: uPlot, factor: number): void {
  const { min, max } = u.scales.x;
  if (min === undefined || max === undefined) return;
  const span = Math.max((max - min) * factor, 1e-6);
  showRange(u, (min + max) / 2 - span / 2, span);
}

export function showAll(u: uPlot): void {
  const range = dataRange(u);
  if (range) u.setScale('x', { min: range[0], max: range[1] });
}

/** Handles a key on the chart (ArrowLeft, ArrowRight, + or =, -, 0): true when it was one of them. */
export function chartKey(u: uPlot, key: string): boolean {
  if (key === 'ArrowLeft') panBy(u, -0.1);
  else if (key === 'ArrowRight') panBy(u, 0.1);
  else if (key === '+' || key === '=') zoomBy(u, 0.5);
  else if (key === '-') zoomBy(u, 2);
  else if (key === '0') showAll(u);
  else return false;
  return true;
}

/**
 * A uPlot plugin: Shift+drag on the plot pans. It listens on the chart's root in the capture phase,
 * so that uPlot's own drag (which zooms) never starts for a Shift+drag.
 */
export function shiftDragPans(): uPlot.Plugin {
  return {
    hooks: {
      init: [
        (u) => {
          u.root.addEventListener(
            'mousedown',
            (down: MouseEvent) => {
              if (!down.shiftKey || down.button !== 0 || !u.over.contains(down.target as Node)) return;
              down.stopPropagation();
              down.preventDefault();
              const { min, max } = u.scales.x;
              if (min === undefined || max === undefined) return;
              const perPixel = (max - min) / Math.max(1, u.over.clientWidth);
              let moved = false;
              const move = (e: MouseEvent) => {
                if ((e.buttons & 1) === 0) return up(); // released outside the page: no mouseup came
                moved ||= e.clientX !== down.clientX;
                showRange(u, min - (e.clientX - down.clientX) * perPixel, max - min);
              };
              const up = () => {
                window.removeEventListener('mousemove', move);
                window.removeEventListener('mouseup', up);
                if (!moved) return;
                // The click that ends a pan is not a click on a sample (which would show it).
                const swallow = (e: MouseEvent) => e.stopPropagation();
                window.addEventListener('click', swallow, true);
                setTimeout(() => window.removeEventListener('click', swallow, true), 0);
              };
              window.addEventListener('mousemove', move);
              window.addEventListener('mouseup', up);
            },
            true,
          );
        },
      ],
    },
  };
}
