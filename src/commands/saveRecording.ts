// Save Recording… and Export Recording Fields as CSV…: a contents view's recording to a file in the
// documented format (docs/recording-format.md; Open Recording… reads it back, on this machine or
// another, with no object behind it), or its C fields' values at every sample as CSV.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { formatBytes } from '../ipc/format';
import { fieldsCsv } from '../ipc/recording/csv';
import { encodeRecording } from '../ipc/recording/format';
import type { ContentsPanel } from '../views/contentsPanel';
import { targetPanel } from './contentsTarget';
import type { Command, CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

/** The view whose recording to write: named by the arguments, or the one in front. */
async function panelWithRecording(env: CommandEnv, arg: unknown): Promise<ContentsPanel | undefined> {
  const panel = await targetPanel(env, arg ?? {});
  if (panel?.recording && panel.recording.samples > 0) return panel;
  void env.ipc.prompts.notify('info', l10n.t('This view has no recording: press Record in its toolbar first.'));
  return undefined;
}

/** "psm_1a2b-2026-12-07T11-30-00" for a recording of /psm_1a2b started then. */
function fileStem(panel: ContentsPanel): string {
  const recording = panel.recording!.recording;
  const title = recording.meta.object.title.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'object';
  const started = new Date(recording.meta.startedAt).toISOString().replace(/\..*$/, '').replace(/:/g, '-');
  return `${title}-${started}`;
}

export const saveRecording: Command = {
  id: 'ipcInspector.saveRecording',
  what: 'Could not save the recording',
  async run(env, arg?: unknown) {
    const panel = await panelWithRecording(env, arg);
    if (!panel) return undefined;
    const target = await env.ipc.prompts.saveDialog({
      title: l10n.t('Save the recording of {0}', panel.source.title),
      defaultUri: vscode.Uri.file(`${fileStem(panel)}.ipcrec`),
      filters: { [l10n.t('IPC Inspector recordings')]: ['ipcrec'] },
      saveLabel: l10n.t('Save Recording'),
    });
    if (!target) return undefined;
    // Encoded whole from the samples kept now; samples taken while it is written are in the next save.
    const bytes = encodeRecording(panel.recording!.recording);
    await fs.promises.writeFile(target.fsPath, bytes);
    panel.recording!.saved = true;
    void env.ipc.prompts.notify('info', l10n.t('Saved {0} samples ({1}) to {2}.', panel.recording!.samples, formatBytes(bytes.length), target.fsPath));
    return target.fsPath;
  },
};

export const exportRecordingCsv: Command = {
  id: 'ipcInspector.exportRecordingCsv',
  what: 'Could not export the recording',
  async run(env, arg?: unknown) {
    const panel = await panelWithRecording(env, arg);
    if (!panel) return undefined;
    const recording = panel.recording!.recording;
    if (recording.fields.length === 0) {
      void env.ipc.prompts.notify(
        'info',
        l10n.t('This recording has no C type: choose one with View as C Type… before recording, and its fields are recorded as columns.'),
      );
      return undefined;
    }
    const target = await env.ipc.prompts.saveDialog({
      title: l10n.t('Export the fields of the recording of {0} as CSV', panel.source.title),
      defaultUri: vscode.Uri.file(`${fileStem(panel)}.csv`),
      filters: { CSV: ['csv'] },
      saveLabel: l10n.t('Export'),
    });
    if (!target) return undefined;
    await fs.promises.writeFile(target.fsPath, fieldsCsv(recording));
    void env.ipc.prompts.notify('info', l10n.t('Exported {0} fields at {1} samples to {2}.', recording.fields.length, recording.store.count, target.fsPath));
    return target.fsPath;
  },
};
