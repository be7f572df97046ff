// The page of a recording of numbers (a semaphore set's values and waiters, a queue's messages and
// bytes): its state line, Pause/Resume, Stop, Save… and CSV…, and the same recorded-fields table
// and uPlot chart as a contents view's recording (../recordingFields.ts), one column per number,
// open from the start with the first values ticked. Bundled by esbuild.js into dist/seriesView.js.
import '../l10nSetup';
import type { RecordAction, RecordingStatus } from '../../shared/contentsProtocol';
import { el, show } from '../dom';
import { connectHost } from '../host';
import { parseHostMessage } from '../incoming';
import { RecordingFields } from '../recordingFields';
import { recordingWords } from '../timeline';
import * as l10n from '../../shared/l10n';

const host = connectHost();
const root = document.getElementById('root') ?? document.body;
const title = el('h1', 'series-title', undefined, [root.dataset.title ?? '']);
const state = el('span', 'tl-state');
const note = el('div', 'tl-note', { 'aria-live': 'polite' });
const button = (label: string, action: RecordAction) => {
  const b = el('button', 'seg-btn', { type: 'button' }, [label]);
  b.addEventListener('click', () => host.post({ type: 'record', action }));
  return b;
};
let current: RecordingStatus['state'] = 'recording';
const pause = el('button', 'seg-btn', { type: 'button' }, [l10n.t('Pause')]);
pause.addEventListener('click', () => host.post({ type: 'record', action: current === 'paused' ? 'resume' : 'pause' }));
const stop = button(l10n.t('Stop'), 'stop');
const buttons = [pause, stop, button(l10n.t('Save…'), 'save'), button(l10n.t('Values as CSV…'), 'exportCsv')];
const fields = new RecordingFields({
  plot: (paths) => host.post({ type: 'plot', paths }),
  // Numbers have no moment to show: a click on the chart selects nothing.
  seek: () => undefined,
});
fields.element.open = true;
root.classList.add('contents-view', 'series-view');
root.replaceChildren(
  title,
  el('section', 'timeline', { 'aria-label': l10n.t('Recording') }, [
    el('div', 'tl-bar', undefined, [state, el('span', 'tl-buttons', undefined, buttons)]),
    note,
  ]),
  fields.element,
);

let ticked = false;
function onStatus(status: RecordingStatus | null): void {
  if (!status) return;
  current = status.state;
  state.textContent = recordingWords(status);
  pause.textContent = status.state === 'paused' ? l10n.t('Resume') : l10n.t('Pause');
  show(pause, status.state !== 'ended');
  show(stop, status.state !== 'ended');
  if (status.state === 'ended' && status.endMessage) note.textContent = status.endMessage;
  fields.setStatus(status);
  if (!ticked && status.fields.length > 0) {
    ticked = true;
    // The values (of a set: each semaphore's value; of a queue: messages and bytes), up to four.
    const first = status.fields.filter((f) => !/\.(ncnt|zcnt)$/.test(f.path)).slice(0, 4);
    fields.tick(first.map((f) => f.path));
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (!message) return;
  if (message.type === 'recording') onStatus(message.status);
  else if (message.type === 'plotData') fields.onPlotData(message);
  else if (message.type === 'error') note.textContent = message.message;
});
host.post({ type: 'ready' });
