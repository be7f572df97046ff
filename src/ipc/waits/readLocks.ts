// The locks blocked threads wait on, read where they live: for each futex word some thread waits
// on, the bytes around it, read once (through one process that waits on it: PROC_MEM_READ checks
// that it still maps that very object there) and told which lock they are (lockAt.ts). A window
// never leaves the word's 4 KiB page (a page the waiter touched is present; its neighbour may not
// be, and PROC_MEM_READ refuses to fault one in) nor its mapping.
import { identifyLock, WINDOW_AFTER, WINDOW_BEFORE, type LockAt, type Window } from './lockAt';
import type { FutexWord, WaitScan } from './resolve';
import type { MapIdentity } from './sharedMaps';

/** Reads `length` bytes at `address` of process `pid`, where it maps the object `identity` (HelperClient.procMemRead). */
export type MemoryReader = (pid: number, address: bigint, length: number, identity: MapIdentity) => Promise<Buffer>;

const PAGE = 4096n;

/** The key of a futex word: its object and offset (the same lock in every process). */
export function wordKey(word: Pick<FutexWord, 'object' | 'offset'>): string {
  return `${word.object.id}+${word.offset}`;
}

/** The window of bytes to read around a word, inside its page and its mapping. */
export function windowRange(word: FutexWord): { start: bigint; length: number } {
  const page = word.address - (word.address % PAGE);
  const start = [word.address - WINDOW_BEFORE, page, word.mapping.start].reduce((a, b) => (a > b ? a : b));
  const end = [word.address + WINDOW_AFTER, page + PAGE, word.mapping.end].reduce((a, b) => (a < b ? a : b));
  return { start, length: Number(end - start) };
}

export interface LockReadings {
  /** By wordKey: the lock each waited-on word is part of. */
  locks: Map<string, LockAt>;
  /** Words whose bytes could not be read, with why (the helper's words). */
  failures: Map<string, string>;
}

/** Reads and identifies the lock of every futex word of the scan (reads are issued together: the helper pipelines them). */
export async function readLocks(scan: Pick<WaitScan, 'blocked' | 'arch'>, read: MemoryReader): Promise<LockReadings> {
  const words = new Map<string, { word: FutexWord; pid: number }>();
  for (const thread of scan.blocked) {
    if (thread.on.type !== 'futex') continue;
    for (const word of thread.on.words) if (!words.has(wordKey(word))) words.set(wordKey(word), { word, pid: thread.pid });
  }
  const result: LockReadings = { locks: new Map(), failures: new Map() };
  await Promise.all(
    [...words].map(async ([key, { word, pid }]) => {
      const { start, length } = windowRange(word);
      let window: Window | undefined;
      try {
        window = { start, bytes: await read(pid, start, length, word.object.identity) };
      } catch (error) {
        result.failures.set(key, (error as Error).message);
      }
      result.locks.set(key, identifyLock(word, window, scan.arch));
    }),
  );
  return result;
}
