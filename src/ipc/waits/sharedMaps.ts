// The shared mappings of a process, from the maps lines the scan kept when it read waits (every
// line whose permissions end in 's'), each named as the object it maps: a futex address inside one
// of them is a lock inside that object, at `address - start + pgoff`.
//
//   7f44d251b000-7f44d251d000 rw-s 00000000 00:01 2        /SYSV7e001234 (deleted)   System V segment 2
//   7f44d2400000-7f44d2500000 rw-s 00000000 00:1b 1041     /dev/shm/board            a /dev/shm file
//   7f86996a2000-7f86996a3000 rw-s 00000000 00:01 102271   /dev/zero (deleted)       anonymous shared memory
//   7f0000000000-7f0000001000 rw-s 00000000 00:01 1077     /memfd:ring (deleted)     a memfd
//   7f0000000000-7f0000001000 rw-s 00000000 08:01 5531     /var/lib/app/locks        any MAP_SHARED file
//
// The object is told by device and inode, never by path alone (a path can be anything a user
// names a file: "/tmp/x /dev/zero (deleted)" is a disk file, and its device says so). A System V
// segment's inode is its shmid; its name keeps the original key. Anonymous shared memory is the
// kernel's "/dev/zero (deleted)" on device 00:01 (the shmem mount); its inode is shared by every
// process that inherited it over fork.
import { fileKey, isAnonymousShared, SHMEM_MAJOR, SHMEM_MINOR, type FileKey } from '../maps';

/** What a shared mapping maps, told by device and inode. */
export type SharedObject =
  | { type: 'sysvShm'; id: string; shmid: number; key: number; identity: MapIdentity }
  | { type: 'file'; id: string; path: string; deleted: boolean; memfd: boolean; devShm: boolean; identity: MapIdentity }
  | { type: 'anonShm'; id: string; identity: MapIdentity };

/** The device and inode as maps prints them: what PROC_MEM_READ checks the mapping against. */
export interface MapIdentity {
  devMajor: number;
  devMinor: number;
  ino: number;
  key: FileKey;
}

/** One shared mapping of a process. */
export interface SharedMapping {
  pid: number;
  start: bigint;
  end: bigint;
  /** The offset in the object where the mapping starts (maps' third column). */
  pgoff: bigint;
  perms: string;
  object: SharedObject;
}

const LINE = /^([0-9a-f]{1,16})-([0-9a-f]{1,16}) ([r-][w-][x-][sp]) ([0-9a-f]{1,16}) ([0-9a-f]{1,8}):([0-9a-f]{1,8}) (\d{1,20})(?: +(.*))?$/;
const SYSV = /^\/SYSV([0-9a-f]{8})(?: \(deleted\))?$/;
const DELETED = ' (deleted)';

/** Names the object of a shared mapping from its device, inode and path. */
export function sharedObject(devMajor: number, devMinor: number, ino: number, path: string): SharedObject {
  const identity = { devMajor, devMinor, ino, key: fileKey(devMajor, devMinor, ino) };
  const onShmem = devMajor === SHMEM_MAJOR && devMinor === SHMEM_MINOR;
  const sysv = onShmem ? SYSV.exec(path) : null;
  if (sysv) return { type: 'sysvShm', id: `sysv:${ino}`, shmid: ino, key: parseInt(sysv[1], 16), identity };
  const deleted = path.endsWith(DELETED);
  const name = deleted ? path.slice(0, -DELETED.length) : path;
  if (isAnonymousShared(devMajor, devMinor, name, deleted)) return { type: 'anonShm', id: `anon:${identity.key}`, identity };
  return {
    type: 'file',
    id: `file:${identity.key}`,
    path: name,
    deleted,
    memfd: onShmem && name.startsWith('/memfd:'),
    devShm: name.startsWith('/dev/shm/'),
    identity,
  };
}

/** The shared mappings among a process's maps lines (the others are skipped). */
export function parseSharedMappings(pid: number, maps: string): SharedMapping[] {
  const out: SharedMapping[] = [];
  for (const line of maps.split('\n')) {
    const m = LINE.exec(line);
    if (!m || m[3][3] !== 's') continue;
    const start = BigInt('0x' + m[1]);
    const end = BigInt('0x' + m[2]);
    const ino = Number(m[7]);
    if (start >= end || !Number.isSafeInteger(ino)) continue;
    const object = sharedObject(parseInt(m[5], 16), parseInt(m[6], 16), ino, m[8] ?? '');
    out.push({ pid, start, end, pgoff: BigInt('0x' + m[4]), perms: m[3], object });
  }
  return out;
}

/** The mapping that holds the `size` bytes at `address`, or undefined. */
export function mappingAt(mappings: readonly SharedMapping[], address: bigint, size = 4n): SharedMapping | undefined {
  return mappings.find((m) => address >= m.start && address + size <= m.end);
}

/** How an object is named in words: the path, the System V key, or anonymous shared memory's inode. */
export function objectName(object: SharedObject): string {
  switch (object.type) {
    case 'sysvShm':
      return `0x${object.key.toString(16).padStart(8, '0')} (shmid ${object.shmid})`;
    case 'anonShm':
      return `anonymous shared memory (inode ${object.identity.ino})`; // as the Shared Memory view names it
    case 'file':
      return object.path + (object.deleted ? DELETED : '');
  }
}
