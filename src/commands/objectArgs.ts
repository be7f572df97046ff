// Shared by the commands that act on IPC objects: which ones (clicked row, selection, or a pick
// list when run from the palette), and how to name them in messages.
import { formatBytes } from '../ipc/format';
import type { Subject } from '../ipc/errors';
import { removalRefusal, type Credentials } from '../ipc/permissions';
import { pmqStateWords } from '../ipc/posixMq/present';
import { psemStateWords, psemTitle, psemValueWords } from '../ipc/posixSem/present';
import { posixStateWords, posixTitle } from '../ipc/posixShm/present';
import { allObjects, type IpcObject, type PosixObjectInfo, type SegmentInfo } from '../ipc/snapshot';
import { msgStateWords, msgTitle } from '../ipc/sysvMsg/present';
import { semStateWords, semTitle } from '../ipc/sysvSem/present';
import { displayKey, stateWords } from '../ipc/sysvShm/present';
import type { CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

export function segmentTitle(info: SegmentInfo): string {
  return l10n.t('{0} (id {1})', displayKey(info), info.segment.shmid);
}

/** The object as lists name it, without its kind: "0x7e001234 (id 5)", "/psm_1a2b". */
export function objectTitle(object: IpcObject): string {
  switch (object.kind) {
    case 'sysvShm':
      return segmentTitle(object);
    case 'posixShm':
      return posixTitle(object);
    case 'sysvSem':
      return semTitle(object);
    case 'sysvMsg':
      return msgTitle(object);
    case 'posixSem':
      return psemTitle(object);
    case 'posixMq':
      return object.name;
  }
}

/** The word messages use for it: "segment", "set", "queue", "semaphore", "object". */
export function kindNoun(object: IpcObject): string {
  switch (object.kind) {
    case 'sysvShm':
      return 'segment';
    case 'sysvSem':
      return l10n.t('semaphore set');
    case 'sysvMsg':
      return l10n.t('message queue');
    case 'posixSem':
      return 'semaphore';
    case 'posixMq':
      return l10n.t('POSIX queue');
    case 'posixShm':
      return object.origin === 'memfd' ? '' : 'object';
  }
}

/** The object as messages name it: "segment 0x7e001234 (id 5)", "object /psm_1a2b", "semaphore set 0x… (id 3)". */
export function objectLabel(object: IpcObject): string {
  const noun = kindNoun(object);
  return noun ? `${noun} ${objectTitle(object)}` : objectTitle(object);
}

/** Its kind, in words: "System V segment", "POSIX object", "memfd"... */
export function kindName(object: IpcObject): string {
  switch (object.kind) {
    case 'sysvShm':
      return l10n.t('System V segment');
    case 'posixShm':
      return object.origin === 'memfd' ? 'memfd' : l10n.t('POSIX object');
    case 'sysvSem':
      return l10n.t('System V semaphore set');
    case 'sysvMsg':
      return l10n.t('System V message queue');
    case 'posixSem':
      return l10n.t('POSIX named semaphore');
    case 'posixMq':
      return l10n.t('POSIX message queue');
  }
}

export function subjectOf(object: IpcObject): Subject {
  const label = objectLabel(object);
  switch (object.kind) {
    case 'sysvShm':
      return { kind: 'segment', label, ownerName: object.ownerName, creatorUserName: object.creatorUserName };
    case 'sysvSem':
      return { kind: 'set', label, ownerName: object.ownerName, creatorUserName: object.creatorUserName };
    case 'sysvMsg':
      return { kind: 'queue', label, ownerName: object.ownerName, creatorUserName: object.creatorUserName };
    case 'posixMq':
      return { kind: 'posixQueue', label, ownerName: object.ownerName };
    default:
      return { kind: 'object', label, ownerName: object.ownerName };
  }
}

export function isSegment(object: IpcObject): object is SegmentInfo {
  return object.kind === 'sysvShm';
}

export function isPosix(object: IpcObject): object is PosixObjectInfo {
  return object.kind === 'posixShm';
}

/** Size, owner and state, for pick lists and confirmations. */
export function objectFacts(object: IpcObject): { size: string; owner: string; state: string } {
  switch (object.kind) {
    case 'sysvShm':
      return { size: formatBytes(object.segment.size), owner: object.ownerName, state: stateWords(object) };
    case 'posixShm':
      return {
        size: object.file ? formatBytes(object.file.size) : l10n.t('size unknown'),
        owner: object.ownerName ?? l10n.t('owner unknown'),
        state: posixStateWords(object),
      };
    case 'sysvSem':
      return { size: l10n.t('{0} semaphore{1}', object.set.nsems, object.set.nsems === 1 ? '' : 's'), owner: object.ownerName, state: semStateWords(object) };
    case 'sysvMsg':
      return {
        size: l10n.t('{0} message{1}, {2}', object.queue.qnum, object.queue.qnum === 1 ? '' : 's', formatBytes(object.queue.cbytes)),
        owner: object.ownerName,
        state: msgStateWords(object),
      };
    case 'posixSem':
      return { size: psemValueWords(object), owner: object.ownerName ?? l10n.t('owner unknown'), state: psemStateWords(object) };
    case 'posixMq':
      return {
        size: object.attr.read ? l10n.t('{0} message(s)', object.attr.curmsgs) : l10n.t('messages unknown'),
        owner: object.ownerName,
        state: pmqStateWords(object),
      };
  }
}

/** "/x is owned by root: only its owner ... may remove it", or undefined when this user may remove it. */
export function removalRefusalWords(object: IpcObject, credentials: Credentials): string | undefined {
  const rule = removalRefusal(object, credentials);
  return rule && l10n.t('{0} is owned by {1}: {2}', objectLabel(object), objectFacts(object).owner, rule);
}

export interface ChooseOptions<T extends IpcObject> {
  many: boolean;
  placeHolder: string;
  /** Which objects the command can act on (a type guard narrows the result). */
  eligible: (object: IpcObject) => object is T;
  /** Further conditions, e.g. "not held yet". */
  also?: (object: T) => boolean;
  /** What to say when nothing is eligible. */
  none?: string;
}

/**
 * The objects to act on: from the tree (clicked row and selection) or, from the palette with
 * nothing selected, chosen in a pick list. Empty when the user cancelled.
 */
export async function chooseObjects<T extends IpcObject>(env: CommandEnv, args: unknown[], options: ChooseOptions<T>): Promise<T[]> {
  const fits = (object: IpcObject): object is T => options.eligible(object) && (options.also?.(object) ?? true);
  const given = objectsFromViews(env, args[0], args[1]).filter(fits);
  if (given.length > 0) return options.many ? given : given.slice(0, 1);
  const snapshot = env.ipc.snapshots.current ?? (await env.ipc.refresh(true));
  const all: IpcObject[] = snapshot ? allObjects(snapshot) : [];
  const items = all.filter(fits).map((object) => {
    const facts = objectFacts(object);
    return { label: objectTitle(object), description: `${kindName(object)} · ${facts.size} · ${facts.owner}`, detail: facts.state, object };
  });
  if (items.length === 0) {
    void env.ipc.prompts.notify('info', options.none ?? l10n.t('Nothing to choose from for this command.'));
    return [];
  }
  if (options.many) {
    const picked = await env.ipc.prompts.quickPick(items, { canPickMany: true, placeHolder: options.placeHolder });
    return (picked ?? []).map((item) => item.object);
  }
  const picked = await env.ipc.prompts.quickPick(items, { placeHolder: options.placeHolder });
  return picked ? [picked.object] : [];
}

/** System V segments only (Attach, Lock, Copy Key…). */
export function chooseSegments(env: CommandEnv, args: unknown[], options: Omit<ChooseOptions<SegmentInfo>, 'eligible'>): Promise<SegmentInfo[]> {
  return chooseObjects(env, args, { none: l10n.t('No segment to choose from for this command.'), ...options, eligible: isSegment });
}

/** At most `max` lines of a list for a dialog, then "…and N more": a modal must stay readable. */
export function boundedList(lines: string[], max = 10): string {
  if (lines.length <= max) return lines.join('\n');
  return [...lines.slice(0, max - 1), l10n.t('…and {0} more', lines.length - (max - 1))].join('\n');
}

/** The clicked/selected objects, from whichever view they came from (each view knows only its own rows). */
function objectsFromViews(env: CommandEnv, clicked: unknown, selected: unknown): IpcObject[] {
  for (const view of env.views.all) {
    const objects = view.objectsFrom(clicked, selected);
    if (objects.length > 0) return objects;
  }
  return [];
}
