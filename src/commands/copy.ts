// The copy actions of a row's context menu: Copy Key / Copy Id (System V objects), Copy Name /
// Copy Path (POSIX objects, named semaphores and queues) and Copy Remove Command (every kind: the
// shell command that removes it).
import * as vscode from 'vscode';
import { formatKey } from '../ipc/format';
import { kindOf } from '../ipc/kinds';
import type { IpcObject } from '../ipc/snapshot';
import { chooseObjects } from './objectArgs';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

/** A copy command: the text it copies of each object, or undefined for an object it does not apply to. */
function copyCommand(id: string, what: string, text: (object: IpcObject) => string | undefined): Command {
  const eligible = (object: IpcObject): object is IpcObject => text(object) !== undefined;
  return {
    id,
    what,
    async run(env, ...args) {
      const objects = await chooseObjects(env, args, { many: true, placeHolder: l10n.t('Object to copy from'), eligible });
      if (objects.length === 0) return undefined;
      const value = objects.map((object) => text(object)!).join('\n');
      await vscode.env.clipboard.writeText(value);
      vscode.window.setStatusBarMessage(l10n.t('Copied {0}', objects.length > 1 ? l10n.t('{0} lines', objects.length) : value), 3000);
      return value;
    },
  };
}

const sysvIds = (object: IpcObject) => kindOf(object).sysvIds(object);
const posixName = (object: IpcObject) => kindOf(object).posixName(object);

export const copyKey = copyCommand('ipcInspector.copyKey', 'Could not copy the key', (o) => {
  const ids = sysvIds(o);
  return ids && formatKey(ids.key);
});
export const copyId = copyCommand('ipcInspector.copyId', 'Could not copy the id', (o) => {
  const ids = sysvIds(o);
  return ids && String(ids.id);
});
export const copyName = copyCommand('ipcInspector.copyName', 'Could not copy the name', (o) => posixName(o)?.name);
export const copyPath = copyCommand('ipcInspector.copyPath', 'Could not copy the path', (o) => posixName(o)?.path);
export const copyRemoveCommand = copyCommand('ipcInspector.copyRemoveCommand', 'Could not copy the remove command', (o) =>
  kindOf(o).removable(o) ? kindOf(o).removeCommand(o) : undefined,
);
