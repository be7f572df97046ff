// A root helper against what an unprivileged user can mount in its own user and mount namespace
// (`unshare -Urm` needs no privilege): a directory on disk bind-mounted over its /dev/shm, a file
// bind-mounted over one name of a /dev/shm of its own. Through /proc/PID/root/dev/shm the helper
// reaches them; it must act only on shared memory (tmpfs, hugetlbfs), told by the descriptor's
// mount, and leave the disk exactly as it was. The extension's own listing of such a /dev/shm
// (src/ipc/posixShm/parse.ts) must offer nothing from it either.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { orphansOf } from '../../../src/ipc/orphans';
import { listPosixObjects } from '../../../src/ipc/family/devShm';
import { SnapshotSource } from '../../../src/ipc/snapshot';
import { isRoot, NOBODY, rejectsWith, TestHelper } from '../../support/helper';
import { identityOf } from '../../support/posixObjects';
import { waitFor } from '../../support/waitFor';

/** A directory on a file system that is not tmpfs, which nobody may enter: /var/tmp (sticky, on disk). */
function victimParent(): string | undefined {
  const found = spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', '/var/tmp'], { encoding: 'utf8' }).stdout.trim();
  return found !== '' && found !== 'tmpfs' && found !== 'hugetlbfs' ? '/var/tmp' : undefined;
}

interface Hostile {
  pid: number;
  stop(): Promise<void>;
}

/** `nobody` in a user and mount namespace of its own that ran `script` as that namespace's root, then sleeps. */
async function hostileNamespace(script: string): Promise<Hostile> {
  const child: ChildProcessWithoutNullStreams = spawn(NOBODY[0], [
    ...NOBODY.slice(1),
    'unshare',
    '-Urm',
    'sh',
    '-c',
    `${script} && echo ready && exec sleep 1000000`,
  ]);
  let said = '';
  child.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
  await waitFor(() => said.includes('ready') || child.exitCode !== null, 10_000, 'the namespace to be made');
  if (!said.includes('ready')) throw new Error(`the hostile namespace could not be made: ${said}`);
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}

describe('a root helper against mounts an unprivileged user made in its own namespace', function () {
  let dir: string;
  let victim: string;
  let hostile: Hostile | undefined;
  const helpers: TestHelper[] = [];

  before(function () {
    if (!isRoot) this.skip(); // root's helper is the point, and switching to nobody needs root
    if (spawnSync(NOBODY[0], [...NOBODY.slice(1), 'unshare', '-Urm', 'true']).status !== 0) this.skip(); // no user namespaces for nobody here
    const parent = victimParent();
    if (!parent) this.skip(); // /var/tmp is tmpfs here: no disk directory nobody may reach
  });

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(victimParent()!, 'ipcinsp-victim-'));
    fs.chmodSync(dir, 0o755); // root's, readable by all, writable by root only
    victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'a root-owned file on disk\n', { mode: 0o644 });
  });

  afterEach(async function () {
    await hostile?.stop();
    hostile = undefined;
    const reports = helpers.flatMap((h) => h.sanitizerReports());
    for (const h of helpers.splice(0)) h.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  function client(): TestHelper['client'] {
    const h = new TestHelper();
    helpers.push(h);
    return h.client;
  }

  /** What a check of the disk compares: the victim's bytes, mode, owner, and the directory's names. */
  const snapshot = () => ({
    names: fs.readdirSync(dir).sort(),
    bytes: fs.readFileSync(victim, 'utf8'),
    mode: fs.statSync(victim).mode,
    uid: fs.statSync(victim).uid,
  });

  it('refuses FILE_SET, FILE_UNLINK and FILE_CREATE in a disk directory bind-mounted over /dev/shm, and the disk is unchanged', async function () {
    hostile = await hostileNamespace(`mount --bind ${dir} /dev/shm`);
    const there = `/proc/${hostile.pid}/root/dev/shm`;
    assert.ok(fs.readdirSync(there).includes('victim'), 'the helper reaches the disk directory through the namespace');
    const before = snapshot();
    const id = identityOf(victim);
    const helper = client();
    const refused = /its directory \/proc\/\d+\/root\/dev\/shm is not on tmpfs or hugetlbfs \(it is on \w+\)/;
    await rejectsWith(helper.fileSet(`${there}/victim`, id, { uid: 65534, gid: 65534, mode: 0o666 }), 'EINVAL', refused);
    await rejectsWith(helper.fileUnlink(`${there}/victim`, id), 'EINVAL', refused);
    await rejectsWith(helper.fileCreate(`${there}/planted`, 4096, 0o666, false), 'EINVAL', refused);
    await rejectsWith(helper.fileCreate(`${there}/victim`, 4096, 0o666, false), 'EINVAL', refused);
    await rejectsWith(helper.fileStat(`${there}/victim`), 'EINVAL', refused);
    await rejectsWith(helper.fileRead(`${there}/victim`, id, 0, 8), 'EINVAL', refused);
    assert.deepEqual(snapshot(), before, 'nothing on the disk changed: no owner, mode, name or byte');
  });

  it('refuses a disk file bind-mounted over a name of a tmpfs /dev/shm: a mount point is not an object of it', async function () {
    hostile = await hostileNamespace(`mount -t tmpfs ipcinsp-hostile /dev/shm && touch /dev/shm/x /dev/shm/y && mount --bind ${victim} /dev/shm/x`);
    const there = `/proc/${hostile.pid}/root/dev/shm`;
    const before = snapshot();
    const id = identityOf(victim);
    const helper = client();
    const refused = /is a mount point \(another file system is mounted on the name\)/;
    await rejectsWith(helper.fileSet(`${there}/x`, id, { uid: 65534, mode: 0o666 }), 'EXDEV', refused);
    await rejectsWith(helper.fileUnlink(`${there}/x`, id), 'EXDEV', refused);
    await rejectsWith(helper.fileStat(`${there}/x`), 'EXDEV', refused);
    await rejectsWith(helper.fileRead(`${there}/x`, id, 0, 8), 'EXDEV', refused);
    assert.deepEqual(snapshot(), before, 'nothing on the disk changed');
    // The tmpfs itself is shared memory (theirs): its objects are served as in any container, and
    // listed, but for the mount point.
    assert.equal((await helper.fileStat(`${there}/y`)).mode & 0o170000, 0o100000);
    assert.deepEqual(
      (await listPosixObjects(there)).objects.map((o) => o.name),
      ['/y'],
    );
  });

  it('offers nothing of such a /dev/shm to the views or to Clean Up: its listing says what file system it is', async function () {
    hostile = await hostileNamespace(`mount --bind ${dir} /dev/shm`);
    const there = `/proc/${hostile.pid}/root/dev/shm`;
    const listing = await listPosixObjects(there);
    assert.equal(listing.available, false);
    assert.deepEqual(listing.objects, []);
    assert.match(listing.error ?? '', /is on \w+, not tmpfs or hugetlbfs/);
    // An old file nobody holds would be an orphan there, offered to Clean Up, were it listed.
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(victim, old, old);
    const { snapshot } = await new SnapshotSource({ shmDir: there, orphanGraceSeconds: 0 }).refresh();
    assert.equal(snapshot.posix.available, false);
    assert.deepEqual(
      orphansOf(snapshot).filter((o) => o.kind === 'posixShm' || o.kind === 'posixSem'),
      [],
    );
  });
});
