// Limits and system constants against the real kernel and getconf.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { clockTicks, pageSize } from '../../../src/ipc/auxv';
import { readLimits } from '../../../src/ipc/limits';
import { isRoot } from '../../support/helper';
import { requireShmtool } from '../../support/segments';
import { runNodeScript } from '../../support/spawned';

describe('limits on the real kernel', function () {
  it('reads page size and USER_HZ from the auxv as getconf does', function () {
    assert.equal(pageSize(), Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' })));
    assert.equal(clockTicks(), Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })));
  });

  it('reads /proc/sys/kernel exactly, huge defaults as unlimited', async function () {
    const limits = await readLimits();
    const raw = (name: string) => BigInt(fs.readFileSync(`/proc/sys/kernel/${name}`, 'latin1').trim());
    assert.equal(limits.shmmax?.raw, raw('shmmax'));
    assert.equal(limits.shmall?.raw, raw('shmall'));
    assert.equal(limits.shmmni?.raw, raw('shmmni'));
    assert.equal(limits.shmmax?.unlimited, raw('shmmax') === 18446744073692774399n);
    assert.equal(typeof limits.shmRmidForced, 'boolean');
    assert.equal(typeof limits.shmNextId, 'number');
    const sem = fs.readFileSync('/proc/sys/kernel/sem', 'latin1').trim().split(/\s+/).map(BigInt);
    assert.deepEqual([limits.semmsl?.raw, limits.semmns?.raw, limits.semopm?.raw, limits.semmni?.raw], sem);
  });

  it('shm_rmid_forced is per IPC namespace, and turning it on destroys orphans (in a private namespace)', function () {
    if (!isRoot) this.skip();
    // Never on the machine's own namespace: that would destroy other people's orphaned segments.
    const result = runNodeScript(
      `
      const { execFileSync } = require('child_process');
      const fs = require('fs');
      const before = (await ipc('limits').readLimits()).shmRmidForced;
      execFileSync(${JSON.stringify(requireShmtool())}, ['create', 'private', '4096', '600']);
      const listed = (await ipc('sysvShm/read').readSegmentTable(ipc('tables').localTables())).segments.length;
      fs.writeFileSync('/proc/sys/kernel/shm_rmid_forced', '1');
      const after = (await ipc('limits').readLimits()).shmRmidForced;
      const left = (await ipc('sysvShm/read').readSegmentTable(ipc('tables').localTables())).segments.length;
      console.log(JSON.stringify({ before, listed, after, left }));`,
      ['unshare', '--ipc'],
    );
    assert.deepEqual(result, { before: false, listed: 1, after: true, left: 0 });
  });
});
