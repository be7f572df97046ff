import * as assert from 'node:assert/strict';
import {
  args,
  decodeError,
  decodeResidency,
  decodeStat,
  encodeRequest,
  FrameDecoder,
  isPageResident,
  MAX_REPLY_BODY,
  Op,
  ProtocolError,
  STAT_BYTES,
} from '../../src/ipc/helperProtocol';

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
  it('encodes a READ request exactly as PROTOCOL.md lays it out', function () {
    const frame = encodeRequest(7, Op.Read, args.read(42, 2 ** 40 + 3, 4096));
    assert.equal(frame.length, 12 + 16);
    assert.equal(frame.readUInt32LE(0), 8 + 16);
    assert.equal(frame.readUInt32LE(4), 7);
    assert.equal(frame.readUInt16LE(8), 3);
    assert.equal(frame.readUInt16LE(10), 0);
    assert.equal(frame.readInt32LE(12), 42);
    assert.equal(frame.readUInt32LE(16), 4096);
    assert.equal(frame.readBigUInt64LE(20), 2n ** 40n + 3n);
  });

  it('encodes CREATE with a negative key (keys are signed 32-bit) and the exclusive flag', function () {
    const body = args.create(0xc8276653, 100, 0o1640, true);
    assert.equal(body.readInt32LE(0), -936941997);
    assert.equal(body.readUInt32LE(4), 0o640, 'only permission bits are sent');
    assert.equal(body.readUInt32LE(8), 1);
    assert.equal(body.readBigUInt64LE(16), 100n);
  });

  it('reassembles replies split at every possible byte boundary', function () {
    const a = replyFrame(1, Op.Read, 0, Buffer.from('hello'));
    const b = replyFrame(2, Op.Stat, 22, Buffer.from('\x06EINVALbad id'));
    const stream = Buffer.concat([a, b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const replies = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(replies.map((r) => [r.id, r.op, r.status, r.payload.toString('latin1')]), [
        [1, Op.Read, 0, 'hello'],
        [2, Op.Stat, 22, '\x06EINVALbad id'],
      ]);
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
    assert.throws(() => decodeStat(Buffer.alloc(STAT_BYTES - 1)), ProtocolError);
    const residency = Buffer.alloc(16);
    residency.writeUInt32LE(9, 8); // 9 pages need 2 bitmap bytes
    assert.throws(() => decodeResidency(residency), ProtocolError);
  });

  it('reads the residency bitmap LSB first, relative to the first page', function () {
    const payload = Buffer.alloc(18);
    payload.writeBigUInt64LE(10n, 0);
    payload.writeUInt32LE(9, 8);
    payload.writeUInt32LE(4096, 12);
    payload[16] = 0b00000101;
    payload[17] = 0b00000001;
    const residency = decodeResidency(payload);
    assert.deepEqual([9, 10, 11, 12, 18, 19].map((page) => isPageResident(residency, page)), [false, true, false, true, true, false]);
  });
});
