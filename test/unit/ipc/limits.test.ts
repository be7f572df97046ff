import * as assert from 'node:assert/strict';
import { localTables } from '../../../src/ipc/tables';
import { parseAuxv } from '../../../src/ipc/auxv';
import { formatLimit, parseLimit, readLimits, shmUsage } from '../../../src/ipc/limits';
import { fixture } from '../fixtures';

describe('IPC limits', function () {
  it('reads /proc/sys/kernel through a procRoot', async function () {
    const limits = await readLimits(localTables(fixture('proc')), fixture('proc'));
    assert.deepEqual(limits.shmmax, { raw: 18446744073692774399n, unlimited: true });
    assert.deepEqual(limits.shmall, { raw: 2097152n, unlimited: false });
    assert.equal(limits.shmmni?.raw, 4096n);
    assert.equal(limits.shmRmidForced, true);
    assert.equal(limits.shmNextId, -1);
    assert.equal(limits.msgmnb?.raw, 16384n);
    assert.deepEqual([limits.semmsl?.raw, limits.semmns?.raw, limits.semopm?.raw, limits.semmni?.raw], [32000n, 1024000000n, 500n, 32000n]);
    assert.equal(limits.semNextId, -1);
    assert.equal(limits.pageSize, 4096); // a fixture root has no auxv: the default
  });

  it('leaves missing files undefined', async function () {
    const limits = await readLimits(localTables(fixture('nowhere')), fixture('nowhere'));
    assert.equal(limits.shmmax, undefined);
    assert.equal(limits.shmRmidForced, undefined);
  });

  it('calls huge values unlimited and keeps them exact', function () {
    assert.deepEqual(parseLimit('18446744073692774399\n'), { raw: 18446744073692774399n, unlimited: true });
    assert.deepEqual(parseLimit('68719476736'), { raw: 68719476736n, unlimited: false });
    assert.equal(parseLimit('-1'), undefined);
    assert.equal(formatLimit(parseLimit('18446744073692774399')), 'unlimited');
    assert.equal(formatLimit(parseLimit('4096')), '4096');
    assert.equal(formatLimit(undefined), 'unknown');
  });

  it('counts usage in pages the way the kernel does for shmall', function () {
    assert.deepEqual(shmUsage([{ size: 1 }, { size: 4096 }, { size: 4097 }, { size: 12345 }], 4096), { segments: 4, bytes: 20539, pages: 1 + 1 + 2 + 4 });
  });

  it('reads the page size and clock ticks from an auxv', function () {
    const auxv = Buffer.alloc(16 * 4);
    auxv.writeBigUInt64LE(6n, 0); // AT_PAGESZ
    auxv.writeBigUInt64LE(16384n, 8);
    auxv.writeBigUInt64LE(17n, 16); // AT_CLKTCK
    auxv.writeBigUInt64LE(100n, 24);
    const entries = parseAuxv(auxv, 8, true);
    assert.equal(entries.get(6), 16384);
    assert.equal(entries.get(17), 100);
    assert.equal(entries.size, 2); // stops at AT_NULL
  });
});
