// Attacher discovery against real processes: two holders, a removed segment, another IPC namespace.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import type { Attachment } from '../../../src/ipc/maps';
import { readSegmentTable } from '../../../src/ipc/sysvShm/read';
import { localTables } from '../../../src/ipc/tables';
import { isRoot } from '../../support/helper';
import { procReaders } from '../../support/procReaders';
import { createSegment, freshKey, holdSegment, requireShmtool, trackSegment } from '../../support/segments';
import { killSpawned, runNodeScript, spawnReady } from '../../support/spawned';

const PAGE = 4096;

for (const reader of procReaders()) {
  describe(`attacher discovery on the real kernel (${reader.title})`, function () {
    after(async () => {
      await killSpawned();
      reader.dispose();
    });

    it('finds two processes attached, ro and rw, with their address ranges', async function () {
      const key = freshKey();
      const id = createSegment(key, 12345, 0o600);
      const ro = await holdSegment(id, 'ro');
      const rw = await holdSegment(id, 'rw');
      const start = performance.now();
      const scan = await reader.scan();
      const ms = performance.now() - start;
      const found = (scan.attachments.get(id) ?? []).slice().sort((a, b) => a.pid - b.pid);
      assert.deepEqual(
        found.map((a) => a.pid),
        [ro.pid, rw.pid].sort((a, b) => a - b),
      );
      const byPid = new Map(found.map((a) => [a.pid, a]));
      const check = (a: Attachment | undefined, access: string, address: string) => {
        assert.ok(a);
        assert.equal(a.access, access);
        assert.equal('0x' + a.start, address);
        assert.equal(a.length, 4 * PAGE, 'page-rounded: 12345 bytes map 16 KiB');
        assert.equal(a.key, key);
      };
      check(byPid.get(ro.pid), 'ro', ro.address);
      check(byPid.get(rw.pid), 'rw', rw.address);
      assert.equal(byPid.get(ro.pid)?.perms, 'r--s');
      assert.equal(byPid.get(rw.pid)?.perms, 'rw-s');
      // Its speed is bench/'s "attacher discovery" row: printed here, never asserted (busy machines).
      console.log(`      discovery: ${scan.processes} processes, ${fs.readdirSync('/proc').length} /proc entries, ${ms.toFixed(1)} ms`);
      await ro.stop();
      await rw.stop();
    });

    it('keeps the original key after IPC_RMID, sees every attachment of one process, and attaches by id after removal', async function () {
      const key = freshKey();
      const id = createSegment(key, PAGE, 0o600);
      const first = await holdSegment(id, 'rw');
      assert.match(await first.command('attach ro'), /^ok 0x/);
      execFileSync('ipcrm', ['-m', String(id)]);
      const late = await holdSegment(id, 'ro'); // Linux still lets a removed segment be attached by id
      const segment = (await readSegmentTable(localTables())).segments.find((s) => s.shmid === id);
      assert.deepEqual([segment?.key, segment?.dest, segment?.nattch], [0, true, 3]);
      const found = (await reader.scan()).attachments.get(id) ?? [];
      assert.equal(found.length, 3, 'one line per attachment: as many as nattch');
      assert.ok(
        found.every((a) => a.key === key),
        'the name keeps the original key',
      );
      assert.deepEqual(
        found
          .filter((a) => a.pid === first.pid)
          .map((a) => a.access)
          .sort(),
        ['ro', 'rw'],
      );
      assert.equal(found.filter((a) => a.pid === late.pid).length, 1);
      await first.stop();
      await late.stop();
    });

    it('shows IPC_PRIVATE as key 0', async function () {
      const id = createSegment('private', PAGE, 0o600);
      const holder = await holdSegment(id, 'ro');
      assert.equal((await reader.scan()).attachments.get(id)?.[0]?.key, 0);
      await holder.stop();
    });

    it('ignores memfd mappings, which share device 00:01 with SysV segments', async function () {
      // A memfd named like a segment, mapped shared: "rw-s ... 00:01 INODE /memfd:SYSV7e000001 (deleted)".
      const script =
        'import os, mmap, sys\nfd = os.memfd_create("SYSV7e000001")\nos.ftruncate(fd, 4096)\n' +
        'm = mmap.mmap(fd, 4096, mmap.MAP_SHARED)\nprint("ready", flush=True)\nsys.stdin.read()\n';
      let memfd;
      try {
        memfd = await spawnReady('python3', ['-c', script]);
      } catch {
        this.skip(); // no python3 with os.memfd_create: nothing else here makes a memfd
      }
      const line = fs
        .readFileSync(`/proc/${memfd.pid}/maps`, 'latin1')
        .split('\n')
        .find((l) => l.includes('/memfd:SYSV7e000001'));
      assert.match(line ?? '', / rw-s [0-9a-f]+ 00:01 \d+ +\/memfd:SYSV7e000001 \(deleted\)$/);
      const scan = await reader.scan();
      for (const list of scan.attachments.values()) assert.ok(list.every((a) => a.pid !== memfd.pid));
      await killSpawned();
    });

    it('does not match a process of another IPC namespace, whose shmids are its own', async function () {
      if (!isRoot) this.skip(); // unshare --ipc needs CAP_SYS_ADMIN
      // The first segment of a fresh namespace gets shmid 0 there: a number that may well exist here.
      const other = await spawnReady('unshare', ['--ipc', requireShmtool(), 'own', '0x11111111', String(PAGE), '600']);
      const [, otherId] = other.firstLine.split(' ');
      assert.notEqual(fs.readlinkSync(`/proc/${other.pid}/ns/ipc`), fs.readlinkSync('/proc/self/ns/ipc'));
      assert.match(fs.readFileSync(`/proc/${other.pid}/maps`, 'latin1'), /\/SYSV11111111/);
      const scan = await reader.scan();
      assert.ok(scan.otherNamespace >= 1);
      for (const list of scan.attachments.values()) {
        assert.ok(
          list.every((a) => a.pid !== other.pid),
          `pid ${other.pid} (shmid ${otherId} of its own namespace) must not be matched`,
        );
      }
      // And /proc/sysvipc shows the reader's namespace, not the /proc mount's: empty in a new one.
      const inside = runNodeScript(`console.log(JSON.stringify((await ipc('sysvShm/read').readSegmentTable(ipc('tables').localTables())).segments.length));`, [
        'unshare',
        '--ipc',
      ]);
      assert.equal(inside, 0);
      await killSpawned();
    });

    it("as nobody: counts root's attached processes as unreadable and still lists root's 0600 segment", async function () {
      if (!isRoot) this.skip(); // switching to nobody needs root
      const id = createSegment(freshKey(), PAGE, 0o600);
      const shared = createSegment(freshKey(), PAGE, 0o666);
      const rootHolder = await holdSegment(id, 'rw');
      const rootOnShared = await holdSegment(shared, 'ro');
      // A process of nobody's own, attached to the shared segment: the one attachment nobody can see.
      const own = await spawnReady('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', requireShmtool(), 'hold', String(shared), 'ro']);
      trackSegment(shared);
      const result = runNodeScript(
        `
      ${reader.script()}
      const scan = await ipc('procScan').scanProcesses(readerOptions);
      endReader();
      const { segments: items } = await ipc('sysvShm/read').readSegmentTable(ipc('tables').localTables());
      const pick = (shmid) => (scan.attachments.get(shmid) || []).map((a) => a.pid);
      console.log(JSON.stringify({
        uid: process.getuid(), readBy: scan.readBy,
        unreadablePids: scan.unreadablePids, unreadable: scan.unreadable, scanned: scan.scanned,
        rootSegment: items.find((s) => s.shmid === ${id}) || null,
        attachedToRootSegment: pick(${id}), attachedToShared: pick(${shared}),
        nattchShared: (items.find((s) => s.shmid === ${shared}) || {}).nattch,
      }));`,
        ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'],
      ) as {
        uid: number;
        readBy: string;
        unreadablePids: number[];
        unreadable: number;
        scanned: number;
        rootSegment: { mode: number; uid: number; nattch: number } | null;
        attachedToRootSegment: number[];
        attachedToShared: number[];
        nattchShared: number;
      };
      assert.equal(result.uid, 65534);
      assert.equal(result.readBy, reader.readBy);
      assert.ok(result.unreadablePids.includes(rootHolder.pid), "root's holder is counted, not silently dropped");
      assert.ok(result.unreadablePids.includes(rootOnShared.pid));
      assert.ok(result.unreadable >= 2);
      assert.ok(result.scanned >= 1);
      assert.deepEqual(result.rootSegment && [result.rootSegment.mode, result.rootSegment.uid, result.rootSegment.nattch], [0o600, 0, 1]);
      assert.deepEqual(result.attachedToRootSegment, []);
      // "2 attached, 1 visible"
      assert.deepEqual(result.attachedToShared, [own.pid]);
      assert.equal(result.nattchShared, 2);
      await rootHolder.stop();
      await rootOnShared.stop();
      await killSpawned();
    });
  });
}
