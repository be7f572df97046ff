// The classifier on real segments and real processes.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { classifySegment } from '../../../../src/ipc/sysvShm/classify';
import { createProcessLookup } from '../../../../src/ipc/processes';
import { readSegmentTable } from '../../../../src/ipc/sysvShm/read';
import { localTables } from '../../../../src/ipc/tables';
import { isRoot } from '../../../support/helper';
import { createSegment, freshKey, holdSegment, ownSegment, requireShmtool, trackSegment } from '../../../support/segments';
import { killSpawned, runNodeScript, spawnReady } from '../../../support/spawned';

async function classify(shmid: number) {
  const segment = (await readSegmentTable(localTables())).segments.find((s) => s.shmid === shmid);
  assert.ok(segment, `segment ${shmid} listed`);
  return classifySegment(segment, createProcessLookup());
}

describe('segment classifier on the real kernel', function () {
  after(killSpawned);

  it('orphaned: the creator exited and nobody is attached', async function () {
    const id = createSegment(freshKey(), 4096, 0o600);
    const c = await classify(id);
    assert.equal(c.state, 'orphaned');
    assert.equal(c.creator, 'exited');
    assert.match(c.reason, /^creator pid \d+ exited; no process attached$/);
  });

  it('attached while the creator holds it; unattached (not orphaned) once it detaches but lives', async function () {
    const holder = await ownSegment(freshKey(), 4096, 0o600);
    assert.equal((await classify(holder.shmid)).state, 'attached');
    assert.equal(await holder.command('detach'), 'ok');
    const c = await classify(holder.shmid);
    assert.equal(c.state, 'unattached');
    assert.equal(c.creator, 'alive');
    assert.equal(c.creatorProcess?.pid, holder.pid);
    assert.match(c.creatorProcess?.command ?? '', /shmtool'? own 0x[0-9a-f]+ 4096 600$/);
    assert.ok(c.creatorProcess!.startTime <= Date.now() / 1000 + 1, 'a start time in the past');
    await holder.stop();
    assert.equal((await classify(holder.shmid)).state, 'orphaned', 'and orphaned once it exits');
  });

  it('removed-attached: IPC_RMID while a process is attached', async function () {
    const id = createSegment(freshKey(), 4096, 0o600);
    const holder = await holdSegment(id, 'ro');
    execFileSync('ipcrm', ['-m', String(id)]);
    const c = await classify(id);
    assert.equal(c.state, 'removed-attached');
    assert.match(c.reason, /1 attachment left/);
    await holder.stop();
  });

  it('orphaned: the creator is a zombie nobody reaps', async function () {
    // sh starts shmtool in the background and becomes sleep, which never waits for it.
    const key = freshKey();
    const parent = await spawnReady('sh', ['-c', `"$0" create 0x${key.toString(16)} 4096 600 & exec sleep 30`, requireShmtool()]);
    const id = trackSegment(Number(parent.firstLine));
    let c = await classify(id);
    for (let i = 0; i < 50 && c.creator !== 'zombie'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // shmtool prints before it exits
      c = await classify(id);
    }
    assert.equal(c.creator, 'zombie');
    assert.equal(c.state, 'orphaned');
    await killSpawned();
  });

  it("unknown, never orphaned, when the creator is outside the reader's pid namespace", async function () {
    if (!isRoot) this.skip(); // unshare --pid needs CAP_SYS_ADMIN
    const holder = await ownSegment(freshKey(), 4096, 0o600);
    await holder.command('detach');
    const inside = runNodeScript(
      `
      const segment = (await ipc('sysvShm/read').readSegmentTable(ipc('tables').localTables())).segments.find((s) => s.shmid === ${holder.shmid});
      const c = ipc('sysvShm/classify').classifySegment(segment, ipc('processes').createProcessLookup());
      console.log(JSON.stringify({ cpid: segment.cpid, state: c.state, creator: c.creator }));`,
      ['unshare', '--pid', '--fork', '--mount-proc'],
    );
    assert.deepEqual(inside, { cpid: 0, state: 'unattached', creator: 'unknown' });
    await holder.stop();
  });
});
