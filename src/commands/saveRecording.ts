// Save Recording… and Export Recording Fields as CSV…: a view's recording (a contents view's bytes,
// or a semaphore set's or queue's numbers) to a file in the documented format
// (docs/recording-format.md; Open Recording… reads it back, on this machine or another, with no
// object behind it), or its values at every sample as CSV (a C type's fields, or the numbers).
import * as fs from 'fs';
import * as vscode from 'vscode';
import { formatBytes } from '../ipc/format';
import { fieldsCsv, seriesCsv } from '../ipc/recording/csv';
import { encodeRecording } from '../ipc/recording/format';
import { Recording, type SeriesRecording } from '../ipc/recording/recording';
import { SeriesPanel } from '../views/seriesPanel';
import { targetPanel } from './contentsTarget';
import type { Command, CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

/** What the two commands need of a view's recording, whichever view holds it. */
interface Recorded {
  title: string;
  data: Recording | SeriesRecording;
  samples: number;
  /** The file now holds this many samples. */
  markSaved(samples: number): void;
}

/** The recording to write: of the view the arguments name (a series view or a contents view), or of the contents view in front. */
async function recordedIn(env: CommandEnv, arg: unknown): Promise<Recorded | undefined> {
  const panelId = (arg as { panelId?: unknown } | undefined)?.panelId;
  const series = SeriesPanel.all().find((p) => p.id === panelId) ?? (panelId === undefined ? SeriesPanel.all().find((p) => p.panel.active) : undefined);
  if (series && series.samples > 0) {
    return { title: series.title, data: series.recording, samples: series.samples, markSaved: (n) => (series.savedSamples = n) };
  }
  const panel = series ? undefined : await targetPanel(env, arg ?? {});
  const recorder = panel?.recording;
  if (panel && recorder && recorder.samples > 0) {
    return { title: panel.source.title, data: recorder.recording, samples: recorder.samples, markSaved: (n) => (recorder.savedSamples = n) };
  }
  void env.ipc.prompts.notify('info', l10n.t('This view has no recording: press Record in its toolbar first.'));
  return undefined;
}

/** "psm_1a2b-2026-12-07T11-30-00" for a recording of /psm_1a2b started then. */
function fileStem(recorded: Recorded): string {
  const { meta } = recorded.data;
  const title = meta.object.title.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'object';
  const started = new Date(meta.startedAt).toISOString().replace(/\..*$/, '').replace(/:/g, '-');
  return `${title}-${started}`;
}

export const saveRecording: Command = {
  id: 'ipcInspector.saveRecording',
  what: 'Could not save the recording',
  async run(env, arg?: unknown) {
    const recorded = await recordedIn(env, arg);
    if (!recorded) return undefined;
    const target = await env.ipc.prompts.saveDialog({
      title: l10n.t('Save the recording of {0}', recorded.title),
      defaultUri: vscode.Uri.file(`${fileStem(recorded)}.ipcrec`),
      filters: { [l10n.t('IPC Inspector recordings')]: ['ipcrec'] },
      saveLabel: l10n.t('Save Recording'),
    });
    if (!target) return undefined;
    // Encoded whole from the samples kept now; samples taken while it is written are in the next save.
    const samples = recorded.data instanceof Recording ? recorded.data.store.count : recorded.data.count;
    const bytes = encodeRecording(recorded.data);
    await fs.promises.writeFile(target.fsPath, bytes);
    recorded.markSaved(samples);
    void env.ipc.prompts.notify('info', l10n.t('Saved {0} samples ({1}) to {2}.', recorded.samples, formatBytes(bytes.length), target.fsPath));
    return target.fsPath;
  },
};

export const exportRecordingCsv: Command = {
  id: 'ipcInspector.exportRecordingCsv',
  what: 'Could not export the recording',
  async run(env, arg?: unknown) {
    const recorded = await recordedIn(env, arg);
    if (!recorded) return undefined;
    const data = recorded.data;
    if (data instanceof Recording && data.fields.length === 0) {
      void env.ipc.prompts.notify(
        'info',
        l10n.t('This recording has no C type: choose one with View as C Type… before recording, and its fields are recorded as columns.'),
      );
      return undefined;
    }
    const target = await env.ipc.prompts.saveDialog({
      title: l10n.t('Export the fields of the recording of {0} as CSV', recorded.title),
      defaultUri: vscode.Uri.file(`${fileStem(recorded)}.csv`),
      filters: { CSV: ['csv'] },
      saveLabel: l10n.t('Export'),
    });
    if (!target) return undefined;
    const columns = data instanceof Recording ? data.fields.length : data.columns.length;
    await fs.promises.writeFile(target.fsPath, data instanceof Recording ? fieldsCsv(data) : seriesCsv(data));
    void env.ipc.prompts.notify('info', l10n.t('Exported {0} fields at {1} samples to {2}.', columns, recorded.samples, target.fsPath));
    return target.fsPath;
  },
};
