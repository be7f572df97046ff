// What the classify tests of semaphores and queues share: a fixed clock, the grace period, two running
// processes (100 and 101; every other pid is gone), and a set and a queue as the kernel lists them.
import type { Names } from '../../../src/ipc/names';
import type { ProcessStatus } from '../../../src/ipc/processes';
import { classifySemSets } from '../../../src/ipc/sysvSem/classify';
import { type SetValues } from '../../../src/ipc/sysvSem/types';
import { classifyMsgQueues } from '../../../src/ipc/sysvMsg/classify';
import { type QueueContents } from '../../../src/ipc/sysvMsg/types';
import type { MsgQueue, SemSet } from '../../../src/ipc/family/sysvTables';
import type { Waiter } from '../../../src/ipc/waiters';

export const NOW = 1_800_000_000_000;
export const GRACE = 60_000;
const ALIVE = new Set([100, 101]);

export const names: Names = {
  process: (pid): ProcessStatus =>
    ALIVE.has(pid) ? { kind: 'running', info: { pid, comm: 'prog', command: `./prog${pid}`, state: 'S', ppid: 1, startTime: 0 } } : { kind: 'gone', pid },
  command: (pid) => (ALIVE.has(pid) ? `./prog${pid}` : undefined),
  lastKnownCommand: () => undefined,
  user: (uid) => (uid === 0 ? 'root' : String(uid)),
  group: (gid) => (gid === 0 ? 'root' : String(gid)),
};

export function set(overrides: Partial<SemSet> = {}): SemSet {
  return {
    key: 0x7e000001,
    semid: 7,
    perms: 0o600,
    mode: 0o600,
    nsems: 2,
    uid: 0,
    gid: 0,
    cuid: 0,
    cgid: 0,
    otime: NOW / 1000 - 3600,
    ctime: NOW / 1000 - 7200,
    ...overrides,
  };
}

export function values(...vs: Array<[number, number, number?, number?]>): SetValues {
  return { read: true, semaphores: vs.map(([value, lastPid, ncnt = 0, zcnt = 0]) => ({ value, lastPid, ncnt, zcnt })) };
}

export function classifySets(s: SemSet, v: SetValues, waiters: Waiter[] = []) {
  return classifySemSets([s], () => v, { names, waiters: new Map([[s.semid, waiters]]), nowMs: NOW, graceMs: GRACE })[0];
}

export function queue(overrides: Partial<MsgQueue> = {}): MsgQueue {
  return {
    key: 0x7e000002,
    msqid: 9,
    perms: 0o600,
    mode: 0o600,
    cbytes: 0,
    qnum: 0,
    lspid: 0,
    lrpid: 0,
    uid: 0,
    gid: 0,
    cuid: 0,
    cgid: 0,
    stime: 0,
    rtime: 0,
    ctime: NOW / 1000 - 7200,
    ...overrides,
  };
}

export function classifyQueue(q: MsgQueue, contents: QueueContents, waiters: Waiter[] = [], waitersComplete = true) {
  return classifyMsgQueues([q], () => contents, { names, waiters: new Map([[q.msqid, waiters]]), waitersComplete, nowMs: NOW, graceMs: GRACE })[0];
}
