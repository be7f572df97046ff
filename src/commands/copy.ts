// The copy actions of a row's context menu: Copy Key / Copy Id (System V segments), Copy Name /
// Copy Path (POSIX objects) and Copy Remove Command (both: the shell command that removes it).
import * as vscode from 'vscode';
import { formatKey } from '../ipc/format';
import type { IpcObject, PosixObjectInfo, SegmentInfo } from '../ipc/snapshot';
import { chooseObjects, isPosix, isSegment } from './objectArgs';
import type { Command } from './registry';

function copyCommand<T extends IpcObject>(id: string, what: string, eligible: (o: IpcObject) => o is T, text: (object: T) => string): Command {
  return {
    id,
    what,
    async run(env, ...args) {
      const objects = await chooseObjects(env, args, { many: true, placeHolder: 'Object to copy from', eligible });
      if (objects.length === 0) return undefined;
      const value = objects.map(text).join('\n');
      await vscode.env.clipboard.writeText(value);
      vscode.window.setStatusBarMessage(`Copied ${objects.length > 1 ? `${objects.length} lines` : value}`, 3000);
      return value;
    },
  };
}

/** A POSIX object with a name in /dev/shm (not a memfd, not one already removed). */
function isNamedPosix(object: IpcObject): object is PosixObjectInfo {
  return isPosix(object) && object.origin === 'dev-shm' && !object.removed && object.file !== undefined;
}

function isRemovable(object: IpcObject): object is SegmentInfo | PosixObjectInfo {
  return isSegment(object) || isNamedPosix(object);
}

/** A path as one shell word: quoted when it has anything a shell would read. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export const copyKey = copyCommand('ipcInspector.copyKey', 'Could not copy the key', isSegment, (info) => formatKey(info.segment.key));
export const copyId = copyCommand('ipcInspector.copyId', 'Could not copy the id', isSegment, (info) => String(info.segment.shmid));
export const copyName = copyCommand('ipcInspector.copyName', 'Could not copy the name', isNamedPosix, (info) => info.name);
export const copyPath = copyCommand('ipcInspector.copyPath', 'Could not copy the path', isNamedPosix, (info) => info.file!.path);
// A segment by id: ipcrm -M refuses key 0 (private and removed segments), and an id names exactly
// this one. A POSIX object by its path: util-linux 2.38 has no ipcrm for them, rm is what works.
export const copyRemoveCommand = copyCommand('ipcInspector.copyRemoveCommand', 'Could not copy the remove command', isRemovable, (object) =>
  object.kind === 'sysvShm' ? `ipcrm -m ${object.segment.shmid}` : `rm ${shellQuote(object.file!.path)}`,
);
