// Which lock a futex word belongs to, from how a thread waits on it and the bytes around it: glibc
// waits on a different word of each lock, with a different command and value (seen on this
// machine with test/programs/locktool, x86-64, glibc 2.36):
//   mutex   futex(&m.__lock, FUTEX_WAIT, 2)                          word = the mutex
//   robust  futex(&m.__lock, FUTEX_WAIT, tid | FUTEX_WAITERS)       word = the mutex
//   PI      futex(&m.__lock, FUTEX_LOCK_PI[2], ...)                 word = the mutex
//   sem_t   futex(&s.value, FUTEX_WAIT_BITSET, 0)                   word = the semaphore
//   cond    futex(&c.__g_signals[g], FUTEX_WAIT_BITSET, ...)        word = cond + 40 or + 44
//   rwlock  futex(&rw.__writers_futex, FUTEX_WAIT_BITSET, 3)        word = rwlock + 12 (writers)
//           futex(&rw.__wrphase_futex, FUTEX_WAIT_BITSET, 3)        word = rwlock + 8 (readers)
// Each candidate is checked against its layout's invariants (a semaphore blocked on has a value of
// what the waiter expects and waiters counted; a condition variable blocked on counts a waiter;
// an rwlock's shared flag is 0 or 1): what fits none is an unknown futex word, its value shown.
// Pure: the bytes are read by the caller (readLocks.ts).
import { decodeLock, FUTEX_TID_MASK, FUTEX_WAITERS, GLIBC_LAYOUTS, SEM_VALUE_MAX, type LockReading, type LockType } from '../../shared/glibcLocks';
import type { FutexWord } from './resolve';
import type { WaitArch } from './syscalls';

/** The lock a futex word was found to be part of. */
export interface LockAt {
  type: LockType | 'unknown';
  /** Where the lock starts: in the waiting process, and in the object. */
  address: bigint;
  offset: bigint;
  /** Its state, for a known lock. */
  reading?: LockReading;
  /** The futex word's value as read (undefined when it could not be read). */
  value?: number;
}

/** Bytes read from a process around a futex word: `bytes` start at `start`. */
export interface Window {
  start: bigint;
  bytes: Buffer;
}

/** How far before and after a futex word a window must reach for every candidate lock. */
export const WINDOW_BEFORE = 48n;
export const WINDOW_AFTER = 64n;

/** The bytes of [address, address + length) of a window, or undefined when it does not hold them all. */
function slice(window: Window, address: bigint, length: number): Buffer | undefined {
  if (address < window.start) return undefined;
  const from = Number(address - window.start);
  return from + length <= window.bytes.length ? window.bytes.subarray(from, from + length) : undefined;
}

function lockAt(type: LockType, word: FutexWord, back: bigint, window: Window, arch: WaitArch): LockAt | undefined {
  const address = word.address - back;
  const size = GLIBC_LAYOUTS[arch][type].size;
  const bytes = slice(window, address, size);
  const reading = bytes && decodeLock(type, bytes, arch);
  if (!reading) return undefined;
  return { type, address, offset: word.offset - back, reading };
}

/** The candidate fits its layout's invariants for a thread blocked on this word. */
function plausible(at: LockAt | undefined, word: FutexWord): at is LockAt {
  const r = at?.reading;
  if (!r) return false;
  switch (r.lock) {
    case 'mutex':
      return r.state !== 'unknown';
    case 'sem':
      return r.value === word.expected && r.waiters >= 1 && r.value <= SEM_VALUE_MAX && r.waiters <= SEM_VALUE_MAX;
    case 'cond':
      return r.waiters >= 1;
    case 'rwlock':
      return r.state !== 'unknown' && r.state !== 'free';
  }
}

/** Which lock a blocked thread's futex word is part of, from the bytes read around it. */
export function identifyLock(word: FutexWord, window: Window | undefined, arch: WaitArch): LockAt {
  const valueBytes = window && slice(window, word.address, 4);
  const unknown: LockAt = { type: 'unknown', address: word.address, offset: word.offset, ...(valueBytes ? { value: valueBytes.readUInt32LE(0) } : {}) };
  if (!window) return unknown;
  const command = word.command;
  const mutexWait =
    command === 'FUTEX_LOCK_PI' ||
    command === 'FUTEX_LOCK_PI2' ||
    (command === 'FUTEX_WAIT' && (word.expected === 2 || ((word.expected & FUTEX_WAITERS) !== 0 && (word.expected & FUTEX_TID_MASK) !== 0)));
  const candidates: Array<() => LockAt | undefined> = mutexWait
    ? [() => lockAt('mutex', word, 0n, window, arch)]
    : [
        () => lockAt('sem', word, 0n, window, arch),
        () => lockAt('cond', word, 40n, window, arch),
        () => lockAt('cond', word, 44n, window, arch),
        () => lockAt('rwlock', word, 12n, window, arch),
        () => lockAt('rwlock', word, 8n, window, arch),
      ];
  for (const candidate of candidates) {
    const at = candidate();
    if (plausible(at, word)) return { ...at, ...(valueBytes ? { value: valueBytes.readUInt32LE(0) } : {}) };
  }
  return unknown;
}
