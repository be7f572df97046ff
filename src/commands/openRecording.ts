// Open Recording…: a recording saved by Save Recording… (here or on another machine) in a contents
// view of its own: the grid, inspector and fields panel show the object as it was at the timeline's
// cursor, the C type it was recorded with laid over it, with no object behind it. A file that is
// not a whole, undamaged recording is refused in words and nothing of it is shown.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { formatBytes } from '../ipc/format';
import { decodeRecording } from '../ipc/recording/format';
import { MomentSource } from '../ipc/recording/moments';
import { Recording } from '../ipc/recording/recording';
import { ContentsPanel } from '../views/contentsPanel';
import { SeriesPanel } from '../views/seriesPanel';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

/** Larger files are refused before reading (a recording's memory budget is at most 1 GiB: ipcInspector.recording.memoryBudget). */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

/** The file's bytes, by descriptor: the size checked is the size read, whatever happens to the name meanwhile. */
async function readBounded(file: string): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(l10n.t('{0} is not a file.', file));
    if (stat.size > MAX_FILE_BYTES) {
      throw new Error(l10n.t('{0} is {1}: recordings over {2} are not opened.', file, formatBytes(stat.size), formatBytes(MAX_FILE_BYTES)));
    }
    const bytes = Buffer.alloc(stat.size);
    const { bytesRead } = await handle.read(bytes, 0, stat.size, 0);
    if (bytesRead !== stat.size) throw new Error(l10n.t('{0} changed while it was read.', file));
    return bytes;
  } finally {
    await handle.close();
  }
}

export const openRecording: Command = {
  id: 'ipcInspector.openRecording',
  what: 'Could not open the recording',
  async run(env, arg?: unknown) {
    const uri =
      arg instanceof vscode.Uri
        ? arg
        : (
            await env.ipc.prompts.openDialog({
              title: l10n.t('Open an IPC Inspector recording'),
              canSelectMany: false,
              filters: { [l10n.t('IPC Inspector recordings')]: ['ipcrec'], [l10n.t('All files')]: ['*'] },
              openLabel: l10n.t('Open Recording'),
            })
          )?.[0];
    if (!uri) return undefined;
    const file = uri.fsPath;
    const recording = decodeRecording(await readBounded(file));
    if (!(recording instanceof Recording)) {
      // A semaphore set's or a queue's numbers: plotted in a view of their own.
      env.ipc.log.info(`opened the recording ${file}: ${recording.meta.object.title}, ${recording.count} samples`);
      return SeriesPanel.opened(env.ipc, file, recording);
    }
    if (recording.store.count === 0) throw new Error(l10n.t('{0} holds no samples.', path.basename(file)));
    const { object, startedAt } = recording.meta;
    const id = `recording:${file}`;
    const source = new MomentSource(recording, {
      id,
      title: l10n.t('{0} (recorded)', object.title),
      subtitle: path.basename(file),
      noun: 'recording',
      size: object.size,
      facts: [
        [l10n.t('Recorded'), new Date(startedAt).toLocaleString()],
        [l10n.t('Samples'), String(recording.store.count)],
        [l10n.t('Every'), `${recording.meta.samplePeriodMs.toFixed(1)} ms`],
      ],
      phase: 'live',
      removedNotice: '',
      gaps: 'hole',
    });
    const panel = ContentsPanel.showRecording(env.ipc, source, recording);
    env.ipc.log.info(`opened the recording ${file}: ${object.title}, ${recording.store.count} samples`);
    return panel;
  },
};
