// Holders of POSIX shared memory found by the one /proc scan, against the real kernel: processes
// mapping an object read-only and read-write, one holding only a descriptor, one unlinked while
// mapped, a memfd shared with another process, anonymous shared memory shared over fork, Python's multiprocessing.shared_memory (a producer
// no one here wrote), and what an unprivileged user sees of root's holders.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as readline from 'readline';
import { SnapshotSource, type PosixObjectInfo } from '../../../../src/ipc/snapshot';
import { isRoot, NOBODY, TestHelper } from '../../../support/helper';
import { procReaders, type ProcReader } from '../../../support/procReaders';
import { cleanupPosixObjects, createObject, freshName, mapObject, memfdObject, openObject, ownObject, shmPath, trackName } from '../../../support/posixObjects';
import { killSpawned, runNodeScript, spawnReady } from '../../../support/spawned';
import { PosixObjectSource } from '../../../../src/ipc/posixShm/source';
import { posixShmKind } from '../../../../src/ipc/posixShm/kind';
import { repoRoot } from '../../../support/segments';
import * as path from 'path';

const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const LOCKTOOL = path.join(repoRoot, 'native', 'bin', 'locktool');
/** Where locktool's board keeps its first mutex (test/programs/locktool.c). */
const AT_MUTEX1 = 8;
const keyOf = (id: { devMajor: number; devMinor: number; ino: number }) => `${id.devMajor}:${id.devMinor}:${id.ino}`;

function snapshotOf(scanner: ProcReader, graceSeconds = 60) {
  return scanner.snapshot(new SnapshotSource({ orphanGraceSeconds: graceSeconds }));
}

function find(objects: PosixObjectInfo[], name: string): PosixObjectInfo {
  const found = objects.find((o) => o.name === name);
  assert.ok(found, `${name} is not listed: ${objects.map((o) => o.name).join(', ')}`);
  return found;
}

for (const scanner of procReaders()) {
  describe(`POSIX shared memory holders on the real kernel (${scanner.title})`, function () {
    afterEach(async () => {
      await cleanupPosixObjects();
      await killSpawned();
    });
    after(() => scanner.dispose());

    it('finds who maps an object read-write and read-only (with the range) and who holds only a descriptor (with its access)', async function () {
      const name = freshName();
      const owner = await ownObject(name, 3 * PAGE);
      const reader = await mapObject(name, 'ro');
      const opener = await openObject(name, 'ro');
      const scan = await scanner.scan();
      const holds = scan.files.get(keyOf(owner.id)) ?? [];
      const of = (pid: number) => holds.filter((h) => h.pid === pid);
      assert.deepEqual(
        of(owner.pid)
          .map((h) => [h.via, h.access])
          .sort(),
        [
          ['fd', 'rw'],
          ['map', 'rw'],
        ],
      );
      const [ro] = of(reader.pid);
      assert.deepEqual([of(reader.pid).length, ro.via, ro.access], [1, 'map', 'ro']);
      assert.ok(ro.via === 'map' && ro.length === 3 * PAGE && BigInt('0x' + ro.start) === BigInt(reader.address!), JSON.stringify(ro));
      assert.deepEqual(
        of(opener.pid).map((h) => (h.via === 'fd' ? [h.fd, h.access, h.size] : [])),
        [[opener.fd, 'ro', 3 * PAGE]],
      );
      assert.ok(holds.every((h) => h.path === shmPath(name) && !h.deleted));
      assert.ok(scan.signature.includes(keyOf(owner.id)));
    });

    it('finds an O_PATH descriptor, whose link has neither r nor w, with the access fdinfo gives', async function () {
      const name = freshName();
      const owner = await ownObject(name, PAGE);
      const holder = await openObject(name, 'path');
      assert.equal(fs.lstatSync(`/proc/${holder.pid}/fd/${holder.fd}`).mode & 0o777, 0, 'the kernel gives an O_PATH link no permission bits');
      const holds = ((await scanner.scan()).files.get(keyOf(owner.id)) ?? []).filter((h) => h.pid === holder.pid);
      assert.deepEqual(
        holds.map((h) => (h.via === 'fd' ? [h.fd, h.access, h.size] : [h.via])),
        [[holder.fd, 'ro', PAGE]],
      );
    });

    it('matches by device and inode: an unlinked object is found by its holders, and a new one of the same name is another object', async function () {
      const name = freshName();
      const owner = await ownObject(name, PAGE);
      assert.equal(await owner.command('unlink'), 'ok');
      const successor = createObject(name, 2 * PAGE); // the same name, made again
      const snapshot = await snapshotOf(scanner);
      const both = snapshot.posix.objects.filter((o) => o.name === '/' + name);
      assert.equal(both.length, 2, 'the removed one and the new one are two rows');
      const removed = both.find((o) => o.removed)!;
      const linked = both.find((o) => !o.removed)!;
      assert.equal(removed.key, keyOf(owner.id));
      assert.equal(removed.state, 'removed-held');
      assert.deepEqual([...new Set(removed.holders.map((h) => h.pid))], [owner.pid]);
      assert.ok(removed.holders.every((h) => h.deleted));
      assert.equal(linked.key, keyOf(successor));
      assert.deepEqual(linked.holders, []);
      assert.equal(removed.file?.size, PAGE, "its size, read through the holder's descriptor");
    });

    it('lists a memfd shared by two processes, with both holders', async function () {
      const holder = await memfdObject('ipcinsp-test-memfd', 2 * PAGE);
      const snapshot = await snapshotOf(scanner);
      const memfd = snapshot.posix.memfds.find((o) => o.key === keyOf(holder.id));
      assert.ok(memfd, 'the shared memfd is listed');
      assert.equal(memfd.name, 'memfd:ipcinsp-test-memfd');
      assert.deepEqual([...new Set(memfd.holders.map((h) => h.pid))].sort(), [holder.pid, holder.childPid].sort());
      assert.equal(memfd.file?.size, 2 * PAGE);
      assert.ok(
        memfd.readPaths.some((p) => p === `/proc/${holder.pid}/fd/${holder.fd}`),
        memfd.readPaths.join(', '),
      );
    });

    it("lists anonymous shared memory shared over fork, by the kernel's own mount, with its three holders, and reads its bytes as root", async function () {
      // locktool anon wait: the parent maps a board with MAP_SHARED | MAP_ANONYMOUS and forks A
      // (holding the mutex at 8) and B (waiting for it): three processes map the same memory.
      const run = await spawnReady(LOCKTOOL, ['anon', 'wait']);
      const [, parent, base, a, b] = run.firstLine.split(' ');
      const snapshot = await snapshotOf(scanner);
      const pids = [parent, a, b].map(Number).sort((x, y) => x - y);
      const anon = snapshot.posix.anonymous.find((o) => o.holders.some((h) => h.pid === Number(parent) && h.via === 'map' && h.start === base));
      assert.ok(anon, `the board is listed: ${snapshot.posix.anonymous.map((o) => posixShmKind.title(o)).join(', ')}`);
      assert.equal(anon.origin, 'anonymous');
      assert.match(anon.key, /^0:1:\d+$/, "on the kernel's own shared memory mount, where memfds are");
      assert.deepEqual(
        [...new Set(anon.holders.map((h) => h.pid))].sort((x, y) => x - y),
        pids,
      );
      assert.ok(
        anon.holders.every((h) => h.via === 'map' && h.access === 'rw' && h.length === PAGE),
        JSON.stringify(anon.holders),
      );
      assert.equal(posixShmKind.title(anon), `anonymous shared memory (inode ${anon.ino})`);
      assert.equal(anon.state, 'removed-held');
      assert.equal(
        snapshot.posix.memfds.concat(snapshot.posix.objects).find((o) => o.key === anon.key),
        undefined,
        'in its own group only',
      );
      if (!isRoot) return; // reading it goes through map_files, which needs CAP_SYS_ADMIN
      const helper = new TestHelper();
      try {
        const source = new PosixObjectSource(helper.client, anon, () => anon);
        const header = await source.describe();
        assert.equal(header.size, PAGE);
        // glibc x86-64/arm64 pthread_mutex_t: __lock at 0, __owner (the holder's TID) at 8.
        const mutex = await source.read(AT_MUTEX1, 16);
        assert.equal(Buffer.from(mutex).readInt32LE(8), Number(a), "the mutex at 8 is held by A: the bytes are the board's");
      } finally {
        helper.dispose();
      }
    });

    it("finds Python's multiprocessing.shared_memory holder, and calls the block it left behind orphaned", async function () {
      const script = [
        'import sys',
        'from multiprocessing import shared_memory, resource_tracker',
        'held = shared_memory.SharedMemory(create=True, size=8192)',
        'left = shared_memory.SharedMemory(create=True, size=4096)',
        "resource_tracker.unregister(left._name, 'shared_memory')",
        'left.close()',
        'print(held.name, left.name, flush=True)',
        'sys.stdin.read()',
        'held.close()',
        'held.unlink()',
      ].join('\n');
      const python = spawn(PYTHON, ['-c', script]);
      try {
        const [held, left] = (
          await new Promise<string>((resolve, reject) => {
            readline.createInterface({ input: python.stdout }).once('line', resolve);
            python.once('exit', (code) => reject(new Error(`python exited ${code}`)));
          })
        )
          .split(' ')
          .map(trackName);
        const snapshot = await snapshotOf(scanner, 0);
        const heldInfo = find(snapshot.posix.objects, '/' + held);
        assert.equal(heldInfo.state, 'in-use');
        assert.deepEqual([...new Set(heldInfo.holders.map((h) => h.pid))], [python.pid]);
        assert.ok(heldInfo.mappers === 1 && heldInfo.openers === 1, `${heldInfo.mappers} mappers, ${heldInfo.openers} openers`);
        assert.equal(heldInfo.producer, 'Python multiprocessing.shared_memory');
        const leftInfo = find(snapshot.posix.objects, '/' + left);
        assert.equal(leftInfo.state, 'orphaned', leftInfo.reason);
        assert.deepEqual(leftInfo.holders, []);
      } finally {
        python.stdin.end();
        await new Promise((resolve) => (python.exitCode !== null ? resolve(undefined) : python.once('exit', resolve)));
      }
    });

    it("as nobody: root's holders are counted as unchecked, not silently dropped, and nothing is called orphaned for sure", async function () {
      if (!isRoot) this.skip(); // switching to nobody needs root
      const name = freshName();
      createObject(name, PAGE, 0o644);
      const rootHolder = await mapObject(name, 'ro');
      const result = runNodeScript(
        `
      ${scanner.script()}
      const { snapshot } = await new (ipc('snapshot').SnapshotSource)({ orphanGraceSeconds: 0 }).refresh({ force: true, ...readerOptions });
      const readerAnswered = readerOptions.helper ? (await readerOptions.helper().procScan(0, 1)).listed > 0 : true;
      endReader();
      const o = snapshot.posix.objects.find((x) => x.name === ${JSON.stringify('/' + name)});
      console.log(JSON.stringify({ uid: process.getuid(), readerAnswered, found: !!o, holders: o ? o.holders.map((h) => h.pid) : [], state: o && o.state, certain: o && o.certain, unchecked: o && o.unchecked, reason: o && o.reason }));`,
        NOBODY,
      ) as {
        uid: number;
        readerAnswered: boolean;
        found: boolean;
        holders: number[];
        state: string;
        certain: boolean;
        unchecked: number;
        reason: string;
      };
      assert.equal(result.uid, 65534);
      assert.ok(result.readerAnswered, "nobody's helper reads /proc too");
      assert.ok(result.found, "root's object is listed for nobody too");
      assert.deepEqual(result.holders, [], "root's mapping cannot be seen by nobody");
      assert.ok(result.unchecked >= 1, "root's process is counted as unchecked");
      assert.equal(result.certain, false);
      assert.match(result.reason, /could not be checked .*so a holder there cannot be ruled out/);
      assert.doesNotMatch(result.reason, /[\n\r]/, 'one line, whatever the command lines of those processes hold');
      await rootHolder.stop();
    });
  });
}
