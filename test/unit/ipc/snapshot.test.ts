import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SnapshotSource } from '../../../src/ipc/snapshot';
import { fixture } from '../fixtures';

describe('snapshot of a /proc tree', function () {
  let proc: string;
  let shmDir: string;
  const source = () => new SnapshotSource({ procRoot: proc, etcRoot: fixture('etc'), shmDir, mqueueDir: path.join(shmDir, 'no-mqueue') });

  beforeEach(function () {
    proc = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-snapshot-'));
    fs.cpSync(fixture('proc'), proc, { recursive: true, verbatimSymlinks: true });
    // A stand-in for /dev/shm: one object, one named semaphore, and a directory (not an object).
    shmDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-snapshot-shm-'));
    fs.writeFileSync(path.join(shmDir, 'psm_leak'), '');
    fs.truncateSync(path.join(shmDir, 'psm_leak'), 1 << 20);
    fs.writeFileSync(path.join(shmDir, 'sem.mp-1'), Buffer.alloc(32));
    fs.mkdirSync(path.join(shmDir, 'some-dir'));
  });
  afterEach(() => {
    fs.rmSync(proc, { recursive: true, force: true });
    fs.rmSync(shmDir, { recursive: true, force: true });
  });

  it('combines segments, states, owners and limits', async function () {
    const { snapshot, changed } = await source().refresh();
    assert.equal(changed, true);
    assert.equal(snapshot.segments.length, 6);
    const leaked = snapshot.segments.find((s) => s.segment.shmid === 3)!;
    assert.equal(leaked.segment.key, 0xc8276653);
    assert.equal(leaked.classification.state, 'orphaned');
    const removed = snapshot.segments.find((s) => s.segment.shmid === 32772)!;
    assert.equal(removed.classification.state, 'removed-attached');
    assert.ok(snapshot.limits.shmmni);
    assert.equal(snapshot.usage.segments, 6);
    assert.deepEqual(
      snapshot.posix.objects.map((o) => [o.name, o.file?.size, o.state]),
      [['/psm_leak', 1 << 20, 'unused']],
    );
    assert.match(snapshot.posix.objects[0].reason, /1 process could not be checked/, 'process 104 of the fixture cannot be read');
    assert.equal(snapshot.posix.objects[0].producer, 'Python multiprocessing.shared_memory');
    assert.deepEqual(snapshot.posix.objects.map((o) => o.name).includes('/sem.mp-1'), false, 'sem.* files are not shared memory objects');
    assert.deepEqual(
      snapshot.posixSemaphores.map((s) => [s.name, s.reading.read]),
      [['/mp-1', false]],
      'a named semaphore, not read without a helper',
    );
    assert.deepEqual(
      snapshot.sem.sets.map((s) => [s.set.semid, s.set.nsems, s.values.read]),
      [
        [0, 3, false],
        [32769, 250, false],
      ],
    );
    assert.equal(snapshot.sem.skippedLines, 1, 'the junk line of the fixture');
    assert.deepEqual(
      snapshot.msg.queues.map((q) => [q.queue.msqid, q.queue.qnum]),
      [
        [0, 0],
        [1, 3],
      ],
    );
    assert.equal(snapshot.mqueue.mounted, false);
    assert.match(snapshot.mqueue.problem ?? '', /mount -t mqueue none \/dev\/mqueue/);
    assert.deepEqual(snapshot.posix.memfds, [], 'the fixture memfd has one holder: not shared');
  });

  it('does no work when nothing changed, and notices when the table changes', async function () {
    const snapshots = source();
    const first = await snapshots.refresh();
    const second = await snapshots.refresh();
    assert.equal(second.changed, false);
    assert.equal(second.snapshot, first.snapshot, 'the very same snapshot: nothing was rebuilt');
    const shm = path.join(proc, 'sysvipc', 'shm');
    fs.writeFileSync(
      shm,
      fs
        .readFileSync(shm, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*-936941997 /.test(line))
        .join('\n'),
    );
    const third = await snapshots.refresh();
    assert.equal(third.changed, true);
    assert.equal(
      third.snapshot.segments.some((s) => s.segment.shmid === 3),
      false,
    );
    assert.equal((await snapshots.refresh(true)).changed, true, 'a forced refresh always rebuilds');
    fs.truncateSync(path.join(shmDir, 'psm_leak'), 4096);
    const fourth = await snapshots.refresh();
    assert.equal(fourth.changed, true, 'a POSIX object that shrank is a change');
    assert.equal(fourth.snapshot.posix.objects[0].file?.size, 4096);
    assert.equal((await snapshots.refresh()).changed, false);
  });

  it('notices a creator exiting even though the segment table did not change', async function () {
    // Segment 3 (nattch 0) gets a live creator, pid 100 of the fixture tree, which started
    // before the segment's ctime (else it would be a reused pid).
    const shm = path.join(proc, 'sysvipc', 'shm');
    const table = fs
      .readFileSync(shm, 'utf8')
      .replace(/(-936941997\s+3\s+600\s+27)\s+7001/, '$1   100')
      .replace(' 1795433490 ', ' 1795506100 ');
    fs.writeFileSync(shm, table);
    const snapshots = source();
    const before = await snapshots.refresh();
    assert.notEqual(before.snapshot.segments.find((s) => s.segment.shmid === 3)!.classification.state, 'orphaned');
    fs.rmSync(path.join(proc, '100'), { recursive: true });
    const after = await snapshots.refresh();
    assert.equal(after.changed, true);
    assert.equal(after.snapshot.segments.find((s) => s.segment.shmid === 3)!.classification.state, 'orphaned');
  });
});
