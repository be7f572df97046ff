import * as assert from 'node:assert/strict';
import {
  args,
  decodeCreatedId,
  decodeMqAttr,
  decodeMqCreate,
  decodeMsgPeek,
  decodeMsgRead,
  decodeMsgStat,
  decodeSemStat,
  decodeSemValues,
  KEEP,
  KEEP64,
  MAX_SEM_VALUES,
  MQ_ATTR_BYTES,
  MSG_STAT_BYTES,
  packArgs,
  SEM_STAT_BYTES,
  SEM_VALUE_BYTES,
  decodeError,
  decodeFileCreate,
  decodeFileStat,
  decodeResidency,
  decodeSampleTake,
  decodeShmStat,
  encodeRequest,
  FILE_STAT_BYTES,
  FrameDecoder,
  isPageResident,
  MAX_PATH_BYTES,
  MAX_REPLY_BODY,
  MAX_REQUEST_BODY,
  Op,
  PROTOCOL_VERSION,
  ProtocolError,
  SHM_STAT_BYTES,
} from '../../../src/ipc/helperProtocol';

function replyFrame(id: number, op: number, status: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(12 + payload.length);
  frame.writeUInt32LE(8 + payload.length, 0);
  frame.writeUInt32LE(id, 4);
  frame.writeUInt16LE(op, 8);
  frame.writeUInt16LE(status, 10);
  payload.copy(frame, 12);
  return frame;
}

describe('helper protocol', function () {
  it('encodes a SHM_READ request exactly as PROTOCOL.md lays it out', function () {
    const frame = encodeRequest(7, Op.ShmRead, args.shmRead(42, 2 ** 40 + 3, 4096));
    assert.equal(frame.length, 12 + 16);
    assert.equal(frame.readUInt32LE(0), 8 + 16);
    assert.equal(frame.readUInt32LE(4), 7);
    assert.equal(frame.readUInt16LE(8), 3);
    assert.equal(frame.readUInt16LE(10), 0);
    assert.equal(frame.readInt32LE(12), 42);
    assert.equal(frame.readUInt32LE(16), 4096);
    assert.equal(frame.readBigUInt64LE(20), 2n ** 40n + 3n);
  });

  it('encodes SHM_CREATE with a negative key (keys are signed 32-bit) and the exclusive flag', function () {
    const body = args.shmCreate(0xc8276653, 100, 0o1640, true);
    assert.equal(body.readInt32LE(0), -936941997);
    assert.equal(body.readUInt32LE(4), 0o640, 'only permission bits are sent');
    assert.equal(body.readUInt32LE(8), 1);
    assert.equal(body.readBigUInt64LE(16), 100n);
  });

  it('reassembles replies split at every possible byte boundary', function () {
    const a = replyFrame(1, Op.ShmRead, 0, Buffer.from('hello'));
    const b = replyFrame(2, Op.ShmStat, 22, Buffer.from('\x06EINVALbad id'));
    const stream = Buffer.concat([a, b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const replies = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(
        replies.map((r) => [r.id, r.op, r.status, r.payload.toString('latin1')]),
        [
          [1, Op.ShmRead, 0, 'hello'],
          [2, Op.ShmStat, 22, '\x06EINVALbad id'],
        ],
      );
      assert.equal(decoder.midFrame, false);
    }
  });

  it('reports a stream that stops in the middle of a frame', function () {
    const decoder = new FrameDecoder();
    decoder.push(replyFrame(1, 1, 0, Buffer.alloc(10)).subarray(0, 15));
    assert.equal(decoder.midFrame, true);
  });

  it('rejects frames that are too short or too long instead of allocating them', function () {
    const tooShort = Buffer.alloc(12);
    tooShort.writeUInt32LE(7, 0);
    assert.throws(() => new FrameDecoder().push(tooShort), ProtocolError);
    const tooLong = Buffer.alloc(4);
    tooLong.writeUInt32LE(MAX_REPLY_BODY + 1, 0);
    assert.throws(() => new FrameDecoder().push(tooLong), /frame of \d+ bytes/);
  });

  it('decodes an error reply into the errno name and message', function () {
    assert.deepEqual(decodeError(Buffer.from('\x06EACCESpermission denied')), { name: 'EACCES', message: 'permission denied' });
    assert.deepEqual(decodeError(Buffer.alloc(0)), { name: 'EUNKNOWN', message: '' });
  });

  it('refuses records shorter than their layout', function () {
    assert.throws(() => decodeShmStat(Buffer.alloc(SHM_STAT_BYTES - 1)), ProtocolError);
    const residency = Buffer.alloc(16);
    residency.writeUInt32LE(9, 8); // 9 pages need 2 bitmap bytes
    assert.throws(() => decodeResidency(residency), ProtocolError);
  });

  it('decodes the samples the helper took, and refuses a take whose runs are out of order, out of range or do not fill their record', function () {
    /** A take: head, then records of [offset, bytes] runs, then an error tail when ended. */
    const take = (records: Array<Array<[number, string]>>, opts: { ended?: string; flags?: number; extra?: number; overlap?: boolean } = {}) => {
      const parts = records.map((runs, i) => {
        const body = Buffer.concat(
          runs.map(([offset, text]) => {
            const head = Buffer.alloc(8);
            head.writeUInt32LE(offset, 0);
            head.writeUInt32LE(text.length, 4);
            return Buffer.concat([head, Buffer.from(text, 'latin1')]);
          }),
        );
        const head = Buffer.alloc(16);
        head.writeBigUInt64LE(BigInt(1000 + i), 0);
        head.writeUInt32LE(runs.length, 8);
        head.writeUInt32LE(body.length, 12);
        return Buffer.concat([head, body]);
      });
      const head = Buffer.alloc(16);
      head.writeUInt32LE(records.length, 0);
      head.writeUInt32LE(2, 4);
      head.writeUInt32LE(1, 8);
      head.writeUInt32LE(opts.flags ?? (opts.ended ? 1 : 0), 12);
      return Buffer.concat([head, ...parts, opts.ended ? Buffer.from(opts.ended, 'latin1') : Buffer.alloc(opts.extra ?? 0)]);
    };
    const decoded = decodeSampleTake(
      take([
        [
          [0, 'ab'],
          [10, 'c'],
        ],
        [],
      ]),
      16,
    );
    assert.deepEqual(
      decoded.records.map((r) => [r.monotonicNs, r.changes.map((c) => [c.offset, c.bytes.toString()])]),
      [
        [
          1000n,
          [
            [0, 'ab'],
            [10, 'c'],
          ],
        ],
        [1001n, []],
      ],
    );
    assert.deepEqual([decoded.late, decoded.skipped, decoded.end], [2, 1, undefined]);
    assert.deepEqual(decodeSampleTake(take([[[3, 'x']]], { ended: '\x05EIDRMsegment 7 was marked for removal' }), 16).end, {
      name: 'EIDRM',
      message: 'segment 7 was marked for removal',
    });
    const broken: Array<[string, Buffer]> = [
      ['a run past the range', take([[[15, 'xy']]])],
      [
        'runs out of order',
        take([
          [
            [8, 'x'],
            [2, 'y'],
          ],
        ]),
      ],
      [
        'overlapping runs',
        take([
          [
            [0, 'abc'],
            [2, 'd'],
          ],
        ]),
      ],
      ['bytes after the samples', take([[]], { extra: 3 })],
      ['unknown flags', take([], { flags: 2 })],
      ['a record cut short', take([[[0, 'abcd']]]).subarray(0, 16 + 16 + 8 + 2)],
    ];
    for (const [what, payload] of broken) assert.throws(() => decodeSampleTake(payload, 16), ProtocolError, what);
    const zero = take([[[0, 'a']]]);
    zero.writeUInt32LE(0, 16 + 16 + 4); // a run of 0 bytes
    assert.throws(() => decodeSampleTake(zero, 16), ProtocolError, 'a run of no bytes');
  });

  it('reads the residency bitmap LSB first, relative to the first page', function () {
    const payload = Buffer.alloc(18);
    payload.writeBigUInt64LE(10n, 0);
    payload.writeUInt32LE(9, 8);
    payload.writeUInt32LE(4096, 12);
    payload[16] = 0b00000101;
    payload[17] = 0b00000001;
    const residency = decodeResidency(payload);
    assert.deepEqual(
      [9, 10, 11, 12, 18, 19].map((page) => isPageResident(residency, page)),
      [false, true, false, true, true, false],
    );
  });

  it('speaks version 8: the file operations numbered 14 to 19, semaphores, message queues and POSIX queues 20 to 33, namespaces 34 and 35, the /proc scan 36 (with waits), shared memory through a process 37 and 38, sampling 39 to 41', function () {
    assert.equal(PROTOCOL_VERSION, 8);
    assert.equal(args.hello().readUInt32LE(0), 8);
    assert.deepEqual(
      [Op.NsEnter, Op.Table, Op.ProcScan, Op.ProcMemData, Op.ProcMemRead, Op.ShmSampleStart, Op.ShmSampleTake, Op.ShmSampleStop],
      [34, 35, 36, 37, 38, 39, 40, 41],
    );
    const scan = args.procScan(4096, 2);
    assert.deepEqual([scan.length, scan.readUInt32LE(0), scan.readUInt32LE(4), scan.readUInt32LE(8)], [80, 4096, 2, 0], 'no calls: no waits read');
    assert.ok(scan.subarray(12).every((b) => b === 0));
    const waits = args.procScan(0, 1, [202 | (1 << 16), 70 | (4 << 16)]);
    assert.deepEqual(
      [waits.readUInt32LE(8), waits.readUInt32LE(12), waits.readUInt32LE(16), waits.readUInt32LE(20), waits.readUInt32LE(24)],
      [1, 0, 0x100ca, 0x40046, 0],
    );
    assert.throws(() => args.procScan(0, 1, new Array(17).fill(1 << 16)), /at most 16/);
    const mem = args.procMem(4242, 0x7f0000001008n, 64, { devMajor: 0, devMinor: 1, ino: 102271 });
    assert.deepEqual(
      [mem.length, mem.readUInt32LE(0), mem.readUInt32LE(4), mem.readBigUInt64LE(8), mem.readBigUInt64LE(16), mem.readUInt32LE(28), mem.readBigUInt64LE(32)],
      [40, 4242, 0, 0x7f0000001008n, 64n, 1, 102271n],
    );
    const enter = args.nsEnter(4242, 4026532201);
    assert.deepEqual([enter.length, enter.readUInt32LE(0), enter.readUInt32LE(4), Number(enter.readBigUInt64LE(8))], [16, 4242, 0, 4026532201]);
    assert.deepEqual([Op.FileStat, Op.FileRead, Op.FileData, Op.FileCreate, Op.FileUnlink, Op.FileSet], [14, 15, 16, 17, 18, 19]);
    assert.deepEqual(
      [
        Op.SemStat,
        Op.SemValues,
        Op.SemCreate,
        Op.SemRemove,
        Op.SemSet,
        Op.MsgStat,
        Op.MsgPeek,
        Op.MsgRead,
        Op.MsgCreate,
        Op.MsgRemove,
        Op.MsgSet,
        Op.MqAttr,
        Op.MqCreate,
        Op.MqUnlink,
      ],
      [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33],
    );
  });

  it('encodes the semaphore and message queue operations as PROTOCOL.md lays them out', function () {
    const plain = args.semCreate(0xc8276653, 3, 0o1640, true);
    assert.deepEqual([plain.length, plain.readInt32LE(0), plain.readUInt32LE(4), plain.readUInt32LE(8), plain.readUInt32LE(12)], [16, -936941997, 3, 0o640, 1]);
    const withValues = args.semCreate(0, 3, 0o600, false, [0, 1, 32767]);
    assert.equal(withValues.length, 16 + 6);
    assert.deepEqual([withValues.readUInt16LE(16), withValues.readUInt16LE(18), withValues.readUInt16LE(20)], [0, 1, 32767]);
    assert.throws(() => args.semCreate(0, 3, 0o600, false, [1, 2]), /2 initial values for 3 semaphores/);
    assert.throws(() => args.semCreate(0, MAX_SEM_VALUES + 1, 0o600, false, new Array<number>(MAX_SEM_VALUES + 1).fill(0)), /at most 2036/);
    assert.ok(
      encodeRequest(1, Op.SemCreate, args.semCreate(0, MAX_SEM_VALUES, 0o600, false, new Array<number>(MAX_SEM_VALUES).fill(1))).length - 4 <= MAX_REQUEST_BODY,
    );
    const set = args.ipcSet(7, KEEP, 5, 0o640);
    assert.deepEqual([set.length, set.readInt32LE(0), set.readUInt32LE(4), set.readUInt32LE(8), set.readUInt32LE(12)], [16, 7, KEEP, 5, 0o640]);
    const peek = args.msgPeek(9, 10, 1000, 4096);
    assert.deepEqual(
      [peek.length, peek.readInt32LE(0), peek.readUInt32LE(4), peek.readUInt32LE(8), peek.readUInt32LE(12), peek.readUInt32LE(16)],
      [20, 9, 10, 1000, 4096, 0],
    );
    assert.deepEqual([...args.msgRead(9, 4)], [...packArgs(['i32', 9], ['u32', 4], ['u32', 0])]);
    assert.deepEqual([...args.msgCreate(-1, 0o1600, false)], [...packArgs(['i32', -1], ['u32', 0o600], ['u32', 0])]);
    const msgSet = args.msgSet(9, KEEP, KEEP, KEEP, KEEP64);
    assert.deepEqual([msgSet.length, msgSet.readBigUInt64LE(16)], [24, 0xffffffffffffffffn]);
    assert.equal(args.msgSet(9, KEEP, KEEP, KEEP, 16384).readBigUInt64LE(16), 16384n);
    const mq = args.mqCreate('/q', 0o1640, true, 10, 8192);
    assert.deepEqual(
      [mq.readUInt32LE(0), mq.readUInt32LE(4), mq.readBigUInt64LE(8), mq.readBigUInt64LE(16), mq.subarray(24).toString()],
      [0o640, 1, 10n, 8192n, '/q'],
    );
    assert.deepEqual(args.mqName('/q'), Buffer.from('/q'));
    assert.throws(() => args.mqName(''), /name of a POSIX message queue must not be empty/);
  });

  it('decodes semaphore values, message stats, peeked messages and queue attributes', function () {
    const stat = Buffer.alloc(SEM_STAT_BYTES);
    stat.writeInt32LE(-5, 0);
    stat.writeInt32LE(65536, 4);
    stat.writeUInt32LE(0o600, 8);
    stat.writeUInt32LE(1000, 12);
    stat.writeUInt32LE(2, 28);
    stat.writeBigInt64LE(1_700_000_000n, 32);
    const sems = Buffer.alloc(2 * SEM_VALUE_BYTES);
    sems.writeInt32LE(3, 0);
    sems.writeInt32LE(4242, 4);
    sems.writeUInt32LE(1, 8);
    sems.writeUInt32LE(0, 12);
    sems.writeInt32LE(0, 16);
    sems.writeUInt32LE(2, 28);
    const values = decodeSemValues(Buffer.concat([stat, sems]));
    assert.deepEqual(values.stat, { key: -5, semid: 65536, mode: 0o600, uid: 1000, gid: 0, cuid: 0, cgid: 0, nsems: 2, otime: 1_700_000_000, ctime: 0 });
    assert.deepEqual(values.semaphores, [
      { value: 3, lastPid: 4242, ncnt: 1, zcnt: 0 },
      { value: 0, lastPid: 0, ncnt: 0, zcnt: 2 },
    ]);
    assert.throws(() => decodeSemValues(Buffer.concat([stat, sems.subarray(1)])), /for 2 semaphores/);
    assert.throws(() => decodeSemStat(Buffer.alloc(SEM_STAT_BYTES - 1)), ProtocolError);

    const msg = Buffer.alloc(MSG_STAT_BYTES);
    msg.writeInt32LE(4, 4);
    msg.writeInt32LE(111, 28);
    msg.writeInt32LE(222, 32);
    msg.writeBigUInt64LE(30n, 40);
    msg.writeBigUInt64LE(3n, 48);
    msg.writeBigUInt64LE(16384n, 56);
    msg.writeBigInt64LE(9n, 80);
    assert.deepEqual(decodeMsgStat(msg), {
      key: 0,
      msqid: 4,
      mode: 0,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      lspid: 111,
      lrpid: 222,
      cbytes: 30,
      qnum: 3,
      qbytes: 16384,
      stime: 0,
      rtime: 0,
      ctime: 9,
    });

    const record = (index: number, mtype: bigint, size: number, preview: string) => {
      const r = Buffer.alloc(20);
      r.writeUInt32LE(index, 0);
      r.writeBigInt64LE(mtype, 4);
      r.writeUInt32LE(size, 12);
      r.writeUInt32LE(preview.length, 16);
      return Buffer.concat([r, Buffer.from(preview)]);
    };
    const head = Buffer.alloc(8);
    head.writeUInt32LE(2, 0);
    head.writeUInt32LE(1, 4);
    const peek = decodeMsgPeek(Buffer.concat([head, record(0, 2n ** 62n, 100, 'abc'), record(1, 1n, 0, '')]));
    assert.equal(peek.more, true);
    assert.deepEqual(
      peek.messages.map((m) => [m.index, m.mtype, m.size, m.preview.toString()]),
      [
        [0, 2n ** 62n, 100, 'abc'],
        [1, 1n, 0, ''],
      ],
    );
    assert.throws(() => decodeMsgPeek(Buffer.concat([head, record(0, 1n, 3, 'abc')])), /cut short after 1 of 2/);
    assert.throws(() => decodeMsgPeek(Buffer.concat([head, record(0, 1n, 3, 'abc'), record(1, 1n, 3, 'abc').subarray(0, 22)])), /preview cut short/);

    // A 32-bit helper's: the types are their low 32 bits (flags bit 1), and said to be.
    head.writeUInt32LE(1 | 2, 4);
    const low = decodeMsgPeek(Buffer.concat([head, record(0, 2n ** 31n + 7n, 1, 'a'), record(1, 5n, 1, 'b')]));
    assert.deepEqual(
      low.messages.map((m) => [m.mtype, m.mtypeLow32]),
      [
        [2n ** 31n + 7n, true],
        [5n, true],
      ],
    );

    const readHead = Buffer.alloc(16);
    readHead.writeBigInt64LE(7n, 0);
    const read = decodeMsgRead(Buffer.concat([readHead, Buffer.from('text')]));
    assert.deepEqual([read.mtype, read.mtypeLow32, read.text.toString()], [7n, undefined, 'text']);
    readHead.writeUInt32LE(2, 8);
    assert.equal(decodeMsgRead(Buffer.concat([readHead, Buffer.from('text')])).mtypeLow32, true);
    assert.throws(() => decodeMsgRead(readHead.subarray(0, 15)), ProtocolError);
    const attr = Buffer.alloc(MQ_ATTR_BYTES);
    attr.writeBigUInt64LE(10n, 0);
    attr.writeBigUInt64LE(8192n, 8);
    attr.writeBigUInt64LE(1n, 16);
    attr.writeBigUInt64LE(0o4000n, 24);
    assert.deepEqual(decodeMqAttr(attr), { maxmsg: 10, msgsize: 8192, curmsgs: 1, flags: 0o4000 });
    assert.deepEqual(decodeMqCreate(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), attr])).created, true);
    assert.deepEqual(decodeCreatedId(Buffer.from([0, 0, 0, 0, 5, 0, 0, 0])), { created: false, id: 5 });
  });

  it('encodes the file operations as PROTOCOL.md lays them out: fixed part, then the path bytes', function () {
    const id = { devMajor: 0, devMinor: 27, ino: 2 ** 40 + 5 };
    const read = args.fileRead('/dev/shm/x', id, 2 ** 33 + 1, 4096);
    assert.equal(read.length, 32 + 10);
    assert.deepEqual([read.readUInt32LE(0), read.readUInt32LE(4), read.readBigUInt64LE(8)], [0, 27, 2n ** 40n + 5n]);
    assert.equal(read.readBigUInt64LE(16), 2n ** 33n + 1n);
    assert.equal(read.readUInt32LE(24), 4096);
    assert.equal(read.readUInt32LE(28), 0, 'reserved');
    assert.equal(read.subarray(32).toString(), '/dev/shm/x');
    const data = args.fileData('/proc/12/fd/3', id, 8192, 0);
    assert.deepEqual([data.length, data.readBigUInt64LE(16), data.readBigUInt64LE(24), data.subarray(32).toString()], [32 + 13, 8192n, 0n, '/proc/12/fd/3']);
    const create = args.fileCreate('/dev/shm/é', 100, 0o1640, true);
    assert.deepEqual([create.readUInt32LE(0), create.readUInt32LE(4), create.readBigUInt64LE(8)], [0o640, 1, 100n]);
    assert.deepEqual(create.subarray(16), Buffer.from('/dev/shm/é', 'utf8'), 'UTF-8 bytes');
    assert.equal(args.fileUnlink('/dev/shm/x', id).length, 16 + 10);
    const set = args.fileSet('/dev/shm/x', id, 0xffffffff, 7, 0o600);
    assert.deepEqual([set.readUInt32LE(16), set.readUInt32LE(20), set.readUInt32LE(24), set.subarray(28).toString()], [0xffffffff, 7, 0o600, '/dev/shm/x']);
    assert.deepEqual(args.fileStat('/dev/shm/x'), Buffer.from('/dev/shm/x'));
    const bytes = Buffer.from([0x2f, 0xff, 0xfe]); // a name that is not UTF-8 goes as it is
    assert.deepEqual(args.fileStat(bytes), bytes);
  });

  it('refuses an empty path, a NUL byte and paths over 4000 bytes before anything is sent', function () {
    assert.throws(() => args.fileStat(''), /must not be empty/);
    assert.throws(() => args.fileStat('/dev/shm/a\0b'), /NUL/);
    assert.throws(() => args.fileStat(`/dev/shm/${'é'.repeat(1996)}`), /4001 bytes long.*at most 4000/);
    assert.equal(args.fileStat(`/dev/shm/${'x'.repeat(MAX_PATH_BYTES - 9)}`).length, MAX_PATH_BYTES);
    const longest = encodeRequest(1, Op.FileRead, args.fileRead(`/dev/shm/${'x'.repeat(MAX_PATH_BYTES - 9)}`, { devMajor: 0, devMinor: 0, ino: 1 }, 0, 1));
    assert.ok(longest.length - 4 <= MAX_REQUEST_BODY, 'the longest path with the largest fixed part fits one request');
    assert.throws(() => args.fileUnlink('', { devMajor: 0, devMinor: 0, ino: 1 }), ProtocolError);
  });

  it('decodes a FileStat, its nanosecond times as milliseconds exact to the microsecond', function () {
    const p = Buffer.alloc(FILE_STAT_BYTES);
    p.writeUInt32LE(0, 0);
    p.writeUInt32LE(27, 4);
    p.writeBigUInt64LE(123456789n, 8);
    p.writeUInt32LE(0o100640, 16);
    p.writeUInt32LE(1000, 20);
    p.writeUInt32LE(1001, 24);
    p.writeUInt32LE(0, 28);
    p.writeBigUInt64LE(1n << 40n, 32);
    p.writeBigUInt64LE(8n, 40);
    p.writeBigInt64LE(1_700_000_000_123_456_789n, 48);
    p.writeBigInt64LE(-1_500_000n, 56);
    p.writeBigInt64LE(0n, 64);
    assert.deepEqual(decodeFileStat(p), {
      devMajor: 0,
      devMinor: 27,
      ino: 123456789,
      mode: 0o100640,
      uid: 1000,
      gid: 1001,
      nlink: 0,
      size: 2 ** 40,
      blocks: 8,
      atimeMs: 1_700_000_000_123.456,
      mtimeMs: -1.5,
      ctimeMs: 0,
    });
    assert.throws(() => decodeFileStat(Buffer.alloc(FILE_STAT_BYTES - 1)), ProtocolError);
    const created = decodeFileCreate(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), p]));
    assert.equal(created.created, true);
    assert.equal(created.stat.ino, 123456789);
    assert.throws(() => decodeFileCreate(p), ProtocolError);
  });
});
