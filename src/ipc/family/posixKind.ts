// The kinds table's entries (src/ipc/kind.ts) that POSIX kinds share. Every POSIX object is known
// by its holders (posixHolderEntries: queues too); an object kept as a file of /dev/shm (shared
// memory objects, named semaphores) also shares who owns it, how it is removed (the helper unlinks
// the name only while it is still this inode, in the same call) and how its permissions change
// (heldFileEntries). A kind spreads these into its module and writes the rest itself.
import type { HelperClient } from '../helperClient';
import { device, plain, type Json } from '../json';
import type { Credentials } from '../permissions';
import type { HeldFile } from './holders';
import { stickyRemovalRefusal } from './posix';

// Typed here without the kinds table's own types (src/ipc/kind.ts stands above the kinds): each
// kind module is a KindModule, and the compiler checks these entries where they are spread into it.

/** What every POSIX object is known by: the processes holding it, and the verdict on them. */
interface Held {
  holders: ReadonlyArray<{ pid: number }>;
  reason: string;
  certain: boolean;
  ownerName?: string;
}

/** The entries every POSIX kind shares: it has holders (no System V id), a verdict and an owner's name. */
export function posixHolderEntries<T extends Held>() {
  const pids = (o: T) => [...new Set(o.holders.map((h) => h.pid))];
  return {
    ownerNames: (o: T) => ({ owner: o.ownerName }),
    holdId: () => undefined,
    reason: (o: T) => o.reason,
    certain: (o: T) => o.certain,
    holders: (o: T) => pids(o).length,
    programPids: pids,
    sysvIds: () => undefined,
    useWords: (o: T) => o.reason,
  };
}

/** The shared entries of a /dev/shm kind; `named`: still reachable by its name (so it can be removed). */
export function heldFileEntries<T extends HeldFile>(named: (object: T) => boolean) {
  return {
    ...posixHolderEntries<T>(),
    freedBytes: (o: T) => o.file?.allocated ?? 0,
    ownerUids: (o: T) => (o.file ? [o.file.uid] : []),
    mode: (o: T) => (o.file ? o.file.mode & 0o777 : undefined),
    posixName: (o: T) => (named(o) ? { name: o.name, path: o.file!.path } : undefined),
    removable: named,
    inUse: (o: T) => o.mappers + o.openers > 0,
    removalRefusal: (o: T, credentials: Credentials) => stickyRemovalRefusal(o.file?.uid, credentials, '/dev/shm'),
    remove: (helper: HelperClient, o: T) => helper.fileUnlink(o.file!.path, o),
    removeOrphan: async (helper: HelperClient, o: T) => {
      await helper.fileUnlink(o.file!.path, o);
      return o.file?.allocated ?? 0;
    },
    removedName: (o: T) => o.name,
    permissions: (o: T) => ({ mode: o.file!.mode & 0o777, ownerName: o.ownerName ?? '?', groupName: o.groupName ?? '?' }),
    setPermissions: (helper: HelperClient, o: T, change: { uid?: number; gid?: number; mode?: number }) => helper.fileSet(o.file!.path, o, change),
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
