// Remove…: removes every selected object of any kind, after a modal confirmation that names each
// one and says what happens to the ones in use: a System V segment still attached is only marked
// (IPC_RMID) and goes at its last detach; a POSIX object or named semaphore is unlinked and stays
// for the processes that map or hold it; a semaphore set or message queue goes at once, and the
// processes blocked on it wake up with EIDRM. Right before acting, each object is read again: one
// that vanished, or whose id or name now belongs to another object, is left alone (the helper
// checks a POSIX object's inode in the same call as the unlink).
import type { KindModule } from '../ipc/kind';
import { findAgain, KINDS, kindOf } from '../ipc/kinds';
import type { IpcObject } from '../ipc/snapshot';
import { boundedList, chooseObjects, objectFacts, objectLabel, removalRefusalWords, subjectOf } from './objectArgs';
import type { Command, CommandEnv } from './registry';
import { reportFailure } from './registry';
import * as l10n from '../shared/l10n';

export const REMOVE_BUTTON = 'Remove';

/** Objects Remove can act on: live System V objects, and POSIX ones that still have a name. */
export function removable(object: IpcObject): object is IpcObject {
  return kindOf(object).removable(object);
}

/** "segments", "POSIX objects", "semaphore sets"... or, for a mix, "objects". */
function pluralNoun(objects: IpcObject[]): string {
  const kinds = new Set(objects.map((o) => kindOf(o)));
  return kinds.size === 1 ? kindOf(objects[0]).noun(objects[0]).many : l10n.t('objects');
}

function confirmation(objects: IpcObject[]): { message: string; detail: string } {
  const message = objects.length === 1 ? l10n.t('Remove {0}?', objectLabel(objects[0])) : l10n.t('Remove {0} {1}?', objects.length, pluralNoun(objects));
  const lines = objects.map((o) => {
    const facts = objectFacts(o);
    return l10n.t('• {0}, {1}, owner {2}, {3}', objectLabel(o), facts.size, facts.owner, kindOf(o).useWords(o));
  });
  const notes: string[] = [];
  const used = objects.filter((o) => kindOf(o).inUse(o));
  // One note per kind in use, in the kinds' order.
  for (const kind of Object.values(KINDS) as Array<KindModule<IpcObject>>) {
    const ofKind = used.filter((o) => kindOf(o) === kind);
    if (ofKind.length === 0) continue;
    const { one, many } = kind.noun(ofKind[0]);
    notes.push(
      ofKind.length === 1
        ? l10n.t('One {0} is {1}: {2}.', one || kind.kindName(ofKind[0]), kind.inUseWords, kind.inUseNote)
        : l10n.t('{0} {1} are {2}: {3}.', ofKind.length, many, kind.inUseWords, kind.inUseNote),
    );
  }
  if (used.length === 0) notes.push(objects.length === 1 ? l10n.t('Its contents are lost.') : l10n.t('Their contents are lost.'));
  else if (used.length < objects.length) notes.push(l10n.t('The contents of the others are lost.'));
  return { message, detail: `${boundedList(lines)}\n\n${notes.join('\n\n')}` };
}

/** Removes one object that was just found again. */
export async function removeOne(env: CommandEnv, now: IpcObject): Promise<void> {
  const kind = kindOf(now);
  await kind.remove(env.ipc.helper(), now);
  env.ipc.log.info(`removed ${objectLabel(now)}${kind.inUse(now) ? ` (${kind.useWords(now)})` : ''}`);
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
  return kindOf(object).removedName(object);
}
