import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { devMajorMinor, isSharedFileLink, parseFdinfoAccess, splitDeleted } from '../../../src/ipc/fds';
import { parseFileMappings, parseMapsAttachments } from '../../../src/ipc/maps';
import { attachmentSummary, scanProcesses } from '../../../src/ipc/procScan';
import { fixture } from '../fixtures';

const proc = fixture('proc');

describe('the /proc scan', function () {
  it('finds SysV lines by name: rw and ro, original key, page-rounded range', function () {
    const found = parseMapsAttachments(100, fs.readFileSync(path.join(proc, '100', 'maps')));
    assert.deepEqual(
      found.map((a) => [a.shmid, a.key.toString(16), a.access]),
      [
        [32775, '7e00abcd', 'ro'],
        [32775, '7e00abcd', 'rw'],
        [65536, '0', 'rw'], // IPC_PRIVATE
        [98304, 'c8276653', 'rw'], // hugetlb: another device, same name
        [131072, 'beef', 'none'], // mprotect(PROT_NONE)
      ],
    );
    assert.deepEqual(found[0], {
      pid: 100,
      shmid: 32775,
      key: 0x7e00abcd,
      access: 'ro',
      perms: 'r--s',
      start: '7fbab4dbe000',
      end: '7fbab4dc2000',
      length: 16384,
    });
    assert.equal(found[3].length, 2 * 1024 * 1024);
  });

  it('ignores memfd on 00:01, /dev/shm and files whose name merely contains /SYSV', function () {
    const text = fs.readFileSync(path.join(proc, '100', 'maps'), 'latin1');
    const decoys = text
      .split('\n')
      .filter((line) => /memfd|dev\/shm|home/.test(line))
      .join('\n');
    assert.equal(decoys.split('\n').length, 3);
    assert.deepEqual(parseMapsAttachments(1, decoys), []);
    assert.deepEqual(parseMapsAttachments(1, ''), []);
  });

  it("takes anonymous shared memory only as the kernel names it, on the kernel's own mount, and shared", function () {
    const lines = [
      '7f86996a2000-7f86996a3000 rw-s 00000000 00:01 102271                     /dev/zero (deleted)', // MAP_SHARED | MAP_ANONYMOUS
      '7f86996a4000-7f86996a5000 rw-p 00000000 00:01 102272                     /dev/zero (deleted)', // private: a copy
      '7f86996a6000-7f86996a7000 rw-s 00000000 00:2a 5                          /dev/zero (deleted)', // a container's own /dev: a tmpfs file
      '7f86996a8000-7f86996a9000 r--s 00000000 00:05 6                          /dev/zero', // the character device itself
      '7f86996aa000-7f86996ab000 rw-s 00000000 00:01 7                          /dev/zerox (deleted)',
    ].join('\n');
    assert.deepEqual(
      parseFileMappings(9, lines).map((m) => [m.key, m.path, m.deleted, m.access]),
      [['0:1:102271', '/dev/zero', true, 'rw']],
    );
  });

  it('accepts a last line without a newline and a name without " (deleted)"', function () {
    const line = '7f0000000000-7f0000001000 rw-s 00000000 00:01 7                          /SYSV00000010';
    assert.equal(parseMapsAttachments(1, line)[0]?.key, 0x10);
  });

  it('scans a /proc: same namespace only, unreadable and vanished processes counted', async function () {
    const scan = await scanProcesses({ procRoot: proc });
    assert.equal(scan.processes, 7); // 100..106
    // 100, 101 (attached), 102 (other namespace), 103 (kernel thread, empty maps)
    assert.equal(scan.scanned, 4);
    assert.equal(scan.otherNamespace, 1);
    assert.equal(scan.unreadable, 1);
    assert.deepEqual(scan.unreadablePids, [104]);
    assert.equal(scan.vanished, 2); // 105, 106 have no maps any more
    const shared = scan.attachments.get(32775) ?? [];
    assert.deepEqual(
      shared.map((a) => [a.pid, a.access]),
      [
        [100, 'ro'],
        [100, 'rw'],
        [101, 'ro'],
      ],
    );
    assert.ok(
      shared.every((a) => a.key === 0x7e00abcd),
      'the key of namespace 102 must not leak in',
    );
    assert.deepEqual(
      [...scan.attachments.keys()].sort((a, b) => a - b),
      [32775, 65536, 98304, 131072],
    );
  });

  it('says how many attachments it could not see', async function () {
    const scan = await scanProcesses({ procRoot: proc });
    assert.equal(attachmentSummary(scan, 32775, 4).hidden, 1);
    assert.equal(attachmentSummary(scan, 32775, 3).hidden, 0);
    assert.deepEqual(attachmentSummary(scan, 1, 2), { visible: [], hidden: 2 });
  });

  describe('shared files in maps', function () {
    it('finds /dev/shm and memfd mappings by device and inode, deleted or not, shared only', function () {
      const maps = [
        '7f0000000000-7f0000002000 rw-s 00000000 00:1b 1041                       /dev/shm/psm_3f2a',
        '7f0000002000-7f0000003000 r--s 00001000 00:1b 1041                       /dev/shm/psm_3f2a',
        '7f0000003000-7f0000004000 rw-s 00000000 00:1b 77                         /dev/shm/gone (deleted)',
        '7f0000004000-7f0000005000 rw-p 00000000 00:1b 78                         /dev/shm/private-copy',
        '7f0000005000-7f0000006000 rw-s 00000000 00:01 3208                       /memfd:wayland-shm (deleted)',
        '7f0000006000-7f0000007000 ---s 00000000 00:1b 79                         /dev/shm/with space name',
        '7f0000007000-7f0000008000 rw-s 00000000 00:01 5                          /SYSV7e00abcd (deleted)',
        '7f0000008000-7f0000009000 r--s 00000000 fe:00 99                         /home/u/dev/shm/not-it',
        '7f0000009000-7f000000a000 rw-s 00000000 101:3 80                         /dev/shm/big-minor',
      ].join('\n');
      const found = parseFileMappings(7, maps);
      assert.deepEqual(
        found.map((m) => [m.key, m.path, m.deleted, m.access]),
        [
          ['0:27:1041', '/dev/shm/psm_3f2a', false, 'rw'],
          ['0:27:1041', '/dev/shm/psm_3f2a', false, 'ro'],
          ['0:27:77', '/dev/shm/gone', true, 'rw'],
          ['0:1:3208', '/memfd:wayland-shm', true, 'rw'],
          ['0:27:79', '/dev/shm/with space name', false, 'none'],
          ['257:3:80', '/dev/shm/big-minor', false, 'rw'],
        ],
      );
      assert.deepEqual(found[0], {
        pid: 7,
        key: '0:27:1041',
        path: '/dev/shm/psm_3f2a',
        deleted: false,
        access: 'rw',
        perms: 'rw-s',
        start: '7f0000000000',
        end: '7f0000002000',
        length: 8192,
      });
      assert.deepEqual(
        parseMapsAttachments(7, maps).map((a) => a.shmid),
        [5],
        'the SysV line is still an attachment, and only that one',
      );
    });

    it('finds the /dev/shm mapping in a fixture process and the scan groups holds by file', async function () {
      const scan = await scanProcesses({ procRoot: proc });
      const holds = scan.files.get('0:25:17') ?? [];
      assert.deepEqual(
        holds.map((h) => [h.pid, h.via, h.path, h.deleted]),
        [[100, 'map', '/dev/shm/psm_0a1b2c', true]],
      );
      assert.ok(scan.signature.includes('0:25:17'), 'the signature covers file holds');
      assert.deepEqual(
        (scan.files.get('0:1:4242') ?? []).map((h) => [h.pid, h.path]),
        [[100, '/memfd:SYSV-lookalike']],
        'a memfd named like SysV is a memfd',
      );
    });
  });

  describe('descriptors', function () {
    it('reads the access mode from fdinfo flags (octal, O_ACCMODE)', function () {
      assert.equal(parseFdinfoAccess('pos:\t0\nflags:\t02100002\nmnt_id:\t30\nino:\t2\n'), 'rw');
      assert.equal(parseFdinfoAccess('pos:\t0\nflags:\t0100000\nmnt_id:\t30\n'), 'ro');
      assert.equal(parseFdinfoAccess('flags: 01\n'), 'wo');
      assert.equal(parseFdinfoAccess('pos: 0\n'), undefined);
      assert.equal(parseFdinfoAccess('flags:\t0x8002\n'), undefined, 'not octal: not guessed');
    });

    it('tells the links of shared files and strips " (deleted)"', function () {
      assert.ok(isSharedFileLink('/dev/shm/x'));
      assert.ok(isSharedFileLink('/memfd:NAME (deleted)'));
      assert.ok(!isSharedFileLink('/home/dev/shm/x'));
      assert.ok(!isSharedFileLink('socket:[1234]'));
      assert.deepEqual(splitDeleted('/dev/shm/x (deleted)'), { path: '/dev/shm/x', deleted: true });
      assert.deepEqual(splitDeleted('/dev/shm/x'), { path: '/dev/shm/x', deleted: false });
    });

    it('splits a dev_t as glibc does, beyond 8-bit minors and 32 bits', function () {
      assert.deepEqual(devMajorMinor(27), { major: 0, minor: 27 });
      assert.deepEqual(devMajorMinor((259 << 8) | 5), { major: 259, minor: 5 });
      // minor 0x12345: low 8 bits in bits 0-7, the rest from bit 20 on
      assert.deepEqual(devMajorMinor(0x45 | (0x123 << 20)), { major: 0, minor: 0x12345 });
      // major 0x1001: bits 8-19 and 44+
      assert.deepEqual(devMajorMinor((0x001 << 8) + 0x1000 * 2 ** 32), { major: 0x1001, minor: 0 });
    });
  });
});
