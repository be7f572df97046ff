// Remove…: removes every selected object of any kind, after a modal confirmation that names each
// one and says what happens to the ones in use: a System V segment still attached is only marked
// (IPC_RMID) and goes at its last detach; a POSIX object or named semaphore is unlinked and stays
// for the processes that map or hold it; a semaphore set or message queue goes at once, and the
// processes blocked on it wake up with EIDRM. Right before acting, each object is read again: one
// that vanished, or whose id or name now belongs to another object, is left alone (the helper
// checks a POSIX object's inode in the same call as the unlink).
import * as fs from 'fs';
import { findAgain, type IpcObject } from '../ipc/snapshot';
import { boundedList, chooseObjects, objectFacts, objectLabel, removalRefusalWords, subjectOf } from './objectArgs';
import type { Command, CommandEnv } from './registry';
import { reportFailure } from './registry';
import * as l10n from '../shared/l10n';

export const REMOVE_BUTTON = 'Remove';

/** Objects Remove can act on: live System V objects, and POSIX ones that still have a name. */
export function removable(object: IpcObject): object is IpcObject {
  switch (object.kind) {
    case 'sysvShm':
      return !object.segment.dest;
    case 'posixShm':
      return object.origin === 'dev-shm' && !object.removed && object.file !== undefined;
    case 'posixSem':
      return !object.removed && object.file !== undefined;
    default:
      return true;
  }
}

/** Held or used by some process now: the confirmation says what that means for each kind. */
function inUse(object: IpcObject): boolean {
  switch (object.kind) {
    case 'sysvShm':
      return object.segment.nattch > 0;
    case 'posixShm':
    case 'posixSem':
      return object.mappers + object.openers > 0;
    case 'posixMq':
      return object.holders.length > 0;
    case 'sysvSem':
      return object.state === 'in-use' || object.state === 'stuck';
    case 'sysvMsg':
      return object.senders.length + object.receivers.length > 0 || object.state === 'in-use';
  }
}

/** What "in use" means when it goes, per kind. */
const IN_USE_NOTE: Record<IpcObject['kind'], string> = {
  sysvShm: 'an attached segment is only marked for removal (its key is freed at once) and disappears when its last process detaches',
  posixShm: 'the name goes at once, but the processes that map or hold it keep its memory until they unmap and close it',
  posixSem: 'the name goes at once; processes that have it open go on using it until they close it',
  posixMq: 'the name goes at once; processes that have it open keep their descriptors, and its messages stay until the last one is closed',
  sysvSem: 'a set goes at once: processes waiting on it wake up with EIDRM, and the next semop of its users fails',
  sysvMsg: 'a queue goes at once with its messages: blocked senders and receivers wake up with EIDRM',
};

const NOUNS: Record<IpcObject['kind'], [string, string]> = {
  sysvShm: ['segment', 'segments'],
  posixShm: ['object', 'objects'],
  sysvSem: ['semaphore set', 'semaphore sets'],
  sysvMsg: ['message queue', 'message queues'],
  posixSem: ['named semaphore', 'named semaphores'],
  posixMq: ['POSIX queue', 'POSIX queues'],
};

/** "segments", "POSIX objects", "semaphore sets"... or, for a mix, "objects". */
function pluralNoun(objects: IpcObject[]): string {
  const kinds = new Set(objects.map((o) => o.kind));
  if (kinds.size !== 1) return 'objects';
  const [kind] = kinds;
  return kind === 'posixShm' ? 'POSIX objects' : NOUNS[kind][1];
}

function confirmation(objects: IpcObject[]): { message: string; detail: string } {
  const message = objects.length === 1 ? `Remove ${objectLabel(objects[0])}?` : `Remove ${objects.length} ${pluralNoun(objects)}?`;
  const lines = objects.map((o) => {
    const facts = objectFacts(o);
    const use = o.kind === 'sysvShm' ? `${o.segment.nattch} attached` : o.reason;
    return `• ${objectLabel(o)}, ${facts.size}, owner ${facts.owner}, ${use}`;
  });
  const notes: string[] = [];
  const used = objects.filter(inUse);
  for (const kind of Object.keys(IN_USE_NOTE) as Array<IpcObject['kind']>) {
    const n = used.filter((o) => o.kind === kind).length;
    if (n === 0) continue;
    const noun = NOUNS[kind];
    const state = kind === 'sysvShm' ? 'still attached' : kind === 'posixShm' ? 'still mapped or open' : 'in use';
    notes.push(`${n === 1 ? `One ${noun[0]} is` : `${n} ${noun[1]} are`} ${state}: ${IN_USE_NOTE[kind]}.`);
  }
  if (used.length === 0) notes.push(objects.length === 1 ? 'Its contents are lost.' : 'Their contents are lost.');
  else if (used.length < objects.length) notes.push('The contents of the others are lost.');
  return { message, detail: `${boundedList(lines)}\n\n${notes.join('\n\n')}` };
}

/** Removes one object that was just found again. */
export async function removeOne(env: CommandEnv, now: IpcObject): Promise<void> {
  const helper = env.ipc.helper();
  switch (now.kind) {
    case 'sysvShm':
      await helper.shmRemove(now.segment.shmid);
      break;
    case 'sysvSem':
      await helper.semRemove(now.set.semid);
      break;
    case 'sysvMsg':
      await helper.msgRemove(now.queue.msqid);
      break;
    case 'posixShm':
    case 'posixSem':
      await helper.fileUnlink(now.file!.path, now);
      break;
    case 'posixMq':
      // No unlink-by-inode exists for queues: the name is checked to still be this queue first.
      if (fs.statSync(now.queue.path).ino !== Number(now.key.split(':')[2])) {
        throw Object.assign(new Error(l10n.t('{0} is another queue now', now.name)), { code: 'ESTALE' });
      }
      await helper.mqUnlink(now.name);
      break;
  }
  env.ipc.log.info(`removed ${objectLabel(now)}${now.kind === 'sysvShm' && now.segment.nattch > 0 ? ` (marked: ${now.segment.nattch} still attached)` : ''}`);
}

export const remove: Command = {
  id: 'ipcInspector.remove',
  what: 'Could not remove',
  async run(env, ...args) {
    const chosen = await chooseObjects(env, args, {
      many: true,
      placeHolder: l10n.t('Objects to remove'),
      eligible: removable,
      none: l10n.t('Nothing to remove: no segment or object that still has a key or name.'),
    });
    // What the kernel would refuse is said now, not after a confirmation it could not honour.
    const refusals: string[] = [];
    const objects = chosen.filter((o) => {
      const why = removalRefusalWords(o, env.ipc.credentials);
      if (why) refusals.push(why);
      return why === undefined;
    });
    if (refusals.length > 0) void env.ipc.prompts.notify('error', l10n.t('Cannot remove {0}.', refusals.join('; ')));
    if (objects.length === 0) return [];
    if (env.ipc.settings.confirmRemove) {
      const { message, detail } = confirmation(objects);
      if ((await env.ipc.prompts.confirm(message, detail, REMOVE_BUTTON)) !== REMOVE_BUTTON) return [];
    }
    const removed: IpcObject[] = [];
    const skipped: string[] = [];
    // Read /proc once, right before acting, and check every object against it.
    const fresh = await env.ipc.refresh(true);
    for (const object of objects) {
      const now = findAgain(fresh, object);
      if (!now || !removable(now)) {
        skipped.push(`${objectLabel(object)} no longer exists`);
        continue;
      }
      try {
        await removeOne(env, now);
        removed.push(now);
      } catch (error) {
        reportFailure(env.ipc, error, `Could not remove ${objectLabel(object)}`, subjectOf(object));
      }
    }
    await env.ipc.refresh(true);
    if (skipped.length > 0) void env.ipc.prompts.notify('warning', l10n.t('Not removed: {0}.', skipped.join('; ')));
    return removed.map(removedName);
  },
};

/** What a removal returns for an object: a System V id, or a POSIX name. */
export function removedName(object: IpcObject): number | string {
  switch (object.kind) {
    case 'sysvShm':
      return object.segment.shmid;
    case 'sysvSem':
      return object.set.semid;
    case 'sysvMsg':
      return object.queue.msqid;
    default:
      return object.name;
  }
}
