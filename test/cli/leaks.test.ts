// `check` around real leakers no one here wrote (Python's multiprocessing.shared_memory left
// without unlink, util-linux's ipcmk) and around a clean run; `check --baseline` for suites that
// run elsewhere; `clean --orphans` removing what Clean Up would, and nothing in use.
import * as assert from 'assert';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { cleanupPosixObjects, freshName, trackName } from '../support/posixObjects';
import { cleanupAll, createSegment, freshKey, ownSegment, procLine, trackSegment } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { cli, cliJson, ipcmk, ISOLATED } from './run';

type Doc = { objects: Array<{ kind: string; name?: string; kernel?: { [key: string]: number } }>; commandStatus: number | null };

const PYTHON = '/usr/bin/python3';
/** Makes a POSIX object with multiprocessing.shared_memory and exits without unlink(); the resource tracker told to forget it, as leaking programs do. */
const PYTHON_LEAK = [
  'from multiprocessing import shared_memory, resource_tracker',
  'm = shared_memory.SharedMemory(create=True, size=8192)',
  'm.buf[:4] = b"leak"',
  "resource_tracker.unregister(m._name, 'shared_memory')",
  'm.close()',
].join('\n');
/** The same, cleaned up as it should be. */
const PYTHON_CLEAN = ['from multiprocessing import shared_memory', 'm = shared_memory.SharedMemory(create=True, size=8192)', 'm.close()', 'm.unlink()'].join(
  '\n',
);

const removeAfter: Array<[string, number]> = [];
afterEach(() => {
  for (const [flag, id] of removeAfter.splice(0)) spawnSync('ipcrm', [flag, String(id)], { stdio: 'ignore' });
});

/** Records what a `check --json` found so the root hooks remove it. */
function track(doc: Doc): Doc {
  for (const o of doc.objects) {
    if (o.kind === 'posixShm' && o.name) trackName(o.name.slice(1));
    if (o.kind === 'sysvShm') trackSegment(o.kernel!.shmid);
    if (o.kind === 'sysvMsg') removeAfter.push(['-q', o.kernel!.msqid]);
    if (o.kind === 'sysvSem') removeAfter.push(['-s', o.kernel!.semid]);
  }
  return doc;
}

/** The first line a child prints. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before a line`)));
  });
}

/** Where in the kernel a process sleeps ('' when gone). */
function wchan(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

/** The table row of a kind naming `what`, without trailing blanks ('' when none). */
function rowOf(table: string, kind: string, what: string): string {
  return (table.split('\n').find((line) => line.startsWith(kind) && line.includes(what)) ?? '').trimEnd();
}

describe('ipc-inspector check and clean', function () {
  it("check finds the object Python's multiprocessing.shared_memory left without unlink, says Python probably made it, and exits 1", function () {
    const text = cli(['check', '--kind', 'posixShm', '--', PYTHON, '-c', PYTHON_LEAK]);
    const doc = track(cliJson<Doc>(['check', '--kind', 'posixShm', '--', PYTHON, '-c', PYTHON_LEAK], {}, 1));
    const leaked = doc.objects.map((o) => o.name!);
    assert.strictEqual(leaked.length, 1);
    assert.match(leaked[0], /^\/psm_/);
    track({ objects: [...text.stdout.matchAll(/\/psm_\w+/g)].map((m) => ({ kind: 'posixShm', name: m[0] })), commandStatus: null });
    assert.strictEqual(text.status, 1, text.stderr);
    assert.match(text.stdout, /^1 IPC object was created and left behind:/);
    assert.match(text.stdout, /POSIX object\s+\/psm_\w+\s+8 KiB\s+.*probably Python/);
    assert.ok(fs.existsSync(`/dev/shm/${leaked[0].slice(1)}`), 'it is really there');
  });

  it('check finds the segment and the queue ipcmk leaves, with the creator pid, and exits 1', function () {
    const segment = cli(['check', '--kind', 'sysvShm', '--', 'ipcmk', '-M', '4096']);
    const shmid = Number(/Shared memory id: (\d+)/.exec(segment.stdout)![1]);
    trackSegment(shmid);
    assert.strictEqual(segment.status, 1, segment.stderr);
    assert.match(segment.stdout, new RegExp(`System V segment\\s+0x[0-9a-f]{8} \\(id ${shmid}\\)\\s+4 KiB\\s+orphaned \\(leaked\\)\\s+pid \\d+`));
    const queue = cli(['check', '--', 'ipcmk', '-Q']);
    const msqid = Number(/Message queue id: (\d+)/.exec(queue.stdout)![1]);
    removeAfter.push(['-q', msqid]);
    assert.strictEqual(queue.status, 1);
    assert.match(queue.stdout, new RegExp(`System V message queue\\s+0x[0-9a-f]{8} \\(id ${msqid}\\)`));
  });

  it('check around a clean run exits 0 and says nothing was left; a failing command keeps its own status', function () {
    const clean = cli(['check', '--', PYTHON, '-c', PYTHON_CLEAN]);
    assert.strictEqual(clean.status, 0, clean.stdout + clean.stderr);
    assert.match(clean.stderr, /no IPC object left behind/);
    assert.strictEqual(clean.stdout, '');
    assert.strictEqual(cli(['check', '--', 'sh', '-c', 'exit 3']).status, 3);
  });

  it('check and list name a file left in /dev/shm whose name is not UTF-8, and check exits 1 for it', function () {
    const base = freshName();
    const file = Buffer.concat([Buffer.from(`/dev/shm/${base}-`), Buffer.from([0xfe, 0x41])]);
    try {
      const made = cli([
        'check',
        '--',
        PYTHON,
        '-c',
        `import os; fd = os.open(b"/dev/shm/${base}-\\xfeA", os.O_CREAT | os.O_WRONLY, 0o600); os.ftruncate(fd, 1 << 20)`,
      ]);
      assert.strictEqual(made.status, 1, made.stderr);
      assert.match(made.stderr, new RegExp(`1 file in /dev/shm has a name that is not UTF-8 and is not listed: ${base}-\\\\xfeA \\(ls -b`), made.stderr);
      const listed = cli(['list', '--kind', 'posixShm']);
      assert.ok(listed.stderr.includes(`${base}-\\xfeA`), listed.stderr);
      const again = cli(['check', '--', 'true']);
      assert.strictEqual(again.status, 0, 'there before the command ran: not its leak');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('check passes its command the arguments as typed, none read as a number', function () {
    const run = cli(['check', '--', 'printf', '%s|', '0755', '1e3', '1.50', '0x10', '-5', '00']);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.strictEqual(run.stdout, '0755|1e3|1.50|0x10|-5|00|');
  });

  it('check --allow accepts what matches a glob; the rest is still reported', function () {
    const name = freshName();
    trackName(name);
    const both = `import os\nos.close(os.open('/dev/shm/${name}', os.O_CREAT | os.O_RDWR, 0o600))\n${PYTHON_LEAK}`;
    const doc = track(cliJson<Doc>(['check', '--kind', 'posixShm', '--allow', `${name.slice(0, 8)}*`, '--', PYTHON, '-c', both], {}, 1));
    assert.deepStrictEqual(
      doc.objects.map((o) => o.name!.startsWith('/psm_')),
      [true],
    );
    const none = track(cliJson<Doc>(['check', '--kind', 'posixShm', '--allow', `${name.slice(0, 8)}*`, '--allow', 'psm_*', '--', PYTHON, '-c', both], {}, 0));
    assert.deepStrictEqual(none.objects, []);
  });

  it('check --baseline FILE compares with an export saved before (list --json)', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-'));
    const baseline = path.join(dir, 'before.json');
    fs.writeFileSync(baseline, cli(['list', '--json']).stdout);
    assert.strictEqual(cli(['check', '--baseline', baseline]).status, 0);
    const key = freshKey();
    const shmid = createSegment(key, 4096);
    const after = cli(['check', '--baseline', baseline]);
    assert.strictEqual(after.status, 1, after.stderr);
    assert.ok(after.stdout.includes(`(id ${shmid})`), after.stdout);
    assert.strictEqual(cli(['check', '--baseline', baseline, '--allow', `0x${key.toString(16)}`]).status, 0);
    fs.rmSync(dir, { recursive: true });
  });

  describe('clean --orphans', function () {
    before(function () {
      if (!ISOLATED) {
        console.log('      (skipped: removes every orphan it may; runs only in its own IPC namespace and /dev/shm, as root through test/cli/isolated.js)');
        this.skip();
      }
    });
    // Its own namespace and /dev/shm: start each test from nothing, so the counts are this test's.
    beforeEach(async function () {
      await cleanupAll();
      await cleanupPosixObjects();
      spawnSync('ipcrm', ['--all'], { stdio: 'ignore' });
      for (const file of fs.readdirSync('/dev/shm')) fs.rmSync(path.join('/dev/shm', file), { force: true, recursive: true });
    });

    it('--dry-run shows the orphans with why and exits 1; --yes removes them, never a segment in use', async function () {
      const orphan = createSegment(freshKey(), 8192);
      const owner = await ownSegment(freshKey(), 4096);
      const dry = cli(['clean', '--orphans', '--dry-run', '--kind', 'sysvShm']);
      assert.strictEqual(dry.status, 1, dry.stderr);
      assert.ok(dry.stdout.includes(`(id ${orphan})`) && !dry.stdout.includes(`(id ${owner.shmid})`), dry.stdout);
      assert.match(dry.stdout, /creator pid \d+ exited; no process attached/);
      assert.match(dry.stdout, /Dry run: nothing removed\./);
      assert.ok(procLine(orphan), 'a dry run removes nothing');
      const done = cli(['clean', '--orphans', '--yes', '--kind', 'sysvShm']);
      assert.strictEqual(done.status, 0, done.stdout + done.stderr);
      assert.match(done.stdout, /Removed 1 orphaned object, freed 8 KiB\./);
      assert.strictEqual(procLine(orphan), undefined, 'the orphan is gone');
      assert.ok(procLine(owner.shmid), 'the segment in use is kept');
      const again = cli(['clean', '--orphans', '--yes', '--kind', 'sysvShm']);
      assert.strictEqual(again.status, 0);
      assert.match(again.stdout, /^Nothing orphaned/);
      await owner.stop();
    });

    it('never offers a queue a process is blocked receiving from, nor a set a process is blocked on, after their last users exited', async function () {
      // Python's sysv_ipc makes each and blocks on it: a receive of a type nobody sends, an acquire of a 0.
      const key = freshKey();
      const receiver = spawn(PYTHON, [
        '-c',
        `import sysv_ipc\nq = sysv_ipc.MessageQueue(${key}, sysv_ipc.IPC_CREX, 0o600)\nprint(q.id, flush=True)\nq.receive(type=999)`,
      ]);
      // The set made by a process that exits (its last user, as far as the kernel says), then waited on.
      execFileSync(PYTHON, ['-c', `import sysv_ipc; sysv_ipc.Semaphore(${key}, sysv_ipc.IPC_CREX, 0o600, 0)`]);
      const acquirer = spawn(PYTHON, ['-c', `import sysv_ipc\ns = sysv_ipc.Semaphore(${key})\nprint(s.id, flush=True)\ns.acquire()`]);
      try {
        const msqid = Number(await firstLine(receiver));
        removeAfter.push(['-q', msqid]);
        const semid = Number(await firstLine(acquirer));
        removeAfter.push(['-s', semid]);
        // A sender that exits: the queue's last sender is gone, its receiver is not.
        execFileSync(PYTHON, ['-c', `import sysv_ipc; sysv_ipc.MessageQueue(${key}).send(b'job', type=1)`]);
        await waitFor(() => wchan(receiver.pid!) === 'do_msgrcv' && /semtimedop|semop/.test(wchan(acquirer.pid!)), 30_000, 'both to block');
        const listed = cli(['list', '--kind', 'sysvMsg', '--kind', 'sysvSem']);
        assert.match(rowOf(listed.stdout, 'System V message queue', `(id ${msqid})`), /in use$/, listed.stdout);
        // A waiter with nobody left to post: stuck, which is not orphaned.
        assert.match(rowOf(listed.stdout, 'System V semaphore set', `(id ${semid})`), /stuck: a waiter may wait forever$/, listed.stdout);
        const done = cli(['clean', '--orphans', '--yes', '--uncertain', '--grace', '0', '--kind', 'sysvMsg', '--kind', 'sysvSem']);
        assert.strictEqual(done.status, 0, done.stdout + done.stderr);
        assert.match(done.stdout, /^Nothing orphaned/, done.stdout);
        assert.strictEqual(receiver.exitCode, null, 'the receiver still waits: its queue was not removed under it');
        assert.ok(
          fs
            .readFileSync('/proc/sysvipc/msg', 'utf8')
            .split('\n')
            .some((line) => line.trim().split(/\s+/)[1] === String(msqid)),
        );
      } finally {
        receiver.kill();
        acquirer.kill();
      }
    });

    it('removes the POSIX object a leaker left once it is past the grace period, and what ipcmk left', function () {
      const doc = track(cliJson<Doc>(['check', '--kind', 'posixShm', '--', PYTHON, '-c', PYTHON_LEAK], {}, 1));
      const name = doc.objects[0].name!;
      const shmid = trackSegment(ipcmk(['-M', '4096']));
      const done = cli(['clean', '--orphans', '--yes', '--uncertain', '--grace', '0', '--kind', 'posixShm', '--kind', 'sysvShm']);
      assert.match(done.stdout, /Removed 2 orphaned objects/, done.stdout + done.stderr);
      assert.ok(!fs.existsSync(`/dev/shm/${name.slice(1)}`));
      assert.strictEqual(procLine(shmid), undefined);
    });
  });
});
