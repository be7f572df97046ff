// glibc's locks as bytes: pthread_mutex_t, pthread_rwlock_t, pthread_cond_t and sem_t, decoded
// into who holds them and who waits, for x86-64, arm64 and 32-bit arm (glibc 2.25 and later: the
// condition variable and rwlock of that release on). The layouts are glibc's own
// (sysdeps/x86/nptl/bits/struct_mutex.h, sysdeps/nptl/bits/struct_mutex.h and struct_rwlock.h,
// sysdeps/nptl/internaltypes.h, nptl/nptl-printers.py); each was seen on this machine for x86-64
// (test/native/ipc/waits/waits.test.ts pins them against test/programs/locktool). Bytes that fit no state a
// layout allows decode as 'unknown', never as a guess; a libc other than glibc is not told apart
// here, so the caller says "unknown layout" where it knows the program is not glibc's.
// Shared by the waits (src/ipc/waits: the lock a blocked thread waits on) and the fields panel (a
// field of one of these types reads as a lock): no `vscode`, no Node, no DOM; bytes as Uint8Array.
import * as l10n from './l10n';

/** The architectures whose glibc layouts are known (the waits' syscall tables are for the same three). */
export type LockArch = 'x86_64' | 'aarch64' | 'arm';

interface MutexLayout {
  size: number;
  lock: number;
  count: number;
  owner: number;
  nusers: number;
  kind: number;
}

interface RwlockLayout {
  size: number;
  readers: number;
  writers: number;
  wrphaseFutex: number;
  writersFutex: number;
  curWriter: number;
  /** The process-shared flag: an int on 64-bit, a byte on 32-bit. */
  shared: number;
  sharedBytes: 1 | 4;
}

interface SemLayout {
  size: number;
  /** 64-bit: u64 data (value low 32 bits, waiters high 32); 32-bit: u32 value << 1 | has-waiters, nwaiters at 12. */
  wide: boolean;
}

export interface LockLayouts {
  mutex: MutexLayout;
  rwlock: RwlockLayout;
  /** pthread_cond_t is 48 bytes everywhere: __wrefs at 36, __g_signals[2] at 40. */
  cond: { size: number; wrefs: number; signals: number };
  sem: SemLayout;
}

const COND = { size: 48, wrefs: 36, signals: 40 };

/** glibc's layouts by architecture. */
export const GLIBC_LAYOUTS: Readonly<Record<LockArch, LockLayouts>> = {
  x86_64: {
    mutex: { size: 40, lock: 0, count: 4, owner: 8, nusers: 12, kind: 16 },
    rwlock: { size: 56, readers: 0, writers: 4, wrphaseFutex: 8, writersFutex: 12, curWriter: 24, shared: 28, sharedBytes: 4 },
    cond: COND,
    sem: { size: 32, wide: true },
  },
  aarch64: {
    mutex: { size: 48, lock: 0, count: 4, owner: 8, nusers: 12, kind: 16 },
    rwlock: { size: 56, readers: 0, writers: 4, wrphaseFutex: 8, writersFutex: 12, curWriter: 24, shared: 28, sharedBytes: 4 },
    cond: COND,
    sem: { size: 32, wide: true },
  },
  arm: {
    mutex: { size: 24, lock: 0, count: 4, owner: 8, kind: 12, nusers: 16 },
    rwlock: { size: 32, readers: 0, writers: 4, wrphaseFutex: 8, writersFutex: 12, curWriter: 28, shared: 25, sharedBytes: 1 },
    cond: COND,
    sem: { size: 16, wide: false },
  },
};

// The futex word's bits of a robust or priority-inheritance mutex (linux/futex.h).
export const FUTEX_WAITERS = 0x80000000;
export const FUTEX_OWNER_DIED = 0x40000000;
export const FUTEX_TID_MASK = 0x3fffffff;
// __owner's two marks of a robust mutex (nptl/pthreadP.h).
export const PTHREAD_MUTEX_INCONSISTENT = 0x7fffffff;
export const PTHREAD_MUTEX_NOTRECOVERABLE = 0x7ffffffe;
// __kind's bits (nptl/pthreadP.h): the type in the low two, then these.
const KIND_TYPE_MASK = 3;
const KIND_ROBUST = 16;
const KIND_PI = 32;
const KIND_PP = 64;
const KIND_PSHARED = 128;
const KIND_ELISION = 256;
const KIND_NO_ELISION = 512;
const KIND_KNOWN = KIND_TYPE_MASK | 4 | 8 | KIND_ROBUST | KIND_PI | KIND_PP | KIND_PSHARED | KIND_ELISION | KIND_NO_ELISION;

export type MutexType = 'normal' | 'recursive' | 'errorcheck' | 'adaptive';
const MUTEX_TYPES: MutexType[] = ['normal', 'recursive', 'errorcheck', 'adaptive'];

/**
 * A mutex's state:
 *   free; held (by `owner`, 0 when lock elision hides it);
 *   ownerDied: robust, its owner died holding it: the next locker gets EOWNERDEAD and must call
 *     pthread_mutex_consistent;
 *   inconsistent: EOWNERDEAD was returned and the new owner has not called pthread_mutex_consistent yet;
 *   notRecoverable: unlocked without pthread_mutex_consistent: every lock now fails (ENOTRECOVERABLE);
 *   unknown: bytes no glibc mutex has.
 */
export type MutexState = 'free' | 'held' | 'ownerDied' | 'inconsistent' | 'notRecoverable' | 'unknown';

export interface MutexReading {
  lock: 'mutex';
  state: MutexState;
  type: MutexType;
  robust: boolean;
  priorityInherit: boolean;
  priorityProtect: boolean;
  processShared: boolean;
  /** The owner's thread id, when the bytes name one. */
  owner?: number;
  /** The futex word says a thread waits (or may: glibc's 2 of a normal mutex, FUTEX_WAITERS). */
  waiters: boolean;
  /** How deep a recursive mutex is held. */
  count: number;
  raw: { lock: number; owner: number; kind: number; nusers: number };
}

export interface RwlockReading {
  lock: 'rwlock';
  state: 'free' | 'readLocked' | 'writeLocked' | 'unknown';
  /** The writer's thread id, when write-locked. */
  writer?: number;
  readers: number;
  /** A writer waits (or may: the writers futex has its "used" bit). */
  writersWaiting: boolean;
  processShared: boolean;
}

export interface CondReading {
  lock: 'cond';
  /** Threads in pthread_cond_wait (__wrefs >> 3). A condition variable has no owner: whoever holds its mutex could signal it. */
  waiters: number;
  processShared: boolean;
}

export interface SemReading {
  lock: 'sem';
  value: number;
  /** Threads blocked in sem_wait (64-bit); on 32-bit glibc keeps only whether there are any (then 1). */
  waiters: number;
  processShared: boolean;
}

export type LockReading = MutexReading | RwlockReading | CondReading | SemReading;
export type LockType = LockReading['lock'];

/** Little-endian reads of a lock's bytes (every architecture here is little-endian). */
class Bytes {
  private readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  readUInt32LE(at: number): number {
    return this.view.getUint32(at, true);
  }
  readInt32LE(at: number): number {
    return this.view.getInt32(at, true);
  }
  readBigUInt64LE(at: number): bigint {
    return this.view.getBigUint64(at, true);
  }
  byte(at: number): number {
    return this.view.getUint8(at);
  }
}

/** A lock's bytes, or undefined when fewer bytes than its layout are given. */
export function decodeLock(type: LockType, bytes: Uint8Array, arch: LockArch): LockReading | undefined {
  const layout = GLIBC_LAYOUTS[arch];
  const b = new Bytes(bytes);
  switch (type) {
    case 'mutex':
      return bytes.length >= layout.mutex.size ? decodeMutex(b, layout.mutex) : undefined;
    case 'rwlock':
      return bytes.length >= layout.rwlock.size ? decodeRwlock(b, layout.rwlock) : undefined;
    case 'cond':
      return bytes.length >= layout.cond.size ? decodeCond(b) : undefined;
    case 'sem':
      return bytes.length >= layout.sem.size ? decodeSem(b, layout.sem) : undefined;
  }
}

function decodeMutex(b: Bytes, l: MutexLayout): MutexReading {
  const lock = b.readUInt32LE(l.lock);
  const owner = b.readInt32LE(l.owner);
  const kind = b.readInt32LE(l.kind);
  const nusers = b.readUInt32LE(l.nusers);
  const reading: MutexReading = {
    lock: 'mutex',
    state: 'unknown',
    type: MUTEX_TYPES[kind & KIND_TYPE_MASK],
    robust: (kind & KIND_ROBUST) !== 0,
    priorityInherit: (kind & KIND_PI) !== 0,
    priorityProtect: (kind & KIND_PP) !== 0,
    processShared: (kind & KIND_PSHARED) !== 0,
    waiters: false,
    count: b.readUInt32LE(l.count),
    raw: { lock, owner, kind, nusers },
  };
  if (kind < 0 || (kind & ~KIND_KNOWN) !== 0) return reading;
  if (reading.robust || reading.priorityInherit) {
    // The word is the owner's TID with two flags; __owner marks a robust mutex's recovery.
    reading.waiters = (lock & FUTEX_WAITERS) !== 0;
    const tid = lock & FUTEX_TID_MASK;
    if (owner === PTHREAD_MUTEX_NOTRECOVERABLE) reading.state = 'notRecoverable';
    else if (owner === PTHREAD_MUTEX_INCONSISTENT) reading.state = 'inconsistent';
    else if ((lock & FUTEX_OWNER_DIED) !== 0) reading.state = 'ownerDied';
    else reading.state = tid === 0 ? 'free' : 'held';
    if (tid !== 0) reading.owner = tid;
    else if (reading.state === 'ownerDied' && owner > 0) reading.owner = owner; // the kernel cleared the word's TID; __owner keeps who it was
    return reading;
  }
  if (reading.priorityProtect) {
    // The ceiling is in the word's high bits; the low two are as a normal mutex's.
    const state = lock & 3;
    reading.state = state === 0 ? 'free' : 'held';
    reading.waiters = state === 2;
    if (state !== 0 && owner > 0) reading.owner = owner;
    return reading;
  }
  if (lock > 2 || owner < 0) return reading;
  reading.state = lock === 0 ? 'free' : 'held';
  reading.waiters = lock === 2;
  if (lock !== 0 && owner > 0) reading.owner = owner;
  return reading;
}

// __readers' low bits (nptl/pthread_rwlock_common.c).
const RW_WRLOCKED = 2;
const RW_READER_SHIFT = 3;
const RW_FUTEX_USED = 2;

function decodeRwlock(b: Bytes, l: RwlockLayout): RwlockReading {
  const readersWord = b.readUInt32LE(l.readers);
  const curWriter = b.readInt32LE(l.curWriter);
  const shared = l.sharedBytes === 4 ? b.readInt32LE(l.shared) : b.byte(l.shared);
  const writeLocked = (readersWord & RW_WRLOCKED) !== 0;
  const readers = readersWord >>> RW_READER_SHIFT;
  const reading: RwlockReading = {
    lock: 'rwlock',
    state: 'unknown',
    readers,
    writersWaiting: (b.readUInt32LE(l.writersFutex) & RW_FUTEX_USED) !== 0,
    processShared: shared !== 0,
  };
  if (curWriter < 0 || shared < 0 || shared > 1 || (writeLocked && readers > 0 && curWriter === 0)) return reading;
  if (writeLocked) {
    reading.state = 'writeLocked';
    if (curWriter > 0) reading.writer = curWriter;
  } else {
    reading.state = readers > 0 ? 'readLocked' : 'free';
  }
  return reading;
}

function decodeCond(b: Bytes): CondReading {
  const wrefs = b.readUInt32LE(COND.wrefs);
  return { lock: 'cond', waiters: wrefs >>> 3, processShared: (wrefs & 1) !== 0 };
}

/** The largest value a semaphore can have (glibc's SEM_VALUE_MAX). */
export const SEM_VALUE_MAX = 0x7fffffff;
const SEM_VALUE_SHIFT = 1; // 32-bit: the value is shifted left by one, bit 0 says "has waiters"
// sem_t's `private` field holds glibc's LLL_SHARED (128) for a process-shared semaphore and
// LLL_PRIVATE (0) for a private one (glibc XORs it with FUTEX_PRIVATE_FLAG: seen on this machine,
// sem_init(s, 1, 0) leaves 128 there and sem_wait waits without the private flag).
const LLL_SHARED = 128;

function decodeSem(b: Bytes, l: SemLayout): SemReading {
  if (l.wide) {
    const data = b.readBigUInt64LE(0);
    return { lock: 'sem', value: Number(data & 0xffffffffn), waiters: Number(data >> 32n), processShared: b.readInt32LE(8) === LLL_SHARED };
  }
  const value = b.readUInt32LE(0);
  return {
    lock: 'sem',
    value: value >>> SEM_VALUE_SHIFT,
    waiters: value & 1 ? Math.max(1, b.readUInt32LE(12)) : 0,
    processShared: b.readInt32LE(4) === LLL_SHARED,
  };
}

/** A decoded lock in words: "mutex, held by 4711", "rwlock, read-locked by 3", "semaphore, value 0, 2 waiting". */
export function lockWords(r: LockReading, holderGone = false): string {
  const held = (tid: number) => (holderGone ? l10n.t('held by {0}, which no longer exists', tid) : l10n.t('held by {0}', tid));
  switch (r.lock) {
    case 'mutex': {
      const kind = r.robust ? l10n.t('robust mutex') : r.priorityInherit ? l10n.t('priority-inheritance mutex') : l10n.t('mutex');
      switch (r.state) {
        case 'free':
          return l10n.t('{0}, free', kind);
        case 'held':
          return r.owner ? l10n.t('{0}, {1}', kind, held(r.owner)) : l10n.t('{0}, held (owner hidden by lock elision)', kind);
        case 'ownerDied':
          return l10n.t('{0}, owner died', kind);
        case 'inconsistent':
          return l10n.t('{0}, inconsistent', kind);
        case 'notRecoverable':
          return l10n.t('{0}, not recoverable', kind);
        case 'unknown':
          return l10n.t('{0} of unknown layout', kind);
      }
      break;
    }
    case 'rwlock':
      if (r.state === 'writeLocked') return r.writer ? l10n.t('rwlock, {0} (writer)', held(r.writer)) : l10n.t('rwlock, held by a writer');
      if (r.state === 'readLocked') return l10n.t('rwlock, read-locked by {0}', r.readers);
      return r.state === 'free' ? l10n.t('rwlock, free') : l10n.t('rwlock of unknown layout');
    case 'cond':
      return l10n.t('condition variable, {0} waiting', r.waiters);
    case 'sem':
      return l10n.t('semaphore, value {0}, {1} waiting', r.value, r.waiters);
  }
}

/**
 * A lock in a C field, in words: lockWords and, since no thread waiting on it is known there, what
 * its bytes say of waiters ("mutex, held by 4711, threads waiting").
 */
export function lockFieldWords(r: LockReading): string {
  const words = lockWords(r);
  if (r.lock === 'mutex' && r.waiters && r.state !== 'free') return l10n.t('{0}, threads waiting', words);
  if (r.lock === 'rwlock' && r.writersWaiting) return l10n.t('{0}, a writer waiting', words);
  return words;
}

/** glibc's lock types by the names C programs give them (a Map: a type named "constructor" is no lock). */
const LOCK_TYPE_NAMES: ReadonlyMap<string, LockType> = new Map([
  ['pthread_mutex_t', 'mutex'],
  ['pthread_rwlock_t', 'rwlock'],
  ['pthread_cond_t', 'cond'],
  ['sem_t', 'sem'],
]);
/** More waiters on one condition variable than threads a machine runs: bytes that are not one. */
const MAX_COND_WAITERS = 1 << 22;

/** The glibc lock a C type name is ("pthread_mutex_t", "volatile sem_t"), if it is one. */
export function lockTypeOf(typeName: string): LockType | undefined {
  return (
    LOCK_TYPE_NAMES.get(typeName) ??
    LOCK_TYPE_NAMES.get(
      typeName
        .replace(/\b(const|volatile)\b/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
  );
}

/**
 * The lock a C field holds, when its type is one of glibc's lock types (by its typedef name,
 * qualifiers aside) and its size is that type's on some architecture here (which tells the layout:
 * a 40-byte pthread_mutex_t is x86-64's, 48 arm64's, 24 32-bit arm's); undefined otherwise, and for
 * bytes no state of that lock has (those stay bytes: never a guess).
 */
export function lockInField(typeName: string, size: number, bytes: Uint8Array): LockReading | undefined {
  const type = lockTypeOf(typeName);
  if (!type) return undefined;
  const arch = (Object.keys(GLIBC_LAYOUTS) as LockArch[]).find((a) => GLIBC_LAYOUTS[a][type].size === size);
  const reading = arch && bytes.length >= size ? decodeLock(type, bytes, arch) : undefined;
  return reading && arch && fitsLayout(reading, bytes, arch) ? reading : undefined;
}

/** Whether decoded bytes are a state the lock can be in (what lockAt.ts asks of a waited-on word, without the waiter). */
function fitsLayout(r: LockReading, bytes: Uint8Array, arch: LockArch): boolean {
  switch (r.lock) {
    case 'mutex':
    case 'rwlock':
      return r.state !== 'unknown';
    case 'cond':
      return r.waiters < MAX_COND_WAITERS;
    case 'sem': {
      // `private` holds glibc's LLL_SHARED or LLL_PRIVATE, nothing else.
      const at = GLIBC_LAYOUTS[arch].sem.wide ? 8 : 4;
      const privateField = new Bytes(bytes).readInt32LE(at);
      return (privateField === 0 || privateField === LLL_SHARED) && r.value <= SEM_VALUE_MAX && r.waiters <= SEM_VALUE_MAX;
    }
  }
}
