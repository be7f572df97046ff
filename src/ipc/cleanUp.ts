// Clean Up Orphaned…, the part that is the same wherever it runs (the command in the editor, the
// command line's `clean --orphans`): which orphans are offered to whom and which are ticked, and
// the removal that reads the machine again first and removes each chosen object only if it is
// still orphaned then (and, in the same call where the kernel allows, still unattached or still
// the same inode). Objects in use are never offered; other users' orphans this user may not remove
// are counted, not offered. How the choice is asked and the result told is the caller's.
import { formatBytes } from './format';
import { HelperError } from './helperClient';
import { findAgain, kindOf, objectLabel, removalRefusalWords } from './kinds';
import { orphansOf } from './orphans';
import type { Credentials } from './permissions';
import type { IpcObject, Snapshot } from './snapshot';
import * as l10n from '../shared/l10n';

export interface CleanUpOffer {
  object: IpcObject;
  /** Every process could be checked: the verdict is certain, so the preview ticks it. */
  certain: boolean;
  /** Why it is called orphaned, in the kind's words. */
  reason: string;
}

export interface CleanUpPlan {
  offered: CleanUpOffer[];
  /** Orphans of other users that these credentials may not remove (only counted). */
  foreign: number;
  /** " N orphaned objects of other users are not offered: …", or '' when none. */
  foreignNote: string;
}

export interface CleanUpResult {
  /** shmids of System V objects and names of POSIX objects removed. */
  removed: Array<number | string>;
  bytesFreed: number;
  /** What was kept, each with why ("… is no longer orphaned (…)"). */
  skipped: string[];
}

export interface CleanUpDeps {
  /** Reads the machine again (forced); undefined when /proc cannot be read. */
  refresh(): Promise<Snapshot | undefined>;
  /** The kind's checked removal (KindModule.removeOrphan) through the helper; the bytes it freed. */
  removeOrphan(object: IpcObject): Promise<number>;
  /** A removal failed for a reason other than a re-check (reported by the caller in its own way). */
  failed(error: unknown, object: IpcObject): void;
  /** A removal done (for a log). */
  removed?(object: IpcObject): void;
}

/** What Clean Up offers these credentials in a snapshot. */
export function planCleanUp(snapshot: Snapshot | undefined, credentials: Credentials): CleanUpPlan {
  const all = orphansOf(snapshot);
  const mine = all.filter((object) => removalRefusalWords(object, credentials) === undefined);
  const foreign = all.length - mine.length;
  return {
    offered: mine.map((object) => ({ object, certain: kindOf(object).certain(object), reason: kindOf(object).reason(object) })),
    foreign,
    foreignNote: foreignNote(foreign),
  };
}

function foreignNote(foreign: number): string {
  if (foreign === 0) return '';
  return (
    ' ' +
    (foreign === 1
      ? l10n.t('1 orphaned object of another user is not offered: only its owner or root may remove it.')
      : l10n.t('{0} orphaned objects of other users are not offered: only their owners or root may remove them.', foreign))
  );
}

/** The words for "nothing to clean up", with or without other users' orphans. */
export function nothingOrphanedWords(plan: CleanUpPlan): string {
  return plan.foreign > 0
    ? l10n.t('Nothing orphaned that you may remove.{0}', plan.foreignNote)
    : l10n.t('Nothing orphaned: every segment is attached or its creator is running, and every POSIX object is in use or was used recently.');
}

/** The summary after a clean-up, as the editor's notification says it. */
export function cleanUpSummary(result: CleanUpResult): string {
  const summary =
    result.removed.length === 1
      ? l10n.t('Removed 1 orphaned object, freed {0}.', formatBytes(result.bytesFreed))
      : l10n.t('Removed {0} orphaned objects, freed {1}.', result.removed.length, formatBytes(result.bytesFreed));
  return result.skipped.length ? l10n.t('{0} Kept: {1}.', summary, result.skipped.join('; ')) : summary;
}

/** Removes each chosen object that is found orphaned again in a fresh read (see the header). */
export async function removeStillOrphaned(chosen: readonly IpcObject[], deps: CleanUpDeps): Promise<CleanUpResult> {
  const fresh = await deps.refresh();
  const result: CleanUpResult = { removed: [], bytesFreed: 0, skipped: [] };
  for (const object of chosen) {
    const now = findAgain(fresh, object);
    if (!now) {
      result.skipped.push(l10n.t('{0} is gone already', objectLabel(object)));
      continue;
    }
    const kind = kindOf(now);
    if (!kind.isOrphaned(now)) {
      result.skipped.push(l10n.t('{0} is no longer orphaned ({1})', objectLabel(object), kind.reason(now)));
      continue;
    }
    try {
      result.bytesFreed += await deps.removeOrphan(now);
      result.removed.push(kind.removedName(now));
      deps.removed?.(now);
    } catch (error) {
      if (error instanceof HelperError && error.code === 'EBUSY') {
        result.skipped.push(l10n.t('{0} was attached meanwhile', objectLabel(object)));
      } else if (error instanceof HelperError && error.code === 'ESTALE') {
        result.skipped.push(l10n.t('{0} was replaced by another object of the same name', objectLabel(object)));
      } else {
        result.skipped.push(l10n.t('{0} could not be removed', objectLabel(object)));
        deps.failed(error, object);
      }
    }
  }
  return result;
}
