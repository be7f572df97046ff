import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SnapshotSource } from '../../src/ipc/snapshot';
import { fixture } from './fixtures';

describe('snapshot of a /proc tree', function () {
  let proc: string;

  beforeEach(function () {
    proc = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-snapshot-'));
    fs.cpSync(fixture('proc'), proc, { recursive: true, verbatimSymlinks: true });
  });
  afterEach(() => fs.rmSync(proc, { recursive: true, force: true }));

  it('combines segments, states, owners and limits', async function () {
    const source = new SnapshotSource(proc, fixture('etc'));
    const { snapshot, changed } = await source.refresh();
    assert.equal(changed, true);
    assert.equal(snapshot.segments.length, 6);
    const leaked = snapshot.segments.find((s) => s.segment.shmid === 3)!;
    assert.equal(leaked.segment.key, 0xc8276653);
    assert.equal(leaked.classification.state, 'orphaned');
    const removed = snapshot.segments.find((s) => s.segment.shmid === 32772)!;
    assert.equal(removed.classification.state, 'removed-attached');
    assert.ok(snapshot.limits.shmmni);
    assert.equal(snapshot.usage.segments, 6);
  });

  it('does no work when nothing changed, and notices when the table changes', async function () {
    const source = new SnapshotSource(proc, fixture('etc'));
    const first = await source.refresh();
    const second = await source.refresh();
    assert.equal(second.changed, false);
    assert.equal(second.snapshot, first.snapshot, 'the very same snapshot: nothing was rebuilt');
    const shm = path.join(proc, 'sysvipc', 'shm');
    fs.writeFileSync(shm, fs.readFileSync(shm, 'utf8').split('\n').filter((line) => !/^\s*-936941997 /.test(line)).join('\n'));
    const third = await source.refresh();
    assert.equal(third.changed, true);
    assert.equal(third.snapshot.segments.some((s) => s.segment.shmid === 3), false);
    assert.equal((await source.refresh(true)).changed, true, 'a forced refresh always rebuilds');
  });

  it('notices a creator exiting even though the segment table did not change', async function () {
    // Segment 3 (nattch 0) gets a live creator, pid 100 of the fixture tree, which started
    // before the segment's ctime (else it would be a reused pid).
    const shm = path.join(proc, 'sysvipc', 'shm');
    const table = fs.readFileSync(shm, 'utf8').replace(/(-936941997\s+3\s+600\s+27)\s+7001/, '$1   100').replace(' 1795433490 ', ' 1795506100 ');
    fs.writeFileSync(shm, table);
    const source = new SnapshotSource(proc, fixture('etc'));
    const before = await source.refresh();
    assert.notEqual(before.snapshot.segments.find((s) => s.segment.shmid === 3)!.classification.state, 'orphaned');
    fs.rmSync(path.join(proc, '100'), { recursive: true });
    const after = await source.refresh();
    assert.equal(after.changed, true);
    assert.equal(after.snapshot.segments.find((s) => s.segment.shmid === 3)!.classification.state, 'orphaned');
  });
});
