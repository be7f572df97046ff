// POSIX named semaphores as the helper reads them: the 32 bytes of each sem.NAME file, with pread
// (never mapped, so reading cannot disturb a waiter), through its name or, for a removed one, a
// holder's /proc link, each read checked against the file's device and inode.
import type { HelperClient } from '../helperClient';
import type { FileKey } from '../maps';
import { readFailure } from '../readFailure';
import { type PosixSemInfo, type SemReading } from './types';
import * as l10n from '../../shared/l10n';

const SEM_VALUE_MAX = 0x7fffffff;
const FUTEX_PRIVATE_FLAG = 128;

/** What the helper reads of each semaphore, by key. */
export async function readSemaphores(
  client: HelperClient,
  semaphores: readonly Pick<PosixSemInfo, 'key' | 'devMajor' | 'devMinor' | 'ino' | 'readPaths'>[],
): Promise<Map<FileKey, SemReading>> {
  const readings = new Map<FileKey, SemReading>();
  await Promise.all(
    semaphores.map(async (s) => {
      const id = { devMajor: s.devMajor, devMinor: s.devMinor, ino: s.ino };
      let last: unknown = new Error(l10n.t('no path to read it by'));
      for (const where of s.readPaths) {
        try {
          const size = (await client.fileStat(where)).size;
          if (size !== GLIBC_SEM_BYTES) {
            readings.set(s.key, { read: true, layout: 'unknown', why: `${size} bytes, not the ${GLIBC_SEM_BYTES} of glibc's sem_t` });
            return;
          }
          readings.set(s.key, decodeGlibcSemaphore(await client.fileRead(where, id, 0, GLIBC_SEM_BYTES)));
          return;
        } catch (error) {
          last = error;
        }
      }
      const failure = readFailure(last);
      readings.set(s.key, { read: false, why: failure.why === 'unsupported' ? 'error' : failure.why, message: failure.message });
    }),
  );
  return readings;
}

/** sizeof(sem_t) with glibc on 64-bit machines. */
export const GLIBC_SEM_BYTES = 32;

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
