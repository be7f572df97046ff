// `ipc-inspector list`: one row per object, every kind (or --kind), with the columns of Copy as
// Table (src/ipc/objectTable.ts) and the state coloured as the views' icons are; --json writes the
// export document (src/ipc/exportJson.ts), the same as Export as JSON in the editor.
import * as os from 'os';
import { EXPORT_NEEDS, exportDocument, type Json } from '../ipc/exportJson';
import { allObjects, kindOf, type Kind } from '../ipc/kinds';
import { TABLE_HEADER, tableRow } from '../ipc/objectTable';
import { STATE_NEEDS, type IpcObject, type Snapshot } from '../ipc/snapshot';
import * as l10n from '../shared/l10n';
import type { CliSession } from './session';
import { formatTable, stateColour, type Output } from './terminal';

export interface ListArgs {
  kind?: Kind[];
  json?: boolean;
}

export function objectsOf(snapshot: Snapshot, kinds?: readonly Kind[]): IpcObject[] {
  const all = allObjects(snapshot);
  return kinds && kinds.length > 0 ? all.filter((o) => kinds.includes(o.kind)) : all;
}

/** The export document of these objects. */
export function exportOf(session: CliSession, snapshot: Snapshot, objects: readonly IpcObject[]): { [key: string]: Json } {
  return exportDocument(snapshot, objects, {
    hostname: os.hostname(),
    kernel: os.release(),
    uid: session.uid,
    namespace: session.namespace && { inode: session.namespace.inode, label: session.namespace.label },
    nowMs: Date.now(),
  });
}

/** What cannot be seen, said under the table (as the views' rows say it). */
export function unseenNote(snapshot: Snapshot): string | undefined {
  const { unreadable } = snapshot.scan;
  if (unreadable === 0) return undefined;
  return unreadable === 1
    ? l10n.t("1 process could not be read (another user's, or more privileged): objects it holds may show as unused, and their orphan verdicts are uncertain.")
    : l10n.t(
        "{0} processes could not be read (other users', or more privileged): objects they hold may show as unused, and their orphan verdicts are uncertain.",
        unreadable,
      );
}

/** That POSIX message queues could not be listed (no mqueue file system at /dev/mqueue), when they were asked for: none is not "no queues". */
export function mqueueNote(snapshot: Snapshot, kinds?: readonly Kind[]): string | undefined {
  if (snapshot.mqueue.mounted || (kinds?.length && !kinds.includes('posixMq'))) return undefined;
  return snapshot.mqueue.problem ?? l10n.t('POSIX message queues cannot be listed: {0} is not an mqueue file system.', snapshot.mqueue.dir);
}

/** The files of /dev/shm whose names are not UTF-8 (not listed as objects), named: a leak must not hide behind a byte. */
export function undecodableNote(dir: string, names: readonly string[], kinds?: readonly Kind[]): string | undefined {
  if (names.length === 0 || (kinds?.length && !kinds.includes('posixShm'))) return undefined;
  const shown = names.length > 5 ? l10n.t('{0} and {1} more', names.slice(0, 5).join(', '), names.length - 5) : names.join(', ');
  return names.length === 1
    ? l10n.t('1 file in {0} has a name that is not UTF-8 and is not listed: {1} (ls -b {0} shows it).', dir, shown)
    : l10n.t('{0} files in {1} have names that are not UTF-8 and are not listed: {2} (ls -b {1} shows them).', names.length, dir, shown);
}

export async function list(session: CliSession, out: Output, args: ListArgs): Promise<number> {
  const snapshot = await session.snapshot(args.json ? EXPORT_NEEDS : STATE_NEEDS);
  const objects = objectsOf(snapshot, args.kind);
  if (args.json) {
    out.line(JSON.stringify(exportOf(session, snapshot, objects), null, 2));
    return 0;
  }
  if (objects.length === 0) {
    out.progress(l10n.t('No IPC objects{0}.', args.kind?.length ? l10n.t(' of kind {0}', args.kind.join(', ')) : ''));
  } else {
    const rows = objects.map(tableRow);
    // The state's colour is its row's icon (built only when colours are shown: a row has a tooltip too).
    const icons = out.colour ? objects.map((o) => kindOf(o).row(o, { held: false, uid: session.uid }).icon) : [];
    const state = TABLE_HEADER.length - 1;
    out.line(formatTable(TABLE_HEADER, rows, (row, column, padded) => (column === state && out.colour ? out.paint(padded, stateColour(icons[row])) : padded)));
  }
  for (const note of [
    unseenNote(snapshot),
    mqueueNote(snapshot, args.kind),
    undecodableNote(snapshot.posix.dir, snapshot.posix.undecodable ?? [], args.kind),
  ]) {
    if (note) out.progress(note);
  }
  return 0;
}
