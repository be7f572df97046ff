// System V semaphore sets as the kernel lists them: /proc/sysvipc/sem, readable by every user.
// It has no values and no creator pid (the kernel keeps neither for a set): values come from the
// helper (semctl GETALL and friends), and "who made it" only from the owner's uid.
import type { HelperClient } from '../helperClient';
import { ownTables, type TableReader } from '../tables';
import { readFailure } from '../readFailure';
import { parseSem, type SemSet } from '../family/sysvTables';
import type { SetValues } from './types';

export type { SemSet } from '../family/sysvTables';

export interface SemTable {
  raw: Buffer;
  sets: SemSet[];
  skipped: number;
}

/** Reads /proc/sysvipc/sem (of this process's IPC namespace). Rejects when it cannot be read. */
export async function readSemTable(tables: TableReader = ownTables): Promise<SemTable> {
  const raw = await tables('sysvipc/sem');
  const { items, skipped } = parseSem(raw);
  return { raw, sets: items, skipped };
}

/**
 * Every set's values, read by the helper in one request a set (pipelined: a thousand sets take a
 * few tens of milliseconds). A set it may not read says why instead.
 */
export async function readSetValues(client: HelperClient, sets: readonly SemSet[]): Promise<Map<number, SetValues>> {
  const values = new Map<number, SetValues>();
  await Promise.all(
    sets.map(async (set) => {
      try {
        const read = await client.semValues(set.semid);
        values.set(set.semid, { read: true, semaphores: read.semaphores });
      } catch (error) {
        const failure = readFailure(error);
        values.set(set.semid, { read: false, why: failure.why === 'unsupported' ? 'error' : failure.why, message: failure.message });
      }
    }),
  );
  return values;
}
