// Export as JSON…: the current picture of every kind of IPC object (of the namespace the views show)
// written to a file the user picks, in the documented format of src/ipc/exportJson.ts.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { exportDocument } from '../ipc/exportJson';
import { allObjects } from '../ipc/kinds';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

function defaultFile(nowMs: number): vscode.Uri {
  const stamp = new Date(nowMs).toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
  return vscode.Uri.file(path.join(folder, `ipc-${os.hostname()}-${stamp}.json`));
}

export const exportJson: Command = {
  id: 'ipcInspector.exportJson',
  what: 'Could not export the IPC objects',
  async run(env): Promise<string | undefined> {
    // With the waits: who is blocked on what, the locks and the wait-for graph belong in a bug report.
    const snapshot = await env.ipc.refresh(true, ['waits']);
    if (!snapshot) throw new Error(l10n.t('/proc could not be read, so there is nothing to export (see the IPC Inspector log).'));
    const nowMs = Date.now();
    const target = await env.ipc.prompts.saveDialog({
      title: l10n.t('Export IPC Objects as JSON'),
      defaultUri: defaultFile(nowMs),
      filters: { JSON: ['json'] },
      saveLabel: l10n.t('Export'),
    });
    if (!target) return undefined;
    const objects = allObjects(snapshot);
    const document = exportDocument(snapshot, objects, {
      hostname: os.hostname(),
      kernel: os.release(),
      uid: env.ipc.uid,
      namespace: env.ipc.namespace,
      nowMs,
    });
    await fs.promises.writeFile(target.fsPath, `${JSON.stringify(document, null, 2)}\n`);
    env.ipc.log.info(`exported ${objects.length} objects to ${target.fsPath}`);
    const said =
      objects.length === 1 ? l10n.t('Exported 1 IPC object to {0}.', target.fsPath) : l10n.t('Exported {0} IPC objects to {1}.', objects.length, target.fsPath);
    void env.ipc.prompts.notify('info', said, 'Open').then((chosen) => {
      if (chosen === 'Open') void vscode.window.showTextDocument(target);
    });
    return target.fsPath;
  },
};
