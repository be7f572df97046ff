// Clean Up Orphaned…: one preview of every orphaned object of every kind (System V segments nobody
// is attached to whose creator is gone; POSIX objects and named semaphores nobody has mapped or
// open, unused past the grace period; semaphore sets and message queues nobody waits on whose last
// users exited; POSIX queues nobody holds), each with why, pre-selected when the verdict is certain;
// one confirmation; then each is removed only if it is still orphaned when read again, and at the
// moment of removal still unattached (the helper's remove-if-unattached) or still the same inode
// (the helper's checked unlink). Objects in use are never offered.
import { formatBytes } from '../ipc/format';
import { HelperError } from '../ipc/helperClient';
import { freedBytes, isCertainOrphan, isOrphaned, orphansOf } from '../ipc/orphans';
import { orphanedWord } from '../ipc/objects';
import { findAgain, kindOf } from '../ipc/kinds';
import type { IpcObject } from '../ipc/snapshot';
import { completeStep } from '../walkthrough';
import { boundedList, kindName, objectFacts, objectLabel, objectTitle, removalRefusalWords, subjectOf } from './objectArgs';
import { removedName } from './remove';
import type { Command, CommandEnv } from './registry';
import { reportFailure } from './registry';
import * as l10n from '../shared/l10n';

export const CLEAN_UP_BUTTON = 'Remove';

export interface CleanUpResult {
  /** shmids of segments and names of POSIX objects removed. */
  removed: Array<number | string>;
  bytesFreed: number;
  skipped: string[];
}

/** Certain: the kernel's counts or a complete scan back the verdict, so it is ticked in the preview. */
const isCertain = isCertainOrphan;

function reasonOf(object: IpcObject): string {
  return kindOf(object).reason(object);
}

export const cleanUpOrphans: Command = {
  id: 'ipcInspector.cleanUpOrphans',
  what: 'Could not clean up orphaned objects',
  async run(env): Promise<CleanUpResult | undefined> {
    const allOrphans = orphansOf(await env.ipc.refresh(true));
    // Other users' orphans this user may not remove are not offered: they are only counted.
    const orphans = allOrphans.filter((o) => removalRefusalWords(o, env.ipc.credentials) === undefined);
    const foreign = allOrphans.length - orphans.length;
    const foreignNote =
      foreign === 0
        ? ''
        : ' ' +
          (foreign === 1
            ? l10n.t('1 orphaned object of another user is not offered: only its owner or root may remove it.')
            : l10n.t('{0} orphaned objects of other users are not offered: only their owners or root may remove them.', foreign));
    if (orphans.length === 0) {
      void env.ipc.prompts.notify(
        'info',
        foreign > 0
          ? l10n.t('Nothing orphaned that you may remove.{0}', foreignNote)
          : l10n.t('Nothing orphaned: every segment is attached or its creator is running, and every POSIX object is in use or was used recently.'),
      );
      return { removed: [], bytesFreed: 0, skipped: [] };
    }
    const items = orphans.map((object) => {
      const facts = objectFacts(object);
      // An orphan some process could not be checked for is offered, but not ticked: the user decides.
      const certain = isCertain(object);
      return {
        label: objectTitle(object),
        description: [...(certain ? [] : [orphanedWord(false)]), kindName(object), facts.size, l10n.t('owner {0}', facts.owner)].join(' · '),
        detail: certain ? reasonOf(object) : l10n.t('{0}: {1}', orphanedWord(false), reasonOf(object)),
        picked: certain,
        object,
      };
    });
    const picked = await env.ipc.prompts.quickPick(items, {
      canPickMany: true,
      title: l10n.t('Clean Up Orphaned Objects'),
      placeHolder: l10n.t(
        '{0} orphaned: nobody attached or holding it, its creator gone or unused for long. Untick the ones to keep (those that could not be fully checked are not ticked).{1}',
        orphans.length,
        foreignNote,
      ),
    });
    if (!picked || picked.length === 0) return undefined;
    const chosen = picked.map((item) => item.object);
    const total = chosen.reduce((sum, object) => sum + freedBytes(object), 0);
    if (env.ipc.settings.confirmRemove) {
      const answer = await env.ipc.prompts.confirm(
        chosen.length === 1
          ? l10n.t('Remove 1 orphaned object, {0}?', formatBytes(total))
          : l10n.t('Remove {0} orphaned objects, {1}?', chosen.length, formatBytes(total)),
        boundedList(chosen.map((object) => `• ${objectLabel(object)}, ${objectFacts(object).size}: ${reasonOf(object)}`)) +
          '\n\nEach is checked again right before removal: anything a process attached, mapped or opened meanwhile is kept.',
        CLEAN_UP_BUTTON,
      );
      if (answer !== CLEAN_UP_BUTTON) return undefined;
    }
    const result = await removeStillOrphaned(env, chosen);
    const summary =
      result.removed.length === 1
        ? l10n.t('Removed 1 orphaned object, freed {0}.', formatBytes(result.bytesFreed))
        : l10n.t('Removed {0} orphaned objects, freed {1}.', result.removed.length, formatBytes(result.bytesFreed));
    void env.ipc.prompts.notify(
      result.skipped.length ? 'warning' : 'info',
      result.skipped.length ? l10n.t('{0} Kept: {1}.', summary, result.skipped.join('; ')) : summary,
    );
    return result;
  },
};

/** Removes one object found orphaned again (only if still so, where the kernel can check it in the same call); returns the bytes it freed. */
function removeOrphan(env: CommandEnv, now: IpcObject): Promise<number> {
  return kindOf(now).removeOrphan(env.ipc.helper(), now);
}

async function removeStillOrphaned(env: CommandEnv, chosen: IpcObject[]): Promise<CleanUpResult> {
  const fresh = await env.ipc.refresh(true);
  const result: CleanUpResult = { removed: [], bytesFreed: 0, skipped: [] };
  for (const object of chosen) {
    const now = findAgain(fresh, object);
    if (!now) {
      result.skipped.push(`${objectLabel(object)} is gone already`);
      continue;
    }
    if (!isOrphaned(now)) {
      result.skipped.push(`${objectLabel(object)} is no longer orphaned (${reasonOf(now)})`);
      continue;
    }
    try {
      result.bytesFreed += await removeOrphan(env, now);
      result.removed.push(removedName(now));
      env.ipc.log.info(`clean-up removed ${objectLabel(now)} (${reasonOf(now)})`);
    } catch (error) {
      if (error instanceof HelperError && error.code === 'EBUSY') {
        result.skipped.push(`${objectLabel(object)} was attached meanwhile`);
      } else if (error instanceof HelperError && error.code === 'ESTALE') {
        result.skipped.push(`${objectLabel(object)} was replaced by another object of the same name`);
      } else {
        result.skipped.push(`${objectLabel(object)} could not be removed`);
        reportFailure(env.ipc, error, `Could not remove ${objectLabel(object)}`, subjectOf(object));
      }
    }
  }
  await env.ipc.refresh(true);
  if (result.removed.length > 0) completeStep('cleanedUp');
  return result;
}
