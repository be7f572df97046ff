// POSIX named semaphores as the helper reads them: the 32 bytes of each sem.NAME file, with pread
// (never mapped, so reading cannot disturb a waiter), through its name or, for a removed one, a
// holder's /proc link, each read checked against the file's device and inode.
import type { HelperClient } from '../helperClient';
import type { FileKey } from '../maps';
import { readFailure } from '../readFailure';
import { decodeGlibcSemaphore, GLIBC_SEM_BYTES, type PosixSemInfo, type SemReading } from './classify';
import * as l10n from '../../shared/l10n';

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
