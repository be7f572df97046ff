// PostgreSQL, a producer no one here wrote, keeps its main shared memory (the buffer pool, the lock
// table, its processes' semaphores) in anonymous shared memory that the postmaster maps and its
// children (checkpointer, background writer, WAL writer, every backend) inherit over fork: the
// object the Shared Memory view's anonymous group is for. A throw-away cluster is made with
// Debian's initdb and run as nobody (PostgreSQL refuses root) on a Unix socket in a temporary
// folder, no TCP port; it is stopped and its folder removed after the test, pass or fail.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PosixObjectSource } from '../../../../src/ipc/posixShm/source';
import { executableName } from '../../../../src/ipc/processes';
import { ObjectSampler } from '../../../../src/ipc/recording/sampler';
import { SnapshotSource } from '../../../../src/ipc/snapshot';
import { isRoot, NOBODY, TestHelper } from '../../../support/helper';
import { procReaders } from '../../../support/procReaders';
import { waitFor, within } from '../../../support/waitFor';

/** Debian's PostgreSQL server programs, newest version first. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(root, v, 'bin')).find((bin) => fs.existsSync(path.join(bin, 'postgres')));
}

const SHARED_BUFFERS_MIB = 16;

describe("PostgreSQL's main shared memory, anonymous and shared over fork, on the real kernel", function () {
  this.timeout(90_000);
  let dir = '';
  let bin = '';
  let server: ChildProcess | undefined;

  before(async function () {
    bin = postgresBin() ?? '';
    if (!isRoot) this.skip(); // the cluster runs as nobody, which needs root to switch to
    if (!bin) throw new Error('PostgreSQL is missing: apt-get install postgresql-15 (scripts/system-packages.js installs it as root)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-pg-'));
    fs.chownSync(dir, 65534, 65534);
    const data = path.join(dir, 'data');
    const init = spawnSync(NOBODY[0], [...NOBODY.slice(1), path.join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(init.status, 0, `initdb failed: ${init.stderr}`);
    const settings = ['listen_addresses=', `unix_socket_directories=${dir}`, `shared_buffers=${SHARED_BUFFERS_MIB}MB`, 'huge_pages=off', 'fsync=off'];
    server = spawn(NOBODY[0], [...NOBODY.slice(1), path.join(bin, 'postgres'), '-D', data, ...settings.flatMap((s) => ['-c', s])], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    server.stderr!.on('data', (d) => (log += d));
    await waitFor(() => /ready to accept connections/.test(log) || server!.exitCode !== null, 60_000, 'PostgreSQL to start');
    assert.equal(server.exitCode, null, `PostgreSQL did not start: ${log}`);
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown: its children and its /dev/shm objects go with it
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const scanner of procReaders()) {
    it(`lists it in the anonymous group, held by the postmaster and each of its children (${scanner.title})`, async function () {
      const postmaster = server!.pid!;
      const children = () => fs.readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      // The setpriv wrapper execs postgres: its pid is the postmaster's. Its helpers start a moment after it is ready.
      await waitFor(() => children().length >= 3, 20_000, "PostgreSQL's checkpointer, background writer and WAL writer");
      const snapshot = await scanner.snapshot(new SnapshotSource());
      scanner.dispose();
      const main = snapshot.posix.anonymous.find((o) => o.holders.some((h) => h.pid === postmaster));
      assert.ok(main, `the postmaster's anonymous shared memory is listed among ${snapshot.posix.anonymous.length}`);
      const pids = new Set(main.holders.map((h) => h.pid));
      for (const child of children()) assert.ok(pids.has(child), `child ${child} maps it too (holders: ${[...pids].join(', ')})`);
      assert.deepEqual([...new Set(main.holders.map((h) => executableName(h.command ?? '')))], ['postgres']);
      const mapped = main.holders.flatMap((h) => (h.pid === postmaster && h.via === 'map' ? [h.length] : []));
      assert.ok(
        mapped.length === 1 && mapped[0] > SHARED_BUFFERS_MIB * 1024 * 1024,
        `the buffer pool fits in the postmaster's one mapping: ${mapped.join(', ')} bytes`,
      );
      assert.equal(main.state, 'removed-held');
      assert.match(main.reason, /^no name: lives while mapped by \d+ processes$/);
    });
  }

  it('is recorded while pgbench runs queries (what they change is in samples taken meanwhile), and the recording ends when the server stops', async function () {
    const postmaster = server!.pid!;
    const pgbenchArgs = (args: string[]) => [...NOBODY.slice(1), path.join(bin, 'pgbench'), '-h', dir, '-U', 'postgres', ...args, 'postgres'];
    const init = spawnSync(NOBODY[0], pgbenchArgs(['-i', '-q']), { encoding: 'utf8', timeout: 60_000 });
    assert.equal(init.status, 0, `pgbench -i failed: ${init.stderr}`);
    const snapshots = new SnapshotSource();
    const main = (await snapshots.refresh({ force: true })).snapshot.posix.anonymous.find((o) => o.holders.some((h) => h.pid === postmaster));
    assert.ok(main, "the postmaster's anonymous shared memory is listed");
    const helper = new TestHelper();
    let sampler: ObjectSampler | undefined;
    try {
      const source = new PosixObjectSource(helper.client, main, () => main);
      const size = (await source.describe()).size;
      // Over the default limit (the buffer pool alone is 16 MiB): recorded whole with a limit raised, 4 times a second.
      sampler = await ObjectSampler.start({
        source,
        object: { kind: 'anonymous', id: source.id, title: source.title },
        pageSize: 4096,
        rateHz: 4,
        sizeLimit: size,
        budgetBytes: 4 * size,
      });
      const { store } = sampler.recording;
      const before = store.count;
      // pgbench runs in a process of its own while this one keeps sampling (spawnSync would stop the timers).
      const bench = spawn(NOBODY[0], pgbenchArgs(['-T', '3', '-c', '2']), { stdio: ['ignore', 'ignore', 'pipe'] });
      let benchErr = '';
      bench.stderr!.on('data', (d) => (benchErr += d));
      const status = await new Promise<number | null>((resolve) => bench.once('exit', resolve));
      assert.equal(status, 0, `pgbench failed: ${benchErr}`);
      const during = store.count - before;
      assert.ok(during >= 4, `samples taken while the queries ran: ${during}`);
      const changing = [...Array(store.count - 1).keys()].filter((i) => store.changes(store.firstIndex + i + 1).length > 0);
      assert.ok(store.changedBytesTotal > 0 && changing.length > 0, 'what the queries changed is in the recording');

      // The server stops: its memory goes with its last process, and the recording ends with what it kept.
      const kept = store.count;
      server!.kill('SIGINT');
      const end = await within(sampler.whenEnded, 30_000, 'the recording to end');
      assert.equal(end.reason, 'vanished', end.message);
      assert.ok(store.count >= kept, 'what was kept stays');
      assert.deepEqual(helper.sanitizerReports(), []);
    } finally {
      await sampler?.stop();
      helper.dispose();
    }
  });
});
