// A helper in another IPC namespace, against the real kernel (ASan build): NS_ENTER into the
// namespace of a process started with `unshare --ipc` (a container without an engine), where it
// sees that namespace's segment and not ours, TABLE giving that namespace's /proc/sysvipc and
// limits (which show the reader's namespace), and the refusals in words: a pid reused since the
// listing (ESTALE), a process gone (ESRCH), nobody without CAP_SYS_ADMIN (EPERM), NS_ENTER after
// other work (EBUSY), TABLE of a file that is not an IPC table (EINVAL).
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import { HelperError } from '../../../src/ipc/helperClient';
import { args, encodeRequest, FrameDecoder, Op, type Reply } from '../../../src/ipc/helperProtocol';
import { parseShm } from '../../../src/ipc/family/sysvTables';
import { helperBinary, isRoot, rejectsWith, TestHelper } from '../../support/helper';
import { shmtoolPath } from '../../support/segments';
import { killSpawned, spawnReady } from '../../support/spawned';

const inodeOf = (pid: number) => fs.statSync(`/proc/${pid}/ns/ipc`).ino;

describe('ipc-helper in another IPC namespace', function () {
  const helpers: TestHelper[] = [];
  let inside: { pid: number; shmid: number };

  function start(options: ConstructorParameters<typeof TestHelper>[0]): TestHelper['client'] {
    const h = new TestHelper(options);
    helpers.push(h);
    return h.client;
  }

  before(async function () {
    if (!isRoot || spawnSync('unshare', ['--ipc', 'true']).status !== 0) this.skip(); // unshare --ipc needs root
    // A "container": its own IPC namespace, holding a segment of its own (gone with the namespace).
    const ready = await spawnReady('unshare', ['--ipc', shmtoolPath, 'own', 'private', '12345', '600']);
    inside = { pid: ready.pid, shmid: Number(ready.firstLine.split(' ')[1]) };
    assert.notEqual(inodeOf(inside.pid), inodeOf(process.pid), 'the premise: another namespace');
  });

  afterEach(function () {
    const all = helpers.splice(0);
    const reports = all.flatMap((h) => h.sanitizerReports());
    for (const h of all) h.dispose();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  after(async () => {
    await killSpawned();
  });

  it('enters the namespace and sees its segment, its /proc/sysvipc and its limits, not ours', async function () {
    const client = start({ namespace: { pid: inside.pid, inode: inodeOf(inside.pid) } });
    const stat = await client.shmStat(inside.shmid);
    assert.equal(stat.size, 12345);
    assert.equal(stat.nattch, 1);
    const table = parseShm(await client.table('/proc/sysvipc/shm'));
    assert.deepEqual(
      table.items.map((s) => [s.shmid, s.size, s.cpid]),
      [[inside.shmid, 12345, inside.pid]],
      "exactly the namespace's one segment",
    );
    const ours = parseShm(fs.readFileSync('/proc/sysvipc/shm'));
    assert.ok(!ours.items.some((s) => s.cpid === inside.pid), 'our namespace does not have it');
    assert.equal((await client.shmLimits()).usedIds, 1n, "SHM_INFO counts the namespace's segment");
    assert.match((await client.table('/proc/sys/kernel/shmmni')).toString('latin1'), /^\d+\n$/);
  });

  it('refuses a pid whose namespace is not the one listed (a reused pid): ESTALE, and enters nothing', async function () {
    const client = start({ namespace: { pid: inside.pid, inode: inodeOf(process.pid) } });
    await rejectsWith(
      client.shmStat(inside.shmid),
      'ESTALE',
      new RegExp(`process ${inside.pid} is not in IPC namespace ipc:\\[${inodeOf(process.pid)}\\].*pid was probably reused`),
    );
  });

  it('says a process that has exited cannot be entered through (ESRCH)', async function () {
    const gone = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    const client = start({ namespace: { pid: Number(gone), inode: 1 } });
    await rejectsWith(client.shmLimits(), 'ESRCH', /has exited/);
  });

  it('as nobody: EPERM, saying CAP_SYS_ADMIN is needed', async function () {
    const client = start({ asNobody: true, namespace: { pid: inside.pid, inode: inodeOf(inside.pid) } });
    // nobody may not even open root's /proc/PID/ns/ipc (ptrace rules): either refusal says who may.
    await assert.rejects(client.shmStat(inside.shmid), (error: unknown) => {
      assert.ok(error instanceof HelperError);
      assert.ok(['EPERM', 'EACCES'].includes(error.code), error.code);
      assert.match(error.message, /CAP_SYS_ADMIN/);
      return true;
    });
  });

  it('accepts NS_ENTER only before other work (EBUSY after), and TABLE only of IPC tables (EINVAL)', async function () {
    const helper = spawn(helperBinary('asan'), [], { stdio: 'pipe' });
    const replies: Reply[] = [];
    const decoder = new FrameDecoder();
    helper.stdout.on('data', (chunk: Buffer) => replies.push(...decoder.push(chunk)));
    const exited = new Promise((resolve) => helper.once('exit', resolve));
    helper.stdin.write(encodeRequest(1, Op.Hello, args.hello()));
    helper.stdin.write(encodeRequest(2, Op.Table, args.table('/etc/shadow')));
    helper.stdin.write(encodeRequest(3, Op.NsEnter, args.nsEnter(inside.pid, inodeOf(inside.pid))));
    helper.stdin.end();
    await exited;
    assert.deepEqual(
      replies.map((r) => [r.id, r.status]),
      [
        [1, 0],
        [2, 22],
        [3, 16],
      ],
      'ok, EINVAL, EBUSY',
    );
    assert.match(replies[1].payload.toString('utf8'), /TABLE reads only \/proc\/sysvipc/);
    assert.match(replies[2].payload.toString('utf8'), /must come before any other operation/);
  });
});
