// OBJECT on the command line, as a user names it: a System V key (0x7e001234) or id (5), a POSIX
// name (/psm_1a2b, or psm_1a2b), a path (/dev/shm/psm_1a2b, /dev/mqueue/q), or a row id of the
// export and the views (shm:5, posix:0:27:123). A number can be the id of a segment, a set and a
// queue at once: then --kind picks, and without it the answer lists what matched.
import { allObjects, kindOf, objectLabel, type Kind } from '../ipc/kinds';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import * as l10n from '../shared/l10n';
import { UsageError } from './exit';

/** Whether the object is the one `text` names. */
export function names(object: IpcObject, text: string): boolean {
  const kind = kindOf(object);
  if (kind.rowId(object) === text) return true;
  const ids = kind.sysvIds(object);
  if (ids) {
    if (/^0x[0-9a-f]{1,8}$/i.test(text)) return ids.key !== 0 && ids.key >>> 0 === Number.parseInt(text.slice(2), 16);
    if (/^\d+$/.test(text)) return ids.id === Number(text);
    return false;
  }
  const posix = kind.posixName(object);
  if (posix) return posix.path === text || posix.name === text || posix.name === `/${text}`;
  // A memfd or a removed object: only its title names it.
  return kind.title(object) === text;
}

/** The one object `text` names (of `kinds` when given), or a UsageError saying none or which ones. */
export function findObject(snapshot: Snapshot, text: string, kinds?: readonly Kind[]): IpcObject {
  const matches = allObjects(snapshot).filter((o) => (!kinds || kinds.includes(o.kind)) && names(o, text));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    throw new UsageError(
      l10n.t(
        'No IPC object {0}{1}: name it by key (0x7e001234), id, POSIX name (/name) or path (/dev/shm/name); `ipc-inspector list` shows them.',
        text,
        kinds ? l10n.t(' of kind {0}', kinds.join(', ')) : '',
      ),
    );
  }
  throw new UsageError(
    l10n.t('{0} names {1} objects: {2}. Say which with --kind.', text, matches.length, matches.map((o) => `${objectLabel(o)} (--kind ${o.kind})`).join(', ')),
  );
}
