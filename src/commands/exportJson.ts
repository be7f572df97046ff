// Export as JSON…: the current picture of every kind of IPC object (of the namespace the views show)
// written to a file the user picks (proposed outside version control), in the documented format of
// src/ipc/exportJson.ts; the memfds (a browser's hundreds) can be left out.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXPORT_NEEDS, exportDocument } from '../ipc/exportJson';
import { allObjects } from '../ipc/kinds';
import type { IpcObject } from '../ipc/snapshot';
import type { Command, CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

/** Whether a folder is inside a repository of git, Mercurial or Subversion (it or a folder above it has one). */
export function insideVersionControl(dir: string, exists: (file: string) => boolean = fs.existsSync): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (['.git', '.hg', '.svn'].some((marker) => exists(path.join(d, marker)))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/**
 * Where the save dialog proposes the file: the first of these folders outside version control
 * (an export in a checkout is an untracked file in the repository), the home folder by default.
 */
export function exportFolder(candidates: readonly string[], exists: (file: string) => boolean = fs.existsSync): string {
  return candidates.find((dir) => !insideVersionControl(dir, exists)) ?? candidates[candidates.length - 1];
}

function defaultFile(nowMs: number): vscode.Uri {
  const stamp = new Date(nowMs).toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const folder = exportFolder([os.homedir(), os.tmpdir()]);
  return vscode.Uri.file(path.join(folder, `ipc-${os.hostname()}-${stamp}.json`));
}

/** Whether an object is a memfd (browsers share memory through hundreds of them). */
function isMemfd(object: IpcObject): boolean {
  return object.kind === 'posixShm' && object.origin === 'memfd';
}

/** Which objects to export: all, or all but the memfds when there are some (asked). Undefined when cancelled. */
async function chooseObjects(env: CommandEnv, objects: IpcObject[]): Promise<IpcObject[] | undefined> {
  const memfds = objects.filter(isMemfd).length;
  if (memfds === 0) return objects;
  const items = [
    {
      label: l10n.t('Leave out the memfds'),
      description:
        memfds === 1
          ? l10n.t('{0} objects; 1 memfd left out', objects.length - memfds)
          : l10n.t('{0} objects; {1} memfds left out', objects.length - memfds, memfds),
      detail: l10n.t('Browsers and other programs share memory through memfds: usually not what you are debugging.'),
      withMemfds: false,
    },
    { label: l10n.t('Everything'), description: objects.length === 1 ? l10n.t('1 object') : l10n.t('{0} objects', objects.length), withMemfds: true },
  ];
  const picked = await env.ipc.prompts.quickPick(items, {
    title: l10n.t('Export IPC Objects as JSON: which objects?'),
    placeHolder: l10n.t('Export the memfds too?'),
  });
  if (!picked) return undefined;
  return picked.withMemfds ? objects : objects.filter((o) => !isMemfd(o));
}

export const exportJson: Command = {
  id: 'ipcInspector.exportJson',
  what: 'Could not export the IPC objects',
  async run(env): Promise<string | undefined> {
    // With the waits: who is blocked on what, the locks and the wait-for graph belong in a bug report.
    const snapshot = await env.ipc.refresh(true, EXPORT_NEEDS);
    if (!snapshot) throw new Error(l10n.t('/proc could not be read, so there is nothing to export (see the IPC Inspector log).'));
    const objects = await chooseObjects(env, allObjects(snapshot));
    if (!objects) return undefined;
    const nowMs = Date.now();
    const target = await env.ipc.prompts.saveDialog({
      title: l10n.t('Export IPC Objects as JSON'),
      defaultUri: defaultFile(nowMs),
      filters: { JSON: ['json'] },
      saveLabel: l10n.t('Export'),
    });
    if (!target) return undefined;
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
