// The status bar while a contents view records: what is being recorded and how many samples, so a
// recording that goes on in a hidden view is never forgotten. Clicking it stops the recording (when
// several views record, Stop Recording asks which).
import * as vscode from 'vscode';
import { ContentsPanel } from './contentsPanel';
import { SeriesPanel } from './seriesPanel';
import * as l10n from '../shared/l10n';

/** How often the sample count is brought up to date while something records. */
const COUNT_EVERY_MS = 1000;
/** "1,234", as the timeline writes counts. */
const count = (n: number) => n.toLocaleString('en-US');

/** A recording going on in some view: a contents view's bytes, or a set's or queue's numbers. */
export interface GoingRecording {
  /** The view's id (its panelId). */
  id: string;
  title: string;
  state: 'recording' | 'paused';
  samples: number;
  stop(): Promise<void>;
}

/** Every recording not ended, of every view (the status bar's, and Stop Recording's choice). */
export function recordingsGoing(): GoingRecording[] {
  const bytes = ContentsPanel.all().flatMap((panel): GoingRecording[] => {
    const r = panel.recording;
    return r && r.state !== 'ended' ? [{ id: panel.source.id, title: panel.source.title, state: r.state, samples: r.samples, stop: () => r.stop() }] : [];
  });
  const numbers = SeriesPanel.all().flatMap((panel): GoingRecording[] =>
    panel.state !== 'ended' ? [{ id: panel.id, title: panel.title, state: panel.state, samples: panel.samples, stop: () => panel.stop() }] : [],
  );
  return [...bytes, ...numbers];
}

export class RecordingIndicator implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('ipcInspector.recording', vscode.StatusBarAlignment.Left, 9);
  private readonly subscriptions = [ContentsPanel.onDidChangeRecordings(() => this.update()), SeriesPanel.onDidChangeRecordings(() => this.update())];
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = l10n.t('IPC Inspector recording');
    this.item.command = 'ipcInspector.stopRecording';
    this.update();
  }

  private update(): void {
    const recording = recordingsGoing();
    clearInterval(this.timer);
    this.timer = undefined;
    if (recording.length === 0) {
      this.item.hide();
      return;
    }
    const words = recording.map(({ title, state, samples }) => ({
      title,
      what: state === 'paused' ? l10n.t('paused at {0} samples', count(samples)) : l10n.t('{0} samples', count(samples)),
    }));
    this.item.text =
      recording.length === 1 ? `$(record) ${l10n.t('REC {0}: {1}', words[0].title, words[0].what)}` : `$(record) ${l10n.t('REC {0} views', recording.length)}`;
    this.item.tooltip = `${words.map((w) => l10n.t('Recording {0}: {1}', w.title, w.what)).join('\n')}\n${l10n.t('Click to stop.')}`;
    this.item.accessibilityInformation = {
      label: `${words.map((w) => l10n.t('Recording {0}: {1}', w.title, w.what)).join('. ')}. ${l10n.t('Click to stop.')}`,
    };
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
    this.timer = setInterval(() => this.update(), COUNT_EVERY_MS);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
