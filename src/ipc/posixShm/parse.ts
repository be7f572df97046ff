// POSIX shared memory objects as the file system shows them: `shm_open("/x")` is the file
// /dev/shm/x on a tmpfs. Named semaphores live there too (`sem.NAME`) but are another kind of
// object, and so are left to their own module. Everything here is lstat, never open: listing must
// not change an object's times, and a file that cannot be read by us is still listed.
import * as fs from 'fs';
import * as path from 'path';
import { devMajorMinor } from '../fds';
import { FileKey, fileKey } from '../maps';

export interface PosixObject {
  /** As shm_open names it: "/name". */
  name: string;
  /** Where it lives: /dev/shm/name. */
  path: string;
  key: FileKey;
  devMajor: number;
  devMinor: number;
  ino: number;
  size: number;
  /** Bytes the file system allocated (st_blocks * 512): less than size for a sparse object. */
  allocated: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** How full the file system of /dev/shm is (statfs). */
export interface ShmFsUsage {
  size: number;
  used: number;
}

export interface PosixListing {
  /** False when the directory does not exist (or cannot be listed): nothing to show, say why. */
  available: boolean;
  error?: string;
  dir: string;
  /** Device of the directory's file system: holders mapping another device's /dev/shm are another mount namespace's. */
  devMajor?: number;
  devMinor?: number;
  objects: PosixObject[];
  /** Named semaphores (sem.*) seen and left to their own view. */
  semaphores: number;
  usage?: ShmFsUsage;
  /** The listing as text, for change detection. */
  signature: string;
}

export const SEMAPHORE_PREFIX = 'sem.';

/** What a stat says about a regular file in /dev/shm, as a PosixObject. */
export function objectFromStat(dir: string, entry: string, stat: fs.Stats): PosixObject {
  const { major, minor } = devMajorMinor(stat.dev);
  return {
    name: '/' + entry,
    path: path.join(dir, entry),
    key: fileKey(major, minor, stat.ino),
    devMajor: major,
    devMinor: minor,
    ino: stat.ino,
    size: stat.size,
    allocated: stat.blocks * 512,
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
    mtimeMs: stat.mtimeMs,
    ctimeMs: stat.ctimeMs,
  };
}

function statfsUsage(dir: string): ShmFsUsage | undefined {
  try {
    const s = fs.statfsSync(dir);
    return { size: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize };
  } catch {
    return undefined;
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lists /dev/shm: every regular file except named semaphores, sorted by name. Stats are
 * synchronous (a few microseconds each), in slices so a 4,000-object listing never blocks the
 * extension host for long.
 */
export async function listPosixObjects(dir = '/dev/shm', sliceMs = 4): Promise<PosixListing> {
  let entries: string[];
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
    entries = fs.readdirSync(dir).sort();
  } catch (error) {
    return { available: false, error: (error as Error).message, dir, objects: [], semaphores: 0, signature: '' };
  }
  const { major, minor } = devMajorMinor(dirStat.dev);
  const objects: PosixObject[] = [];
  const signature: string[] = [];
  let semaphores = 0;
  let sliceStart = performance.now();
  for (const entry of entries) {
    if (performance.now() - sliceStart > sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    if (entry.startsWith(SEMAPHORE_PREFIX)) {
      semaphores++;
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(path.join(dir, entry));
    } catch {
      continue; // removed since readdir
    }
    if (!stat.isFile()) continue; // shm_open makes regular files only
    const object = objectFromStat(dir, entry, stat);
    objects.push(object);
    signature.push(`${entry}/${stat.ino}/${stat.size}/${stat.blocks}/${stat.mode}/${stat.uid}/${stat.gid}/${stat.mtimeMs}/${stat.ctimeMs}`);
  }
  return { available: true, dir, devMajor: major, devMinor: minor, objects, semaphores, usage: statfsUsage(dir), signature: signature.join('\n') };
}

/**
 * A POSIX object name typed by a user, as shm_open takes it: "/name" or "name" (one leading
 * slash), 1 to 255 bytes, no other slash, not "." or "..", and not "sem.…" (the files of named
 * semaphores). The value is "/name".
 */
export function parseObjectName(text: string): { ok: true; value: string } | { ok: false; error: string } {
  const name = text.trim().replace(/^\//, '');
  if (name.length === 0) return { ok: false, error: 'Type a name, for example /my_buffer' };
  if (name.includes('/')) return { ok: false, error: 'A POSIX object name has no "/" after the first one (it is a file directly in /dev/shm)' };
  if (name === '.' || name === '..') return { ok: false, error: `"${name}" is not a valid name` };
  if (name.includes('\0')) return { ok: false, error: 'A name cannot contain a NUL character' };
  if (Buffer.byteLength(name, 'utf8') > 255) return { ok: false, error: 'At most 255 bytes (NAME_MAX)' };
  if (name.startsWith(SEMAPHORE_PREFIX)) return { ok: false, error: '"sem.…" names are the files of named semaphores (sem_open): choose another name' };
  return { ok: true, value: '/' + name };
}
