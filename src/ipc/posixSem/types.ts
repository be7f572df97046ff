// What a POSIX named semaphore is to the rest of the code: its file, its holders, the value read
// from it (glibc's layout) and its state.
import type { HeldFile } from '../family/holders';

export type PosixSemState = 'in-use' | 'unused' | 'orphaned' | 'removed-held';

export type SemReading =
  | { read: true; layout: 'glibc'; value: number; waiters: number }
  | { read: true; layout: 'unknown'; why: string }
  | { read: false; why: 'no-helper' | 'denied' | 'gone' | 'error'; message: string };

export interface PosixSemInfo extends HeldFile {
  kind: 'posixSem';
  /**
   * Where the name comes from: its file; an earlier refresh that saw it linked (a removed one);
   * or only its holders' mappings, which may show glibc's temporary name (sem_open creates the
   * file as sem.XXXXXX and links it to sem.NAME, so the mapping's dentry is the temporary one).
   */
  nameFrom: 'file' | 'earlier' | 'mapping';
  reading: SemReading;
  state: PosixSemState;
  /** An unused semaphore turns orphaned at this time by age alone. */
  orphanAtMs?: number;
}
