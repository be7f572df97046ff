// Shared by the commands that act on IPC objects: which ones (clicked row, selection, or a pick
// list when run from the palette), and how to name them in messages (each kind's words come from
// its module: src/ipc/kinds.ts).
import { allObjects, kindOf } from '../ipc/kinds';
import type { IpcObject, SegmentInfo } from '../ipc/snapshot';
import type { CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

export { objectLabel, removalRefusalWords, subjectOf } from '../ipc/kinds';

/** The object as lists name it, without its kind: "0x7e001234 (id 5)", "/psm_1a2b". */
export function objectTitle(object: IpcObject): string {
  return kindOf(object).title(object);
}

/** Its kind, in words: "System V segment", "POSIX object", "memfd"... */
export function kindName(object: IpcObject): string {
  return kindOf(object).kindName(object);
}

/** System V segments: what Attach, Detach, Lock and Unlock act on. */
export function isSegment(object: IpcObject): object is SegmentInfo {
  return kindOf(object).holdId(object) !== undefined;
}

/** Size, owner and state, for pick lists and confirmations. */
export function objectFacts(object: IpcObject): { size: string; owner: string; state: string } {
  return kindOf(object).facts(object);
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

/** System V segments only (Attach, Lock…). */
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
