// Who waits on what, from the one /proc scan (PROC_SCAN with waits: native/proc-tasks.c): each
// blocked thread's call resolved to what it waits on.
//   futex, futex_waitv   the futex word's object and offset in a shared mapping of the process
//                        (System V segment, /dev/shm file, memfd, MAP_SHARED file, anonymous
//                        shared memory), and whether the wait is private (FUTEX_PRIVATE_FLAG: the
//                        kernel keys it by the process, so a wake from another process never
//                        reaches it)
//   semop                the set (its id) and the operations asked (sembufs read by the helper)
//   msgsnd, msgrcv       the queue (its id), the size sent or the type asked for
//   mq_timedsend/receive the POSIX queue, by the descriptor (its name and identity from the scan's
//                        descriptors)
// Threads the scan could not read are counted (per process and in all), never dropped. Which lock
// a futex word belongs to, and who holds it, is read afterwards (locks.ts, readLocks.ts).
import { devMajorMinor } from '../fds';
import { fileKey, type FileKey } from '../maps';
import type { RawProcess, RawWait } from '../rawProcess';
import { FUTEX_CMD_MASK, FUTEX_COMMANDS, FUTEX_PRIVATE_FLAG, WAIT_CALLS, type WaitArch, type WaitCallName } from './syscalls';
import { mappingAt, parseSharedMappings, type SharedMapping, type SharedObject } from './sharedMaps';

/** A futex word a thread waits on, inside a shared object. */
export interface FutexWord {
  object: SharedObject;
  /** Its offset in the object. */
  offset: bigint;
  /** Its address in the waiting process (what PROC_MEM_READ reads there). */
  address: bigint;
  mapping: SharedMapping;
  /** The value the thread expects the word to hold while it sleeps (futex's val). */
  expected: number;
  /** Waited on with FUTEX_PRIVATE_FLAG (futex_waitv: FUTEX2_PRIVATE): a private wait on shared memory. */
  private: boolean;
  /** The futex command in words (FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, ...), for futex only. */
  command?: string;
}

/** What a blocked thread waits on. */
export type WaitTarget =
  | { type: 'futex'; words: FutexWord[] }
  | { type: 'sem'; semid: number; ops?: SemOperation[] }
  | { type: 'msg'; msqid: number; send: boolean; size?: number; msgtype?: bigint }
  | { type: 'mq'; fd: number; send: boolean; queue?: { name: string; key: FileKey } };

/** One operation of semop's sembuf array: which semaphore, the change asked (< 0 waits for an increase, 0 for zero). */
export interface SemOperation {
  semnum: number;
  op: number;
  flags: number;
}

export interface BlockedThread {
  pid: number;
  tid: number;
  /** The thread's name (comm). */
  comm: string;
  call: WaitCallName;
  /** Where in the kernel it sleeps (wchan), '' when not told. */
  wchan: string;
  /** How long it has slept, in ms, as far as /proc tells (since it last ran); undefined when not told. */
  waitedMs?: number;
  on: WaitTarget;
}

export interface WaitScan {
  blocked: BlockedThread[];
  /** Threads whose system call could not be read (other users' without ptrace rights): counted, never dropped. */
  unreadableThreads: number;
  /** The processes some thread of which could not be read. */
  unreadablePids: number[];
  /** Threads blocked in futex on process-private memory (idle thread pools): only counted. */
  privateWaits: number;
  /** Every thread id seen, with its process: whose thread a lock's owner is. */
  threads: Map<number, number>;
  /** Each process's shared mappings: whether a lock's owner maps the lock's object (a reused TID does not). */
  mappings: Map<number, SharedMapping[]>;
  /** The architecture whose syscall numbers were asked for. */
  arch: WaitArch;
}

/** One record of the scan, as procScan.ts or a test has it. */
export interface ScanRecord {
  pid: number;
  raw: RawProcess;
}

const FUTEX_WAITV_ENTRY = 24;
/** futex_waitv's flags: FUTEX2_PRIVATE (FUTEX_PRIVATE_FLAG, as futex's). */
const FUTEX2_PRIVATE = 128;
const SEMBUF = 6;

function futexWord(mappings: SharedMapping[], address: bigint, expected: number, privateWait: boolean, command?: string): FutexWord | undefined {
  const mapping = mappingAt(mappings, address);
  if (!mapping) return undefined;
  return {
    object: mapping.object,
    offset: address - mapping.start + mapping.pgoff,
    address,
    mapping,
    expected,
    private: privateWait,
    ...(command ? { command } : {}),
  };
}

function bytesOf(memory: Uint8Array | undefined): Buffer | undefined {
  return memory && Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
}

/** futex(uaddr, op, val, ...): the word, or undefined when it is not in a shared mapping (the helper keeps only those). */
function futexTarget(wait: RawWait, mappings: SharedMapping[]): WaitTarget | undefined {
  const [uaddr, op, val] = wait.args;
  const command = FUTEX_COMMANDS[Number(op & BigInt(FUTEX_CMD_MASK))] ?? `futex op ${op & BigInt(FUTEX_CMD_MASK)}`;
  const word = futexWord(mappings, uaddr, Number(val & 0xffffffffn), (op & BigInt(FUTEX_PRIVATE_FLAG)) !== 0n, command);
  return word && { type: 'futex', words: [word] };
}

/** futex_waitv(waiters, n, ...): every entry whose word is in a shared mapping. */
function futexWaitvTarget(wait: RawWait, mappings: SharedMapping[]): WaitTarget | undefined {
  const memory = bytesOf(wait.memory);
  const words: FutexWord[] = [];
  for (let at = 0; memory && at + FUTEX_WAITV_ENTRY <= memory.length; at += FUTEX_WAITV_ENTRY) {
    const val = memory.readBigUInt64LE(at);
    const uaddr = memory.readBigUInt64LE(at + 8);
    const flags = memory.readUInt32LE(at + 16);
    const word = futexWord(mappings, uaddr, Number(val & 0xffffffffn), (flags & FUTEX2_PRIVATE) !== 0);
    if (word) words.push(word);
  }
  return words.length > 0 ? { type: 'futex', words } : undefined;
}

function semOperations(memory: Buffer | undefined): SemOperation[] | undefined {
  if (!memory) return undefined;
  const ops: SemOperation[] = [];
  for (let at = 0; at + SEMBUF <= memory.length; at += SEMBUF) {
    ops.push({ semnum: memory.readUInt16LE(at), op: memory.readInt16LE(at + 2), flags: memory.readInt16LE(at + 4) });
  }
  return ops;
}

/** A POSIX queue's descriptor: its name and identity, from the scan's descriptors of the process. */
function queueOf(raw: RawProcess, fd: number): { name: string; key: FileKey } | undefined {
  const d = raw.fds.find(([name]) => name === String(fd));
  if (!d) return undefined;
  const { major, minor } = devMajorMinor(d[2]);
  return { name: d[1], key: fileKey(major, minor, d[3]) };
}

function targetOf(call: WaitCallName, wait: RawWait, raw: RawProcess, mappings: SharedMapping[]): WaitTarget | undefined {
  const [a0, , a2, a3] = wait.args;
  switch (call) {
    case 'futex':
      return futexTarget(wait, mappings);
    case 'futex_waitv':
      return futexWaitvTarget(wait, mappings);
    case 'semop': {
      const ops = semOperations(bytesOf(wait.memory));
      return { type: 'sem', semid: Number(BigInt.asIntN(32, a0)), ...(ops ? { ops } : {}) };
    }
    case 'msgsnd':
      return { type: 'msg', msqid: Number(BigInt.asIntN(32, a0)), send: true, size: Number(a2) };
    case 'msgrcv':
      return { type: 'msg', msqid: Number(BigInt.asIntN(32, a0)), send: false, size: Number(a2), msgtype: BigInt.asIntN(64, a3) };
    case 'mq_timedsend':
    case 'mq_timedreceive': {
      const fd = Number(BigInt.asIntN(32, a0));
      const queue = queueOf(raw, fd);
      return { type: 'mq', fd, send: call === 'mq_timedsend', ...(queue ? { queue } : {}) };
    }
  }
}

/** How long a thread has slept: the scan's clock minus when it last ran (both the scheduler's ns since boot). */
function waitedMs(sinceNs: bigint, clockNs: bigint): number | undefined {
  if (sinceNs <= 0n || sinceNs > clockNs) return undefined;
  return Number((clockNs - sinceNs) / 1000n) / 1000;
}

/**
 * Resolves the waits of a scan read with waits (records as PROC_SCAN sent them, `clockNs` its
 * clock). A wait whose call is not one of `arch`'s, or whose futex is not in a shared mapping any
 * more, is left out (the helper keeps only those that are, so neither happens but with a lying
 * reply, which must not make a wrong picture).
 */
export function resolveWaits(records: readonly ScanRecord[], clockNs: bigint, arch: WaitArch): WaitScan {
  const calls = WAIT_CALLS[arch];
  const scan: WaitScan = { blocked: [], unreadableThreads: 0, unreadablePids: [], privateWaits: 0, threads: new Map(), mappings: new Map(), arch };
  for (const { pid, raw } of records) {
    const tasks = raw.tasks;
    if (!tasks) continue;
    for (const tid of tasks.tids) scan.threads.set(tid, pid);
    scan.unreadableThreads += tasks.unreadable;
    if (tasks.unreadable > 0) scan.unreadablePids.push(pid);
    scan.privateWaits += tasks.privateWaits;
    const maps = raw.maps ? Buffer.from(raw.maps.buffer, raw.maps.byteOffset, raw.maps.byteLength).toString('latin1') : '';
    const mappings = parseSharedMappings(pid, maps);
    if (mappings.length > 0) scan.mappings.set(pid, mappings);
    for (const wait of tasks.waits) {
      const call = calls[wait.nr];
      const on = call && targetOf(call, wait, raw, mappings);
      if (!call || !on) continue;
      const waited = waitedMs(wait.sinceNs, clockNs);
      scan.blocked.push({ pid, tid: wait.tid, comm: wait.comm, call, wchan: wait.wchan, ...(waited !== undefined ? { waitedMs: waited } : {}), on });
    }
  }
  return scan;
}

/** Whether process `pid` maps the object `objectId` (a lock's owner must: a TID reused by another process does not). */
export function mapsObject(scan: Pick<WaitScan, 'mappings'>, pid: number, objectId: string): boolean {
  return (scan.mappings.get(pid) ?? []).some((m) => m.object.id === objectId);
}
