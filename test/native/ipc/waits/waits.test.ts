// Who waits on what, on the real kernel: processes blocked on glibc's locks in shared memory
// (test/programs/locktool: two process-shared mutexes deadlocked in a System V segment and in a
// /dev/shm object, a mutex whose owner died, a private mutex in shared memory, a semaphore, a
// condition variable, an rwlock, a robust mutex), Python's multiprocessing.Lock, and
// Boost.Interprocess's interprocess_mutex and interprocess_semaphore (a C++ program built here when
// Debian's libboost-dev is installed). Each is found by the helper's PROC_SCAN with waits, its lock
// read through PROC_MEM_READ, and diagnosed by the wait-for graph (src/ipc/waits/). Every test waits
// on the state it expects (polling the scan), and kills its processes and removes its objects in an
// after hook, pass or fail. System V objects: run in a private IPC namespace (unshare --ipc).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scanProcesses } from '../../../../src/ipc/procScan';
import { buildWaitGraph, type WaitGraph } from '../../../../src/ipc/waits/graph';
import type { LockAt } from '../../../../src/ipc/waits/lockAt';
import { readLocks } from '../../../../src/ipc/waits/readLocks';
import type { WaitScan } from '../../../../src/ipc/waits/resolve';
import { waitArch } from '../../../../src/ipc/waits/syscalls';
import { TestHelper } from '../../../support/helper';
import { freshKey, repoRoot } from '../../../support/segments';
import { waitFor } from '../../../support/waitFor';
import { killSpawned, spawnReady, type Spawned } from '../../../support/spawned';
import { testTemp } from '../../../support/tempDirs';

const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');
// locktool's board (test/programs/locktool.c).
const AT = { mutex1: 8n, mutex2: 48n, sem: 88n, cond: 120n, rwlock: 208n, robust: 264n };

interface Diagnosed {
  waits: WaitScan;
  graph: WaitGraph;
}

describe('who waits on what, on the real kernel (PROC_SCAN with waits, PROC_MEM_READ)', function () {
  this.timeout(60_000);
  const helper = new TestHelper();
  const names: string[] = [];
  const extraPids: number[] = [];
  const tmp = testTemp('ipc-waits-');

  before(function () {
    if (!waitArch()) this.skip();
    if (!fs.existsSync(locktool)) throw new Error(`${locktool} is missing: node native/build.js`);
  });

  after(async () => {
    for (const pid of extraPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await killSpawned();
    for (const name of names) fs.rmSync(path.join('/dev/shm', name), { force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
    helper.dispose();
    assert.deepEqual(helper.sanitizerReports(), [], 'the helper reported no sanitizer finding');
  });

  /** One scan with waits, the locks read, the graph. */
  async function diagnose(): Promise<Diagnosed> {
    const scan = await scanProcesses({ helper: () => helper.client, waits: true });
    assert.equal(scan.readBy, 'helper');
    const waits = scan.waits!;
    const readings = await readLocks(waits, (pid, address, length, id) => helper.client.procMemRead(pid, address, length, id));
    return { waits, graph: buildWaitGraph(waits, readings) };
  }

  /** Scans until `check` finds what it expects among the threads of `pids` (they block a moment after saying ready). */
  async function until<T>(what: string, check: (d: Diagnosed) => T | undefined): Promise<T> {
    return waitFor(async () => check(await diagnose()), 20_000, what);
  }

  /** The lock each of `pids`' blocked threads waits on. */
  function locksOf(d: Diagnosed, pids: number[]): Map<number, LockAt & { label: string }> {
    const out = new Map<number, LockAt & { label: string }>();
    for (const e of d.graph.edges) {
      const from = d.graph.nodes.get(e.from);
      const to = d.graph.nodes.get(e.to);
      if (e.kind === 'waits' && from?.kind === 'thread' && to?.kind === 'lock' && pids.includes(from.pid)) out.set(from.pid, { ...to.lock, label: to.label });
    }
    return out.size === pids.length ? out : new Map();
  }

  async function start(region: string, scenario: string): Promise<{ run: Spawned; a: number; b: number }> {
    const run = await spawnReady(locktool, [region, scenario]);
    const [, , , a, b] = run.firstLine.split(' ');
    return { run, a: Number(a), b: Number(b) };
  }

  it('finds the deadlock of two processes on two process-shared mutexes in a System V segment', async function () {
    const key = freshKey();
    const { a, b } = await start(`sysv:${key.toString(16)}`, 'deadlock');
    const d = await until('the deadlock of the two children', (d) => (d.graph.cycles.some((c) => c.includes(a) && c.includes(b)) ? d : undefined));
    const cycle = d.graph.diagnoses.find((x) => x.kind === 'deadlock' && x.threads.includes(a))!;
    const name = `0x${key.toString(16).padStart(8, '0')}`;
    assert.match(
      cycle.text,
      new RegExp(
        `^deadlock: ${a} holds ${name} \\(shmid \\d+\\)\\+8 and waits for ${name} \\(shmid \\d+\\)\\+48; ${b} holds ${name} \\(shmid \\d+\\)\\+48 and waits for ${name} \\(shmid \\d+\\)\\+8$`,
      ),
    );
    const locks = locksOf(d, [a, b]);
    assert.deepEqual([locks.get(a)?.offset, locks.get(b)?.offset], [AT.mutex2, AT.mutex1]);
  });

  it('finds the same deadlock in a /dev/shm object and names it by its POSIX name', async function () {
    const name = `ipcinsp-waits-${process.pid}-board`;
    names.push(name);
    const { a, b } = await start(`shm:/${name}`, 'deadlock');
    const d = await until('the deadlock', (d) => d.graph.diagnoses.find((x) => x.kind === 'deadlock' && x.threads.includes(a)));
    assert.equal(d.text, `deadlock: ${a} holds /${name}+8 and waits for /${name}+48; ${b} holds /${name}+48 and waits for /${name}+8`);
  });

  it('a mutex held by a live process: held by it, no diagnosis; its owner dead: never released', async function () {
    const live = await start('anon', 'wait');
    const held = await until('the waiter', (d) => locksOf(d, [live.b]).get(live.b));
    assert.deepEqual(
      [held.type, held.offset, held.reading?.lock === 'mutex' && [held.reading.state, held.reading.owner, held.reading.processShared]],
      ['mutex', AT.mutex1, ['held', live.a, true]],
    );
    const died = await start('anon', 'died');
    const d = await until('the dead owner', (d) => d.graph.diagnoses.find((x) => x.kind === 'deadOwner' && x.threads.includes(died.a)));
    assert.match(
      d.text,
      new RegExp(`^anonymous shared memory \\(inode \\d+\\)\\+8 is held by thread ${died.a}, which no longer exists: it will never be released$`),
    );
  });

  it('a mutex initialised without PTHREAD_PROCESS_SHARED in shared memory: a private futex wait, said so', async function () {
    const { b } = await start('anon', 'private');
    const d = await until('the private wait', (d) => d.graph.diagnoses.find((x) => x.kind === 'privateInShared' && x.threads.includes(b)));
    assert.match(d.text, /with a process-private futex \(the lock was initialised without PTHREAD_PROCESS_SHARED\)/);
  });

  it('tells a semaphore, a condition variable, an rwlock held for writing and a robust mutex apart, each at its offset', async function () {
    const expect = async (scenario: string, check: (lock: LockAt, a: number) => void) => {
      const { a, b } = await start('anon', scenario);
      check(await until(`the ${scenario} waiter`, (d) => locksOf(d, [b]).get(b)), a);
    };
    await expect('sem', (l) => assert.deepEqual([l.type, l.offset, l.reading], ['sem', AT.sem, { lock: 'sem', value: 0, waiters: 1, processShared: true }]));
    await expect('cond', (l) => assert.deepEqual([l.type, l.offset, l.reading], ['cond', AT.cond, { lock: 'cond', waiters: 1, processShared: true }]));
    await expect('rwlock', (l, a) =>
      assert.deepEqual([l.type, l.offset, l.reading?.lock === 'rwlock' && [l.reading.state, l.reading.writer]], ['rwlock', AT.rwlock, ['writeLocked', a]]),
    );
    await expect('robust', (l, a) =>
      assert.deepEqual(
        [l.type, l.offset, l.reading?.lock === 'mutex' && [l.reading.robust, l.reading.state, l.reading.owner, l.reading.waiters]],
        ['mutex', AT.robust, [true, 'held', a, true]],
      ),
    );
  });

  it("finds Python's multiprocessing.Lock held by one process and waited on by another (a named semaphore, unlinked)", async function () {
    const script = [
      'import multiprocessing as mp, sys',
      "mp.set_start_method('fork')",
      'lock = mp.Lock()',
      'lock.acquire()',
      'p = mp.Process(target=lock.acquire)',
      'p.start()',
      "print('ready', p.pid, flush=True)",
      'sys.stdin.read()',
    ].join('\n');
    if (spawnSync('python3', ['-c', 'import multiprocessing'], { stdio: 'ignore' }).status !== 0) this.skip();
    const run = await spawnReady('python3', ['-c', script]);
    const child = Number(run.firstLine.split(' ')[1]);
    extraPids.push(child);
    const lock = await until("the child's wait", (d) => locksOf(d, [child]).get(child));
    assert.deepEqual([lock.type, lock.offset, lock.reading], ['sem', 0n, { lock: 'sem', value: 0, waiters: 1, processShared: true }]);
    assert.match(lock.label, /^\/dev\/shm\/sem\.\S+ \(deleted\)\+0$/);
  });

  it('finds the deadlock of two processes on Boost.Interprocess mutexes, and a third waiting on its semaphore', async function () {
    const binary = path.join(tmp, 'boostlock');
    const built = fs.existsSync('/usr/include/boost/interprocess/managed_shared_memory.hpp')
      ? spawnSync('g++', ['-O2', '-pthread', path.join(repoRoot, 'test', 'programs', 'boostlock.cpp'), '-o', binary, '-lrt'], { encoding: 'utf8' })
      : undefined;
    if (!built) this.skip(); // no libboost-dev (apt-get install libboost-dev)
    assert.equal(built.status, 0, built.stderr);
    const name = `ipcinsp-waits-${process.pid}-boost`;
    names.push(name);
    const run = await spawnReady(binary, [name]);
    const [, , a, b, c, one, two, sem] = run.firstLine.split(' ').map(Number);
    const d = await until('the deadlock and the semaphore waiter', (d) =>
      d.graph.cycles.some((x) => x.includes(a) && x.includes(b)) && locksOf(d, [c]).size ? d : undefined,
    );
    assert.equal(
      d.graph.diagnoses.find((x) => x.kind === 'deadlock')?.text,
      `deadlock: ${a} holds /${name}+${one} and waits for /${name}+${two}; ${b} holds /${name}+${two} and waits for /${name}+${one}`,
    );
    const waiting = locksOf(d, [c]).get(c)!;
    assert.deepEqual([waiting.offset, waiting.type], [BigInt(sem), 'sem']);
  });

  it('counts the threads it may not read as nobody, never drops them', async function () {
    const { b } = await start('anon', 'wait');
    const asNobody = new TestHelper({ asNobody: true });
    try {
      const scan = await scanProcesses({ helper: () => asNobody.client, waits: true });
      assert.ok(scan.waits!.unreadableThreads > 0, 'root-owned threads are counted');
      assert.ok(scan.waits!.unreadablePids.includes(b), 'the waiter is among the processes it could not read');
      assert.ok(!scan.waits!.blocked.some((t) => t.pid === b), 'nothing is made up for it');
      assert.equal(scan.waits!.threads.get(b), b, 'its thread is still known');
    } finally {
      asNobody.dispose();
    }
  });
});
