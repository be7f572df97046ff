// The picture of every kind of IPC object as one JSON document (Export as JSON…): typed values, not
// display strings, so a script or a bug report reads sizes, ids, modes and pids as numbers. The
// kernel's own record of each object is kept with its field names (/proc/sysvipc's columns, stat's
// fields), next to what IPC Inspector worked out (state and why, holders, waiters, values). The
// format is versioned and documented in the README ("Export format"); a field is only ever added.
import type { IpcLimits, KernelLimit } from './limits';
import type { IpcObject, Snapshot } from './snapshot';

export const EXPORT_FORMAT = 'ipc-inspector-export';
export const EXPORT_VERSION = 1;

/** JSON's value space: what `plain` makes of anything. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ExportContext {
  hostname: string;
  kernel: string;
  uid: number;
  /** The namespace shown, when it is not this window's own. */
  namespace?: { inode: number; label: string };
  /** When the document is made (ms since the epoch). */
  nowMs: number;
}

/**
 * A value as JSON: a bigint as a number when exact, else as its decimal string (a u64 limit such as
 * shmmax's 18446744073692774399); bytes as lowercase hex; undefined fields left out.
 */
export function plain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined && typeof field !== 'function') out[key] = plain(field);
    return out;
  }
  return null;
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

/** The device a file object lives on, as `major:minor` in decimal (stat's st_dev split). */
function device(major: number, minor: number): string {
  return `${major}:${minor}`;
}

function objectOf(object: IpcObject): { [key: string]: Json } {
  switch (object.kind) {
    case 'sysvShm':
      return {
        kind: 'sysvShm',
        kernel: plain({ ...object.segment, sizeExact: undefined, size: object.segment.sizeExact ?? object.segment.size }),
        owner: object.ownerName,
        group: object.groupName,
        creatorUser: object.creatorUserName,
        state: object.classification.state,
        reason: object.classification.reason,
        creatorCommand: plain(object.creatorCommand),
        lastCommand: plain(object.lastCommand),
        attachments: plain(object.attachments),
        hiddenAttachments: object.hiddenAttachments,
      };
    case 'posixShm':
      return {
        kind: 'posixShm',
        origin: object.origin,
        name: object.name,
        device: device(object.devMajor, object.devMinor),
        ino: object.ino,
        removed: object.removed,
        file: plain(object.file),
        owner: plain(object.ownerName),
        group: plain(object.groupName),
        state: object.state,
        reason: object.reason,
        producer: plain(object.producer),
        holders: plain(object.holders),
        uncheckedProcesses: object.unchecked,
      };
    case 'sysvSem':
      return {
        kind: 'sysvSem',
        kernel: plain(object.set),
        owner: object.ownerName,
        group: object.groupName,
        creatorUser: object.creatorUserName,
        state: object.state,
        reason: object.reason,
        valuesRead: object.values.read ? true : plain({ why: object.values.why, message: object.values.message }),
        semaphores: plain(object.semaphores),
        setWaiters: plain(object.setWaiters),
      };
    case 'posixSem':
      return {
        kind: 'posixSem',
        name: object.name,
        device: device(object.devMajor, object.devMinor),
        ino: object.ino,
        removed: object.removed,
        file: plain(object.file),
        owner: plain(object.ownerName),
        group: plain(object.groupName),
        reading: plain(object.reading),
        state: object.state,
        reason: object.reason,
        holders: plain(object.holders),
        uncheckedProcesses: object.unchecked,
      };
    case 'sysvMsg':
      return {
        kind: 'sysvMsg',
        kernel: plain(object.queue),
        owner: object.ownerName,
        group: object.groupName,
        creatorUser: object.creatorUserName,
        state: object.state,
        reason: object.reason,
        contents: plain(object.contents),
        senders: plain(object.senders),
        receivers: plain(object.receivers),
      };
    case 'posixMq':
      return {
        kind: 'posixMq',
        name: object.name,
        file: plain(object.queue),
        attributes: plain(object.attr),
        owner: object.ownerName,
        group: object.groupName,
        state: object.state,
        reason: object.reason,
        holders: plain(object.holders),
        uncheckedProcesses: object.unchecked,
      };
  }
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
    objects: objects.map(objectOf),
  };
}
