// Who is blocked on a semaphore set or a message queue. The kernel keeps no list of waiters; a task
// blocked in semop/semtimedop, msgsnd or msgrcv shows in /proc/PID/task/TID/syscall as the
// syscall's number and arguments ("220 0x3 0x7ffd... 0x1 ..."): the first argument is the set's or
// the queue's id. For semop the second and third are the sembuf array and its length, read from
// /proc/PID/mem to tell which semaphore the task waits on and for what (an increase or zero).
// Reading syscall needs PTRACE_MODE_ATTACH (a non-root user reads only its own processes, and with
// Yama's ptrace_scope 1 only its descendants): unreadable tasks are counted.
import * as fs from 'fs';
import * as path from 'path';

export type WaitCall = 'semop' | 'msgsnd' | 'msgrcv';

/** Syscall numbers by architecture (process.arch): asm/unistd_64.h, asm-generic/unistd.h, arm EABI. */
const SYSCALLS: Record<string, Record<number, WaitCall>> = {
  x64: { 65: 'semop', 220: 'semop', 69: 'msgsnd', 70: 'msgrcv' },
  arm64: { 193: 'semop', 192: 'semop', 189: 'msgsnd', 188: 'msgrcv' },
  arm: { 298: 'semop', 312: 'semop', 420: 'semop', 301: 'msgsnd', 302: 'msgrcv' },
};

/** The waiting calls this machine's architecture is known for, or undefined. */
export function waitCalls(arch: string = process.arch): Record<number, WaitCall> | undefined {
  return SYSCALLS[arch];
}

export interface SyscallLine {
  nr: number;
  args: bigint[];
}

/** Parses /proc/PID/task/TID/syscall: undefined for "running", "-1 ..." (not in a syscall) or junk. */
export function parseSyscall(text: string): SyscallLine | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 7 || !/^\d+$/.test(fields[0])) return undefined;
  try {
    return { nr: Number(fields[0]), args: fields.slice(1, 7).map((f) => BigInt(f)) };
  } catch {
    return undefined;
  }
}

/** One operation of a sembuf array: which semaphore, the change asked (< 0 waits for an increase, 0 for zero). */
export interface SemOp {
  semnum: number;
  op: number;
  flags: number;
}

/** Decodes struct sembuf[] (unsigned short sem_num; short sem_op; short sem_flg), little-endian. */
export function parseSembufs(bytes: Buffer): SemOp[] {
  const ops: SemOp[] = [];
  for (let at = 0; at + 6 <= bytes.length; at += 6) {
    ops.push({ semnum: bytes.readUInt16LE(at), op: bytes.readInt16LE(at + 2), flags: bytes.readInt16LE(at + 4) });
  }
  return ops;
}

export interface Waiter {
  pid: number;
  tid: number;
  call: WaitCall;
  /** The set's or the queue's id (the syscall's first argument). */
  id: number;
  /** semop: the operations asked, when the caller's memory could be read. */
  ops?: SemOp[];
  /** msgrcv: the type asked for (0 = any, > 0 that type, < 0 the lowest up to -type). */
  msgtype?: bigint;
  /** msgsnd: the size being sent. */
  size?: number;
  command?: string;
}

export interface WaiterScan {
  /** By the id waited on. */
  sem: Map<number, Waiter[]>;
  msg: Map<number, Waiter[]>;
  /** Tasks whose syscall could not be read (other users', for a non-root user). */
  unreadable: number;
  /** False when this architecture's syscall numbers are not known: nothing could be found. */
  supported: boolean;
}

const MAX_SEMBUFS = 64;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Reads `length` bytes of a process's memory at `address`, or undefined. */
function readMemory(procRoot: string, pid: number, address: bigint, length: number): Buffer | undefined {
  if (address <= 0n || address > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(procRoot, String(pid), 'mem'), 'r');
    const buffer = Buffer.alloc(length);
    const n = fs.readSync(fd, buffer, 0, length, Number(address));
    return n === length ? buffer : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function toWaiter(procRoot: string, pid: number, tid: number, call: WaitCall, line: SyscallLine): Waiter {
  const [id, a1, a2, a3] = line.args;
  const waiter: Waiter = { pid, tid, call, id: Number(BigInt.asIntN(32, id)) };
  if (call === 'semop') {
    const count = Number(a2);
    const bytes = count > 0 && count <= MAX_SEMBUFS ? readMemory(procRoot, pid, a1, count * 6) : undefined;
    if (bytes) waiter.ops = parseSembufs(bytes);
  } else if (call === 'msgrcv') {
    waiter.msgtype = BigInt.asIntN(64, a3);
  } else {
    waiter.size = Number(a2);
  }
  return waiter;
}

/**
 * Every task blocked in semop/semtimedop, msgsnd or msgrcv: one read of each task's syscall file
 * (a running task says "running", one outside a syscall "-1 ..."). It costs a read per thread of
 * the machine, so callers ask for it only when a view that shows waiters needs it.
 */
export function scanWaiters(procRoot = '/proc', arch: string = process.arch): WaiterScan {
  const calls = waitCalls(arch);
  const scan: WaiterScan = { sem: new Map(), msg: new Map(), unreadable: 0, supported: calls !== undefined };
  if (!calls) return scan;
  let pids: string[];
  try {
    pids = fs.readdirSync(procRoot).filter((name) => /^\d+$/.test(name));
  } catch {
    return scan;
  }
  for (const pidText of pids) {
    const pid = Number(pidText);
    let tids: string[];
    try {
      tids = fs.readdirSync(path.join(procRoot, pidText, 'task'));
    } catch {
      continue; // exited
    }
    for (const tid of tids) {
      const dir = path.join(procRoot, pidText, 'task', tid);
      let line: SyscallLine | undefined;
      try {
        line = parseSyscall(fs.readFileSync(path.join(dir, 'syscall'), 'latin1'));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ESRCH') scan.unreadable++;
        continue;
      }
      const call = line && calls[line.nr];
      if (!line || !call) continue;
      const waiter = toWaiter(procRoot, pid, Number(tid), call, line);
      push(call === 'semop' ? scan.sem : scan.msg, waiter.id, waiter);
    }
  }
  return scan;
}
