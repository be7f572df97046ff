// The picture of every kind of IPC object as one JSON document (Export as JSON…): typed values, not
// display strings, so a script or a bug report reads sizes, ids, modes and pids as numbers. The
// kernel's own record of each object is kept with its field names (/proc/sysvipc's columns, stat's
// fields), next to what IPC Inspector worked out (state and why, holders, waiters, values). The
// format is versioned and documented in the README ("Export format"); a field is only ever added.
import { plain, type Json } from './json';
import { kindOf } from './kinds';
import type { IpcLimits, KernelLimit } from './limits';
import { STATE_NEEDS, type IpcObject, type Need, type Snapshot } from './snapshot';
import { exportedWaits } from './waits/exported';

/** What an export reads beyond the listing: what the states rest on, the messages peeked, the waits (the same in the editor and on the command line). */
export const EXPORT_NEEDS: readonly Need[] = [...STATE_NEEDS, 'messages', 'waits'];

export const EXPORT_FORMAT = 'ipc-inspector-export';
export const EXPORT_VERSION = 1;

export { plain, type Json } from './json';

export interface ExportContext {
  hostname: string;
  kernel: string;
  uid: number;
  /** The namespace shown, when it is not this window's own. */
  namespace?: { inode: number; label: string };
  /** When the document is made (ms since the epoch). */
  nowMs: number;
}

function limit(value: KernelLimit | undefined): Json {
  return value ? (value.unlimited ? 'unlimited' : plain(value.raw)) : null;
}

function limitsOf(limits: IpcLimits): Json {
  const out: { [key: string]: Json } = { pageSize: limits.pageSize };
  for (const [name, value] of Object.entries(limits)) {
    if (value && typeof value === 'object' && 'raw' in value) out[name] = limit(value as KernelLimit);
    else if (name !== 'pageSize' && value !== undefined) out[name] = plain(value);
  }
  return out;
}

/** The whole picture, every kind, as the export document. */
export function exportDocument(snapshot: Snapshot, objects: readonly IpcObject[], context: ExportContext): { [key: string]: Json } {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(context.nowMs).toISOString(),
    takenAt: new Date(snapshot.takenAt).toISOString(),
    host: { hostname: context.hostname, kernel: context.kernel, uid: context.uid },
    namespace: context.namespace ? { inode: context.namespace.inode, label: context.namespace.label } : null,
    limits: limitsOf(snapshot.limits),
    sysvShmUsage: plain(snapshot.usage),
    devShm: {
      dir: snapshot.posix.dir,
      available: snapshot.posix.available,
      ...(snapshot.posix.usage ? { size: snapshot.posix.usage.size, used: snapshot.posix.usage.used } : {}),
    },
    mqueue: { dir: snapshot.mqueue.dir, mounted: snapshot.mqueue.mounted },
    scan: { processes: snapshot.scan.processes, unreadable: snapshot.scan.unreadable },
    objects: objects.map((object) => kindOf(object).exported(object)),
    waits: exportedWaits(snapshot.waits),
  };
}

/**
 * What names the same object in two export documents (a baseline and now): the kind and its id
 * with the creator's uid and pid (System V ids come back only after their sequence wraps), or the
 * file's device and inode with its name (names are reused, inodes of a live file are not).
 * Undefined for an entry that is not an object of this format.
 */
export function exportedIdentity(entry: Json): string | undefined {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return undefined;
  const kernel = entry.kernel && typeof entry.kernel === 'object' && !Array.isArray(entry.kernel) ? entry.kernel : {};
  const file = entry.file && typeof entry.file === 'object' && !Array.isArray(entry.file) ? entry.file : {};
  switch (entry.kind) {
    case 'sysvShm':
      return `sysvShm:${kernel.shmid}:${kernel.key}:${kernel.cuid}:${kernel.cpid}`;
    case 'sysvSem':
      return `sysvSem:${kernel.semid}:${kernel.key}:${kernel.cuid}`;
    case 'sysvMsg':
      return `sysvMsg:${kernel.msqid}:${kernel.key}:${kernel.cuid}`;
    case 'posixShm':
    case 'posixSem':
      return `${entry.kind}:${entry.origin ?? ''}:${entry.device}:${entry.ino}:${entry.name}`;
    case 'posixMq':
      return `posixMq:${file.key}:${entry.name}`;
    default:
      return undefined;
  }
}
