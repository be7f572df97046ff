import * as assert from 'node:assert/strict';
import { semDescription, semRow } from '../../../../src/ipc/sysvSem/present';
import type { Waiter } from '../../../../src/ipc/waiters';
import { classifySets, NOW, set, values } from '../sysvFixtures';

describe('System V semaphore sets', function () {
  it('diagnoses a semaphore at 0 with waiters whose last operator exited: held without SEM_UNDO', function () {
    const waiter: Waiter = { pid: 100, tid: 100, call: 'semop', id: 7, ops: [{ semnum: 1, op: -1, flags: 0 }] };
    const info = classifySets(set(), values([1, 101], [0, 555, 1]), [waiter]);
    assert.equal(info.state, 'stuck');
    assert.match(info.reason, /^semaphore 1 at 0 with 1 process waiting; its last operator, pid 555, exited: held by a process that exited without SEM_UNDO$/);
    assert.deepEqual(
      info.semaphores[1].waiters.map((w) => [w.pid, w.wants]),
      [[100, 'increase']],
    );
    const row = semRow(info, { held: false, uid: 0 });
    assert.equal(row.icon, 'problem');
    const [sem0, sem1] = row.children;
    assert.equal(sem0.label, 'sem 0 = 1');
    assert.match(sem0.description ?? '', /^last op by 101 \.\/prog101 \(running\)$/);
    assert.equal(sem1.label, 'sem 1 = 0');
    assert.equal(sem1.codicon, 'error');
    assert.deepEqual(
      sem1.children?.map((c) => [c.pid, c.description]),
      [[100, 'waits for an increase']],
    );
    assert.match(semDescription(info), /^stuck · 2 semaphores · = 1, 0 · 1 waiting · root$/);
  });

  it('is in use while someone waits or its last operator runs', function () {
    assert.equal(classifySets(set(), values([0, 0, 0, 1])).state, 'in-use', 'zcnt counts');
    const byRunning = classifySets(set(), values([3, 100]));
    assert.equal(byRunning.state, 'in-use');
    assert.match(byRunning.reason, /last used by pid 100 \(\.\/prog100\), which is running/);
  });

  it('is orphaned (for sure) when every last operator exited and the grace period passed, unused before', function () {
    const gone = classifySets(set(), values([1, 555], [1, 556]));
    assert.deepEqual([gone.state, gone.certain], ['orphaned', true]);
    assert.match(gone.reason, /every process that last used it has exited \(pid 555, pid 556\)/);
    const recent = classifySets(set({ otime: NOW / 1000 - 5 }), values([1, 555]));
    assert.equal(recent.state, 'unused');
  });

  it('calls a never-used set orphaned after the grace period, but not for sure', function () {
    const never = classifySets(set({ otime: 0 }), values([0, 0], [0, 0]));
    assert.deepEqual([never.state, never.certain], ['orphaned', false]);
    assert.match(never.reason, /never used since it was made .*the kernel does not record who made a set/);
  });

  it('says why values are missing, and never calls such a set orphaned', function () {
    const denied = classifySets(set({ otime: 0 }), { read: false, why: 'denied', message: 'permission denied (EACCES)' });
    assert.equal(denied.state, 'unused');
    assert.match(semDescription(denied), /values not readable/);
    assert.equal(semRow(denied, { held: false, uid: 0 }).children[0].label, 'sem 0 = ?');
  });

  it('keeps a waiter whose sembuf could not be read under the set', function () {
    const info = classifySets(set(), values([0, 100, 1], [0, 100]), [{ pid: 101, tid: 102, call: 'semop', id: 7 }]);
    assert.deepEqual(
      info.setWaiters.map((w) => w.tid),
      [102],
    );
    const row = semRow(info, { held: false, uid: 0 });
    assert.match(row.children[2].description ?? '', /blocked in semop \(thread 102\)/);
  });
});
