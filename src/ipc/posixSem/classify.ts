// POSIX named semaphores: sem_open("/NAME") is the 32-byte file /dev/shm/sem.NAME, mapped by every
// process that uses it. Its value and the number of waiters are read from the file with pread
// (through the helper), in glibc's layout for 64-bit machines: a u64 whose low half is the value and
// whose high half counts waiters, then the `private` int (0: shared between processes) and padding.
// Anything else is shown as "unknown layout", never as a number that could be wrong. Holders come
// from the shared scan, as for POSIX shared memory objects (Python's multiprocessing locks unlink
// their semaphore right after sem_open: those show as removed but still held).
import type { Names } from '../names';
import { classifyHolds, heldFileFields, holdsInputOf, type HoldersContext } from '../family/holders';
import type { PosixObject } from '../family/devShm';
import type { FileHold } from '../procScan';
import type { FileKey } from '../maps';
import * as l10n from '../../shared/l10n';
import type { PosixSemInfo, SemReading } from './types';

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

export interface PosixSemContext extends Pick<HoldersContext, 'scan' | 'nowMs' | 'graceMs' | 'lastHeldMs'> {
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
    const input = holdsInputOf(f, context);
    const { state, reason } = classifyHolds(input);
    return {
      kind: 'posixSem',
      nameFrom: f.nameFrom,
      ...heldFileFields(f, input, reason, names, procRoot),
      reading: context.readings.get(f.key) ?? { read: false, why: 'no-helper', message: l10n.t('not read yet') },
      state,
      orphanAtMs: state === 'unused' ? input.unusedSinceMs + context.graceMs : undefined,
    };
  });
}
