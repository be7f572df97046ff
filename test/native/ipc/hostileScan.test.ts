// The helper's walk over /proc (PROC_SCAN) and its file operations against processes made to hurt
// it: one that maps a /dev/shm file 60,000 times under a 1 KB path (an unprivileged user can), whose
// maps would take the helper's memory and the reply past every bound; and a FUSE file system whose
// daemon stopped answering, which any stat of its files waits on forever. Each is a real process
// (test/programs/manymaps.c, test/programs/fusehang.c), with the helper as root.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scanProcesses } from '../../../src/ipc/procScan';
import { SnapshotSource } from '../../../src/ipc/snapshot';
import { isRoot, NOBODY, rejectsWith, TestHelper } from '../../support/helper';
import { createObject, freshName, ownObject, shmPath, trackName } from '../../support/posixObjects';
import { repoRoot } from '../../support/segments';
import { waitFor } from '../../support/waitFor';

const manymapsPath = path.join(repoRoot, 'native', 'bin', 'manymaps');
const fusehangPath = path.join(repoRoot, 'native', 'bin', 'fusehang');

/** Starts a test program; resolves once its first line starts with "ready" (the words of that line). */
async function started(command: string[]): Promise<{ child: ChildProcessWithoutNullStreams; words: string[] }> {
  const child = spawn(command[0], command.slice(1));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await waitFor(() => out.includes('\n') || child.exitCode !== null, 20_000, `${path.basename(command[command.length > 3 ? 3 : 0])} to start`);
  if (!out.startsWith('ready')) throw new Error(`${command.join(' ')} said: ${out}`);
  return { child, words: out.split('\n')[0].split(' ') };
}

async function ended(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Peak resident memory of a process (VmHWM), in KiB. */
const peakKiB = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('PROC_SCAN and the file operations against hostile processes', function () {
  this.timeout(120_000);
  const helpers: TestHelper[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];

  before(function () {
    if (!isRoot) this.skip(); // the hostile processes run as nobody, the FUSE daemon as root
  });

  afterEach(async function () {
    for (const child of children.splice(0)) await ended(child);
    const reports = helpers.flatMap((h) => h.sanitizerReports());
    for (const h of helpers.splice(0)) h.dispose();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  it('bounds its memory while reading processes that map a /dev/shm file 60,000 times under a 1 KB path: they are marked incomplete, the scan goes on', async function () {
    if (!fs.existsSync(manymapsPath)) this.skip();
    const hostile: number[] = [];
    for (let i = 0; i < 2; i++) {
      const name = trackName(freshName());
      const { child } = await started([...NOBODY, manymapsPath, name, '60000']);
      children.push(child);
      hostile.push(child.pid!);
    }
    // An ordinary holder beside them, whose record must come out whole.
    const name = freshName();
    const holder = await ownObject(name, 4096);
    // The release build: the sanitizers' own memory would hide the helper's.
    const h = new TestHelper({ build: 'release', timeoutMs: 60_000 });
    helpers.push(h);
    await h.client.hello();
    const before = peakKiB(h.client.pid!);
    const scan = await h.client.procScan(4096, 2);
    const after = peakKiB(h.client.pid!);
    console.log(`      helper VmHWM ${before} KiB before the scan, ${after} KiB after (2 processes of 60,000 mappings)`);
    assert.deepEqual(
      scan.records.filter((r) => r.raw.incomplete).map((r) => r.pid),
      hostile,
      'exactly the two hostile processes are incomplete',
    );
    const ours = scan.records.find((r) => r.pid === holder.pid);
    assert.ok(ours && !ours.raw.incomplete, 'the ordinary holder is read whole');
    assert.ok(ours.raw.fds.some(([, target]) => target === shmPath(name)));
    assert.ok(after - before < 32 * 1024, `the scan raised the helper's peak memory by ${after - before} KiB: more than the reply's 16 MiB and its buffers`);
    // The extension's view of it: those processes could not be checked, so an orphan is uncertain.
    const lone = freshName();
    createObject(lone, 4096);
    const hour = new Date(Date.now() - 3600_000);
    fs.utimesSync(shmPath(lone), hour, hour);
    const read = await scanProcesses({ helper: () => h.client });
    assert.equal(read.readBy, 'helper');
    assert.ok(hostile.every((pid) => read.unreadablePids.includes(pid)));
    assert.equal(read.incomplete, 2);
    const { snapshot } = await new SnapshotSource({ orphanGraceSeconds: 0 }).refresh({ helper: () => h.client });
    const orphan = snapshot.posix.objects.find((o) => o.name === `/${lone}`);
    assert.equal(orphan?.state, 'orphaned');
    assert.equal(orphan.certain, false, `an orphan with incomplete processes about is uncertain: ${orphan.reason}`);
    assert.match(orphan.reason, new RegExp(`pid ${hostile[0]}\\b`), 'and the reason names them');
    await holder.stop();
  });

  it('never waits on a FUSE file system whose daemon stopped: PROC_SCAN completes, the file operations refuse at once naming it', async function () {
    if (!fs.existsSync(fusehangPath) || !fs.existsSync('/dev/fuse')) this.skip();
    // The daemon mounts itself on /dev/shm in a mount namespace of its own; its child holds x there.
    const { child: daemon, words } = await started([fusehangPath, '/dev/shm']);
    children.push(daemon);
    const [, holderText, fdText, address] = words;
    const holder = Number(holderText);
    const h = new TestHelper({ timeoutMs: 10_000 });
    helpers.push(h);
    await h.client.hello();
    const pid = h.client.pid;
    daemon.kill('SIGSTOP'); // from now on every request to the file system waits
    try {
      const scan = await h.client.procScan(4096, 2);
      const record = scan.records.find((r) => r.pid === holder);
      assert.ok(!record?.raw.fds.some(([fd]) => fd === fdText), 'its descriptor is no IPC object: not listed');
      assert.ok(!record?.raw.maps || !Buffer.from(record.raw.maps).toString('latin1').includes('/dev/shm/x'), 'nor its mapping');
      const onFuse = /not on tmpfs or hugetlbfs \(it is on fuse\.ipcinsp-hang\)/;
      const id = { devMajor: 0, devMinor: 0, ino: 2 };
      const end = (BigInt(`0x${address}`) + 4096n).toString(16);
      await rejectsWith(h.client.fileStat(`/proc/${holder}/fd/${fdText}`), 'EINVAL', onFuse);
      await rejectsWith(h.client.fileRead(`/proc/${holder}/fd/${fdText}`, id, 0, 16), 'EINVAL', onFuse);
      await rejectsWith(h.client.fileData(`/proc/${holder}/fd/${fdText}`, id), 'EINVAL', onFuse);
      await rejectsWith(h.client.fileStat(`/proc/${holder}/map_files/${address}-${end}`), 'EINVAL', onFuse);
      await rejectsWith(h.client.fileStat(`/proc/${holder}/root/dev/shm/x`), 'EINVAL', onFuse);
      await rejectsWith(h.client.fileUnlink(`/proc/${holder}/root/dev/shm/x`, id), 'EINVAL', onFuse);
      assert.equal(h.client.pid, pid, 'the same helper answered all of it: none was killed for hanging');
    } finally {
      await ended(daemon); // killed while stopped: its connection aborts, whatever waited on it fails
    }
  });
});
