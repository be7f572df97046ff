// The recording's timeline under the grid: what is recorded and how much (samples, time, memory,
// dropped, late), a strip of how many bytes changed over the samples kept with the watches' hits
// and the A and B marks on it, and a slider that is the cursor: drag it or step it with the keys
// (arrows one sample, Page Up/Down ten, Home/End), Escape or Live returns to now. Compare shows what
// differs between A and B. It collects input and shows state; the App talks to the extension.
import type { ComparedMessage, RecordAction, RecordingStatus } from '../shared/contentsProtocol';
import { el, show } from './dom';
import { groupDigits, humanSize } from './format';
import * as l10n from '../shared/l10n';

const SVG = 'http://www.w3.org/2000/svg';
/** The strip's drawing units: one bar per unit across, 100 up. */
const STRIP_HEIGHT = 100;

export interface TimelineActions {
  record(action: RecordAction): void;
  /** Show sample `index`, or live again (null). */
  seek(index: number | null): void;
  compare(a: number, b: number): void;
  /** The marks in the grid are the comparison's again (or none). */
  clearCompare(): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** "1.234 s", "2 min 3.4 s". */
export function elapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(3)} s`;
  const tenths = Math.round(ms / 100); // rounded once, so 599,990 ms is "10 min 0.0 s", never "9 min 60.0 s"
  const minutes = Math.floor(tenths / 600);
  return `${minutes} min ${((tenths - minutes * 600) / 10).toFixed(1)} s`;
}

/** The recording's state line: what, how many samples over how long, the period, memory, dropped and late samples. */
export function recordingWords(s: RecordingStatus): string {
  const what = s.fromFile
    ? l10n.t('Recording from a file')
    : s.state === 'recording'
      ? l10n.t('● Recording')
      : s.state === 'paused'
        ? l10n.t('Paused')
        : l10n.t('Recorded');
  const parts = [
    what,
    l10n.t('{0} samples', groupDigits(s.count)),
    elapsed(Math.max(0, s.lastTime - s.firstTime)),
    l10n.t('every {0} ms', s.samplePeriodMs.toFixed(1)),
    l10n.t('{0} of {1}', humanSize(s.memoryBytes), humanSize(s.budgetBytes)),
  ];
  if (s.droppedSamples > 0) parts.push(l10n.t('{0} oldest dropped (memory budget)', groupDigits(s.droppedSamples)));
  if (s.late > 0) parts.push(l10n.t('{0} late', groupDigits(s.late)));
  return parts.join(' · ');
}

export class Timeline {
  readonly element: HTMLElement;
  private readonly state: HTMLElement;
  private readonly note: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly previousHit: HTMLButtonElement;
  private readonly nextHit: HTMLButtonElement;
  /** The slider's thumb is held: the page does not move it under the pointer. */
  private dragging = false;
  private readonly pauseButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly liveButton: HTMLButtonElement;
  private readonly markA: HTMLButtonElement;
  private readonly markB: HTMLButtonElement;
  private readonly compareButton: HTMLButtonElement;
  private readonly strip: SVGSVGElement;
  private readonly bars: SVGPathElement;
  private readonly overlay: SVGGElement;
  readonly slider: HTMLInputElement;
  /** What two moments (or a moment and a snapshot file) differ in: under the timeline, shown even without a recording. */
  readonly compared: HTMLElement;
  private status: RecordingStatus | null = null;
  /** The sample shown, or undefined while live. */
  private cursor: number | undefined;
  private cursorTime = 0;
  private a: number | undefined;
  private b: number | undefined;
  /** A seek is on its way: the next waits for its answer, so a drag never queues stale moments. */
  private seeking = false;
  private wanted: number | null | undefined;

  constructor(private readonly actions: TimelineActions) {
    const button = (label: string, title: string, onClick: () => void, extra = '') => {
      const b = el('button', `seg-btn ${extra}`.trim(), { type: 'button', title }, [label]);
      b.addEventListener('click', onClick);
      return b;
    };
    this.state = el('span', 'tl-state');
    this.pauseButton = button(l10n.t('Pause'), l10n.t('Stop taking samples for now (Resume goes on)'), () =>
      actions.record(this.status?.state === 'paused' ? 'resume' : 'pause'),
    );
    this.stopButton = button(l10n.t('Stop'), l10n.t('End the recording (what was taken stays)'), () => actions.record('stop'));
    // "Now", not "Live": the toolbar's Live pauses the view's refresh, this leaves the past.
    this.liveButton = button(l10n.t('Now'), l10n.t('Show the object as it is now (Escape)'), () => this.goLive(), 'live-now');
    this.markA = button(l10n.t('Mark A'), l10n.t('Compare from the sample shown'), () => this.mark('a'));
    this.markB = button(l10n.t('Mark B'), l10n.t('Compare to the sample shown'), () => this.mark('b'));
    this.compareButton = button(l10n.t('Compare A–B'), l10n.t('Show what differs between A and B'), () => {
      if (this.a !== undefined && this.b !== undefined) actions.compare(this.a, this.b);
    });
    // The watches' hits, one after the other from the sample shown (they are on the strip, which the keyboard cannot reach).
    this.previousHit = button(l10n.t('◀ Hit'), l10n.t('Show the sample where a watch fired before this one'), () => this.toHit(-1));
    this.nextHit = button(l10n.t('Hit ▶'), l10n.t('Show the next sample where a watch fired'), () => this.toHit(1));
    this.previousHit.setAttribute('aria-label', l10n.t('Previous watch hit'));
    this.nextHit.setAttribute('aria-label', l10n.t('Next watch hit'));
    const watch = button(l10n.t('Add Watch…'), l10n.t('Stop when a field or bytes change, equal a value or leave a range'), () => actions.record('addWatch'));
    const save = button(l10n.t('Save…'), l10n.t('Save the recording to a file (Open Recording… reads it back)'), () => actions.record('save'));
    const csv = button(l10n.t('Fields as CSV…'), l10n.t("Export the C fields' values at every sample"), () => actions.record('exportCsv'));
    const withFile = button(l10n.t('Compare with File…'), l10n.t('Compare the sample shown (or now) with a snapshot saved earlier (Save snapshot…)'), () =>
      actions.record('compareFile'),
    );

    this.bars = svg('path', { class: 'tl-bars', d: '' });
    this.overlay = svg('g', {});
    this.strip = svg('svg', { class: 'tl-strip', viewBox: `0 0 1 ${STRIP_HEIGHT}`, preserveAspectRatio: 'none', 'aria-hidden': 'true' });
    this.strip.append(this.bars, this.overlay);
    this.strip.addEventListener('pointerdown', (e) => this.seekToPointer(e));
    this.slider = el('input', 'tl-slider', { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': l10n.t('Recorded sample shown') });
    this.slider.addEventListener('input', () => this.requestSeek(Number(this.slider.value)));
    this.slider.addEventListener('pointerdown', () => (this.dragging = true));
    this.slider.addEventListener('pointerup', () => (this.dragging = false));
    this.slider.addEventListener('pointercancel', () => (this.dragging = false));
    this.slider.addEventListener('keydown', (e) => {
      // Escape is live; Page Up/Down move ten samples (a range input would move a tenth of the recording).
      if (e.key === 'Escape') this.goLive();
      else if (e.key === 'PageUp' || e.key === 'PageDown') this.step(e.key === 'PageUp' ? 10 : -10);
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    // The sample shown, in words under the strip; not read out at each step (the slider's value is).
    this.note = el('div', 'tl-note');
    // What is worth hearing once: the recording's end, a comparison's result.
    this.announcer = el('div', 'sr-only', { role: 'status', 'aria-live': 'polite' });
    this.compared = el('div', 'tl-compared');
    show(this.compared, false);
    this.element = el('section', 'timeline', { 'aria-label': l10n.t('Recording') }, [
      el('div', 'tl-bar', undefined, [
        this.state,
        el('span', 'tl-buttons', undefined, [
          this.pauseButton,
          this.stopButton,
          this.liveButton,
          this.markA,
          this.markB,
          this.compareButton,
          withFile,
          this.previousHit,
          this.nextHit,
          watch,
          save,
          csv,
        ]),
      ]),
      this.strip,
      this.slider,
      this.note,
      this.announcer,
    ]);
    show(this.element, false);
  }

  /** The sample shown, or undefined while live. */
  get moment(): number | undefined {
    return this.cursor;
  }

  setStatus(status: RecordingStatus | null): void {
    const wasEnded = this.status?.state === 'ended';
    this.status = status;
    show(this.element, status !== null);
    if (!status) return;
    const live = this.cursor === undefined;
    this.state.textContent = recordingWords(status);
    this.pauseButton.textContent = status.state === 'paused' ? l10n.t('Resume') : l10n.t('Pause');
    show(this.pauseButton, status.state !== 'ended');
    show(this.stopButton, status.state !== 'ended');
    show(this.liveButton, !status.fromFile);
    this.liveButton.disabled = live;
    this.slider.min = String(status.first);
    this.slider.max = String(Math.max(status.first, status.last));
    if (live) this.slider.value = String(status.last);
    this.updateSliderWords();
    this.drawStrip();
    this.updateMarks();
    if (status.state === 'ended' && !wasEnded && status.endMessage) {
      this.note.textContent = status.endMessage;
      this.announcer.textContent = status.endMessage;
    }
  }

  /** The extension shows sample `index` (or live again, null) at `time` ms into the recording. */
  onMoment(moment: { index: number; time: number; changed: Array<[number, number]> } | null): void {
    this.seeking = false;
    this.cursor = moment?.index;
    this.cursorTime = moment?.time ?? 0;
    // A newer position is on its way (keys held, a drag): the thumb stays where the user put it.
    if (this.wanted === undefined && !this.dragging) {
      if (moment) this.slider.value = String(moment.index);
      else if (this.status) this.slider.value = String(this.status.last);
    }
    this.liveButton.disabled = moment === null;
    this.updateSliderWords();
    this.updateMarks();
    if (moment) {
      const bytes = moment.changed.reduce((sum, [, length]) => sum + length, 0);
      this.note.textContent = l10n.t(
        'Sample {0} at {1}: {2} bytes changed since the sample before.',
        groupDigits(moment.index),
        elapsed(moment.time),
        groupDigits(bytes),
      );
    } else this.note.textContent = l10n.t('Now: the object as it is.');
    if (this.wanted !== undefined) {
      const next = this.wanted;
      this.wanted = undefined;
      if (next !== (moment?.index ?? null)) this.requestSeek(next);
    }
  }

  /** A seek the extension refused (a sample dropped meanwhile): the newest one wanted goes now. */
  seekFailed(): void {
    this.seeking = false;
    const next = this.wanted;
    this.wanted = undefined;
    if (next !== undefined) this.requestSeek(next);
  }

  /** Another recording in this view: no moment, no marks, nothing wanted from the one before. */
  reset(): void {
    this.cursor = undefined;
    this.cursorTime = 0;
    this.a = undefined;
    this.b = undefined;
    this.seeking = false;
    this.wanted = undefined;
    this.note.textContent = '';
    show(this.compared, false);
    this.compared.replaceChildren();
  }

  requestSeek(index: number | null): void {
    if (this.seeking) {
      this.wanted = index;
      return;
    }
    this.seeking = true;
    this.actions.seek(index);
  }

  goLive(): void {
    if (this.status?.fromFile) return;
    this.requestSeek(null);
  }

  /** Steps the cursor by `delta` samples (from now when live). */
  step(delta: number): void {
    if (!this.status || this.status.count === 0) return;
    const from = this.cursor ?? this.status.last;
    this.requestSeek(Math.min(this.status.last, Math.max(this.status.first, from + delta)));
  }

  /** Every sample kept where a watch fired, in order. */
  private hits(): number[] {
    const s = this.status;
    if (!s) return [];
    return [...new Set(s.watches.flatMap((w) => w.hits))].filter((i) => i >= s.first && i <= s.last).sort((a, b) => a - b);
  }

  /** Shows the hit after (1) or before (-1) the sample shown (from now: the last hit, going back). */
  private toHit(direction: 1 | -1): void {
    const hits = this.hits();
    const from = this.cursor ?? (this.status ? this.status.last + 1 : 0);
    const target = direction > 0 ? hits.find((i) => i > from) : [...hits].reverse().find((i) => i < from);
    if (target === undefined) {
      this.announcer.textContent = direction > 0 ? l10n.t('No watch fired after this sample.') : l10n.t('No watch fired before this sample.');
      return;
    }
    this.requestSeek(target);
  }

  private mark(which: 'a' | 'b'): void {
    if (!this.status || this.status.count === 0) return;
    const at = this.cursor ?? this.status.last;
    if (which === 'a') this.a = at;
    else this.b = at;
    this.updateMarks();
    this.note.textContent = l10n.t('{0} is sample {1}.', which.toUpperCase(), groupDigits(at));
  }

  showCompared(message: ComparedMessage): void {
    show(this.compared, true);
    const [aName, bName] = message.labels ?? [l10n.t('A (sample {0})', groupDigits(message.a)), l10n.t('B (sample {0})', groupDigits(message.b))];
    const summary = l10n.t(
      '{0} → {1}: {2} bytes differ in {3} ranges, {4} fields.',
      aName,
      bName,
      groupDigits(message.bytes),
      groupDigits(message.ranges.length),
      groupDigits(message.fields.length),
    );
    // The sentence is read out once (a status); the table and its Close button sit beside it.
    const head = el('div', 'tl-compared-head', undefined, [el('span', 'tl-compared-summary', undefined, [summary])]);
    this.announcer.textContent = summary;
    const close = el('button', 'seg-btn', { type: 'button' }, [l10n.t('Close')]);
    close.addEventListener('click', () => {
      show(this.compared, false);
      this.compared.replaceChildren();
      this.actions.clearCompare();
    });
    head.append(' ', close);
    const rows = message.fields
      .slice(0, 500)
      .map((f) =>
        el('tr', undefined, undefined, [
          el('th', undefined, { scope: 'row' }, [f.path]),
          el('td', undefined, undefined, [f.a]),
          el('td', undefined, undefined, [f.b]),
        ]),
      );
    const table =
      message.fields.length === 0
        ? []
        : [
            el('table', 'tl-fields', { 'aria-label': l10n.t('Fields that differ between {0} and {1}', aName, bName) }, [
              el('thead', undefined, undefined, [
                el('tr', undefined, undefined, [
                  el('th', undefined, { scope: 'col' }, [l10n.t('Field')]),
                  el('th', undefined, { scope: 'col' }, [message.labels ? message.labels[0] : 'A']),
                  el('th', undefined, { scope: 'col' }, [message.labels ? message.labels[1] : 'B']),
                ]),
              ]),
              el('tbody', undefined, undefined, rows),
            ]),
          ];
    this.compared.replaceChildren(head, ...table);
  }

  private updateSliderWords(): void {
    const s = this.status;
    if (!s) return;
    const index = this.cursor ?? s.last;
    const words =
      this.cursor === undefined
        ? l10n.t('Live, {0} samples recorded', groupDigits(s.count))
        : l10n.t('Sample {0} (of {1} to {2}), at {3}', groupDigits(index), groupDigits(s.first), groupDigits(s.last), elapsed(this.cursorTime));
    this.slider.setAttribute('aria-valuetext', words);
    this.slider.title = words;
  }

  /** x of sample `index` on the strip (0..1). */
  private x(index: number): number {
    const s = this.status!;
    return s.last > s.first ? (index - s.first) / (s.last - s.first) : 0;
  }

  private drawStrip(): void {
    const values = this.status?.strip ?? [];
    const n = Math.max(1, values.length);
    const top = Math.max(1, ...values);
    this.strip.setAttribute('viewBox', `0 0 ${n} ${STRIP_HEIGHT}`);
    // A bar's height grows with the log of the bytes changed, so one big change does not flatten the rest.
    const scale = Math.log1p(top);
    let d = '';
    values.forEach((v, i) => {
      if (v <= 0) return;
      const h = Math.max(4, (Math.log1p(v) / scale) * STRIP_HEIGHT);
      d += `M${i} ${STRIP_HEIGHT}V${(STRIP_HEIGHT - h).toFixed(1)}H${i + 1}V${STRIP_HEIGHT}Z`;
    });
    this.bars.setAttribute('d', d);
  }

  /** The cursor, A, B and the watches' hits over the strip. */
  private updateMarks(): void {
    const s = this.status;
    if (!s) return;
    const n = Math.max(1, s.strip.length);
    const line = (index: number, cls: string) => {
      const x = Math.min(n - 0.5, Math.max(0.5, this.x(index) * n));
      return svg('line', { class: cls, x1: x, x2: x, y1: 0, y2: STRIP_HEIGHT, 'vector-effect': 'non-scaling-stroke' });
    };
    const marks: SVGElement[] = [];
    for (const watch of s.watches) for (const hit of watch.hits) if (hit >= s.first && hit <= s.last) marks.push(line(hit, 'tl-hit'));
    if (this.a !== undefined && this.a >= s.first) marks.push(line(this.a, 'tl-a'));
    if (this.b !== undefined && this.b >= s.first) marks.push(line(this.b, 'tl-b'));
    if (this.cursor !== undefined) marks.push(line(this.cursor, 'tl-cursor'));
    this.overlay.replaceChildren(...marks);
    this.compareButton.disabled = this.a === undefined || this.b === undefined || this.a === this.b;
    const hits = this.hits();
    show(this.previousHit, hits.length > 0);
    show(this.nextHit, hits.length > 0);
    this.markA.textContent = this.a === undefined ? l10n.t('Mark A') : l10n.t('A: {0}', groupDigits(this.a));
    this.markB.textContent = this.b === undefined ? l10n.t('Mark B') : l10n.t('B: {0}', groupDigits(this.b));
  }

  private seekToPointer(e: PointerEvent): void {
    const s = this.status;
    if (!s || s.count === 0) return;
    const box = this.strip.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (e.clientX - box.left) / Math.max(1, box.width)));
    this.requestSeek(Math.round(s.first + fraction * (s.last - s.first)));
    this.slider.focus();
  }
}
