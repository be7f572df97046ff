// Compare with Snapshot File…: a contents view's object as shown (the recorded moment at the
// timeline's cursor, or now) against a snapshot saved earlier (Save snapshot…, or any file of the
// same size): the bytes that differ are marked in the grid and the C type's fields that differ are
// listed with both values. The file is read whole only when it is the object's size.
import * as fs from 'fs';
import * as path from 'path';
import { formatBytes } from '../ipc/format';
import { targetPanel } from './contentsTarget';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

/** Objects larger than this are not compared (both copies are held in memory at once). */
const MAX_COMPARE = 256 * 1024 * 1024;

export const compareWithSnapshot: Command = {
  id: 'ipcInspector.compareWithSnapshot',
  what: 'Could not compare with the snapshot',
  async run(env, arg?: unknown) {
    const panel = await targetPanel(env, arg ?? {});
    if (!panel) return undefined;
    if (panel.size > MAX_COMPARE) {
      throw new Error(l10n.t('The {0} is {1}: objects over {2} are not compared.', panel.source.title, formatBytes(panel.size), formatBytes(MAX_COMPARE)));
    }
    const picked = await env.ipc.prompts.openDialog({
      title: l10n.t('Compare {0} with a snapshot', panel.source.title),
      canSelectMany: false,
      openLabel: l10n.t('Compare'),
      filters: { [l10n.t('Snapshots')]: ['bin'], [l10n.t('All files')]: ['*'] },
    });
    const file = picked?.[0]?.fsPath;
    if (!file) return undefined;
    // By descriptor: the size checked is the size read, whatever happens to the name meanwhile.
    const handle = await fs.promises.open(file, 'r');
    let bytes: Buffer;
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(l10n.t('{0} is not a file.', file));
      if (stat.size !== panel.size) {
        throw new Error(
          l10n.t(
            '{0} is {1} bytes and {2} is {3}: only a snapshot of the same size can be compared.',
            path.basename(file),
            stat.size,
            panel.source.title,
            panel.size,
          ),
        );
      }
      bytes = Buffer.alloc(stat.size);
      const { bytesRead } = await handle.read(bytes, 0, stat.size, 0);
      if (bytesRead !== stat.size) throw new Error(l10n.t('{0} changed while it was read.', file));
    } finally {
      await handle.close();
    }
    const result = await panel.compareWith(bytes, path.basename(file));
    panel.panel.reveal();
    return result;
  },
};
