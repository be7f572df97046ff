// Who waits on a semaphore or a queue, found the way the views find it (a scan of every task's
// /proc/PID/task/TID/syscall, sembufs read from /proc/PID/mem), against the real kernel: real
// processes blocked in semop, waiting for zero, in msgrcv for a type, in msgsnd on a full queue,
// and a holder killed while it holds a semaphore at 0 (the diagnosis the Semaphores view gives).
import * as assert from 'node:assert/strict';
import { CommandMemory } from '../../../src/ipc/names';
import { classifySemSets } from '../../../src/ipc/sysvSem/classify';
import { scanWaiters } from '../../../src/ipc/waiters';
import { isRoot, NOBODY, TestHelper } from '../../support/helper';
import { cleanupSemMsg, ipctool, startIpctool, SYSCALL, trackMsg, trackSem, waitBlocked } from '../../support/semMsg';
import { readSemTable } from '../../../src/ipc/sysvSem/read';
import { killSpawned, runNodeScript } from '../../support/spawned';

const SEMOPS = [SYSCALL.semtimedop, SYSCALL.semop];

describe('waiters on the real kernel', function () {
  this.timeout(30_000);
  let helper: TestHelper;

  beforeEach(() => {
    helper = new TestHelper();
  });

  afterEach(async () => {
    helper.dispose();
    await cleanupSemMsg();
    await killSpawned();
  });

  async function set(values: number[]): Promise<number> {
    const { semid } = await helper.client.semCreate(0, values.length, 0o600, true, values);
    return trackSem(semid);
  }

  it('finds a process blocked in semop, on which semaphore and for what (an increase, or zero)', async function () {
    const semid = await set([0, 1]);
    const decrement = await startIpctool(['semwait', String(semid), '0']);
    const zero = await startIpctool(['semzero', String(semid), '1']);
    assert.equal(await waitBlocked(decrement.pid, SEMOPS, semid), '__do_semtimedop');
    await waitBlocked(zero.pid, SEMOPS, semid);
    const scan = scanWaiters();
    assert.equal(scan.supported, true);
    const waiters = scan.sem.get(semid) ?? [];
    const of = (pid: number) => waiters.find((w) => w.pid === pid);
    assert.deepEqual(
      of(decrement.pid)?.ops?.map((o) => [o.semnum, o.op]),
      [[0, -1]],
    );
    assert.deepEqual(
      of(zero.pid)?.ops?.map((o) => [o.semnum, o.op]),
      [[1, 0]],
    );
    const [info] = classifySemSets(
      (await readSemTable()).sets.filter((s) => s.semid === semid),
      () => ({ read: true, semaphores: [] }),
      {
        names: new CommandMemory().names('/proc', '/etc'),
        waiters: scan.sem,
        nowMs: Date.now(),
        graceMs: 60_000,
      },
    );
    assert.deepEqual(
      info.semaphores.map((s) => s.waiters.map((w) => [w.pid, w.wants])),
      [[[decrement.pid, 'increase']], [[zero.pid, 'zero']]],
    );
  });

  it('finds a receiver waiting for a type and a sender blocked on a full queue', async function () {
    const msqid = trackMsg(Number(ipctool(['msgcreate', 'private', '600']).trim()));
    const receiver = await startIpctool(['msgwait', String(msqid), '3']);
    await waitBlocked(receiver.pid, [SYSCALL.msgrcv], msqid);
    const filler = await startIpctool(['msgfill', String(msqid)]);
    assert.match(filler.firstLine, /^blocked \d+ \d+$/);
    await waitBlocked(filler.pid, [SYSCALL.msgsnd], msqid);
    const waiters = scanWaiters().msg.get(msqid) ?? [];
    const receiving = waiters.find((w) => w.pid === receiver.pid);
    const sending = waiters.find((w) => w.pid === filler.pid);
    assert.deepEqual([receiving?.call, receiving?.msgtype], ['msgrcv', 3n]);
    assert.deepEqual([sending?.call, sending?.size], ['msgsnd', 1]);
  });

  it('diagnoses a semaphore held at 0 by a process killed without SEM_UNDO, with a waiter behind it', async function () {
    const semid = await set([1]);
    const holder = await startIpctool(['semhold', String(semid), '0']);
    assert.match(holder.firstLine, /^holding \d+$/);
    const waiter = await startIpctool(['semwait', String(semid), '0']);
    await waitBlocked(waiter.pid, SEMOPS, semid);
    await holder.kill(); // dies holding it: nothing gives it back
    const values = await helper.client.semValues(semid);
    assert.equal(values.semaphores[0].value, 0);
    assert.equal(values.semaphores[0].lastPid, holder.pid, 'GETPID names the dead holder');
    const scan = scanWaiters();
    const [info] = classifySemSets(
      (await readSemTable()).sets.filter((s) => s.semid === semid),
      () => ({ read: true, semaphores: values.semaphores }),
      {
        names: new CommandMemory().names('/proc', '/etc'),
        waiters: scan.sem,
        nowMs: Date.now(),
        graceMs: 60_000,
      },
    );
    assert.equal(info.state, 'stuck');
    assert.match(info.reason, new RegExp(`its last operator, pid ${holder.pid}.*exited: held by a process that exited without SEM_UNDO`));
    assert.deepEqual(
      info.semaphores[0].waiters.map((w) => w.pid),
      [waiter.pid],
    );
  });

  it("as nobody: root's blocked threads are counted as unreadable, not found and not dropped silently", async function () {
    if (!isRoot) this.skip();
    const semid = await set([0]);
    const waiter = await startIpctool(['semwait', String(semid), '0']);
    await waitBlocked(waiter.pid, SEMOPS, semid);
    const result = runNodeScript(
      `
      const scan = ipc('waiters').scanWaiters();
      console.log(JSON.stringify({ found: (scan.sem.get(${semid}) || []).map((w) => w.pid), unreadable: scan.unreadable }));`,
      NOBODY,
    ) as { found: number[]; unreadable: number };
    assert.deepEqual(result.found, []);
    assert.ok(result.unreadable >= 2, `unreadable: ${result.unreadable} (the waiter's threads at least)`);
  });
});
