// The Waits view's rows and the graph page's model, from a wait picture (src/ipc/waits/present.ts,
// graphModel.ts, picture.ts): the diagnoses first with their severity, every blocked thread under
// what it waits on with the lock's state and holder, the cycle's edges marked, and keys and
// signatures that change with what a user sees and not with the clock. The scans are what the
// helper read from test/programs/locktool (x86-64, glibc 2.36), as in waits.test.ts.
import * as assert from 'node:assert/strict';
import type { RawWait } from '../../../../src/ipc/rawProcess';
import { exportedWaits } from '../../../../src/ipc/waits/exported';
import { graphModel } from '../../../../src/ipc/waits/graphModel';
import { waitPicture, waitPictureSignature, type WaitPicture } from '../../../../src/ipc/waits/picture';
import { waitRows, type DiagnosisRow, type TargetRow } from '../../../../src/ipc/waits/present';
import { resolveWaits, type ScanRecord } from '../../../../src/ipc/waits/resolve';

const BASE = 0x7f5105942000n;
const MAPS = '7f5105942000-7f5105943000 rw-s 00000000 00:1b 1041                       /dev/shm/board\n';
const CLOCK = 20_000_000_000_000n;

function futex(tid: number, offset: bigint, val: bigint, sinceNs = CLOCK - 12_000_000_000n): RawWait {
  return { tid, nr: 202, args: [BASE + offset, 0n, val, 0n, 0n, 0n], sinceNs, wchan: 'futex_do_wait', comm: 'locktool' };
}

function semop(tid: number, semid: number): RawWait {
  return { tid, nr: 65, args: [BigInt(semid), 0n, 1n, 0n, 0n, 0n], sinceNs: 0n, wchan: 'do_semtimedop', comm: 'waiter' };
}

function record(pid: number, waits: RawWait[], maps = MAPS): ScanRecord {
  return { pid, raw: { fds: [], maps: Buffer.from(maps, 'latin1'), tasks: { tids: [pid], unreadable: 0, privateWaits: 0, waits } } };
}

function board(words: Array<[number, number]>): Buffer {
  const b = Buffer.alloc(4096);
  for (const [offset, value] of words) b.writeUInt32LE(value >>> 0, offset);
  return b;
}

const reader = (memory: Buffer) => async (_pid: number, address: bigint, length: number) => {
  const at = Number(address - BASE);
  return memory.subarray(at, at + length);
};

// 4711 holds the mutex at 8 and waits for the one at 48; 4712 the other way round.
const DEADLOCK_BOARD = board([
  [8, 2],
  [16, 4711],
  [24, 0x80],
  [48, 2],
  [56, 4712],
  [64, 0x80],
]);

async function picture(records: ScanRecord[], memory: Buffer): Promise<WaitPicture> {
  return waitPicture(resolveWaits(records, CLOCK, 'x86_64'), reader(memory));
}

const deadlock = (since?: bigint) => picture([record(4711, [futex(4711, 48n, 2n, since)]), record(4712, [futex(4712, 8n, 2n, since)])], DEADLOCK_BOARD);

describe('waits: the Waits view rows', function () {
  it('puts the deadlock first, in words and as an error, then each lock with its holder and its waiter', async function () {
    const rows = waitRows({ picture: await deadlock(), takenAt: Date.UTC(2026, 11, 6, 12, 0, 0) });
    assert.deepEqual(
      rows.map((r) => [r.kind, r.label]),
      [
        ['diagnosis', 'Deadlock'],
        ['target', '/board+8'],
        ['target', '/board+48'],
      ],
    );
    const diagnosis = rows[0] as DiagnosisRow;
    assert.equal(diagnosis.severity, 'error');
    assert.equal(diagnosis.description, 'deadlock: 4711 holds /board+8 and waits for /board+48; 4712 holds /board+48 and waits for /board+8');
    assert.match(diagnosis.text, /^Deadlock: deadlock: 4711 holds \/board\+8 .*same order/);
    const lock = rows[1] as TargetRow;
    assert.equal(lock.description, 'mutex, held by 4711 · 1 waiting');
    assert.equal(lock.problem, 'error');
    assert.deepEqual(
      lock.children.map((c) => [c.kind, c.label, c.node]),
      [
        ['holder', 'held by 4711 locktool', 't:4711'],
        ['thread', '4712 locktool', 't:4712'],
      ],
    );
    const waiter = lock.children[1];
    assert.match(waiter.description, /^FUTEX_WAIT, waiting since /);
    assert.match(waiter.tooltip, /Waiting for 12 s/);
    assert.deepEqual(lock.lock, { objectId: 'file:0:27:1041', offset: 8n });
  });

  it('says a lock whose holder is gone, as an error, and the holder in the lock state', async function () {
    const memory = board([
      [8, 2],
      [16, 13341],
      [24, 0x80],
    ]);
    const rows = waitRows({ picture: await picture([record(13342, [futex(13342, 8n, 2n)])], memory), takenAt: 0 });
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['diagnosis', 'target'],
    );
    assert.equal((rows[0] as DiagnosisRow).label, 'Owner gone');
    assert.equal((rows[0] as DiagnosisRow).severity, 'error');
    assert.equal((rows[1] as TargetRow).description, 'mutex, held by 13341, which no longer exists · 1 waiting');
  });

  it('groups the threads waiting on one semaphore set under it, and counts the threads it could not read', async function () {
    const scan = resolveWaits([record(500, [semop(500, 7)], ''), record(501, [semop(501, 7)], '')], CLOCK, 'x86_64');
    scan.unreadableThreads = 3;
    scan.unreadablePids = [1];
    const rows = waitRows({ picture: await waitPicture(scan, reader(Buffer.alloc(0))), takenAt: 0 });
    assert.deepEqual(
      rows.map((r) => [r.kind, r.label, r.kind === 'target' ? r.children.map((c) => c.label) : []]),
      [
        ['target', 'semaphore set 7', ['500 waiter', '501 waiter']],
        ['note', '3 threads of 1 process could not be checked', []],
      ],
    );
    assert.match((rows[0] as TargetRow).children[0].tooltip, /How long it has waited is not told/);
  });

  it('says why when waits could not be read, and shows nothing when they were not asked for', async function () {
    const rows = waitRows({ picture: await waitPicture(undefined, undefined), takenAt: 0 });
    assert.deepEqual(
      rows.map((r) => [r.kind, r.label]),
      [['note', 'Waits could not be read']],
    );
    assert.deepEqual(waitRows({ picture: undefined, takenAt: 0 }), []);
  });
});

describe('waits: the graph page model', function () {
  it('marks the cycle: its four edges and both threads and locks in the error colour, with the sentence', async function () {
    const model = graphModel(await deadlock());
    assert.deepEqual(
      model.edges.filter((e) => e.cycle).map((e) => e.id),
      model.edges.map((e) => e.id),
    );
    assert.equal(model.edges.length, 4);
    assert.deepEqual(
      model.nodes.map((n) => [n.id, n.kind, n.problem, n.label]),
      [
        ['l:file:0:27:1041+48', 'lock', 'error', '/board+48'],
        ['l:file:0:27:1041+8', 'lock', 'error', '/board+8'],
        ['t:4711', 'thread', 'error', '4711 locktool'],
        ['t:4712', 'thread', 'error', '4712 locktool'],
      ],
    );
    assert.deepEqual(
      model.diagnoses.map((d) => [d.severity, d.text]),
      [['error', 'deadlock: 4711 holds /board+8 and waits for /board+48; 4712 holds /board+48 and waits for /board+8']],
    );
    assert.equal(model.empty, undefined);
  });

  it('keeps the key while only the time waited changes, and changes it when a lock changes hands', async function () {
    const a = graphModel(await deadlock(CLOCK - 5_000_000_000n));
    const b = graphModel(await deadlock(CLOCK - 9_000_000_000n));
    assert.equal(a.key, b.key);
    const released = board([
      [8, 2],
      [16, 4711],
      [24, 0x80],
      [48, 0],
      [64, 0x80],
    ]);
    const c = graphModel(await picture([record(4711, [futex(4711, 48n, 2n)]), record(4712, [futex(4712, 8n, 2n)])], released));
    assert.notEqual(c.key, a.key);
    assert.equal(
      c.edges.some((e) => e.cycle),
      false,
    );
  });

  it('says what it shows when nothing waits', async function () {
    const model = graphModel(await picture([record(1, [])], Buffer.alloc(0)));
    assert.deepEqual([model.nodes, model.edges], [[], []]);
    assert.match(model.empty!, /No thread is blocked/);
  });
});

describe('waits: the picture signature', function () {
  it('is the same while threads only wait longer, and differs when a lock state or a waiter changes', async function () {
    const first = waitPictureSignature(await deadlock(CLOCK - 5_000_000_000n));
    assert.equal(waitPictureSignature(await deadlock(CLOCK - 9_000_000_000n)), first);
    const one = await picture([record(4711, [futex(4711, 48n, 2n)]), record(4712, [])], DEADLOCK_BOARD);
    assert.notEqual(waitPictureSignature(one), first);
    assert.equal(waitPictureSignature(undefined), '');
  });
});

describe('waits: in the export document', function () {
  it('has the blocked threads, the locks decoded, the graph with its cycle and the diagnoses, as plain JSON', async function () {
    const json = JSON.parse(JSON.stringify(exportedWaits(await deadlock()))) as {
      read: boolean;
      blocked: Array<{
        pid: number;
        waitedMs: number;
        on: { type: string; words: Array<{ object: string; offset: number; address: string; private: boolean }> };
      }>;
      objects: Array<{ type: string; name: string; ino: number }>;
      graph: { nodes: Array<{ id: string; kind: string; reading?: { state: string; owner: number } }>; edges: unknown[]; cycles: number[][] };
      diagnoses: Array<{ kind: string; text: string }>;
    };
    assert.equal(json.read, true);
    assert.deepEqual(
      json.blocked.map((t) => [t.pid, t.waitedMs, t.on.type, t.on.words[0].offset, t.on.words[0].address, t.on.words[0].private]),
      [
        [4711, 12000, 'futex', 48, (BASE + 48n).toString(16), false],
        [4712, 12000, 'futex', 8, (BASE + 8n).toString(16), false],
      ],
    );
    assert.deepEqual(json.objects, [
      { type: 'devShm', id: 'file:0:27:1041', name: '/dev/shm/board', device: '0:27', ino: 1041, path: '/dev/shm/board', deleted: false },
    ]);
    assert.deepEqual(json.graph.cycles, [[4711, 4712]]);
    assert.equal(json.graph.edges.length, 4);
    const lock = json.graph.nodes.find((n) => n.id === 'l:file:0:27:1041+8')!;
    assert.deepEqual([lock.kind, lock.reading?.state, lock.reading?.owner], ['lock', 'held', 4711]);
    assert.deepEqual(
      json.diagnoses.map((d) => d.kind),
      ['deadlock'],
    );
    assert.deepEqual(exportedWaits(undefined), null);
    assert.deepEqual(exportedWaits(await waitPicture(undefined, undefined)), {
      read: false,
      why: ((await waitPicture(undefined, undefined)) as { why: string }).why,
    });
  });
});
