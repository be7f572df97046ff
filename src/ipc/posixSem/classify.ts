// POSIX named semaphores: sem_open("/NAME") is the 32-byte file /dev/shm/sem.NAME, mapped by every
// process that uses it. Its value and the number of waiters are read from the file with pread
// (through the helper), in glibc's layout for 64-bit machines: a u64 whose low half is the value and
// whose high half counts waiters, then the `private` int (0: shared between processes) and padding.
// Anything else is shown as "unknown layout", never as a number that could be wrong. Holders come
// from the shared scan, as for POSIX shared memory objects (Python's multiprocessing locks unlink
// their semaphore right after sem_open: those show as removed but still held).
import type { Names } from '../names';
import { classifyHolds, holderPath, type ClassifyContext, type Holder } from '../posixShm/classify';
import type { PosixObject } from '../posixShm/parse';
import type { FileHold } from '../procScan';
import type { FileKey } from '../maps';
import * as l10n from '../../shared/l10n';

export type PosixSemState = 'in-use' | 'unused' | 'orphaned' | 'removed-held';

/** sizeof(sem_t) with glibc on 64-bit machines. */
export const GLIBC_SEM_BYTES = 32;
const SEM_VALUE_MAX = 0x7fffffff;
const FUTEX_PRIVATE_FLAG = 128;

export type SemReading =
  | { read: true; layout: 'glibc'; value: number; waiters: number }
  | { read: true; layout: 'unknown'; why: string }
  | { read: false; why: 'no-helper' | 'denied' | 'gone' | 'error'; message: string };

/** The value and waiter count of a glibc sem_t, or why the bytes are not one. */
export function decodeGlibcSemaphore(bytes: Uint8Array, arch: string = process.arch): SemReading {
  if (arch !== 'x64' && arch !== 'arm64') return { read: true, layout: 'unknown', why: `glibc's sem_t layout on ${arch} is not decoded` };
  if (bytes.length !== GLIBC_SEM_BYTES) return { read: true, layout: 'unknown', why: `${bytes.length} bytes, not the ${GLIBC_SEM_BYTES} of glibc's sem_t` };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = view.readBigUInt64LE(0);
  const priv = view.readInt32LE(8);
  const value = Number(data & 0xffffffffn);
  const waiters = Number(data >> 32n);
  const tailClear = view.subarray(12).every((b) => b === 0);
  if (value > SEM_VALUE_MAX || (priv !== 0 && priv !== FUTEX_PRIVATE_FLAG) || !tailClear || waiters > 0xffffff) {
    return { read: true, layout: 'unknown', why: "the bytes do not look like glibc's sem_t (another C library, or not a semaphore)" };
  }
  return { read: true, layout: 'glibc', value, waiters };
}

export interface PosixSemInfo {
  kind: 'posixSem';
  /** As sem_open names it: "/NAME" (the file is sem.NAME). */
  name: string;
  /**
   * Where the name comes from: its file; an earlier refresh that saw it linked (a removed one);
   * or only its holders' mappings, which may show glibc's temporary name (sem_open creates the
   * file as sem.XXXXXX and links it to sem.NAME, so the mapping's dentry is the temporary one).
   */
  nameFrom: 'file' | 'earlier' | 'mapping';
  key: FileKey;
  devMajor: number;
  devMinor: number;
  ino: number;
  file?: PosixObject;
  removed: boolean;
  holders: Holder[];
  mappers: number;
  openers: number;
  reading: SemReading;
  state: PosixSemState;
  reason: string;
  unchecked: number;
  certain: boolean;
  readPaths: string[];
  ownerName?: string;
  groupName?: string;
  /** An unused semaphore turns orphaned at this time by age alone. */
  orphanAtMs?: number;
}

export const SEM_FILE_PREFIX = 'sem.';

/** "/NAME" from a /dev/shm file name or path ending in sem.NAME. */
export function semaphoreName(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  return '/' + (base.startsWith(SEM_FILE_PREFIX) ? base.slice(SEM_FILE_PREFIX.length) : base);
}

function rememberNames(known: Map<FileKey, string> | undefined, found: ReadonlyArray<{ key: FileKey; name: string }>): void {
  if (!known) return;
  const current = new Map(found.map((f) => [f.key, f.name]));
  for (const key of known.keys()) if (!current.has(key)) known.delete(key);
  for (const [key, name] of current) known.set(key, name);
}

function distinctPids(holders: readonly FileHold[], via: FileHold['via']): number {
  return new Set(holders.filter((h) => h.via === via).map((h) => h.pid)).size;
}

export interface PosixSemContext extends Pick<ClassifyContext, 'scan' | 'nowMs' | 'graceMs' | 'lastHeldMs'> {
  names: Names;
  /** Our /dev/shm's device ("major:minor:"), to tell a removed semaphore of ours from another namespace's. */
  devicePrefix?: string;
  /** What the helper read from each semaphore's file (by key), when it did. */
  readings: Map<FileKey, SemReading>;
  /** Names of semaphores seen linked, kept across refreshes to name them once removed (pruned here). */
  knownNames?: Map<FileKey, string>;
}

/** Every named semaphore: the files sem.* of /dev/shm, and removed ones still mapped. */
export function classifyPosixSemaphores(files: readonly PosixObject[], context: PosixSemContext, procRoot = '/proc'): PosixSemInfo[] {
  const { scan, names } = context;
  const found: Array<{ key: FileKey; name: string; nameFrom: PosixSemInfo['nameFrom']; file?: PosixObject; removed: boolean; holders: FileHold[] }> = files.map(
    (file) => ({
      key: file.key,
      name: semaphoreName(file.name),
      nameFrom: 'file',
      file,
      removed: false,
      holders: scan.files.get(file.key) ?? [],
    }),
  );
  const listed = new Set(files.map((f) => f.key));
  for (const [key, holders] of scan.files) {
    if (listed.has(key) || !context.devicePrefix || !key.startsWith(context.devicePrefix)) continue;
    const first = holders[0];
    const base = first.path.slice(first.path.lastIndexOf('/') + 1);
    if (!first.path.startsWith('/dev/shm/') || !base.startsWith(SEM_FILE_PREFIX)) continue;
    const known = context.knownNames?.get(key);
    found.push({ key, name: known ?? semaphoreName(base), nameFrom: known ? 'earlier' : 'mapping', removed: first.deleted, holders });
  }
  rememberNames(context.knownNames, found);
  return found.map((f): PosixSemInfo => {
    const [devMajor, devMinor, ino] = f.key.split(':').map(Number);
    const mappers = distinctPids(f.holders, 'map');
    const openers = distinctPids(f.holders, 'fd');
    if (mappers + openers > 0) context.lastHeldMs.set(f.key, context.nowMs);
    const changedMs = f.file ? Math.max(f.file.mtimeMs, f.file.ctimeMs) : context.nowMs;
    const unusedSinceMs = Math.max(changedMs, context.lastHeldMs.get(f.key) ?? 0);
    const { state, reason } = classifyHolds({
      removed: f.removed,
      mappers,
      openers,
      unchecked: scan.unreadable,
      unusedSinceMs,
      nowMs: context.nowMs,
      graceMs: context.graceMs,
    });
    const readPaths = [...(f.removed || !f.file ? [] : [f.file.path]), ...f.holders.map((h) => holderPath(procRoot, h))];
    return {
      kind: 'posixSem',
      name: f.name,
      nameFrom: f.nameFrom,
      key: f.key,
      devMajor,
      devMinor,
      ino,
      file: f.file,
      removed: f.removed,
      holders: f.holders.map((h) => ({ ...h, command: names.command(h.pid) })),
      mappers,
      openers,
      reading: context.readings.get(f.key) ?? { read: false, why: 'no-helper', message: l10n.t('not read yet') },
      state,
      reason,
      unchecked: scan.unreadable,
      certain: scan.unreadable === 0,
      readPaths: [...new Set(readPaths)],
      ownerName: f.file && names.user(f.file.uid),
      groupName: f.file && names.group(f.file.gid),
      orphanAtMs: state === 'unused' ? unusedSinceMs + context.graceMs : undefined,
    };
  });
}
