// What /proc/PID/maps says about shared memory. Two kinds of line matter:
//
//   7f44d251b000-7f44d251d000 rw-s 00000000 00:01 2        /SYSV1234abcd (deleted)
//   7f44d2400000-7f44d2500000 r--s 00000000 00:1b 1041     /dev/shm/psm_3f2a (deleted)
//   7f86996a2000-7f86996a3000 rw-s 00000000 00:01 102271   /dev/zero (deleted)
//
// A System V attachment has the shmid as inode and the ORIGINAL key in its name (kept after
// IPC_RMID, when /proc/sysvipc shows key 0); its device (00:01) is shared with memfd mappings, so it
// is matched by name. A mapped file (a POSIX object in /dev/shm, a memfd) is identified by device
// and inode, never by path: another mount namespace has another /dev/shm with the same names.
// Anonymous shared memory (MAP_SHARED | MAP_ANONYMOUS, shared over fork: PostgreSQL's main shared
// memory) is a file of the kernel's internal shared memory mount (00:01, like memfds) that the
// kernel names "/dev/zero (deleted)"; a file so named on any other device (a container's own /dev)
// is not it, and is left out.
//
// Each VMA is one line (a split by mprotect gives two), which is also how nattch counts.

export type Access = 'ro' | 'rw' | 'none';

/** An address range of a process mapping a shared object. */
export interface MappingRange {
  pid: number;
  /** rw: writable; ro: read-only (SHM_RDONLY, PROT_READ); none: PROT_NONE. */
  access: Access;
  /** The maps permission column as is, e.g. "rw-s". */
  perms: string;
  /** Address range as maps prints it (lowercase hex, no 0x): the key of /proc/PID/map_files too. */
  start: string;
  end: string;
  /** end - start: whole pages. */
  length: number;
}

export interface Attachment extends MappingRange {
  shmid: number;
  /** The key the segment was created with (from its SYSV%08x name), unsigned; 0 for IPC_PRIVATE. */
  key: number;
}

/** A file's identity: the device as major:minor and the inode, e.g. "0:27:1041". */
export type FileKey = string;

export function fileKey(devMajor: number, devMinor: number, ino: number): FileKey {
  return `${devMajor}:${devMinor}:${ino}`;
}

/** fileKey's parts again: [major, minor, inode]. */
export function fileKeyParts(key: FileKey): [number, number, number] {
  const a = key.indexOf(':');
  const b = key.indexOf(':', a + 1);
  return [Number(key.slice(0, a)), Number(key.slice(a + 1, b)), Number(key.slice(b + 1))];
}

export interface FileMapping extends MappingRange {
  key: FileKey;
  /** The path as maps shows it, without " (deleted)": /dev/shm/NAME, /memfd:NAME or /dev/zero. */
  path: string;
  /** The name is unlinked (" (deleted)"): a removed POSIX object, or any memfd. */
  deleted: boolean;
}

const SYSV_LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+[0-9a-f]+\s+\S+\s+(\d+)\s+\/SYSV([0-9a-f]{8})(?: \(deleted\))?\s*$/;
const FILE_LINE = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+[0-9a-f]+\s+([0-9a-f]+):([0-9a-f]+)\s+(\d+)\s+(\/.*?)( \(deleted\))?$/;
const NEWLINE = 0x0a;
const SYSV = Buffer.from('/SYSV');
/** Path prefixes of the shared files the scan is after, in maps and in descriptor links. */
export const SHARED_FILE_PREFIXES = ['/dev/shm/', '/memfd:'];
/** The kernel's name of anonymous shared memory in maps (it has no descriptor to link to). */
export const ANONYMOUS_SHARED_PATH = '/dev/zero';
/** The kernel's internal shared memory mount's device: memfds, System V segments and anonymous shared memory are on it. */
export const SHMEM_MAJOR = 0;
export const SHMEM_MINOR = 1;
/** What a maps line names when it maps something the scan is after (System V lines aside). */
export const MAPS_FILE_NEEDLES = [...SHARED_FILE_PREFIXES, ANONYMOUS_SHARED_PATH + ' (deleted)'].map((prefix) => ' ' + prefix);
const FILE_NEEDLES = MAPS_FILE_NEEDLES.map((needle) => Buffer.from(needle));

/** Whether a mapped file is anonymous shared memory: the kernel's name for it, on the kernel's own mount. */
export function isAnonymousShared(devMajor: number, devMinor: number, path: string, deleted: boolean): boolean {
  return deleted && path === ANONYMOUS_SHARED_PATH && devMajor === SHMEM_MAJOR && devMinor === SHMEM_MINOR;
}

function isMappedShared(devMajor: number, devMinor: number, path: string, deleted: boolean): boolean {
  return SHARED_FILE_PREFIXES.some((prefix) => path.startsWith(prefix)) || isAnonymousShared(devMajor, devMinor, path, deleted);
}

function access(perms: string): Access {
  return perms[1] === 'w' ? 'rw' : perms[0] === 'r' ? 'ro' : 'none';
}

function rangeLength(start: string, end: string): number {
  return Number(BigInt('0x' + end) - BigInt('0x' + start));
}

/** Calls `onLine` with every line of `bytes` that contains `needle`, once per line. */
function linesContaining(bytes: Buffer, needle: Buffer, onLine: (line: string) => void): void {
  let at = bytes.indexOf(needle);
  while (at >= 0) {
    const lineStart = bytes.lastIndexOf(NEWLINE, at) + 1;
    let lineEnd = bytes.indexOf(NEWLINE, at);
    if (lineEnd < 0) lineEnd = bytes.length;
    onLine(bytes.toString('latin1', lineStart, lineEnd));
    at = bytes.indexOf(needle, lineEnd);
  }
}

function toBytes(maps: Buffer | string): Buffer {
  return typeof maps === 'string' ? Buffer.from(maps, 'latin1') : maps;
}

/**
 * The SysV attachments in the text of one /proc/PID/maps. Only lines whose PATH starts with /SYSV
 * and looks like the kernel's name match: a file /home/x/SYSVfoo or a memfd on 00:01 does not.
 */
export function parseMapsAttachments(pid: number, maps: Buffer | string): Attachment[] {
  const found: Attachment[] = [];
  // Most processes have no SysV mapping: one indexOf over the raw bytes settles them.
  linesContaining(toBytes(maps), SYSV, (line) => {
    const match = SYSV_LINE.exec(line);
    if (!match) return;
    const [, start, end, perms, inode, key] = match;
    found.push({ pid, shmid: Number(inode), key: parseInt(key, 16), access: access(perms), perms, start, end, length: rangeLength(start, end) });
  });
  return found;
}

/**
 * Shared mappings of files in /dev/shm, of memfds and of anonymous shared memory in one
 * /proc/PID/maps, in address order.
 * Private mappings (`p` in the perms) are copies, not shared memory, and are left out.
 */
export function parseFileMappings(pid: number, maps: Buffer | string): FileMapping[] {
  const bytes = toBytes(maps);
  const found: FileMapping[] = [];
  for (const needle of FILE_NEEDLES) {
    linesContaining(bytes, needle, (line) => {
      const match = FILE_LINE.exec(line);
      if (!match || match[3][3] !== 's') return;
      const [, start, end, perms, majorHex, minorHex, inode, filePath, deleted] = match;
      const major = parseInt(majorHex, 16);
      const minor = parseInt(minorHex, 16);
      if (!isMappedShared(major, minor, filePath, deleted !== undefined)) return;
      found.push({
        pid,
        key: fileKey(major, minor, Number(inode)),
        path: filePath,
        deleted: deleted !== undefined,
        access: access(perms),
        perms,
        start,
        end,
        length: rangeLength(start, end),
      });
    });
  }
  return found.sort((a, b) => a.start.length - b.start.length || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
