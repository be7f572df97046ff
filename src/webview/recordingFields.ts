// The recorded C fields: a table of every numeric field's statistics over the samples kept (changes,
// min, max, last value, last change) and a plot of the fields ticked in it, drawn by uPlot (zoom by
// dragging across, double-click to zoom out, Shift+drag or the arrow keys to pan (chartPan.ts),
// values under the pointer in the legend, a click shows that sample), with a line where a watch
// fired. Only what is open is kept up to date.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MAX_PLOT_FIELDS, type PlotDataMessage, type RecordingStatus } from '../shared/contentsProtocol';
import { chartKey, shiftDragPans } from './chartPan';
import { el, show } from './dom';
import { groupDigits } from './format';
import { elapsed } from './timeline';
import * as l10n from '../shared/l10n';

/** Rows shown at most (the fields that changed most first); the rest are counted. */
const MAX_ROWS = 300;
/** The plot asks for new samples at most this often while recording. */
const REPLOT_MS = 1000;
const PLOT_HEIGHT = 220;
/** The theme's chart colours, with VS Code's dark defaults where a theme leaves one out. */
const COLOURS: Array<[string, string]> = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];
/** Room for a y axis's labels ("-1,234,567"). */
const Y_AXIS_PX = 72;

export interface RecordingFieldsActions {
  plot(paths: string[]): void;
  seek(index: number): void;
}

export class RecordingFields {
  readonly element: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly more: HTMLElement;
  private readonly chartBox: HTMLElement;
  private readonly ticked = new Set<string>();
  private status: RecordingStatus | null = null;
  private chart: uPlot | undefined;
  private chartPaths = '';
  private data: PlotDataMessage | undefined;
  private lastAsked = 0;
  private staleWhileFocused = false;

  constructor(private readonly actions: RecordingFieldsActions) {
    this.summary = el('summary', undefined, undefined, [l10n.t('Fields')]);
    this.body = el('tbody');
    const head = el(
      'tr',
      undefined,
      undefined,
      [l10n.t('Plot'), l10n.t('Field'), l10n.t('Changes'), l10n.t('Min'), l10n.t('Max'), l10n.t('Last'), l10n.t('Last change')].map((h) =>
        el('th', undefined, { scope: 'col' }, [h]),
      ),
    );
    this.more = el('div', 'rf-more');
    // A group, not an image: uPlot's legend in it is interactive (a click hides or shows a field).
    this.chartBox = el('div', 'rf-chart', {
      role: 'group',
      tabindex: '0',
      'aria-label': l10n.t('Plot of the ticked fields over time'),
    });
    this.chartBox.addEventListener('keydown', (e) => {
      if (this.chart && e.target === this.chartBox && !e.ctrlKey && !e.metaKey && !e.altKey && chartKey(this.chart, e.key)) e.preventDefault();
    });
    new ResizeObserver(() => this.chart?.setSize({ width: Math.max(200, this.chartBox.clientWidth), height: PLOT_HEIGHT })).observe(this.chartBox);
    show(this.chartBox, false);
    this.element = el('details', 'rec-fields', undefined, [
      this.summary,
      this.chartBox,
      el('div', 'rf-table-wrap', undefined, [
        el('table', 'rf-table', { 'aria-label': l10n.t('Recorded fields') }, [el('thead', undefined, undefined, [head]), this.body]),
      ]),
      this.more,
    ]);
    this.element.addEventListener('toggle', () => this.render());
    this.body.addEventListener('focusout', (e) => {
      if (!this.staleWhileFocused || this.body.contains(e.relatedTarget as Node | null)) return;
      this.staleWhileFocused = false;
      this.render();
    });
    show(this.element, false);
  }

  /** Another recording: nothing ticked, no chart. */
  reset(): void {
    this.ticked.clear();
    this.data = undefined;
    this.chart?.destroy();
    this.chart = undefined;
    this.chartPaths = '';
    show(this.chartBox, false);
  }

  setStatus(status: RecordingStatus | null): void {
    const wasRecording = this.status?.state === 'recording';
    this.status = status;
    show(this.element, !!status && status.fields.length > 0);
    if (!status || status.fields.length === 0) return;
    this.summary.textContent = l10n.t(
      'Fields ({0}, {1} changed)',
      groupDigits(status.fields.length),
      groupDigits(status.fields.filter((f) => f.changes > 0).length),
    );
    if (!this.element.open) return;
    this.render();
    // While recording, the chart follows once a second; once paused or ended, it gets the last samples.
    const due = status.state === 'recording' ? Date.now() - this.lastAsked >= REPLOT_MS : wasRecording;
    if (this.ticked.size > 0 && due) this.askPlot();
  }

  private render(): void {
    const status = this.status;
    if (!status || !this.element.open) return;
    // The keyboard is in the table: its rows stay as they are (rebuilt, a focused box would vanish) until it leaves.
    if (this.body.contains(document.activeElement)) {
      this.staleWhileFocused = true;
      return;
    }
    const fields = [...status.fields].sort((a, b) => Number(this.ticked.has(b.path)) - Number(this.ticked.has(a.path)) || b.changes - a.changes);
    const rows = fields.slice(0, MAX_ROWS).map((f) => {
      const box = el('input', undefined, { type: 'checkbox', 'aria-label': l10n.t('Plot {0}', f.path) });
      box.checked = this.ticked.has(f.path);
      box.disabled = !box.checked && this.ticked.size >= MAX_PLOT_FIELDS;
      box.addEventListener('change', () => {
        if (box.checked) this.ticked.add(f.path);
        else this.ticked.delete(f.path);
        this.askPlot();
        this.render();
      });
      const cells = [f.path, groupDigits(f.changes), f.min, f.max, f.last, f.lastChange < 0 ? '—' : elapsed(f.lastChange)];
      return el('tr', f.changes > 0 ? 'changed' : undefined, undefined, [
        el('td', undefined, undefined, [box]),
        ...cells.map((c, i) => (i === 0 ? el('th', undefined, { scope: 'row' }, [c]) : el('td', undefined, undefined, [c]))),
      ]);
    });
    this.body.replaceChildren(...rows);
    this.more.textContent = fields.length > MAX_ROWS ? l10n.t('{0} more fields, none of them changed more often.', groupDigits(fields.length - MAX_ROWS)) : '';
  }

  /** Ticks these fields (those it has) and plots them. */
  tick(paths: readonly string[]): void {
    for (const p of paths.slice(0, MAX_PLOT_FIELDS)) this.ticked.add(p);
    this.askPlot();
    this.render();
  }

  private askPlot(): void {
    this.lastAsked = Date.now();
    if (this.ticked.size === 0) {
      this.chart?.destroy();
      this.chart = undefined;
      this.chartPaths = '';
      show(this.chartBox, false);
      return;
    }
    this.actions.plot([...this.ticked]);
  }

  onPlotData(message: PlotDataMessage): void {
    this.data = message;
    if (message.paths.length === 0) return;
    show(this.chartBox, true);
    // Typed arrays as they came (uPlot takes them): 4 x 60,000 values are not copied into lists.
    // Only a column with NaN (a value that could not be read) becomes a list, with gaps (null).
    const seconds = message.times.map((t) => t / 1000);
    const data: uPlot.AlignedData = [seconds, ...message.columns.map((c) => (c.some(Number.isNaN) ? Array.from(c, (v) => (Number.isNaN(v) ? null : v)) : c))];
    const key = message.paths.join('\n');
    if (this.chart && key === this.chartPaths) {
      // A range the user zoomed or panned to stays while new samples come (setData would show all).
      const { min, max } = this.chart.scales.x;
      const xs = this.chart.data[0];
      const zoomed = min !== undefined && max !== undefined && xs.length > 1 && (min > xs[0] || max < xs[xs.length - 1]);
      this.chart.setData(data, !zoomed);
      if (zoomed) this.chart.setScale('x', { min, max });
      return;
    }
    this.chart?.destroy();
    this.chartPaths = key;
    const style = getComputedStyle(document.body);
    const colour = (i: number) => {
      const [name, fallback] = COLOURS[i % COLOURS.length];
      return style.getPropertyValue(name).trim() || fallback;
    };
    const ink = style.getPropertyValue('--vscode-foreground').trim() || style.color || '#cccccc';
    const grid = style.getPropertyValue('--vscode-editorWidget-border').trim() || 'rgba(128,128,128,0.3)';
    const axis = (scale: string, side: 0 | 1 | 2 | 3, show: boolean): uPlot.Axis => ({
      scale,
      side,
      show,
      stroke: ink,
      grid: { stroke: grid, width: 1, show: side === 2 || side === 3 },
      ticks: { stroke: grid },
      ...(side === 1 || side === 3 ? { size: Y_AXIS_PX } : {}),
    });
    this.chart = new uPlot(
      {
        width: Math.max(200, this.chartBox.clientWidth || 600),
        height: PLOT_HEIGHT,
        scales: { x: { time: false } },
        series: [
          { label: l10n.t('seconds'), value: (_u, v) => (v === null ? '' : `${v.toFixed(3)} s`) },
          ...message.paths.map((path, i) => ({ label: path, scale: `y${i}`, stroke: colour(i), width: 1.5, points: { show: false } })),
        ],
        axes: [
          { ...axis('x', 2, true), label: l10n.t('seconds since the recording started') },
          ...message.paths.map((_, i) => axis(`y${i}`, i === 1 ? 1 : 3, i < 2)),
        ],
        cursor: { drag: { x: true, y: false } },
        plugins: [this.watchLines(), shiftDragPans()],
        hooks: { setScale: [(u, scale) => scale === 'x' && this.sayRange(u)] },
      },
      data,
      this.chartBox,
    );
    this.chart.over.addEventListener('click', () => {
      // The end of a drag that zoomed is not a click on a sample.
      if ((this.chart?.select.width ?? 0) > 0) return;
      const idx = this.chart?.cursor.idx;
      if (idx !== null && idx !== undefined && this.data) this.actions.seek(this.data.first + idx);
    });
  }

  /** What the chart shows, in its label (screen readers, and what a test reads). */
  private sayRange(u: uPlot): void {
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    this.chartBox.setAttribute(
      'aria-label',
      l10n.t(
        'Plot of {0}, from {1} s to {2} s. Drag across to zoom, double-click for all; Shift+drag or the arrow keys to pan, + and - to zoom, 0 for all.',
        (this.data?.paths ?? []).join(', '),
        min.toFixed(3),
        max.toFixed(3),
      ),
    );
  }

  /** A uPlot plugin: a vertical line at each sample where a watch fired. */
  private watchLines(): uPlot.Plugin {
    return {
      hooks: {
        draw: [
          (u) => {
            const status = this.status;
            const data = this.data;
            if (!status || !data) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = getComputedStyle(document.body).getPropertyValue('--vscode-charts-red').trim() || '#f14c4c';
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            for (const watch of status.watches) {
              for (const hit of watch.hits) {
                const i = hit - data.first;
                if (i < 0 || i >= data.times.length) continue;
                const x = Math.round(u.valToPos(data.times[i] / 1000, 'x', true));
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
              }
            }
            ctx.restore();
          },
        ],
      },
    };
  }
}
