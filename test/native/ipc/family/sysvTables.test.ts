// The /proc/sysvipc/shm parser against the real kernel, cross-checked with lsipc (util-linux).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { formatKey } from '../../../../src/ipc/format';
import type { ShmSegment } from '../../../../src/ipc/family/sysvTables';
import { readSegmentTable } from '../../../../src/ipc/sysvShm/read';
import { localTables } from '../../../../src/ipc/tables';

/** This namespace's segment table, parsed anew (a reader of its own: never the last parse again). */
async function readShmSegments(): Promise<{ items: ShmSegment[]; skipped: number }> {
  const { segments, skipped } = await readSegmentTable(localTables());
  return { items: segments, skipped };
}
import { isRoot, TestHelper } from '../../../support/helper';
import { createSegment, freshKey, holdSegment, ownSegment, writeSegment } from '../../../support/segments';
import { runNodeScript } from '../../../support/spawned';

async function find(shmid: number): Promise<ShmSegment | undefined> {
  const { items, skipped } = await readShmSegments();
  assert.equal(skipped, 0, 'the real file has no junk');
  return items.find((s) => s.shmid === shmid);
}

/** A key with the top bit set (printed negative by /proc) that no segment uses now. */
function freshNegativeKey(): number {
  for (;;) {
    const key = (freshKey() | 0x80000000) >>> 0; // 0xfe......
    if (!fs.readFileSync('/proc/sysvipc/shm', 'latin1').includes(` ${key | 0} `)) return key;
  }
}

describe('/proc/sysvipc/shm on the real kernel', function () {
  it('shows a created segment with its key, size as asked, mode and creator', async function () {
    const key = freshKey();
    const holder = await ownSegment(key, 12345, 0o640);
    const s = await find(holder.shmid);
    assert.ok(s, 'listed');
    assert.equal(s.key, key);
    assert.equal(s.size, 12345, 'the size asked for, not page-rounded');
    assert.deepEqual([s.mode, s.dest, s.locked, s.perms], [0o640, false, false, 0o640]);
    assert.equal(s.cpid, holder.pid);
    assert.equal(s.lpid, holder.pid);
    assert.equal(s.nattch, 1);
    assert.equal(s.uid, process.getuid!());
    assert.ok(Math.abs(s.ctime - Date.now() / 1000) < 60);
    assert.equal(typeof s.rss, 'number', 'this kernel prints 16 columns');
    await holder.stop();
  });

  it('turns a negative key back into the one given to shmget', async function () {
    const key = freshNegativeKey();
    const id = createSegment(key, 4096, 0o600);
    const line = fs
      .readFileSync('/proc/sysvipc/shm', 'latin1')
      .split('\n')
      .find((l) => l.trim().split(/\s+/)[1] === String(id));
    assert.ok(line && Number(line.trim().split(/\s+/)[0]) < 0, 'the kernel prints it signed');
    assert.equal((await find(id))?.key, key);
  });

  it('counts rss in bytes once a page is touched', async function () {
    const id = createSegment(freshKey(), 3 * 4096, 0o600);
    assert.equal((await find(id))?.rss, 0);
    writeSegment(id, 4096, Buffer.from('hello'));
    assert.equal((await find(id))?.rss, 4096);
  });

  it('after IPC_RMID with a holder attached: key 0 and SHM_DEST, until the last detach', async function () {
    const id = createSegment(freshKey(), 4096, 0o644);
    const holder = await holdSegment(id, 'ro');
    execFileSync('ipcrm', ['-m', String(id)]);
    const s = await find(id);
    assert.ok(s);
    assert.deepEqual([s.key, s.dest, s.mode, s.nattch], [0, true, 0o644, 1]);
    assert.equal(s.perms, 0o1644);
    await holder.stop();
    assert.equal(await find(id), undefined, 'gone at the last detach');
  });

  it('shows SHM_LOCK as SHM_LOCKED', async function () {
    let helper: TestHelper;
    try {
      helper = new TestHelper();
    } catch {
      this.skip(); // no helper built: nothing else here can call shmctl(SHM_LOCK)
    }
    try {
      const id = createSegment(freshKey(), 4096, 0o600);
      await helper.client.shmLock(id);
      const locked = await find(id);
      assert.deepEqual([locked?.locked, locked?.perms], [true, 0o2600]);
      await helper.client.shmUnlock(id);
      assert.equal((await find(id))?.locked, false);
    } finally {
      helper.dispose();
    }
  });

  it("translates uid/gid into the reader's user namespace (overflow id 65534 when unmapped)", async function () {
    if (!isRoot) this.skip(); // needs root to own the segment (and unshare --user to be allowed)
    const id = createSegment('private', 4096, 0o600);
    const seen = runNodeScript(
      `
      const s = (await ipc('sysvShm/read').readSegmentTable(ipc('tables').localTables())).segments.find((x) => x.shmid === ${id});
      console.log(JSON.stringify([s.uid, s.gid, s.cuid, s.cgid, s.mode]));`,
      ['unshare', '--user'],
    );
    assert.deepEqual(seen, [65534, 65534, 65534, 65534, 0o600]);
  });

  it('agrees with lsipc on every column they share', async function () {
    const key = freshKey();
    const holder = await ownSegment(key, 8192, 0o604);
    const privateId = createSegment('private', 1, 0o600);
    const ours = new Set([holder.shmid, privateId]);
    const { items } = await readShmSegments();
    const listed = JSON.parse(execFileSync('lsipc', ['-m', '-b', '--json', '-o', 'KEY,ID,SIZE,NATTCH,CPID,LPID,UID,GID,CUID,CGID'], { encoding: 'utf8' }))
      .sharedmemory as Array<Record<string, string>>;
    for (const id of ours) {
      const mine = items.find((s) => s.shmid === id)!;
      const theirs = listed.find((row) => Number(row.id) === id)!;
      assert.deepEqual([formatKey(mine.key), mine.size, mine.nattch, mine.cpid, mine.lpid, mine.uid, mine.gid, mine.cuid, mine.cgid].map(String), [
        theirs.key,
        theirs.size,
        theirs.nattch,
        theirs.cpid,
        theirs.lpid,
        theirs.uid,
        theirs.gid,
        theirs.cuid,
        theirs.cgid,
      ]);
    }
    await holder.stop();
  });
});
