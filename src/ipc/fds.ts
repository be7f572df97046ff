// Open descriptors of shared files, from /proc/PID/fd and /proc/PID/fdinfo. A POSIX shared memory
// object can be held open without being mapped (between shm_open and mmap, or by a program that
// only passes the descriptor on); a memfd lives only as long as some descriptor or mapping does.
//
// /proc/PID/fd/N is a link whose text is the path ("/dev/shm/x", "/dev/shm/x (deleted)",
// "/memfd:NAME (deleted)"); stat() through it gives the object's device, inode and size, and
// fdinfo's `flags:` (octal) gives the access mode in its low two bits.
import { FileKey, SHARED_FILE_PREFIXES } from './maps';

export type FdAccess = 'ro' | 'rw' | 'wo';

export interface OpenDescriptor {
  pid: number;
  fd: number;
  key: FileKey;
  /** The link text without " (deleted)". */
  path: string;
  deleted: boolean;
  access: FdAccess;
  /** st_size through the descriptor: the object's size now. */
  size: number;
}

const DELETED = ' (deleted)';

/** Whether a /proc/PID/fd link text names a shared file the scan is after. */
export function isSharedFileLink(target: string): boolean {
  return SHARED_FILE_PREFIXES.some((prefix) => target.startsWith(prefix));
}

/** The path and whether it was unlinked, from a link text or a maps path. */
export function splitDeleted(target: string): { path: string; deleted: boolean } {
  return target.endsWith(DELETED) ? { path: target.slice(0, -DELETED.length), deleted: true } : { path: target, deleted: false };
}

/** The access mode from a /proc/PID/fdinfo/N text (`flags:\t02100002`), or undefined. */
export function parseFdinfoAccess(text: string): FdAccess | undefined {
  const match = /^flags:\s*([0-7]+)\s*$/m.exec(text);
  if (!match) return undefined;
  const mode = parseInt(match[1], 8) & 3; // O_ACCMODE
  return mode === 0 ? 'ro' : mode === 1 ? 'wo' : 'rw';
}

/**
 * The kernel's major and minor of a dev_t as Node's stat reports it (glibc's encoding:
 * minor in bits 0-7 and 20-43, major in bits 8-19 and 44-63). Arithmetic, not bit operators:
 * the value can exceed 32 bits.
 */
export function devMajorMinor(dev: number): { major: number; minor: number } {
  const low = dev % 0x100000000;
  const high = Math.floor(dev / 0x100000000);
  const major = ((low >>> 8) & 0xfff) | ((high & ~0xfff) >>> 0);
  const minor = (low & 0xff) | (((low >>> 20) & 0xfff) << 8) | ((high & 0xfff) << 20);
  return { major: major >>> 0, minor: minor >>> 0 };
}
