// The one place that picks what to do by an object's kind: every kind's module (src/ipc/<kind>/
// kind.ts, the shape of src/ipc/kind.ts) in one table. The table's type makes the compiler demand a
// module for every kind, and every member of each.
import { escapeControls } from './format';
import type { Subject } from './errors';
import type { KindModule } from './kind';
import type { Credentials } from './permissions';
import { posixMqKind } from './posixMq/kind';
import { posixSemKind } from './posixSem/kind';
import { posixShmKind } from './posixShm/kind';
import type { IpcObject, Snapshot } from './snapshot';
import { sysvMsgKind } from './sysvMsg/kind';
import { sysvSemKind } from './sysvSem/kind';
import { sysvShmKind } from './sysvShm/kind';
import * as l10n from '../shared/l10n';

export type Kind = IpcObject['kind'];

/** Every kind, in the order lists and the export show them. */
export const KINDS: { readonly [K in Kind]: KindModule<Extract<IpcObject, { kind: K }>> } = {
  sysvShm: sysvShmKind,
  posixShm: posixShmKind,
  sysvSem: sysvSemKind,
  posixSem: posixSemKind,
  sysvMsg: sysvMsgKind,
  posixMq: posixMqKind,
};

/** The module of an object's kind. */
export function kindOf<T extends IpcObject>(object: T): KindModule<T> {
  return KINDS[object.kind] as unknown as KindModule<T>;
}

/** Every object of a snapshot, of every kind. */
export function allObjects(snapshot: Snapshot): IpcObject[] {
  return (Object.values(KINDS) as Array<KindModule<IpcObject>>).flatMap((kind) => kind.list(snapshot));
}

/** The same object in another snapshot, or undefined when it is gone (see KindModule.findAgain). */
export function findAgain<T extends IpcObject>(snapshot: Snapshot | undefined, object: T): T | undefined {
  return snapshot ? kindOf(object).findAgain(snapshot, object) : undefined;
}

/** The object as messages name it: "segment 0x7e001234 (id 5)", "object /psm_1a2b", a memfd by its title alone. */
export function objectLabel(object: IpcObject): string {
  const kind = kindOf(object);
  const { one } = kind.noun(object);
  // On one line whatever the name holds: the label goes into messages, summaries and the terminal.
  const title = escapeControls(kind.title(object));
  return one ? `${one} ${title}` : title;
}

/** Why these credentials may not remove the object (a sentence's end), or undefined when they may (see KindModule.removalRefusal). */
export function removalRefusal(object: IpcObject, credentials: Credentials): string | undefined {
  return kindOf(object).removalRefusal(object, credentials);
}

/** "/x is owned by root: only its owner ... may remove it", or undefined when these credentials may remove it. */
export function removalRefusalWords(object: IpcObject, credentials: Credentials): string | undefined {
  const rule = removalRefusal(object, credentials);
  return rule && l10n.t('{0} is owned by {1}: {2}', objectLabel(object), kindOf(object).facts(object).owner, rule);
}

/** What a failure about it is about, for messages that say whose it is (src/ipc/errors.ts). */
export function subjectOf(object: IpcObject): Subject {
  const kind = kindOf(object);
  const { owner, creator } = kind.ownerNames(object);
  return { kind: kind.subject, label: objectLabel(object), ownerName: owner, creatorUserName: creator };
}
