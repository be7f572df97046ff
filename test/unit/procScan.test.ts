import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { attachmentSummary, discoverAttachers, parseMapsAttachments } from '../../src/ipc/attachers';
import { fixture } from './fixtures';

const proc = fixture('proc');

describe('attacher discovery', function () {
  it('finds SysV lines by name: rw and ro, original key, page-rounded range', function () {
    const found = parseMapsAttachments(100, fs.readFileSync(path.join(proc, '100', 'maps')));
    assert.deepEqual(found.map((a) => [a.shmid, a.key.toString(16), a.access]), [
      [32775, '7e00abcd', 'ro'],
      [32775, '7e00abcd', 'rw'],
      [65536, '0', 'rw'], // IPC_PRIVATE
      [98304, 'c8276653', 'rw'], // hugetlb: another device, same name
      [131072, 'beef', 'none'], // mprotect(PROT_NONE)
    ]);
    assert.deepEqual(found[0], {
      pid: 100, shmid: 32775, key: 0x7e00abcd, access: 'ro', perms: 'r--s', start: '7fbab4dbe000', end: '7fbab4dc2000', length: 16384,
    });
    assert.equal(found[3].length, 2 * 1024 * 1024);
  });

  it('ignores memfd on 00:01, /dev/shm and files whose name merely contains /SYSV', function () {
    const text = fs.readFileSync(path.join(proc, '100', 'maps'), 'latin1');
    const decoys = text.split('\n').filter((line) => /memfd|dev\/shm|home/.test(line)).join('\n');
    assert.equal(decoys.split('\n').length, 3);
    assert.deepEqual(parseMapsAttachments(1, decoys), []);
    assert.deepEqual(parseMapsAttachments(1, ''), []);
  });

  it('accepts a last line without a newline and a name without " (deleted)"', function () {
    const line = '7f0000000000-7f0000001000 rw-s 00000000 00:01 7                          /SYSV00000010';
    assert.equal(parseMapsAttachments(1, line)[0]?.key, 0x10);
  });

  it('scans a /proc: same namespace only, unreadable and vanished processes counted', async function () {
    const scan = await discoverAttachers({ procRoot: proc });
    assert.equal(scan.processes, 7); // 100..106
    // 100, 101 (attached), 102 (other namespace), 103 (kernel thread, empty maps)
    assert.equal(scan.scanned, 4);
    assert.equal(scan.otherNamespace, 1);
    assert.equal(scan.unreadable, 1);
    assert.deepEqual(scan.unreadablePids, [104]);
    assert.equal(scan.vanished, 2); // 105, 106 have no maps any more
    const shared = scan.attachments.get(32775) ?? [];
    assert.deepEqual(shared.map((a) => [a.pid, a.access]), [[100, 'ro'], [100, 'rw'], [101, 'ro']]);
    assert.ok(shared.every((a) => a.key === 0x7e00abcd), 'the key of namespace 102 must not leak in');
    assert.deepEqual([...scan.attachments.keys()].sort((a, b) => a - b), [32775, 65536, 98304, 131072]);
  });

  it('says how many attachments it could not see', async function () {
    const scan = await discoverAttachers({ procRoot: proc });
    assert.equal(attachmentSummary(scan, 32775, 4).hidden, 1);
    assert.equal(attachmentSummary(scan, 32775, 3).hidden, 0);
    assert.deepEqual(attachmentSummary(scan, 1, 2), { visible: [], hidden: 2 });
  });
});
