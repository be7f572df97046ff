// PROC_SCAN's reply (native/PROTOCOL.md) decoded into the records the /proc scan parses: the layout
// byte by byte (task sections of waiting threads included), and every malformed reply (cut short
// anywhere, trailing bytes, pids out of order, more records than processes, more unreadable threads
// than threads) refused with a ProtocolError instead of a wrong picture.
import * as assert from 'node:assert/strict';
import { decodeProcScan, ProtocolError } from '../../../src/ipc/helperProtocol';

interface Descriptor {
  fd: number;
  mode: number;
  dev: bigint;
  ino: bigint;
  size: bigint;
  target: string;
  fdinfo?: string;
}

interface Wait {
  tid: number;
  nr: number;
  args: bigint[];
  sinceNs: bigint;
  wchan: string;
  comm: string;
  memory?: Buffer;
}

interface Tasks {
  tids: number[];
  unreadable: number;
  privateWaits: number;
  waits: Wait[];
}

interface Record {
  pid: number;
  tasks?: Tasks;
  mapsError?: string;
  nsError?: string;
  fdError?: string;
  maps?: string;
  ns?: string;
  cmdline?: string;
  fds?: Descriptor[];
}

/** What the helper would send, laid out as PROTOCOL.md says (written here independently of the decoder). */
function encode(listed: number, nothing: number, records: Record[], clockNs = 123_456_789_000n): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const u64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return b;
  };
  const tasks = (t: Tasks) => {
    parts.push(u32(t.tids.length), u32(t.unreadable), u32(t.privateWaits), u32(t.waits.length), ...t.tids.map(u32));
    for (const w of t.waits) {
      const head = Buffer.alloc(68);
      head.writeUInt32LE(w.tid, 0);
      head.writeUInt32LE(w.nr, 4);
      w.args.forEach((a, i) => head.writeBigUInt64LE(a, 8 + 8 * i));
      head.writeBigUInt64LE(w.sinceNs, 56);
      head[64] = w.wchan.length;
      head[65] = Buffer.byteLength(w.comm);
      head.writeUInt16LE(w.memory?.length ?? 0, 66);
      parts.push(head, Buffer.from(w.wchan), Buffer.from(w.comm), w.memory ?? Buffer.alloc(0));
    }
  };
  parts.push(u32(listed), u32(nothing), u32(records.length), u32(0), u64(clockNs));
  for (const r of records) {
    const head = Buffer.alloc(20);
    head.writeUInt32LE(r.pid, 0);
    head[4] = r.mapsError?.length ?? 0;
    head[5] = r.nsError?.length ?? 0;
    head[6] = r.fdError?.length ?? 0;
    head[7] = (r.ns !== undefined ? 1 : 0) | (r.cmdline !== undefined ? 2 : 0) | (r.tasks ? 8 : 0);
    head.writeUInt32LE(r.maps?.length ?? 0, 8);
    head.writeUInt16LE(r.ns?.length ?? 0, 12);
    head.writeUInt16LE(r.cmdline?.length ?? 0, 14);
    head.writeUInt32LE(r.fds?.length ?? 0, 16);
    parts.push(head);
    if (r.mapsError) {
      parts.push(Buffer.from(r.mapsError));
      if (r.tasks) tasks(r.tasks);
      continue;
    }
    parts.push(Buffer.from(r.nsError ?? ''), Buffer.from(r.maps ?? '', 'latin1'), Buffer.from(r.ns ?? ''));
    for (const d of r.fds ?? []) {
      const dh = Buffer.alloc(36);
      dh.writeUInt32LE(d.fd, 0);
      dh.writeUInt32LE(d.mode, 4);
      dh.writeBigUInt64LE(d.dev, 8);
      dh.writeBigUInt64LE(d.ino, 16);
      dh.writeBigUInt64LE(d.size, 24);
      dh.writeUInt16LE(Buffer.byteLength(d.target), 32);
      dh.writeUInt16LE(d.fdinfo === undefined ? 0xffff : d.fdinfo.length, 34);
      parts.push(dh, Buffer.from(d.target), Buffer.from(d.fdinfo ?? ''));
    }
    parts.push(Buffer.from(r.fdError ?? ''), Buffer.from(r.cmdline ?? '', 'latin1'));
    if (r.tasks) tasks(r.tasks);
  }
  return Buffer.concat(parts);
}

// What the helper sent for real (test/programs/locktool's robust mutex waiter, x86-64): futex on
// the mutex's word with FUTEX_WAIT and the owner's tid | FUTEX_WAITERS; a semop with its sembuf.
const FUTEX_WAIT: Wait = {
  tid: 30760,
  nr: 202,
  args: [0x7f86996a2028n, 0n, 0x80007649n, 0n, 0x7f86996a2048n, 0x7f86994b4740n],
  sinceNs: 10450658080485n,
  wchan: 'futex_do_wait',
  comm: 'locktool',
};
const SEMOP: Wait = {
  tid: 30761,
  nr: 220,
  args: [3n, 0x7ffe58165f50n, 1n, 0n, 0n, 0n],
  sinceNs: 0n,
  wchan: '__do_semtimedop',
  comm: 'wörker',
  memory: Buffer.from([0, 0, 0xff, 0xff, 0, 0]),
};
const WITH_TASKS: Record[] = [
  { pid: 5, mapsError: 'EACCES', tasks: { tids: [5, 6, 9], unreadable: 3, privateWaits: 0, waits: [] } },
  {
    pid: 30759,
    maps: '7f86996a2000-7f86996a3000 rw-s 00000000 00:01 102271 /dev/zero (deleted)\n',
    cmdline: 'locktool\0',
    tasks: { tids: [30759, 30760, 30761, 30762], unreadable: 0, privateWaits: 1, waits: [FUTEX_WAIT, SEMOP] },
  },
  { pid: 30800, tasks: { tids: [30800], unreadable: 0, privateWaits: 0, waits: [] } },
];

const SAMPLE: Record[] = [
  { pid: 7, mapsError: 'EACCES' },
  {
    pid: 42,
    maps: '7f0000000000-7f0000001000 r--s 00000000 00:01 5 /SYSV7e000001\n',
    ns: 'ipc:[4026531839]',
    cmdline: 'shmtool\0hold\0',
    fds: [
      { fd: 3, mode: 0o120700, dev: 0x1an, ino: 99n, size: 8192n, target: '/dev/shm/ipcinsp-test-é (deleted)' },
      { fd: 9, mode: 0o120000, dev: 0x1an, ino: 100n, size: 2n ** 40n, target: '/memfd:x', fdinfo: 'pos:\t0\nflags:\t012000000\n' },
    ],
  },
  { pid: 43, nsError: 'ENOENT', maps: 'x /SYSV00000000\n', fdError: 'EACCES' },
];

describe('PROC_SCAN reply', function () {
  it('decodes every part of every record', function () {
    const scan = decodeProcScan(encode(10, 7, SAMPLE));
    assert.deepEqual([scan.listed, scan.nothing], [10, 7]);
    assert.deepEqual(
      scan.records.map((r) => r.pid),
      [7, 42, 43],
    );
    const [denied, holder, broken] = scan.records.map((r) => r.raw);
    assert.deepEqual(denied, { fds: [], mapsError: 'EACCES' });
    assert.equal(Buffer.from(holder.maps!).toString('latin1'), SAMPLE[1].maps);
    assert.equal(holder.ns, 'ipc:[4026531839]');
    assert.equal(Buffer.from(holder.cmdline!).toString('latin1'), 'shmtool\0hold\0');
    assert.deepEqual(holder.fds, [
      ['3', '/dev/shm/ipcinsp-test-é (deleted)', 0x1a, 99, 8192, 0o120700, undefined],
      ['9', '/memfd:x', 0x1a, 100, 2 ** 40, 0o120000, 'pos:\t0\nflags:\t012000000\n'],
    ]);
    assert.deepEqual([broken.nsError, broken.fdError, broken.ns, broken.cmdline], ['ENOENT', 'EACCES', undefined, undefined]);
  });

  it('refuses a reply cut short at any byte, or with a byte too many', function () {
    const whole = encode(10, 7, SAMPLE);
    for (let length = 0; length < whole.length; length++) {
      assert.throws(() => decodeProcScan(whole.subarray(0, length)), ProtocolError, `cut at ${length} of ${whole.length}`);
    }
    assert.throws(() => decodeProcScan(Buffer.concat([whole, Buffer.from([0])])), /after the last process/);
  });

  it('decodes the task sections: thread ids, counts, and each waiting thread with its call, sleep, names and memory', function () {
    const scan = decodeProcScan(encode(10, 7, WITH_TASKS, 10451150878445n));
    assert.equal(scan.clockNs, 10451150878445n);
    const [denied, waiter, idle] = scan.records.map((r) => r.raw);
    assert.deepEqual(denied, { fds: [], mapsError: 'EACCES', tasks: { tids: [5, 6, 9], unreadable: 3, privateWaits: 0, waits: [] } });
    assert.deepEqual(waiter.tasks?.tids, [30759, 30760, 30761, 30762]);
    assert.equal(waiter.tasks?.privateWaits, 1);
    const [futex, semop] = waiter.tasks!.waits;
    assert.deepEqual({ ...futex }, { ...FUTEX_WAIT });
    assert.deepEqual({ ...semop, memory: Buffer.from(semop.memory!) }, SEMOP);
    assert.equal(Buffer.from(waiter.cmdline!).toString('latin1'), 'locktool\0');
    assert.deepEqual(idle, { fds: [], tasks: { tids: [30800], unreadable: 0, privateWaits: 0, waits: [] } });
  });

  it('refuses task sections cut short at any byte, and more unreadable threads than threads', function () {
    const whole = encode(10, 7, WITH_TASKS);
    for (let length = 0; length < whole.length; length++) {
      assert.throws(() => decodeProcScan(whole.subarray(0, length)), ProtocolError, `cut at ${length} of ${whole.length}`);
    }
    const lying = [{ ...WITH_TASKS[0], tasks: { tids: [5], unreadable: 2, privateWaits: 0, waits: [] } }];
    assert.throws(() => decodeProcScan(encode(10, 7, lying)), /2 unreadable threads of 1 \(process 5\)/);
  });

  it('refuses pids out of order and more records than processes listed', function () {
    assert.throws(() => decodeProcScan(encode(10, 0, [SAMPLE[1], SAMPLE[0]])), /out of order \(pid 7 after 42\)/);
    assert.throws(() => decodeProcScan(encode(3, 1, SAMPLE)), /3 records and 1 idle processes of 3 listed/);
  });
});
