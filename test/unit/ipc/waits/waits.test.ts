// Who waits on what, as pure logic (src/ipc/waits/): the shared mappings a futex address lies in,
// the waits of a scan resolved, glibc's lock bytes decoded, which lock a futex word belongs to, the
// wait-for graph with its deadlocks and diagnoses. The bytes and syscall lines are what the helper
// read for real from test/programs/locktool on x86-64 (glibc 2.36); test/native/ipc/waits/waits.test.ts runs
// the same against live processes.
import * as assert from 'node:assert/strict';
import { buildWaitGraph, findCycles } from '../../../../src/ipc/waits/graph';
import { identifyLock } from '../../../../src/ipc/waits/lockAt';
import { decodeLock } from '../../../../src/shared/glibcLocks';
import { readLocks, windowRange } from '../../../../src/ipc/waits/readLocks';
import { resolveWaits, type ScanRecord } from '../../../../src/ipc/waits/resolve';
import { parseSharedMappings } from '../../../../src/ipc/waits/sharedMaps';
import { sysvWaitersFromScan } from '../../../../src/ipc/waits/sysvWaiters';
import type { RawWait } from '../../../../src/ipc/rawProcess';

const BASE = 0x7f5105942000n;
const ANON = `7f5105942000-7f5105943000 rw-s 00000000 00:01 225520                     /dev/zero (deleted)\n`;

/** A futex wait as /proc/PID/task/TID/syscall showed it. */
function futex(tid: number, offset: bigint, op: bigint, val: bigint): RawWait {
  return { tid, nr: 202, args: [BASE + offset, op, val, 0n, 0x80n, 0n], sinceNs: 12580000000000n, wchan: 'futex_do_wait', comm: 'locktool' };
}

function record(pid: number, waits: RawWait[], maps = ANON, tids = [pid]): ScanRecord {
  return { pid, raw: { fds: [], maps: Buffer.from(maps, 'latin1'), tasks: { tids, unreadable: 0, privateWaits: 0, waits } } };
}

/** locktool's board (4 KiB) with the words it held at the moment of the scan. */
function board(words: Array<[number, number]>): Buffer {
  const b = Buffer.alloc(4096);
  for (const [offset, value] of words) b.writeUInt32LE(value >>> 0, offset);
  return b;
}

// Two pshared mutexes at 8 and 48 (kind 0x80), each held by one child and waited on by the other.
const DEADLOCK_BOARD = board([
  [8, 2],
  [16, 13311],
  [20, 1],
  [24, 0x80],
  [48, 2],
  [56, 13312],
  [60, 1],
  [64, 0x80],
]);
const DEADLOCK: ScanRecord[] = [record(13310, []), record(13311, [futex(13311, 48n, 0n, 2n)]), record(13312, [futex(13312, 8n, 0n, 2n)])];

const reader = (memory: Buffer) => async (_pid: number, address: bigint, length: number) => {
  const at = Number(address - BASE);
  return memory.subarray(at, at + length);
};

describe('waits: shared mappings', function () {
  it('names each shared mapping by device and inode: segment, /dev/shm file, memfd, anonymous shared memory, any MAP_SHARED file', function () {
    const maps = [
      '7f44d251b000-7f44d251d000 rw-s 00000000 00:01 5                          /SYSV7e001234 (deleted)',
      '7f44d2400000-7f44d2500000 rw-s 00001000 00:1b 1041                       /dev/shm/board',
      '7f0000000000-7f0000001000 r--s 00000000 00:01 1077                       /memfd:ring (deleted)',
      ANON.trim(),
      '7f0000100000-7f0000101000 rw-s 00000000 08:01 5531                       /tmp/x /dev/zero (deleted)',
      '7f0000200000-7f0000201000 rw-p 00000000 00:00 0 ',
    ].join('\n');
    const found = parseSharedMappings(7, maps).map((m) => [m.object.type, m.object.id, m.pgoff]);
    assert.deepEqual(found, [
      ['sysvShm', 'sysv:5', 0n],
      ['file', 'file:0:27:1041', 0x1000n],
      ['file', 'file:0:1:1077', 0n],
      ['anonShm', 'anon:0:1:225520', 0n],
      ['file', 'file:8:1:5531', 0n],
    ]);
    const [sysv, devShm, memfd, , disk] = parseSharedMappings(7, maps).map((m) => m.object);
    assert.equal(sysv.type === 'sysvShm' && sysv.key, 0x7e001234);
    assert.equal(devShm.type === 'file' && devShm.devShm, true);
    assert.equal(memfd.type === 'file' && memfd.memfd && memfd.deleted, true);
    assert.equal(disk.type === 'file' && disk.path, '/tmp/x /dev/zero', 'a disk file named like anonymous shared memory is a file');
  });
});

describe('waits: a scan resolved', function () {
  it('finds the object and offset of each futex word, how long each thread has waited, and counts what it could not read', function () {
    const denied: ScanRecord = { pid: 1, raw: { fds: [], mapsError: 'EACCES', tasks: { tids: [1, 2, 3], unreadable: 3, privateWaits: 0, waits: [] } } };
    const scan = resolveWaits([denied, ...DEADLOCK], 12580869821894n, 'x86_64');
    assert.deepEqual(
      scan.blocked.map((t) => [t.pid, t.tid, t.call, t.on.type === 'futex' && t.on.words.map((w) => [w.object.id, w.offset, w.private, w.command])]),
      [
        [13311, 13311, 'futex', [['anon:0:1:225520', 48n, false, 'FUTEX_WAIT']]],
        [13312, 13312, 'futex', [['anon:0:1:225520', 8n, false, 'FUTEX_WAIT']]],
      ],
    );
    assert.equal(scan.blocked[0].waitedMs, 869.821);
    assert.deepEqual([scan.unreadableThreads, scan.unreadablePids], [3, [1]]);
    assert.equal(scan.threads.get(2), 1, 'the threads of a process it may not read are still known');
  });

  it('resolves semop, msgrcv, msgsnd and mq_timedreceive; a futex outside every shared mapping is left out', function () {
    const other = (tid: number, nr: number, args: bigint[], memory?: Buffer): RawWait => ({
      tid,
      nr,
      args,
      sinceNs: 0n,
      wchan: '',
      comm: 'w',
      ...(memory ? { memory } : {}),
    });
    const rec: ScanRecord = {
      pid: 40,
      raw: {
        fds: [['5', '/jobs', 0x13, 99, 0, 0o100600, undefined]],
        maps: Buffer.from(ANON),
        tasks: {
          tids: [40, 41, 42, 43, 44],
          unreadable: 0,
          privateWaits: 2,
          waits: [
            other(40, 220, [3n, 0x7ffen, 1n, 0n, 0n, 0n], Buffer.from([1, 0, 0xff, 0xff, 0, 0])),
            other(41, 70, [7n, 0x1000n, 64n, 0xffffffffffffffffn, 0n, 0n]),
            other(42, 69, [7n, 0x1000n, 128n, 0n, 0n, 0n]),
            other(43, 243, [5n, 0x1000n, 8192n, 0n, 0n, 0n]),
            futex(44, 0x2000n, 0n, 2n),
          ],
        },
      },
    };
    const scan = resolveWaits([rec], 0n, 'x86_64');
    assert.deepEqual(
      scan.blocked.map((t) => t.on),
      [
        { type: 'sem', semid: 3, ops: [{ semnum: 1, op: -1, flags: 0 }] },
        { type: 'msg', msqid: 7, send: false, size: 64, msgtype: -1n },
        { type: 'msg', msqid: 7, send: true, size: 128 },
        { type: 'mq', fd: 5, send: false, queue: { name: '/jobs', key: '0:19:99' } },
      ],
    );
    assert.equal(scan.privateWaits, 2);
    const waiters = sysvWaitersFromScan(scan);
    assert.deepEqual(waiters.sem.get(3), [{ pid: 40, tid: 40, call: 'semop', id: 3, ops: [{ semnum: 1, op: -1, flags: 0 }] }]);
    assert.deepEqual(
      waiters.msg.get(7)?.map((w) => [w.tid, w.call, w.msgtype, w.size]),
      [
        [41, 'msgrcv', -1n, undefined],
        [42, 'msgsnd', undefined, 128],
      ],
    );
  });

  it('reads arm64 and 32-bit arm numbers as their own calls', function () {
    const arm = resolveWaits([record(9, [{ ...futex(9, 8n, 0n, 2n), nr: 240 }])], 0n, 'arm');
    const arm64 = resolveWaits([record(9, [{ ...futex(9, 8n, 0n, 2n), nr: 98 }])], 0n, 'aarch64');
    const wrong = resolveWaits([record(9, [{ ...futex(9, 8n, 0n, 2n), nr: 98 }])], 0n, 'x86_64');
    assert.deepEqual([arm.blocked.length, arm64.blocked.length, wrong.blocked.length], [1, 1, 0]);
  });
});

describe("waits: glibc's locks decoded", function () {
  it('mutex: held with waiters, free, robust owner died, inconsistent, not recoverable, bytes no mutex has', function () {
    const mutex = (lock: number, owner: number, kind: number, arch: 'x86_64' | 'arm' = 'x86_64') => {
      const b = Buffer.alloc(48);
      b.writeUInt32LE(lock >>> 0, 0);
      b.writeInt32LE(owner, 8);
      b.writeInt32LE(kind, arch === 'arm' ? 12 : 16);
      return decodeLock('mutex', b, arch);
    };
    const held = mutex(2, 13311, 0x80);
    assert.deepEqual(
      [held?.lock, held?.lock === 'mutex' && [held.state, held.owner, held.waiters, held.processShared, held.type]],
      ['mutex', ['held', 13311, true, true, 'normal']],
    );
    assert.equal((mutex(0, 0, 0x80) as { state: string }).state, 'free');
    const died = mutex(0x40000000, 6333, 0x90);
    assert.deepEqual(died?.lock === 'mutex' && [died.state, died.owner, died.robust], ['ownerDied', 6333, true]);
    assert.equal((mutex(0x18c2, 0x7fffffff, 0x90) as { state: string }).state, 'inconsistent', 'seen right after EOWNERDEAD');
    assert.equal((mutex(0, 0x7ffffffe, 0x90) as { state: string }).state, 'notRecoverable');
    const robustHeld = mutex(0x80003455, 13397, 0x90);
    assert.deepEqual(robustHeld?.lock === 'mutex' && [robustHeld.state, robustHeld.owner, robustHeld.waiters], ['held', 13397, true]);
    assert.equal((mutex(7, 5, 0x80) as { state: string }).state, 'unknown', 'a normal mutex word of 7');
    assert.equal((mutex(2, 5, 0x12340000) as { state: string }).state, 'unknown', 'kind bits glibc never sets');
    const arm = mutex(1, 77, 0x80, 'arm');
    assert.deepEqual(arm?.lock === 'mutex' && [arm.state, arm.owner, arm.processShared], ['held', 77, true], "32-bit arm's __kind at 12");
  });

  it('rwlock held for writing, condition variable with a waiter, semaphore at 0 with a waiter (64-bit and 32-bit)', function () {
    const rw = Buffer.alloc(56);
    rw.writeUInt32LE(3, 0); // WRPHASE | WRLOCKED
    rw.writeUInt32LE(1, 8);
    rw.writeUInt32LE(3, 12); // writers futex: used
    rw.writeInt32LE(13384, 24);
    rw.writeInt32LE(1, 28);
    assert.deepEqual(decodeLock('rwlock', rw, 'x86_64'), {
      lock: 'rwlock',
      state: 'writeLocked',
      writer: 13384,
      readers: 0,
      writersWaiting: true,
      processShared: true,
    });
    const cond = Buffer.alloc(48);
    cond.writeUInt32LE(9, 36);
    assert.deepEqual(decodeLock('cond', cond, 'x86_64'), { lock: 'cond', waiters: 1, processShared: true });
    const sem = Buffer.alloc(32);
    sem.writeBigUInt64LE(0x100000000n, 0);
    sem.writeInt32LE(128, 8); // LLL_SHARED: what sem_init(s, 1, 0) leaves
    assert.deepEqual(decodeLock('sem', sem, 'x86_64'), { lock: 'sem', value: 0, waiters: 1, processShared: true });
    const sem32 = Buffer.alloc(16);
    sem32.writeUInt32LE((2 << 1) | 1, 0);
    sem32.writeInt32LE(128, 4);
    sem32.writeUInt32LE(3, 12);
    assert.deepEqual(decodeLock('sem', sem32, 'arm'), { lock: 'sem', value: 2, waiters: 3, processShared: true });
    sem32.writeInt32LE(0, 4);
    assert.equal((decodeLock('sem', sem32, 'arm') as { processShared: boolean }).processShared, false);
    assert.equal(decodeLock('mutex', Buffer.alloc(39), 'x86_64'), undefined, 'fewer bytes than the layout');
  });
});

describe('waits: which lock a futex word is', function () {
  const word = (offset: bigint, op: bigint, val: bigint) => resolveWaits([record(5, [futex(5, offset, op, val)])], 0n, 'x86_64').blocked[0];
  const identify = (memory: Buffer, offset: bigint, op: bigint, val: bigint) => {
    const w = word(offset, op, val);
    assert.ok(w.on.type === 'futex');
    const { start, length } = windowRange(w.on.words[0]);
    const at = Number(start - BASE);
    return identifyLock(w.on.words[0], { start, bytes: memory.subarray(at, at + length) }, 'x86_64');
  };

  it("tells each of locktool's waits apart: mutex, sem_t, condition variable (+40), rwlock writer (+12)", function () {
    assert.deepEqual(
      [identify(DEADLOCK_BOARD, 48n, 0n, 2n)].map((l) => [l.type, l.offset, l.reading?.lock === 'mutex' && l.reading.owner]),
      [['mutex', 48n, 13312]],
    );
    const semBoard = board([[92, 1]]);
    assert.deepEqual(
      [identify(semBoard, 88n, 0x109n, 0n)].map((l) => [l.type, l.offset]),
      [['sem', 88n]],
    );
    const condBoard = board([[156, 9]]);
    assert.deepEqual(
      [identify(condBoard, 160n, 0x109n, 0n)].map((l) => [l.type, l.offset]),
      [['cond', 120n]],
    );
    const rwBoard = board([
      [208, 3],
      [216, 1],
      [220, 3],
      [232, 13384],
      [236, 1],
    ]);
    const rw = identify(rwBoard, 220n, 0x109n, 3n);
    assert.deepEqual([rw.type, rw.offset, rw.reading?.lock === 'rwlock' && rw.reading.writer], ['rwlock', 208n, 13384]);
  });

  it('says unknown futex word, with its value, for bytes that fit no lock', function () {
    const junk = board([
      [300, 0xdeadbeef],
      [304, 0xffffffff],
    ]);
    assert.deepEqual(identify(junk, 300n, 0x109n, 0xdeadbeefn), { type: 'unknown', address: BASE + 300n, offset: 300n, value: 0xdeadbeef });
    assert.equal(identify(board([[8, 7]]), 8n, 0n, 2n).type, 'unknown', 'a mutex wait on a word no mutex holds');
  });
});

describe('waits: the wait-for graph', function () {
  it('finds the deadlock of two processes on two mutexes and says it in one sentence', async function () {
    const scan = resolveWaits(DEADLOCK, 0n, 'x86_64');
    const graph = buildWaitGraph(scan, await readLocks(scan, reader(DEADLOCK_BOARD)));
    assert.deepEqual(graph.cycles, [[13311, 13312]]);
    assert.deepEqual(
      graph.diagnoses.map((d) => d.text),
      [
        'deadlock: 13311 holds anonymous shared memory (inode 225520)+8 and waits for anonymous shared memory (inode 225520)+48; 13312 holds anonymous shared memory (inode 225520)+48 and waits for anonymous shared memory (inode 225520)+8',
      ],
    );
    assert.deepEqual(
      graph.edges.map((e) => `${e.from} ${e.kind} ${e.to}`),
      ['t:13311 waits l:anon:0:1:225520+48', 't:13312 waits l:anon:0:1:225520+8', 'l:anon:0:1:225520+48 heldBy t:13312', 'l:anon:0:1:225520+8 heldBy t:13311'],
    );
  });

  it('names a /dev/shm object by its POSIX name', async function () {
    const maps = '7f5105942000-7f5105943000 rw-s 00000000 00:1b 1041                       /dev/shm/board\n';
    const scan = resolveWaits([record(4711, [futex(4711, 8n, 0n, 2n)], maps), record(4712, [futex(4712, 48n, 0n, 2n)], maps)], 0n, 'x86_64');
    const memory = board([
      [8, 2],
      [16, 4712],
      [24, 0x80],
      [48, 2],
      [56, 4711],
      [64, 0x80],
    ]);
    const graph = buildWaitGraph(scan, await readLocks(scan, reader(memory)));
    assert.equal(graph.diagnoses[0].text, 'deadlock: 4711 holds /board+48 and waits for /board+8; 4712 holds /board+8 and waits for /board+48');
  });

  it('says a lock held by a thread that no longer exists, or whose TID another process reuses, will never be released', async function () {
    const memory = board([
      [8, 2],
      [16, 13341],
      [24, 0x80],
    ]);
    const gone = resolveWaits([record(13340, []), record(13342, [futex(13342, 8n, 0n, 2n)])], 0n, 'x86_64');
    const graph = buildWaitGraph(gone, await readLocks(gone, reader(memory)));
    assert.deepEqual(
      graph.diagnoses.map((d) => [d.kind, d.text]),
      [['deadOwner', 'anonymous shared memory (inode 225520)+8 is held by thread 13341, which no longer exists: it will never be released']],
    );
    // 13341 is now a process that does not map the board: not the owner.
    const reused = resolveWaits([record(13341, [], ''), record(13342, [futex(13342, 8n, 0n, 2n)])], 0n, 'x86_64');
    assert.equal(buildWaitGraph(reused, await readLocks(reused, reader(memory))).diagnoses[0]?.kind, 'deadOwner');
    const alive = resolveWaits([record(13341, []), record(13342, [futex(13342, 8n, 0n, 2n)])], 0n, 'x86_64');
    const fine = buildWaitGraph(alive, await readLocks(alive, reader(memory)));
    assert.deepEqual([fine.diagnoses, fine.edges.filter((e) => e.kind === 'heldBy').map((e) => e.to)], [[], ['t:13341']]);
  });

  it('says a private futex wait in shared memory never gets a wake from another process', async function () {
    const scan = resolveWaits([record(13351, []), record(13352, [futex(13352, 8n, 0x80n, 2n)])], 0n, 'x86_64');
    const graph = buildWaitGraph(
      scan,
      await readLocks(
        scan,
        reader(
          board([
            [8, 2],
            [16, 13351],
          ]),
        ),
      ),
    );
    assert.deepEqual(
      graph.diagnoses.map((d) => d.kind),
      ['privateInShared'],
    );
    assert.match(graph.diagnoses[0].text, /^13352 waits on anonymous shared memory \(inode 225520\)\+8 in shared memory with a process-private futex/);
  });

  it('keeps a lock whose bytes could not be read as an unknown word, with why', async function () {
    const scan = resolveWaits(DEADLOCK, 0n, 'x86_64');
    const readings = await readLocks(scan, async () => {
      throw new Error('process 13311 maps nothing at 0x7f5105942030 (unmapped since)');
    });
    assert.deepEqual([...readings.failures.values()].length, 2);
    const graph = buildWaitGraph(scan, readings);
    assert.deepEqual(
      [graph.cycles, [...graph.nodes.values()].filter((n) => n.kind === 'lock').map((n) => n.kind === 'lock' && n.lock.type)],
      [[], ['unknown', 'unknown']],
    );
  });

  it('finds cycles of any length and a thread waiting for itself, and none in a chain', function () {
    const graph = (edges: Array<[number, number[]]>) => findCycles(new Map(edges));
    assert.deepEqual(
      graph([
        [1, [2]],
        [2, [3]],
        [3, []],
      ]),
      [],
    );
    assert.deepEqual(graph([[5, [5]]]), [[5]]);
    assert.deepEqual(
      graph([
        [3, [1]],
        [1, [2]],
        [2, [3]],
        [9, [8]],
        [8, [9]],
        [7, [1]],
      ]),
      [
        [1, 2, 3],
        [8, 9],
      ],
    );
  });
});
