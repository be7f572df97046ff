// Waits nobody is left to end (src/ipc/waits/nobodyLeft.ts), as pure logic: a sem_t at 0 that only
// its waiters map, a System V semaphore whose last changer has exited, a full System V queue with no
// receiver, a full POSIX queue only its senders hold; and the same waits with someone left, which
// are not diagnosed. The syscall lines and the sem_t bytes are as the helper reads them on x86-64
// (test/native/ipc/waits/nobodyLeft.test.ts runs the same against live processes).
import * as assert from 'node:assert/strict';
import { buildWaitGraph, type Diagnosis } from '../../../../src/ipc/waits/graph';
import { diagnoseNobodyLeft, type WaitFacts } from '../../../../src/ipc/waits/nobodyLeft';
import { readLocks } from '../../../../src/ipc/waits/readLocks';
import { resolveWaits, type ScanRecord } from '../../../../src/ipc/waits/resolve';
import type { RawWait } from '../../../../src/ipc/rawProcess';

const BASE = 0x7f5105942000n;
const ANON = `7f5105942000-7f5105943000 rw-s 00000000 00:01 225520                     /dev/zero (deleted)\n`;
/** locktool's sem_t (test/programs/locktool.c). */
const AT_SEM = 88;

function wait(tid: number, nr: number, args: bigint[], memory?: Buffer): RawWait {
  return { tid, nr, args, sinceNs: 0n, wchan: '', comm: 'w', ...(memory ? { memory } : {}) };
}

function record(pid: number, waits: RawWait[], maps = ANON, fds: NonNullable<ScanRecord['raw']>['fds'] = []): ScanRecord {
  return { pid, raw: { fds, maps: Buffer.from(maps, 'latin1'), tasks: { tids: [pid], unreadable: 0, privateWaits: 0, waits } } };
}

/** A sem_t at 0 with one waiter, process-shared: what glibc leaves while sem_wait sleeps. */
function semBoard(): Buffer {
  const b = Buffer.alloc(4096);
  b.writeBigUInt64LE(1n << 32n, AT_SEM); // value 0, 1 waiter
  b.writeInt32LE(0, AT_SEM + 8); // shared
  return b;
}

const reader = (memory: Buffer) => async (_pid: number, address: bigint, length: number) => {
  const at = Number(address - BASE);
  return memory.subarray(at, at + length);
};

const NO_FACTS: WaitFacts = { alive: () => true, semaphores: new Map(), lastReceivers: new Map(), queueHolders: new Map() };

async function diagnose(records: ScanRecord[], facts: Partial<WaitFacts> = {}, unreadable: number[] = []): Promise<Diagnosis[]> {
  const scan = resolveWaits(records, 0n, 'x86_64');
  scan.unreadablePids.push(...unreadable);
  const graph = buildWaitGraph(scan, await readLocks(scan, reader(semBoard())));
  diagnoseNobodyLeft(graph, scan, { ...NO_FACTS, ...facts });
  return graph.diagnoses;
}

// x86-64: futex 202 (FUTEX_WAIT_BITSET | shared: 9, expecting 0), semop 65 (with its sembuf read),
// msgsnd 69, mq_timedsend 242.
const semWait = (tid: number) => wait(tid, 202, [BASE + BigInt(AT_SEM), 9n, 0n, 0n, 0n, 0xffffffffn]);
const sembuf = (semnum: number, op: number) => {
  const b = Buffer.alloc(6);
  b.writeUInt16LE(semnum, 0);
  b.writeInt16LE(op, 2);
  return b;
};

describe('waits nobody is left to end', function () {
  it('a sem_t at 0 that only its waiters map: nobody else can post it', async function () {
    const [d] = await diagnose([record(50, [semWait(50)]), record(51, [semWait(51)])]);
    assert.deepEqual([d?.kind, d?.threads, d?.locks], ['noPoster', [50, 51], ['l:anon:0:1:225520+88']]);
    assert.equal(
      d.text,
      'anonymous shared memory (inode 225520)+88 is at 0, and no process but the one(s) waiting on it (processes 50, 51) maps anonymous shared memory (inode 225520), which has no name left to open it by: no other process can post it',
    );
  });

  it('a sem_t in an object with a name, which the next producer can open again: nothing said', async function () {
    const linked = `7f5105942000-7f5105943000 rw-s 00000000 00:1b 1041                     /dev/shm/board\n`;
    assert.deepEqual(await diagnose([record(50, [semWait(50)], linked)]), [], 'a /dev/shm object still linked');
    const segment = `7f5105942000-7f5105943000 rw-s 00000000 00:01 5                          /SYSV7e001234\n`;
    assert.deepEqual(await diagnose([record(50, [semWait(50)], segment)]), [], 'a System V segment, open to shmget by key');
    const removed = `7f5105942000-7f5105943000 rw-s 00000000 00:1b 1041                     /dev/shm/sem.mp-1 (deleted)\n`;
    assert.equal(
      (await diagnose([record(50, [semWait(50)], removed)]))[0]?.kind,
      'noPoster',
      "a removed named semaphore (Python's multiprocessing unlinks its own)",
    );
  });

  it('a sem_t another process maps, or with processes that could not be checked, is said with what is known', async function () {
    assert.deepEqual(await diagnose([record(50, [semWait(50)]), record(52, [])]), [], 'process 52 maps it and may post');
    const [d] = await diagnose([record(50, [semWait(50)])], {}, [1, 7]);
    assert.match(d.text, /maps anonymous shared memory \(inode 225520\) \(2 processes could not be checked\), which has no name left/);
  });

  it('a System V semaphore too low for the operation asked, whose last changer has exited', async function () {
    const waiter = record(60, [wait(60, 65, [3n, 0x7ffen, 1n, 0n, 0n, 0n], sembuf(1, -1))], '');
    const semaphores = new Map([
      [
        3,
        [
          { value: 5, lastPid: 0 },
          { value: 0, lastPid: 4711 },
        ],
      ],
    ]);
    const [d] = await diagnose([waiter], { semaphores, alive: (pid) => pid !== 4711 });
    assert.deepEqual([d?.kind, d?.locks], ['noPoster', ['o:sem:3']]);
    assert.equal(
      d.text,
      'semaphore 1 of semaphore set 3 is at 0, process 60 waits to take 1, and the last process to change it (4711) has exited: nobody is known to post it',
    );
    assert.deepEqual(await diagnose([waiter], { semaphores }), [], 'its last changer is alive: it may post again');
    const enough = new Map([
      [
        3,
        [
          { value: 5, lastPid: 0 },
          { value: 1, lastPid: 4711 },
        ],
      ],
    ]);
    assert.deepEqual(await diagnose([waiter], { semaphores: enough, alive: () => false }), [], 'a value that allows the operation: not what it waits for');
    assert.deepEqual(await diagnose([waiter], { alive: () => false }), [], 'values not read: nothing said');
  });

  it('a full System V queue: no thread waits to receive and its last receiver is gone, or nothing ever received', async function () {
    const sender = record(70, [wait(70, 69, [7n, 0x1000n, 128n, 0n, 0n, 0n])], '');
    const receivedBy = (pid: number, never = false) => new Map([[7, { pid, never }]]);
    const gone = await diagnose([sender], { lastReceivers: receivedBy(4712), alive: (pid) => pid !== 4712 });
    assert.deepEqual(
      gone.map((d) => [d.kind, d.text, d.locks]),
      [
        [
          'noReceiver',
          'message queue 7 is full, with process 70 waiting to send; no thread waits to receive and its last receiver (4712) has exited',
          ['o:msg:7'],
        ],
      ],
    );
    const never = await diagnose([sender], { lastReceivers: receivedBy(0, true) });
    assert.equal(
      never[0]?.text,
      'message queue 7 is full, with process 70 waiting to send; no thread waits to receive and no process has ever received from it',
    );
    assert.deepEqual(await diagnose([sender], { lastReceivers: receivedBy(4712) }), [], 'its last receiver is alive');
    assert.deepEqual(await diagnose([sender], { lastReceivers: receivedBy(0) }), [], 'received by a process of another pid namespace (pid 0, a receive time)');
    const receiving = record(71, [wait(71, 70, [7n, 0x1000n, 64n, 5n, 0n, 0n])], '');
    assert.deepEqual(await diagnose([sender, receiving], { lastReceivers: receivedBy(0, true) }), [], 'a thread waits to receive (another type)');
  });

  it('a full POSIX queue held open only by the processes waiting to send to it', async function () {
    const fds: NonNullable<ScanRecord['raw']>['fds'] = [['5', '/jobs', 0x13, 99, 0, 0o100600, undefined]];
    const sender = record(80, [wait(80, 242, [5n, 0x1000n, 16n, 0n, 0n, 0n])], '', fds);
    const [d] = await diagnose([sender], { queueHolders: new Map([['0:19:99', [80]]]) });
    assert.deepEqual(
      [d?.kind, d?.text],
      ['noReceiver', 'POSIX queue /jobs is full and no process but the one(s) waiting to send to it (process 80) has it open: none is there to receive'],
    );
    assert.deepEqual(await diagnose([sender], { queueHolders: new Map([['0:19:99', [80, 81]]]) }), [], 'process 81 has it open and may receive');
  });
});
