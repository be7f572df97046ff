// What a POSIX named semaphore is to the rest of the code: its file, its holders, the value read
// from it (glibc's layout) and its state.
import type { PosixObject } from '../family/devShm';
import type { Holder } from '../family/holders';
import type { FileKey } from '../maps';

export type PosixSemState = 'in-use' | 'unused' | 'orphaned' | 'removed-held';

export type SemReading =
  | { read: true; layout: 'glibc'; value: number; waiters: number }
  | { read: true; layout: 'unknown'; why: string }
  | { read: false; why: 'no-helper' | 'denied' | 'gone' | 'error'; message: string };

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
