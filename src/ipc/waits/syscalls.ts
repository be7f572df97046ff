// The system calls a thread waits in, by architecture: what /proc/PID/task/TID/syscall shows of a
// thread blocked on a lock, a semaphore or a queue ("202 0x7f86996a2000 0x0 0x2 ..." is futex on
// x86-64). The numbers are the kernel's (asm/unistd_64.h, asm-generic/unistd.h for arm64, the arm
// EABI table), and what matters is the architecture of the KERNEL the threads run on, not of this
// Node: os.machine() is uname's. (A 32-bit process on a 64-bit kernel shows its own compat numbers;
// those are not looked for: see the README's limits.)
//
// Each call has a role, which tells the /proc reader (the helper's PROC_SCAN or the extension's
// own) what else to read of a thread blocked in it: the array a futex_waitv or a semop points to.
import * as os from 'os';
import type { LockArch } from '../../shared/glibcLocks';

/** What a waiting call is, for the rest of the code. */
export type WaitCallName = 'futex' | 'futex_waitv' | 'semop' | 'msgsnd' | 'msgrcv' | 'mq_timedsend' | 'mq_timedreceive';

/** What the reader reads besides the arguments (native/proc-scan.h, enum wait_role). */
export enum WaitRole {
  /** futex(uaddr, op, val, ...): kept only when uaddr lies in a shared mapping. */
  Futex = 1,
  /** futex_waitv(waiters, n, ...): its array of struct futex_waitv is read from the process. */
  FutexWaitv = 2,
  /** semop/semtimedop(semid, sops, nsops, ...): its sembufs are read from the process. */
  Semop = 3,
  /** The arguments say it all: msgsnd, msgrcv, mq_timedsend, mq_timedreceive. */
  Other = 4,
}

const ROLES: Record<WaitCallName, WaitRole> = {
  futex: WaitRole.Futex,
  futex_waitv: WaitRole.FutexWaitv,
  semop: WaitRole.Semop,
  msgsnd: WaitRole.Other,
  msgrcv: WaitRole.Other,
  mq_timedsend: WaitRole.Other,
  mq_timedreceive: WaitRole.Other,
};

/** An architecture whose waiting calls are known (uname's machine, grouped): the same three whose glibc lock layouts are. */
export type WaitArch = LockArch;

/**
 * Syscall number -> the call, per kernel architecture. semtimedop is glibc's semop on every one of
 * them; the *_time64 calls are what a 32-bit program built with 64-bit time uses.
 */
export const WAIT_CALLS: Readonly<Record<WaitArch, Readonly<Record<number, WaitCallName>>>> = {
  x86_64: { 202: 'futex', 449: 'futex_waitv', 65: 'semop', 220: 'semop', 69: 'msgsnd', 70: 'msgrcv', 242: 'mq_timedsend', 243: 'mq_timedreceive' },
  aarch64: { 98: 'futex', 449: 'futex_waitv', 193: 'semop', 192: 'semop', 189: 'msgsnd', 188: 'msgrcv', 182: 'mq_timedsend', 183: 'mq_timedreceive' },
  arm: {
    240: 'futex',
    422: 'futex',
    449: 'futex_waitv',
    298: 'semop',
    312: 'semop',
    420: 'semop',
    301: 'msgsnd',
    302: 'msgrcv',
    276: 'mq_timedsend',
    277: 'mq_timedreceive',
    418: 'mq_timedsend',
    419: 'mq_timedreceive',
  },
};

/** The architecture of a uname machine string, or undefined when its waiting calls are not known. */
export function waitArch(machine: string = os.machine()): WaitArch | undefined {
  if (machine === 'x86_64') return 'x86_64';
  if (machine === 'aarch64' || machine === 'arm64') return 'aarch64';
  if (/^armv[5-8]/.test(machine)) return 'arm';
  return undefined;
}

/** The calls as PROC_SCAN takes them: number | role << 16, one u32 each (at most MAX_WAIT_CALLS). */
export function encodedCalls(arch: WaitArch): number[] {
  return Object.entries(WAIT_CALLS[arch]).map(([nr, name]) => (Number(nr) | (ROLES[name] << 16)) >>> 0);
}

/** How many calls PROC_SCAN's request has room for. */
export const MAX_WAIT_CALLS = 16;

/** The role of each waiting call's number on an architecture (what the extension's own reader uses). */
export function callRoles(arch: WaitArch): Record<number, WaitRole> {
  const roles: Record<number, WaitRole> = {};
  for (const [nr, name] of Object.entries(WAIT_CALLS[arch])) roles[Number(nr)] = ROLES[name];
  return roles;
}

/** futex's op: the command in its low bits, and two flags. */
export const FUTEX_CMD_MASK = 0x7f;
export const FUTEX_PRIVATE_FLAG = 0x80;
export const FUTEX_CLOCK_REALTIME = 0x100;

/** futex commands that block (uapi/linux/futex.h). */
export const FUTEX_COMMANDS: Readonly<Record<number, string>> = {
  0: 'FUTEX_WAIT',
  6: 'FUTEX_LOCK_PI',
  9: 'FUTEX_WAIT_BITSET',
  11: 'FUTEX_WAIT_REQUEUE_PI',
  13: 'FUTEX_LOCK_PI2',
};
