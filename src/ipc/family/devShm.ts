// POSIX shared memory objects as the file system shows them: `shm_open("/x")` is the file
// /dev/shm/x on a tmpfs. Named semaphores live there too (`sem.NAME`) but are another kind of
// object, and so are left to their own module. Everything here is lstat, never open: listing must
// not change an object's times, and a file that cannot be read by us is still listed.
import { isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { devMajorMinor } from '../fds';
import { FileKey, fileKey } from '../maps';
import { checkSharedMemoryDir } from '../mounts';
import * as l10n from '../../shared/l10n';
import { LSTAT_FIELDS, lstatInWorker } from '../procWorker';

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
  /** The files of named semaphores (sem.*), listed for their own module (posixSem). */
  semaphores: PosixObject[];
  usage?: ShmFsUsage;
  /**
   * Files whose names are not UTF-8 (any byte string but / and NUL is a name), as escapedName writes
   * them: not listed as objects (a name here is a string), but counted and named, so that a leak
   * cannot hide behind a byte like 0xfe.
   */
  undecodable?: string[];
  /** The listing as text, for change detection. */
  signature: string;
}

/** The bytes of a file name that is not UTF-8 as text: each byte of 0x80 and up as \xHH, a backslash doubled. */
function escapedName(bytes: Buffer): string {
  let escaped = '';
  // A backslash doubled: \xfe written by a byte and the four characters \xfe stay two names.
  for (const byte of bytes) escaped += byte === 0x5c ? '\\\\' : byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return escaped;
}

/** A directory's entries: the names that are UTF-8, and the others escaped (escapedName). */
export function readNames(dir: string): { names: string[]; undecodable: string[] } {
  const names: string[] = [];
  const undecodable: string[] = [];
  for (const bytes of fs.readdirSync(dir, { encoding: 'buffer' })) {
    if (isUtf8(bytes)) names.push(bytes.toString('utf8'));
    else undecodable.push(escapedName(bytes));
  }
  return { names, undecodable: undecodable.sort() };
}

export const SEMAPHORE_PREFIX = 'sem.';

/** What a stat says about a regular file in /dev/shm, as a PosixObject. */
export function objectFromStat(dir: string, entry: string, stat: fs.Stats): PosixObject {
  return fromStat(path.join(dir, entry), entry, stat, devMajorMinor(stat.dev));
}

/** The fields of a stat a PosixObject is made of. */
type StatFields = Pick<fs.Stats, 'dev' | 'ino' | 'size' | 'blocks' | 'mode' | 'uid' | 'gid' | 'mtimeMs' | 'ctimeMs'>;

function fromStat(file: string, entry: string, stat: StatFields, { major, minor }: { major: number; minor: number }): PosixObject {
  return {
    name: '/' + entry,
    path: file,
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

/** An object of a listing, its signature line, and what of its stat the object does not keep as is. */
interface ListedObject {
  line: string;
  object: PosixObject;
  mode: number;
  blocks: number;
}

/** Whether a stat says what the listed object was made of (everything its object and line hold). */
function sameStat(before: ListedObject, stat: StatFields, file: string, dev: { major: number; minor: number }): boolean {
  const o = before.object;
  return (
    o.ino === stat.ino &&
    o.size === stat.size &&
    before.blocks === stat.blocks &&
    before.mode === stat.mode &&
    o.uid === stat.uid &&
    o.gid === stat.gid &&
    o.mtimeMs === stat.mtimeMs &&
    o.ctimeMs === stat.ctimeMs &&
    o.path === file &&
    o.devMajor === dev.major &&
    o.devMinor === dev.minor
  );
}

/** The last listing of each directory: its objects by entry name, in order, and its signature. */
const lastListings = new Map<string, { byEntry: Map<string, ListedObject>; objects: PosixObject[]; signature: string }>();

/** From this many entries on, the listing's lstats run on the /proc scan's worker thread. */
const WORKER_LSTAT_FROM = 256;

type WorkerStat = StatFields & { isFile(): boolean };

/** lstat of every path on the worker thread, as a lookup by index; undefined: do it here. */
async function statsElsewhere(paths: string[]): Promise<((i: number) => WorkerStat | undefined) | undefined> {
  const pending = lstatInWorker(paths);
  if (!pending) return undefined;
  let numbers: Float64Array;
  try {
    numbers = await pending;
  } catch {
    return undefined; // the worker failed: stat them here
  }
  const n = LSTAT_FIELDS.length;
  const [dev, ino, size, blocks, mode, uid, gid, mtimeMs, ctimeMs, isFile] = (
    ['dev', 'ino', 'size', 'blocks', 'mode', 'uid', 'gid', 'mtimeMs', 'ctimeMs', 'isFile'] as const
  ).map((field) => LSTAT_FIELDS.indexOf(field));
  // One record, refilled for each entry: the listing copies what it keeps.
  const record = {
    dev: 0,
    ino: 0,
    size: 0,
    blocks: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    mtimeMs: 0,
    ctimeMs: 0,
    file: false,
    isFile(): boolean {
      return this.file;
    },
  };
  return (i) => {
    const at = i * n;
    if (Number.isNaN(numbers[at + ino])) return undefined;
    record.dev = numbers[at + dev];
    record.ino = numbers[at + ino];
    record.size = numbers[at + size];
    record.blocks = numbers[at + blocks];
    record.mode = numbers[at + mode];
    record.uid = numbers[at + uid];
    record.gid = numbers[at + gid];
    record.mtimeMs = numbers[at + mtimeMs];
    record.ctimeMs = numbers[at + ctimeMs];
    record.file = numbers[at + isFile] === 1;
    return record;
  };
}

/**
 * Lists /dev/shm: every regular file except named semaphores, sorted by name. Stats are
 * synchronous (a few microseconds each), in slices so a 4,000-object listing never blocks the
 * extension host for long.
 */
export async function listPosixObjects(dir = '/dev/shm', sliceMs = 4): Promise<PosixListing> {
  // Shared memory lives on tmpfs or hugetlbfs: what another user mounted on a /dev/shm of its own
  // is not listed (nor offered to Remove or Clean Up). Told from the mount table, before anything
  // of the directory is touched (mounts.ts).
  const where = checkSharedMemoryDir(dir);
  if (where && !where.ok) return { available: false, error: l10n.t('{0} is not listed: {1}', dir, where.why), dir, objects: [], semaphores: [], signature: '' };
  let entries: string[];
  let undecodable: string[];
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
    const read = readNames(dir);
    undecodable = read.undecodable;
    // A name with a file system mounted on it is not a file of this directory.
    entries = read.names.filter((entry) => !where?.mountedNames.has(entry)).sort();
  } catch (error) {
    return { available: false, error: (error as Error).message, dir, objects: [], semaphores: [], signature: '' };
  }
  const { major, minor } = devMajorMinor(dirStat.dev);
  // Entries of a directory have no slash and are never . or ..: path.join(dir, entry) is this.
  const joined = path.join(dir);
  const base = joined === '.' ? '' : joined.endsWith('/') ? joined : joined + '/';
  // Every object is on the directory's own file system (one tmpfs): split that device once.
  let lastDev = dirStat.dev;
  let lastSplit = { major, minor };
  const objects: PosixObject[] = [];
  const listed: ListedObject[] = [];
  const previous = lastListings.get(dir);
  let changed = false;
  const semaphoreEntries = entries.filter((entry) => entry.startsWith(SEMAPHORE_PREFIX));
  const names = semaphoreEntries.length > 0 ? entries.filter((entry) => !entry.startsWith(SEMAPHORE_PREFIX)) : entries;
  // Thousands of objects: stat them on the /proc scan's worker thread, this one is free meanwhile.
  const stats = names.length >= WORKER_LSTAT_FROM ? await statsElsewhere(names.map((entry) => base + entry)) : undefined;
  let sliceStart = performance.now();
  for (let i = 0; i < names.length; i++) {
    const entry = names[i];
    const file = base + entry;
    if (performance.now() - sliceStart > sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    let stat: StatFields & { isFile(): boolean };
    if (stats) {
      const found = stats(i);
      if (!found) continue; // removed since readdir
      stat = found;
    } else {
      try {
        stat = fs.lstatSync(file);
      } catch {
        continue; // removed since readdir
      }
    }
    if (!stat.isFile()) continue; // shm_open makes regular files only
    if (stat.dev !== lastDev) {
      lastDev = stat.dev;
      lastSplit = devMajorMinor(stat.dev);
    }
    // An object whose stat did not change since the last listing of this directory is the same
    // PosixObject as then, with the same signature line (classification reuses what it concluded).
    const before = previous?.byEntry.get(entry);
    if (before !== undefined && sameStat(before, stat, file, lastSplit)) {
      objects.push(before.object);
      listed.push(before);
      continue;
    }
    changed = true;
    const object = fromStat(file, entry, stat, lastSplit);
    const line = `${entry}/${stat.ino}/${stat.size}/${stat.blocks}/${stat.mode}/${stat.uid}/${stat.gid}/${stat.mtimeMs}/${stat.ctimeMs}`;
    objects.push(object);
    listed.push({ line, object, mode: stat.mode, blocks: stat.blocks });
  }
  // Named semaphores are few (a program has a handful): stat'ed here, each time.
  const semaphores = statSemaphores(base, semaphoreEntries);
  const semaphoreLines = semaphores.map((o) => `${o.name}/${o.ino}/${o.size}/${o.mode}/${o.uid}/${o.gid}/${o.ctimeMs}`).join('\n');
  // Nothing changed at all (the same objects in the same order): the same signature text too.
  const same = !changed && previous !== undefined && previous.objects.length === objects.length && objects.every((o, i) => o === previous.objects[i]);
  const objectLines = same ? previous.signature : listed.map((l) => l.line).join('\n');
  const signature = [objectLines, semaphoreLines, undecodable.join('\n')].filter(Boolean).join('\n');
  if (!same) {
    if (lastListings.size > 8) lastListings.clear();
    lastListings.set(dir, { byEntry: new Map(listed.map((l) => [l.object.name.slice(1), l])), objects, signature: objectLines });
  }
  return { available: true, dir, devMajor: major, devMinor: minor, objects, semaphores, usage: statfsUsage(dir), undecodable, signature };
}

/** The files sem.* of the directory as objects ("/sem.NAME"), those still there. */
function statSemaphores(base: string, entries: readonly string[]): PosixObject[] {
  const found: PosixObject[] = [];
  for (const entry of entries) {
    try {
      const stat = fs.lstatSync(base + entry);
      if (stat.isFile()) found.push(fromStat(base + entry, entry, stat, devMajorMinor(stat.dev)));
    } catch {
      // removed since readdir
    }
  }
  return found;
}

/**
 * A POSIX object name typed by a user, as shm_open takes it: "/name" or "name" (one leading
 * slash), 1 to 255 bytes, no other slash, not "." or "..", and (for shared memory, not for a message
 * queue) not "sem.…" (the files of named semaphores). The value is "/name".
 */
export function parseObjectName(text: string, options: { semaphorePrefixAllowed?: boolean } = {}): { ok: true; value: string } | { ok: false; error: string } {
  const name = text.trim().replace(/^\//, '');
  if (name.length === 0) return { ok: false, error: 'Type a name, for example /my_buffer' };
  if (name.includes('/')) return { ok: false, error: 'A POSIX object name has no "/" after the first one (it is a file directly in /dev/shm)' };
  if (name === '.' || name === '..') return { ok: false, error: `"${name}" is not a valid name` };
  if (name.includes('\0')) return { ok: false, error: 'A name cannot contain a NUL character' };
  if (Buffer.byteLength(name, 'utf8') > 255) return { ok: false, error: 'At most 255 bytes (NAME_MAX)' };
  if (!options.semaphorePrefixAllowed && name.startsWith(SEMAPHORE_PREFIX)) {
    return { ok: false, error: '"sem.…" names are the files of named semaphores (sem_open): choose another name' };
  }
  return { ok: true, value: '/' + name };
}
