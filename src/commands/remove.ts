// Remove…: removes every selected object, after a modal confirmation that names each one and says
// what happens to the ones still in use: a System V segment still attached is only marked (IPC_RMID)
// and goes at its last detach; a POSIX object is unlinked (shm_unlink) and its memory stays for the
// processes that have it mapped or open until they let go. Right before acting, each object is
// read again: one that vanished, or whose id or name now belongs to another object, is left alone
// (the helper checks a POSIX object's inode in the same call as the unlink).
import { findAgain, type IpcObject } from '../ipc/snapshot';
import { boundedList, chooseObjects, objectFacts, objectLabel, subjectOf } from './objectArgs';
import type { Command, CommandEnv } from './registry';
import { reportFailure } from './registry';

export const REMOVE_BUTTON = 'Remove';

/** Objects Remove can act on: live segments and POSIX objects that still have a name. */
function removable(object: IpcObject): object is IpcObject {
  return object.kind === 'sysvShm' ? !object.segment.dest : object.origin === 'dev-shm' && !object.removed;
}

function inUse(object: IpcObject): boolean {
  return object.kind === 'sysvShm' ? object.segment.nattch > 0 : object.mappers + object.openers > 0;
}

/** "segments", "POSIX objects" or, for a mix, "objects". */
function pluralNoun(objects: IpcObject[]): string {
  if (objects.every((o) => o.kind === 'sysvShm')) return 'segments';
  if (objects.every((o) => o.kind === 'posixShm')) return 'POSIX objects';
  return 'objects';
}

function confirmation(objects: IpcObject[]): { message: string; detail: string } {
  const message = objects.length === 1 ? `Remove ${objectLabel(objects[0])}?` : `Remove ${objects.length} ${pluralNoun(objects)}?`;
  const lines = objects.map((o) => {
    const facts = objectFacts(o);
    const use = o.kind === 'sysvShm' ? `${o.segment.nattch} attached` : o.reason;
    return `• ${objectLabel(o)}, ${facts.size}, owner ${facts.owner}, ${use}`;
  });
  const notes: string[] = [];
  const attached = objects.filter((o) => o.kind === 'sysvShm' && inUse(o)).length;
  const held = objects.filter((o) => o.kind === 'posixShm' && inUse(o)).length;
  if (attached > 0) {
    notes.push(`${attached === 1 ? 'One segment is' : `${attached} segments are`} still attached: an attached segment is only marked for removal (its key is freed at once) and disappears when its last process detaches.`);
  }
  if (held > 0) {
    notes.push(`${held === 1 ? 'One object is' : `${held} objects are`} still mapped or open: the name goes at once, but the processes that map or hold it keep its memory until they unmap and close it.`);
  }
  if (attached + held === 0) notes.push(objects.length === 1 ? 'Its contents are lost.' : 'Their contents are lost.');
  else if (attached + held < objects.length) notes.push('The contents of the others are lost.');
  return { message, detail: `${boundedList(lines)}\n\n${notes.join('\n\n')}` };
}

/** Removes one object that was just found again; true when it is gone. */
async function removeOne(env: CommandEnv, now: IpcObject): Promise<void> {
  const helper = env.ipc.helper();
  if (now.kind === 'sysvShm') {
    await helper.remove(now.segment.shmid);
    env.ipc.log.info(`removed ${objectLabel(now)}${now.segment.nattch > 0 ? ` (marked: ${now.segment.nattch} still attached)` : ''}`);
    return;
  }
  await helper.fileUnlink(now.file!.path, now);
  env.ipc.log.info(`removed ${objectLabel(now)} (${now.reason})`);
}

export const remove: Command = {
  id: 'ipcInspector.remove',
  what: 'Could not remove',
  async run(env, ...args) {
    const objects = await chooseObjects(env, args, { many: true, placeHolder: 'Objects to remove', eligible: removable, none: 'Nothing to remove: no segment or object that still has a key or name.' });
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
    if (skipped.length > 0) void env.ipc.prompts.notify('warning', `Not removed: ${skipped.join('; ')}.`);
    return removed.map((o) => (o.kind === 'sysvShm' ? o.segment.shmid : o.name));
  },
};
