// Clean Up Orphaned…: one preview of every orphaned object of every kind (System V segments nobody
// is attached to whose creator is gone; POSIX objects and named semaphores nobody has mapped or
// open, unused past the grace period; semaphore sets and message queues nobody waits on whose last
// users exited; POSIX queues nobody holds), each with why, pre-selected when the verdict is certain;
// one confirmation; then each is removed only if it is still orphaned when read again, and at the
// moment of removal still unattached (the helper's remove-if-unattached) or still the same inode
// (the helper's checked unlink). Objects in use are never offered. What is offered and the checked
// removal are src/ipc/cleanUp.ts (the command line's `clean --orphans` uses the same); this file
// asks and tells.
import { cleanUpSummary, nothingOrphanedWords, planCleanUp, removeStillOrphaned, type CleanUpResult } from '../ipc/cleanUp';
import { formatBytes } from '../ipc/format';
import { freedBytes } from '../ipc/orphans';
import { orphanedWord } from '../ipc/objects';
import { kindOf } from '../ipc/kinds';
import { STATE_NEEDS } from '../ipc/snapshot';
import { completeStep } from '../walkthrough';
import { boundedList, kindName, objectFacts, objectLabel, objectTitle, subjectOf } from './objectArgs';
import type { Command } from './registry';
import { reportFailure } from './registry';
import * as l10n from '../shared/l10n';

export type { CleanUpResult } from '../ipc/cleanUp';

export const CLEAN_UP_BUTTON = 'Remove';

export const cleanUpOrphans: Command = {
  id: 'ipcInspector.cleanUpOrphans',
  what: 'Could not clean up orphaned objects',
  async run(env): Promise<CleanUpResult | undefined> {
    const plan = planCleanUp(await env.ipc.refresh(true, STATE_NEEDS), env.ipc.credentials);
    if (plan.offered.length === 0) {
      void env.ipc.prompts.notify('info', nothingOrphanedWords(plan));
      return { removed: [], bytesFreed: 0, skipped: [] };
    }
    // An orphan some process could not be checked for is offered, but not ticked: the user decides.
    const items = plan.offered.map(({ object, certain, reason }) => {
      const facts = objectFacts(object);
      return {
        label: objectTitle(object),
        description: [...(certain ? [] : [orphanedWord(false)]), kindName(object), facts.size, l10n.t('owner {0}', facts.owner)].join(' · '),
        detail: certain ? reason : l10n.t('{0}: {1}', orphanedWord(false), reason),
        picked: certain,
        object,
      };
    });
    const picked = await env.ipc.prompts.quickPick(items, {
      canPickMany: true,
      title: l10n.t('Clean Up Orphaned Objects'),
      placeHolder: l10n.t(
        '{0} orphaned: nobody attached or holding it, its creator gone or unused for long. Untick the ones to keep (those that could not be fully checked are not ticked).{1}',
        plan.offered.length,
        plan.foreignNote,
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
        boundedList(chosen.map((object) => `• ${objectLabel(object)}, ${objectFacts(object).size}: ${kindOf(object).reason(object)}`)) +
          '\n\nEach is checked again right before removal: anything a process attached, mapped or opened meanwhile is kept.',
        CLEAN_UP_BUTTON,
      );
      if (answer !== CLEAN_UP_BUTTON) return undefined;
    }
    const result = await removeStillOrphaned(chosen, {
      refresh: () => env.ipc.refresh(true, STATE_NEEDS),
      removeOrphan: (object) => kindOf(object).removeOrphan(env.ipc.helper(), object),
      failed: (error, object) => reportFailure(env.ipc, error, `Could not remove ${objectLabel(object)}`, subjectOf(object)),
      removed: (object) => env.ipc.log.info(`clean-up removed ${objectLabel(object)} (${kindOf(object).reason(object)})`),
    });
    await env.ipc.refresh(true);
    if (result.removed.length > 0) completeStep('cleanedUp');
    void env.ipc.prompts.notify(result.skipped.length ? 'warning' : 'info', cleanUpSummary(result));
    return result;
  },
};
