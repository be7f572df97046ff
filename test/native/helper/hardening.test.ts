// Hardening of the helper, each against the real kernel with the ASan build unless said otherwise:
// owners not mapped into the user namespace (no write-back of the overflow id), a segment page
// that cannot be read (EFAULT, not a dead helper), refusing to run set-user-id, the create message
// for a segment the caller may not look at, the read cache noticing a change within the second
// (shm_ctime has a resolution of one second), every descriptor closed before the reply (seen by
// gdb stopping the helper at the reply's writev), and MSG_PEEK's copy buffer sized by what is
// queued, not by a msgmax a user raised in its own namespace.
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeRequest, FrameDecoder, Op, packArgs } from '../../../src/ipc/helperProtocol';
import { createObject, freshName, identityOf, shmPath } from '../../support/posixObjects';
import { helperBinary, isRoot, NOBODY, rejectsWith, TestHelper } from '../../support/helper';
import { createSegment, freshKey, holdSegment, procLine, shmtoolPath, trackSegment } from '../../support/segments';
import { cleanupSemMsg, ipcmkSem, ipctool, ipctoolPath } from '../../support/semMsg';
import { waitFor } from '../../support/waitFor';

/** A line of /proc/sysvipc/{shm,sem,msg} as the machine's root (init user namespace) sees it in namespace PID's IPC namespace. */
function procFromOutside(pid: number, kind: 'shm' | 'sem' | 'msg', id: number): string[] {
  const text = execFileSync('nsenter', ['--target', String(pid), '--ipc', 'cat', `/proc/sysvipc/${kind}`], { encoding: 'utf8' });
  const cols = text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .find((c) => Number(c[1]) === id);
  assert.ok(cols, `${kind} ${id} is listed`);
  return cols;
}

describe('ipc-helper hardening', function () {
  const helpers: TestHelper[] = [];
  function start(options: ConstructorParameters<typeof TestHelper>[0] = {}): TestHelper['client'] {
    const h = new TestHelper(options);
    helpers.push(h);
    return h.client;
  }

  afterEach(async function () {
    const all = helpers.splice(0);
    const reports = all.flatMap((h) => h.sanitizerReports());
    for (const h of all) h.dispose();
    await cleanupSemMsg();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  describe('owners not mapped into the user namespace', function () {
    before(function () {
      if (!isRoot) this.skip(); // unshare --ipc and the owner changes need root
      if (spawnSync('unshare', ['--user', '--map-root-user', 'true']).status !== 0) this.skip(); // no user namespaces here
    });

    it('refuses a mode-only change with EOVERFLOW instead of writing back the overflow id, for segments, sets and queues', async function () {
      // In a fresh IPC namespace root makes a segment owned by uid 1000, a set with group 1000 and
      // a queue owned by 1000:1000; the helper then runs in a user namespace where only root is
      // mapped (0 -> 0): it is still their creator, but sees 1000 as the overflow id 65534.
      const script = [
        `shm=$("${shmtoolPath}" create private 4096 600)`,
        `sem=$(ipcmk -S 1 -p 0600 | sed 's/.*: //')`,
        `msg=$("${ipctoolPath}" msgcreate private 600)`,
        `"${ipctoolPath}" chown shm "$shm" 1000 0`,
        `"${ipctoolPath}" chown sem "$sem" 0 1000`,
        `"${ipctoolPath}" chown msg "$msg" 1000 1000`,
        'echo "ids $shm $sem $msg" >&2',
        'exec unshare --user --map-root-user "$@"',
      ].join(' && ');
      const h = new TestHelper({ wrap: ['unshare', '--ipc', 'sh', '-c', script, 'unmapped'] });
      helpers.push(h);
      const client = h.client;
      await client.hello();
      const line = await waitFor(() => h.log.find((l) => l.startsWith('[helper] ids ')), 5000, 'the ids');
      const [shm, sem, msg] = line.split(' ').slice(2).map(Number);
      h.log.splice(h.log.indexOf(line), 1);
      const pid = client.pid!;
      assert.equal(fs.readFileSync(`/proc/${pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 0 1', 'only root is mapped');

      const seen = await client.shmStat(shm);
      assert.deepEqual([seen.uid, seen.gid, seen.cuid], [65534, 0, 0], 'the owner shows as the overflow id');
      await rejectsWith(
        client.shmSet(shm, { mode: 0o640 }),
        'EOVERFLOW',
        /segment \d+: its owner shows as uid 65534, the overflow id.*the owner is not mapped into this user namespace; writing it back would give the object away/,
      );
      await rejectsWith(client.semSet(sem, { mode: 0o640 }), 'EOVERFLOW', /semaphore set \d+: its group shows as gid 65534.*the group is not mapped/);
      await rejectsWith(
        client.msgSet(msg, { mode: 0o640, qbytes: 8192 }),
        'EOVERFLOW',
        /message queue \d+: its owner shows as uid 65534.*would give the object away/,
      );
      // Nothing was changed, as the machine's root sees it from outside.
      assert.deepEqual([procFromOutside(pid, 'shm', shm)[2], procFromOutside(pid, 'shm', shm)[7]], ['600', '1000']);
      assert.deepEqual([procFromOutside(pid, 'sem', sem)[2], procFromOutside(pid, 'sem', sem)[5]], ['600', '1000']);
      assert.deepEqual([procFromOutside(pid, 'msg', msg)[2], procFromOutside(pid, 'msg', msg)[7]], ['600', '1000']);
      // Given explicitly, owner and group are the caller's choice, and the change goes through.
      const changed = await client.shmSet(shm, { uid: 0, gid: 0, mode: 0o640 });
      assert.deepEqual([changed.uid, changed.mode & 0o777], [0, 0o640]);
      assert.deepEqual([procFromOutside(pid, 'shm', shm)[2], procFromOutside(pid, 'shm', shm)[7]], ['640', '0']);
      assert.equal((await client.semSet(sem, { gid: 0, mode: 0o640 })).mode & 0o777, 0o640);
    });

    it('changes a mode-only in the initial user namespace also when the owner is really uid 65534 (nobody)', async function () {
      const client = start();
      const id = createSegment('private', 4096, 0o600);
      await client.shmSet(id, { uid: 65534, gid: 65534 });
      const after = await client.shmSet(id, { mode: 0o640 });
      assert.deepEqual([after.uid, after.gid, after.mode & 0o777], [65534, 65534, 0o640]);
      assert.equal(procLine(id)![2], '640');
    });
  });

  describe('a segment page that cannot be read', function () {
    it('answers EFAULT in words for a huge-page segment without huge pages, and lives on', async function () {
      const free = Number(/HugePages_Free:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
      if (free > 0) this.skip(); // with free huge pages the first touch succeeds: nothing to show here
      const made = spawnSync(ipctoolPath, ['shmhuge', String(2 * 1024 * 1024)], { encoding: 'utf8' });
      if (made.status !== 0) this.skip(); // the kernel refuses SHM_HUGETLB | SHM_NORESERVE here
      const id = trackSegment(Number(made.stdout.trim()));
      const client = start();
      await client.hello();
      const pid = client.pid;
      const why = new RegExp(`part of segment ${id} could not be read \\(no memory behind it: a huge-page segment without huge pages\\?\\)`);
      await rejectsWith(client.shmRead(id, 0, 16), 'EFAULT', why);
      await rejectsWith(client.shmRead(id, 4096 * 3 + 5, 100_000), 'EFAULT', why);
      await rejectsWith(client.shmReadRange(id, 0, 2 * 1024 * 1024), 'EFAULT', why);
      assert.equal(client.pid, pid, 'the same helper answered every request: it did not die');
      assert.equal((await client.shmStat(id)).size, 2 * 1024 * 1024);
      const other = createSegment('private', 100);
      assert.equal((await client.shmRead(other, 0, 100)).length, 100, 'and goes on reading other segments');
    });
  });

  describe('set-user-id', function () {
    let dir: string;
    before(function () {
      if (!isRoot) this.skip(); // making a root set-user-id binary needs root
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-setuid-'));
      fs.chmodSync(dir, 0o755);
    });
    after(function () {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const hello = encodeRequest(1, Op.Hello, packArgs(['u32', 3]));
    for (const [build, file] of [
      ['release', 'ipc-helper'],
      ['asan', 'ipc-helper-asan'],
    ] as const) {
      it(`refuses to run set-user-id or set-group-id root as nobody: exit 2 before reading a request (${build} build)`, function () {
        const copy = path.join(dir, file);
        fs.copyFileSync(helperBinary(build), copy);
        fs.chmodSync(copy, 0o755);
        const plain = spawnSync(NOBODY[0], [...NOBODY.slice(1), copy], { input: hello });
        assert.equal(plain.status, 0, `without set-id bits it works as nobody: ${plain.stderr}`);
        assert.equal(new FrameDecoder().push(plain.stdout)[0].payload.readUInt32LE(8), 65534, 'and runs as nobody');
        for (const mode of [0o4755, 0o2755]) {
          fs.chmodSync(copy, mode);
          assert.equal(fs.statSync(copy).mode & 0o7777, mode);
          const run = spawnSync(NOBODY[0], [...NOBODY.slice(1), copy], { input: hello });
          assert.equal(run.status, 2, `mode ${mode.toString(8)}: exit status 2, got ${run.status}: ${run.stderr}`);
          assert.equal(run.stdout.length, 0, 'not a byte of reply');
          assert.match(run.stderr.toString(), /ipc-helper: refusing to run set-user-id or set-group-id \(AT_SECURE 1; real uid 65534, effective uid (0|65534)/);
        }
      });
    }
  });

  describe('create on a key whose segment this user may not read', function () {
    before(function () {
      if (!isRoot) this.skip(); // switching to nobody needs root
    });

    it('says the segment exists and may not be read, not that the size is outside the limits', async function () {
      const key = freshKey();
      const id = createSegment(key, 4096, 0o600);
      const nobody = start({ asNobody: true });
      const error = await rejectsWith(
        nobody.shmCreate(key, 8192, 0o600, false),
        'EINVAL',
        new RegExp(`a segment with key 0x${key.toString(16).padStart(8, '0')} exists \\(id ${id}\\) and this user may not read its size`),
      );
      assert.match(error.message, /lists it as 4096 bytes, smaller than asked for/);
      assert.doesNotMatch(error.message, /outside the allowed/);
      // The same for a semaphore set: its size is listed for everyone, and said.
      const semid = ipcmkSem(2, 0o600);
      const semStat = await start().semStat(semid);
      await rejectsWith(
        nobody.semCreate(semStat.key, 5, 0o600, false),
        'EINVAL',
        /already exists and has only 2 semaphores, fewer than the 5 asked for \(this user may not read the set/,
      );
      ipctool(['semop', String(semid), '0', '1']); // unrelated to the error: the set is usable as ever
    });
  });

  describe('the read cache', function () {
    it('re-attaches after a mode change within the same second (shm_ctime unchanged): lpid is the helper again', async function () {
      const client = start();
      await client.hello();
      for (let attempt = 0; ; attempt++) {
        assert.ok(attempt < 20, 'the change never fell within the second of the attach');
        const id = createSegment('private', 4096, 0o644);
        await client.shmRead(id, 0, 16); // attached and cached
        const attached = await client.shmStat(id);
        assert.deepEqual([attached.cachedByHelper, attached.lpid], [1, client.pid]);
        const other = await holdSegment(id, 'ro');
        await other.stop(); // its shmat and shmdt make it the last one: lpid
        assert.equal((await client.shmStat(id)).lpid, other.pid);
        await client.shmSet(id, { mode: 0o640 });
        if ((await client.shmStat(id)).ctime !== attached.ctime) continue; // crossed a second: try again
        await client.shmRead(id, 0, 16);
        const after = await client.shmStat(id);
        assert.equal(after.lpid, client.pid, 'a new attachment was made (a cached one would leave lpid at the other process)');
        assert.equal(after.cachedByHelper, 1);
        return;
      }
    });
  });

  describe('descriptors closed before the reply', function () {
    before(function () {
      if (!isRoot) this.skip(); // gdb attaches to the helper
      if (spawnSync('gdb', ['--version']).status !== 0) this.skip(); // no gdb here
    });

    /**
     * Runs `call` while gdb holds the helper at the system call that writes the reply: the
     * descriptors /proc/PID/fd lists then (beyond those it started with) are what the helper still
     * has open when the client reads.
     */
    async function descriptorsAtReply(client: TestHelper['client'], call: () => Promise<unknown>): Promise<string[]> {
      await client.hello();
      const pid = client.pid!;
      const before = new Set(fs.readdirSync(`/proc/${pid}/fd`)); // what it inherited (a test runner's pipes)
      const out = path.join(os.tmpdir(), `ipcinsp-fds-${pid}-${Date.now()}`);
      const gdb = spawn('gdb', [
        '-q',
        '-nx',
        '-batch',
        '-p',
        String(pid),
        '-ex',
        'catch syscall writev',
        '-ex',
        'continue',
        '-ex',
        `shell ls -l /proc/${pid}/fd > ${out}`,
        '-ex',
        'detach',
      ]);
      let said = '';
      gdb.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
      gdb.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
      await waitFor(() => /Catchpoint 1/.test(said) || gdb.exitCode !== null, 20_000, 'gdb to attach');
      const settled = call().then(
        () => undefined,
        (error: Error) => error,
      );
      await new Promise((resolve) => gdb.once('exit', resolve));
      const error = await settled;
      if (error) throw error;
      const listing = fs.readFileSync(out, 'utf8');
      fs.rmSync(out, { force: true });
      return listing
        .split('\n')
        .map((line) => / (\d+) -> (.*)$/.exec(line))
        .filter((m) => m !== null)
        .filter((m) => !before.has(m[1]))
        .map((m) => `${m[1]} -> ${m[2]}`);
    }

    it('FILE_UNLINK, FILE_READ, FILE_CREATE and FILE_STAT have closed every descriptor when their reply is written', async function () {
      const client = start({ build: 'release' });
      const name = freshName();
      createObject(name, 8192);
      const id = identityOf(shmPath(name));
      assert.deepEqual(await descriptorsAtReply(client, () => client.fileRead(shmPath(name), id, 0, 4096)), [], 'FILE_READ');
      assert.deepEqual(await descriptorsAtReply(client, () => client.fileStat(shmPath(name))), [], 'FILE_STAT');
      assert.deepEqual(await descriptorsAtReply(client, () => client.fileUnlink(shmPath(name), id)), [], 'FILE_UNLINK: nothing keeps the object alive');
      assert.equal(fs.existsSync(shmPath(name)), false);
      const made = freshName();
      assert.deepEqual(await descriptorsAtReply(client, () => client.fileCreate(shmPath(made), 4096, 0o600, true)), [], 'FILE_CREATE');
      fs.rmSync(shmPath(made), { force: true });
    });
  });

  describe('MSG_PEEK in a namespace whose msgmax and msgmnb a user raised to 256 MiB', function () {
    before(function () {
      if (!isRoot) this.skip(); // unshare --ipc and its sysctls need root
    });

    it('copies a message of a few bytes with a buffer of a few bytes: its virtual memory does not grow by 256 MiB', async function () {
      // A queue's capacity is msgmnb when it is made; one short message in it.
      const script = [
        'echo 268435456 > /proc/sys/kernel/msgmax',
        'echo 268435456 > /proc/sys/kernel/msgmnb',
        `id=$("${ipctoolPath}" msgcreate private 600 7:peek-me)`,
        'echo "queue $id" >&2',
        'exec "$@"',
      ].join(' && ');
      const h = new TestHelper({ build: 'release', wrap: ['unshare', '--ipc', 'sh', '-c', script, 'raised'] });
      helpers.push(h);
      await h.client.hello();
      const line = await waitFor(() => h.log.find((l) => l.startsWith('[helper] queue ')), 5000, 'the queue');
      h.log.splice(h.log.indexOf(line), 1);
      const msqid = Number(line.split(' ')[2]);
      assert.equal((await h.client.msgStat(msqid)).qbytes, 268435456);
      const vmPeak = () => Number(/VmPeak:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${h.client.pid}/status`, 'utf8'))![1]);
      const before = vmPeak();
      const peek = await h.client.msgPeek(msqid, 0, 10, 64);
      assert.deepEqual(
        peek.messages.map((m) => [m.mtype, m.preview.toString()]),
        [[7n, 'peek-me']],
      );
      assert.equal((await h.client.msgRead(msqid, 0)).text.toString(), 'peek-me');
      const grown = vmPeak() - before;
      assert.ok(grown < 16 * 1024, `the helper's address space grew by ${grown} KiB for a 7-byte message`);
    });
  });
});
