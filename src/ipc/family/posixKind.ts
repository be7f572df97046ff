// The kinds table's entries (src/ipc/kind.ts) that POSIX kinds share. Every POSIX object is known
// by its holders (posixHolderEntries: queues too); an object kept as a file of /dev/shm (shared
// memory objects, named semaphores) also shares who owns it, how it is removed (the helper unlinks
// the name only while it is still this inode, in the same call) and how its permissions change
// (heldFileEntries). A kind spreads these into its module and writes the rest itself.
import { device, plain, type Json } from '../json';
import type { KindModule } from '../kind';
import type { IpcObject } from '../snapshot';
import type { HeldFile } from './holders';
import { stickyRemovalRefusal } from './posix';

type HolderShared = 'ownerNames' | 'holdId' | 'reason' | 'certain' | 'holders' | 'programPids' | 'sysvIds' | 'useWords';

type Shared =
  | HolderShared
  | 'freedBytes'
  | 'ownerUids'
  | 'mode'
  | 'posixName'
  | 'removable'
  | 'inUse'
  | 'removalRefusal'
  | 'remove'
  | 'removeOrphan'
  | 'removedName'
  | 'permissions'
  | 'setPermissions';

/** What every POSIX object is known by: the processes holding it, and the verdict on them. */
interface Held {
  holders: ReadonlyArray<{ pid: number }>;
  reason: string;
  certain: boolean;
  ownerName?: string;
}

/** The entries every POSIX kind shares: it has holders (no System V id), a verdict and an owner's name. */
export function posixHolderEntries<T extends IpcObject & Held>(): Pick<KindModule<T>, HolderShared> {
  const pids = (o: T) => [...new Set(o.holders.map((h) => h.pid))];
  return {
    ownerNames: (o) => ({ owner: o.ownerName }),
    holdId: () => undefined,
    reason: (o) => o.reason,
    certain: (o) => o.certain,
    holders: (o) => pids(o).length,
    programPids: pids,
    sysvIds: () => undefined,
    useWords: (o) => o.reason,
  };
}

/** The shared entries of a /dev/shm kind; `named`: still reachable by its name (so it can be removed). */
export function heldFileEntries<T extends IpcObject & HeldFile>(named: (object: T) => boolean): Pick<KindModule<T>, Shared> {
  return {
    ...posixHolderEntries<T>(),
    freedBytes: (o) => o.file?.allocated ?? 0,
    ownerUids: (o) => (o.file ? [o.file.uid] : []),
    mode: (o) => (o.file ? o.file.mode & 0o777 : undefined),
    posixName: (o) => (named(o) ? { name: o.name, path: o.file!.path } : undefined),
    removable: named,
    inUse: (o) => o.mappers + o.openers > 0,
    removalRefusal: (o, credentials) => stickyRemovalRefusal(o.file?.uid, credentials, '/dev/shm'),
    remove: (helper, o) => helper.fileUnlink(o.file!.path, o),
    removeOrphan: async (helper, o) => {
      await helper.fileUnlink(o.file!.path, o);
      return o.file?.allocated ?? 0;
    },
    removedName: (o) => o.name,
    permissions: (o) => ({ mode: o.file!.mode & 0o777, ownerName: o.ownerName ?? '?', groupName: o.groupName ?? '?' }),
    setPermissions: (helper, o, change) => helper.fileSet(o.file!.path, o, change),
  };
}

/** How the export (and the command line's --json) writes what every held file has, in this order. */
export function heldFileJson(o: HeldFile): { [key: string]: Json } {
  return {
    name: o.name,
    device: device(o.devMajor, o.devMinor),
    ino: o.ino,
    removed: o.removed,
    file: plain(o.file),
    owner: plain(o.ownerName),
    group: plain(o.groupName),
  };
}
