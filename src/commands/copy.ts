// The copy actions of a row's context menu: Copy Key / Copy Id (System V objects), Copy Name /
// Copy Path (POSIX objects, named semaphores and queues) and Copy Remove Command (every kind: the
// shell command that removes it).
import * as vscode from 'vscode';
import { formatKey } from '../ipc/format';
import type { IpcObject, MsgQueueInfo, PosixMqInfo, PosixObjectInfo, PosixSemInfo, SegmentInfo, SemSetInfo } from '../ipc/snapshot';
import { chooseObjects, isPosix } from './objectArgs';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

function copyCommand<T extends IpcObject>(id: string, what: string, eligible: (o: IpcObject) => o is T, text: (object: T) => string): Command {
  return {
    id,
    what,
    async run(env, ...args) {
      const objects = await chooseObjects(env, args, { many: true, placeHolder: l10n.t('Object to copy from'), eligible });
      if (objects.length === 0) return undefined;
      const value = objects.map(text).join('\n');
      await vscode.env.clipboard.writeText(value);
      vscode.window.setStatusBarMessage(l10n.t('Copied {0}', objects.length > 1 ? `${objects.length} lines` : value), 3000);
      return value;
    },
  };
}

type SysvObject = SegmentInfo | SemSetInfo | MsgQueueInfo;
type NamedObject = PosixObjectInfo | PosixSemInfo | PosixMqInfo;

function isSysv(object: IpcObject): object is SysvObject {
  return object.kind === 'sysvShm' || object.kind === 'sysvSem' || object.kind === 'sysvMsg';
}

/** A POSIX object, named semaphore or queue that still has its name (not a memfd, not one removed). */
function isNamed(object: IpcObject): object is NamedObject {
  if (isPosix(object)) return object.origin === 'dev-shm' && !object.removed && object.file !== undefined;
  if (object.kind === 'posixSem') return !object.removed && object.file !== undefined;
  return object.kind === 'posixMq';
}

function isRemovable(object: IpcObject): object is SysvObject | NamedObject {
  return isSysv(object) || isNamed(object);
}

function keyOf(object: SysvObject): number {
  return object.kind === 'sysvShm' ? object.segment.key : object.kind === 'sysvSem' ? object.set.key : object.queue.key;
}

function idOf(object: SysvObject): number {
  return object.kind === 'sysvShm' ? object.segment.shmid : object.kind === 'sysvSem' ? object.set.semid : object.queue.msqid;
}

function pathOf(object: NamedObject): string {
  return object.kind === 'posixMq' ? object.queue.path : object.file!.path;
}

const IPCRM_FLAG: Record<SysvObject['kind'], string> = { sysvShm: '-m', sysvSem: '-s', sysvMsg: '-q' };

/** A path as one shell word: quoted when it has anything a shell would read. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export const copyKey = copyCommand('ipcInspector.copyKey', 'Could not copy the key', isSysv, (object) => formatKey(keyOf(object)));
export const copyId = copyCommand('ipcInspector.copyId', 'Could not copy the id', isSysv, (object) => String(idOf(object)));
export const copyName = copyCommand('ipcInspector.copyName', 'Could not copy the name', isNamed, (object) => object.name);
export const copyPath = copyCommand('ipcInspector.copyPath', 'Could not copy the path', isNamed, pathOf);
// System V objects by id: ipcrm -M/-S/-Q refuse key 0 (private and removed ones), and an id names
// exactly this one. POSIX ones by their path: util-linux 2.38 has no ipcrm for them, rm is what works.
export const copyRemoveCommand = copyCommand('ipcInspector.copyRemoveCommand', 'Could not copy the remove command', isRemovable, (object) =>
  isSysv(object) ? `ipcrm ${IPCRM_FLAG[object.kind]} ${idOf(object)}` : `rm ${shellQuote(pathOf(object))}`,
);
