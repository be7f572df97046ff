// The System V semaphore and queue waiters, from the one scan's waits (resolve.ts), in the shape the
// semaphore and queue kinds take (waiters.ts's WaiterScan): with the helper reading waits in its
// walk over /proc, nothing reads every thread's syscall a second time.
import type { Waiter, WaiterScan } from '../waiters';
import type { WaitScan } from './resolve';

export function sysvWaitersFromScan(scan: Pick<WaitScan, 'blocked' | 'unreadableThreads'>): WaiterScan {
  const result: WaiterScan = { sem: new Map(), msg: new Map(), unreadable: scan.unreadableThreads, supported: true };
  const push = (map: Map<number, Waiter[]>, id: number, waiter: Waiter) => {
    const list = map.get(id);
    if (list) list.push(waiter);
    else map.set(id, [waiter]);
  };
  for (const thread of scan.blocked) {
    const on = thread.on;
    if (on.type === 'sem') {
      push(result.sem, on.semid, { pid: thread.pid, tid: thread.tid, call: 'semop', id: on.semid, ...(on.ops ? { ops: on.ops } : {}) });
    } else if (on.type === 'msg') {
      const waiter: Waiter = { pid: thread.pid, tid: thread.tid, call: on.send ? 'msgsnd' : 'msgrcv', id: on.msqid };
      if (on.send) waiter.size = on.size;
      else waiter.msgtype = on.msgtype;
      push(result.msg, on.msqid, waiter);
    }
  }
  return result;
}
