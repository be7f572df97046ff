import * as assert from 'node:assert/strict';
import type { FileKey } from '../../../../src/ipc/maps';
import type { Names } from '../../../../src/ipc/names';
import { classifyPosixObjects, nextAgeTransition, producerHint } from '../../../../src/ipc/posixShm/classify';
import { classifyHolds, holderPath, mayReach } from '../../../../src/ipc/family/holders';
import { parseObjectName, type PosixListing, type PosixObject } from '../../../../src/ipc/family/devShm';
import { posixContextValue, posixDescription, posixRow, posixStateWords, shmFsNearlyFull, shmFsSummary } from '../../../../src/ipc/posixShm/present';
import type { FileHold, ProcScan } from '../../../../src/ipc/procScan';

const NOW = 1_800_000_000_000;
const GRACE = 60_000;

const names: Names = {
  process: (pid) => ({ kind: 'gone', pid }),
  command: (pid) => (pid === 10 ? './writer' : pid === 11 ? './reader' : undefined),
  lastKnownCommand: () => undefined,
  user: (uid) => (uid === 0 ? 'root' : String(uid)),
  group: (gid) => (gid === 0 ? 'root' : String(gid)),
};

function object(name: string, ino: number, overrides: Partial<PosixObject> = {}): PosixObject {
  return {
    name: '/' + name,
    path: `/dev/shm/${name}`,
    key: `0:27:${ino}`,
    devMajor: 0,
    devMinor: 27,
    ino,
    size: 8192,
    allocated: 4096,
    mode: 0o600,
    uid: 0,
    gid: 0,
    mtimeMs: NOW - 3_600_000,
    ctimeMs: NOW - 3_600_000,
    ...overrides,
  };
}

function listing(objects: PosixObject[]): PosixListing {
  return { available: true, dir: '/dev/shm', devMajor: 0, devMinor: 27, objects, semaphores: [], usage: { size: 1 << 30, used: 1 << 20 }, signature: '' };
}

function map(pid: number, key: FileKey, path: string, access: 'ro' | 'rw' = 'rw', deleted = false): FileHold {
  return {
    via: 'map',
    pid,
    key,
    path,
    deleted,
    access,
    perms: access === 'rw' ? 'rw-s' : 'r--s',
    start: `7f00000${pid}000`,
    end: `7f00000${pid}800`,
    length: 2048,
  };
}

function fd(pid: number, n: number, key: FileKey, path: string, access: 'ro' | 'rw' = 'ro', deleted = false): FileHold {
  return { via: 'fd', pid, fd: n, key, path, deleted, access, size: 8192 };
}

function scanOf(holds: FileHold[], unreadable = 0): Pick<ProcScan, 'files' | 'unreadable' | 'unreadablePids'> {
  const files = new Map<FileKey, FileHold[]>();
  for (const h of holds) files.set(h.key, [...(files.get(h.key) ?? []), h]);
  return { files, unreadable, unreadablePids: Array.from({ length: unreadable }, (_, i) => 10 + i) };
}

function classify(objects: PosixObject[], holds: FileHold[], options: { unreadable?: number; lastHeldMs?: Map<FileKey, number> } = {}) {
  const lastHeldMs = options.lastHeldMs ?? new Map();
  return classifyPosixObjects(listing(objects), { scan: scanOf(holds, options.unreadable), names, nowMs: NOW, graceMs: GRACE, lastHeldMs }, '/proc');
}

describe('POSIX shared memory objects', function () {
  describe('states', function () {
    const base = { removed: false, mappers: 0, openers: 0, unchecked: 0, unusedSinceMs: NOW - 3_600_000, nowMs: NOW, graceMs: GRACE };

    it('in use when mapped or open, in words', function () {
      assert.deepEqual(classifyHolds({ ...base, mappers: 2 }), { state: 'in-use', reason: 'mapped by 2 processes' });
      assert.deepEqual(classifyHolds({ ...base, mappers: 1, openers: 1 }), { state: 'in-use', reason: 'mapped by 1 process, open in 1 process' });
    });

    it('orphaned only after the grace period with no holder', function () {
      assert.equal(classifyHolds(base).state, 'orphaned');
      assert.equal(classifyHolds({ ...base, unusedSinceMs: NOW - GRACE + 1 }).state, 'unused');
      assert.match(classifyHolds({ ...base, unusedSinceMs: NOW - 5_000 }).reason, /called orphaned after 60 s unused/);
      assert.equal(classifyHolds({ ...base, unusedSinceMs: NOW - GRACE }).state, 'orphaned', 'exactly the grace period');
    });

    it('says so when some process could not be checked, naming them, and the verdict is uncertain', function () {
      const c = classifyHolds({ ...base, unchecked: 3, uncheckedWords: 'pid 1 (init), pid 2, pid 3' });
      assert.equal(c.state, 'orphaned');
      assert.equal(c.reason.startsWith('no process this user can read has it mapped or open'), true, c.reason);
      assert.match(c.reason, /3 processes could not be checked \(pid 1 \(init\), pid 2, pid 3\), so a holder there cannot be ruled out$/);
      const [sure] = classify([object('a', 1)], []);
      const [unsure] = classify([object('a', 1)], [], { unreadable: 5 });
      assert.deepEqual([sure.state, sure.certain], ['orphaned', true]);
      assert.deepEqual([unsure.state, unsure.certain], ['orphaned', false]);
      assert.match(unsure.reason, /5 processes could not be checked \(pid 10 \(\.\/writer\), pid 11 \(\.\/reader\), pid 12 and 2 more\)/);
      // The same words wherever it is shown: the row, its state, its screen-reader label.
      assert.match(posixDescription(unsure), /^orphaned \(uncertain\) · /);
      assert.equal(posixStateWords(unsure), 'orphaned (uncertain)');
      assert.match(posixRow(unsure, { held: false, uid: 0 }).accessibilityLabel, /state: orphaned \(uncertain\)/);
      assert.match(posixDescription(sure), /^orphaned · /);
      assert.equal(classifyHolds({ ...base, unchecked: 1 }).reason.includes('1 process could not be checked'), true, 'one process, in the singular');
    });

    it('removed but still held', function () {
      assert.deepEqual(classifyHolds({ ...base, removed: true, openers: 1 }), { state: 'removed-held', reason: 'removed; stays while open in 1 process' });
    });
  });

  describe('classification from the listing and the scan', function () {
    it('matches holders by device and inode, never by path', function () {
      const a = object('psm_a', 100);
      const holds = [
        map(10, a.key, '/dev/shm/psm_a'),
        fd(11, 4, a.key, '/dev/shm/psm_a'),
        // Same name, another device: another mount namespace's /dev/shm. Not this object.
        map(12, '0:99:100', '/dev/shm/psm_a'),
      ];
      const [info] = classify([a], holds);
      assert.equal(info.state, 'in-use');
      assert.deepEqual(
        info.holders.map((h) => [h.pid, h.via, h.command]),
        [
          [10, 'map', './writer'],
          [11, 'fd', './reader'],
        ],
      );
      assert.equal(info.mappers, 1);
      assert.equal(info.openers, 1);
      assert.deepEqual(info.readPaths, ['/dev/shm/psm_a', '/proc/10/map_files/7f0000010000-7f0000010800', '/proc/11/fd/4']);
    });

    it('names map_files without the padding maps adds to low addresses', function () {
      const low = { ...(map(10, '0:27:9', '/dev/shm/low') as Extract<FileHold, { via: 'map' }>), start: '00400000', end: '00452000' };
      assert.equal(holderPath('/proc', low), '/proc/10/map_files/400000-452000');
      assert.equal(holderPath('/proc', { ...low, start: '0', end: '1000' }), '/proc/10/map_files/0-1000');
    });

    it('shows removed objects that are still held, from the holders alone', function () {
      const holds = [map(10, '0:27:555', '/dev/shm/gone', 'rw', true), fd(10, 5, '0:27:555', '/dev/shm/gone', 'rw', true)];
      const infos = classify([], holds);
      assert.equal(infos.length, 1);
      const [gone] = infos;
      assert.deepEqual([gone.name, gone.removed, gone.state, gone.origin], ['/gone', true, 'removed-held', 'dev-shm']);
      assert.equal(posixStateWords(gone), 'removed, still mapped/open by 1');
      assert.deepEqual(gone.readPaths, ['/proc/10/map_files/7f0000010000-7f0000010800', '/proc/10/fd/5'], 'no name to read through');
      // A mapping alone is reached through map_files, which only root may open.
      assert.deepEqual(
        [mayReach(gone.readPaths, 1000), mayReach(gone.readPaths.slice(0, 1), 1000), mayReach(gone.readPaths.slice(0, 1), 0)],
        [true, false, true],
      );
      assert.equal(mayReach([], 0), false);
    });

    it('lists a memfd only when two processes or more hold it', function () {
      const shared = [map(10, '0:1:42', '/memfd:ring', 'rw', true), fd(11, 3, '0:1:42', '/memfd:ring', 'rw', true)];
      const alone = [map(10, '0:1:43', '/memfd:private', 'rw', true)];
      const infos = classify([], [...shared, ...alone]);
      assert.deepEqual(
        infos.map((i) => [i.name, i.origin, i.state]),
        [['memfd:ring', 'memfd', 'removed-held']],
      );
      assert.match(posixRow(infos[0], { held: false, uid: 0 }).label, /memfd:ring \(inode 42\)/);
    });

    it('ignores holders of other devices that are not memfds', function () {
      assert.deepEqual(classify([], [map(10, '0:99:5', '/dev/shm/theirs', 'rw', true)]), []);
    });

    it('counts an object unused since it was last seen held, and says when it turns orphaned', function () {
      const a = object('psm_a', 100, { mtimeMs: NOW - 3_600_000, ctimeMs: NOW - 3_600_000 });
      const lastHeldMs = new Map([[a.key, NOW - 10_000]]);
      const [info] = classify([a], [], { lastHeldMs });
      assert.equal(info.state, 'unused', 'held 10 s ago: not orphaned yet');
      assert.equal(nextAgeTransition([info], { lastHeldMs, graceMs: GRACE }), NOW - 10_000 + GRACE);
      const [held] = classify([a], [map(10, a.key, a.path)], { lastHeldMs });
      assert.equal(held.state, 'in-use');
      assert.equal(lastHeldMs.get(a.key), NOW, 'the classifier remembers when it saw a holder');
    });

    it('says since when an object is unused, to the second, each object its own time (made in the same second or not)', function () {
      const times = [NOW - 3_600_000 + 1, NOW - 3_600_000 + 999, NOW - 3_599_000, NOW - 7_200_123];
      const infos = classify(
        times.map((ms, i) => object(`psm_t${i}`, 200 + i, { mtimeMs: ms, ctimeMs: ms })),
        [],
      );
      infos.forEach((info, i) => assert.ok(info.reason.includes(`since ${new Date(times[i]).toLocaleString()}`), `${info.reason} (made at ${times[i]})`));
      assert.equal(infos[0].reason, infos[1].reason, 'the same second reads the same');
      assert.notEqual(infos[1].reason, infos[2].reason, 'the next second does not');
    });

    it('names well-known producers as a hint', function () {
      assert.equal(producerHint('/psm_1f2e3d4c'), 'Python multiprocessing.shared_memory');
      assert.equal(producerHint('/PostgreSQL.1804289383'), 'PostgreSQL (dynamic shared memory)');
      assert.equal(producerHint('/nccl-ab12'), 'NCCL (NVIDIA collective communications)');
      assert.equal(producerHint('/torch_1234_5678'), 'PyTorch (torch.multiprocessing)');
      assert.equal(producerHint('/my_buffer'), undefined);
      // Each pattern whole, not only its start: the one test of them all keeps their anchors.
      assert.equal(producerHint('/PostgreSQL.1804289383x'), undefined);
      assert.equal(producerHint('/x/psm_1f2e'), undefined);
      assert.equal(producerHint('/fastdds_1'), 'Fast-DDS');
      assert.equal(producerHint('/mono.42'), 'Mono');
      const [info] = classify([object('psm_1f2e', 100)], []);
      assert.match(posixRow(info, { held: false, uid: 0 }).tooltip, /probably Python multiprocessing\.shared_memory \(a hint from the name, not a proof\)/);
    });
  });

  describe('presentation', function () {
    it('describes size, allocation, holders, owner and state', function () {
      const a = object('psm_a', 100, { size: 1 << 20, allocated: 4096 });
      const [orphan] = classify([a], []);
      assert.equal(posixDescription(orphan), 'orphaned · 1 MiB · 4 KiB allocated · no holder · root');
      const row = posixRow(orphan, { held: false, uid: 0 });
      assert.equal(row.id, 'posix:0:27:100');
      assert.equal(row.icon, 'orphaned');
      assert.equal(row.contextValue, 'posixObject;state=orphaned;linked;readable;mine');
      assert.match(row.accessibilityLabel, /^POSIX shared memory object \/psm_a, 1 MiB, state: orphaned \(leaked\), no holder, owner root$/);
      assert.match(row.tooltip, /\| Path \| \/dev\/shm\/psm_a \|/);
      assert.match(row.tooltip, /\| Permissions \| rw------- \(0600\) \|/);
      const [inUse] = classify([a], [map(10, a.key, a.path, 'ro'), fd(11, 7, a.key, a.path, 'rw')]);
      const children = posixRow(inUse, { held: false, uid: 1000 }).children;
      assert.deepEqual(
        children.map((c) => [c.label, c.description]),
        [
          ['10 writer', 'maps read-only · 7f0000010000-7f0000010800'],
          ['11 reader', 'fd 7, read-write'],
        ],
      );
      assert.equal(posixContextValue(inUse, 1000), 'posixObject;state=in-use;linked;readable');
    });

    it('summarises /dev/shm and warns from 80% full', function () {
      assert.equal(shmFsSummary({ size: 1 << 30, used: 1 << 20 }, 3), '3 objects · 1 MiB of 1 GiB used (0%)');
      assert.equal(shmFsSummary({ size: 100 << 20, used: 85 << 20 }, 1), '1 object · 85 MiB of 100 MiB used (85%), nearly full');
      assert.equal(shmFsNearlyFull({ size: 100, used: 79 }), false);
      assert.equal(shmFsNearlyFull({ size: 100, used: 80 }), true);
      assert.equal(shmFsSummary(undefined, 0), '0 objects');
    });
  });

  describe('names typed by a user', function () {
    it('takes shm_open names with or without the slash', function () {
      assert.deepEqual(parseObjectName('/my_buffer'), { ok: true, value: '/my_buffer' });
      assert.deepEqual(parseObjectName('  my buffer '), { ok: true, value: '/my buffer' });
      assert.deepEqual(parseObjectName('é'.repeat(127)), { ok: true, value: '/' + 'é'.repeat(127) });
    });

    it('refuses what shm_open would refuse or misread', function () {
      for (const bad of ['', '/', 'a/b', '//a', '.', '..', 'sem.mine', 'x'.repeat(256), 'é'.repeat(128), 'a\0b']) {
        const parsed = parseObjectName(bad);
        assert.equal(parsed.ok, false, `accepted ${JSON.stringify(bad)}`);
      }
    });
  });
});
