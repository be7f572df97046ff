// What a System V semaphore set is to the rest of the code: the kernel's row, the values the helper
// read (semctl GETALL, GETPID, GETNCNT, GETZCNT), the waiters, and the state in words.
import type { SemSet } from '../family/sysvTables';
import type { SemaphoreValue } from '../helperProtocol';
import type { Waiter } from '../waiters';

export type { SemaphoreValue } from '../helperProtocol';

export type SemSetState = 'in-use' | 'unused' | 'orphaned' | 'stuck';

/** What reading a set's values gave: the values, or why there are none. */
export type SetValues = { read: true; semaphores: SemaphoreValue[] } | { read: false; why: 'no-helper' | 'denied' | 'gone' | 'error'; message: string };

export interface SemaphoreInfo {
  index: number;
  value?: number;
  lastPid?: number;
  lastCommand?: string;
  /** Whether the last operator still runs (undefined: none, or it cannot be told). */
  lastAlive?: boolean;
  /** The last to change it was this window's helper (creating the set): the inspector, not a user. */
  byInspector?: boolean;
  ncnt?: number;
  zcnt?: number;
  /** Waiters whose sembuf names this semaphore. */
  waiters: Array<Waiter & { wants: 'increase' | 'zero' }>;
  /** "held by a process that exited without SEM_UNDO", when it is so. */
  diagnosis?: string;
}

export interface SemSetInfo {
  kind: 'sysvSem';
  set: SemSet;
  semaphores: SemaphoreInfo[];
  values: SetValues;
  /** Waiters whose sembuf could not be read (they wait on the set, on which semaphore is unknown). */
  setWaiters: Waiter[];
  state: SemSetState;
  reason: string;
  /** For an orphan: every process that used it is known to have exited (not merely never used). */
  certain: boolean;
  ownerName: string;
  creatorUserName: string;
  groupName: string;
  /** An unused set turns orphaned at this time by age alone (the picture must be redrawn then). */
  orphanAtMs?: number;
}
