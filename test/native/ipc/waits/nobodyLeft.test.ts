// Waits nobody is left to end, on the real kernel, as a refresh of the views finds them (the helper's
// scan with waits, the locks read, the values and tables read for the objects waited on): a sem_t
// that only its waiter still maps (locktool semalone) against one its maker still maps (locktool
// sem), a System V semaphore whose holder was killed holding it with a waiter behind, and a System V
// queue filled by a sender that nothing ever received from. Every process and object is removed in
// an after hook, pass or fail.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { SnapshotSource, type Snapshot } from '../../../../src/ipc/snapshot';
import type { Diagnosis } from '../../../../src/ipc/waits/graph';
import { waitArch } from '../../../../src/ipc/waits/syscalls';
import { TestHelper } from '../../../support/helper';
import { cleanupSemMsg, ipctool, startIpctool, SYSCALL, trackMsg, trackSem, waitBlocked } from '../../../support/semMsg';
import { repoRoot } from '../../../support/segments';
import { killSpawned, spawnReady } from '../../../support/spawned';
import { waitFor } from '../../../support/waitFor';

/** The caveat a diagnosis ends with when some processes could not be read. */
const UNCHECKED = '(?: \\(\\d+ process(?:es)? could not be checked\\))?';
const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');

describe('waits nobody is left to end, on the real kernel (a refresh with waits)', function () {
  this.timeout(60_000);
  let helper: TestHelper;
  const source = new SnapshotSource();

  before(function () {
    if (!waitArch()) this.skip();
    if (!fs.existsSync(locktool)) throw new Error(`${locktool} is missing: node native/build.js`);
    helper = new TestHelper();
  });

  afterEach(async () => {
    await killSpawned();
    await cleanupSemMsg();
  });

  after(() => {
    helper?.dispose();
    assert.deepEqual(helper?.sanitizerReports() ?? [], [], 'the helper reported no sanitizer finding');
  });

  async function refresh(): Promise<Snapshot> {
    const { snapshot } = await source.refresh({ force: true, needs: new Set(['waits']), helper: () => helper.client });
    assert.ok(snapshot.waits?.read, 'waits were read');
    return snapshot;
  }

  /** Refreshes until a diagnosis about `tid` of `kind` shows (a waiter blocks a moment after it says ready), or fails. */
  async function diagnosisOf(kind: Diagnosis['kind'], tid: number): Promise<Diagnosis> {
    return waitFor(
      async () => {
        const waits = (await refresh()).waits;
        return waits?.read ? waits.graph.diagnoses.find((d) => d.kind === kind && d.threads.includes(tid)) : undefined;
      },
      20_000,
      `a ${kind} diagnosis for thread ${tid}`,
    );
  }

  /** The diagnoses about `tid` once it is seen blocked. */
  async function diagnosesOnceBlocked(tid: number): Promise<Diagnosis[]> {
    const waits = await waitFor(
      async () => {
        const w = (await refresh()).waits;
        return w?.read && w.scan.blocked.some((t) => t.tid === tid) ? w : undefined;
      },
      20_000,
      `thread ${tid} blocked`,
    );
    return waits.read ? waits.graph.diagnoses.filter((d) => d.threads.includes(tid)) : [];
  }

  it('a sem_t at 0 that only its waiter maps any more: nobody left to post', async function () {
    const run = await spawnReady(locktool, ['anon', 'semalone']);
    const b = Number(run.firstLine.split(' ')[4]);
    const d = await diagnosisOf('noPoster', b);
    assert.match(
      d.text,
      new RegExp(`^anonymous shared memory \\(inode \\d+\\)\\+88 is at 0, and no process but the one\\(s\\) waiting on it \\(process ${b}\\) maps`),
    );
    assert.match(d.text, /, which has no name left to open it by: no other process can post it$/);
  });

  it('a sem_t its maker still maps: nothing said', async function () {
    const run = await spawnReady(locktool, ['anon', 'sem']);
    const b = Number(run.firstLine.split(' ')[4]);
    assert.deepEqual(await diagnosesOnceBlocked(b), [], 'the parent maps it and may post');
  });

  it('a System V semaphore whose holder was killed holding it, with a waiter: nobody left to post', async function () {
    const { semid } = await helper.client.semCreate(0, 1, 0o600, true, [1]);
    trackSem(semid);
    const holder = await startIpctool(['semhold', String(semid), '0']);
    const waiter = await startIpctool(['semwait', String(semid), '0']);
    await waitBlocked(waiter.pid, [SYSCALL.semtimedop, SYSCALL.semop], semid);
    assert.deepEqual(await diagnosesOnceBlocked(waiter.pid), [], 'its holder is alive and may give it back');
    await holder.kill();
    const d = await diagnosisOf('noPoster', waiter.pid);
    assert.equal(
      d.text,
      `semaphore 0 of semaphore set ${semid} is at 0, process ${waiter.pid} waits to take 1, and the last process to change it (${holder.pid}) has exited: nobody is known to post it`,
    );
  });

  it('a System V queue filled by a sender, that nothing ever received from: nobody receives', async function () {
    const msqid = trackMsg(Number(ipctool(['msgcreate', 'private', '600']).trim()));
    const filler = await startIpctool(['msgfill', String(msqid)]);
    await waitBlocked(filler.pid, [SYSCALL.msgsnd], msqid);
    const d = await diagnosisOf('noReceiver', filler.pid);
    // A process this user cannot read (pid 1 of some machines, even for root) could be a receiver: the words say so.
    assert.match(
      d.text,
      new RegExp(
        `^message queue ${msqid} is full, with process ${filler.pid} waiting to send; no thread waits to receive and no process has ever received from it${UNCHECKED}$`,
      ),
    );
  });
});
