import * as assert from 'node:assert/strict';
import {
  changedOffsets,
  formatOffset,
  hexByte,
  mergeRanges,
  offsetDigits,
  offsetsToRanges,
  parseHexPattern,
  printableChar,
  toCArray,
  toHexString,
  toText,
} from '../../../src/shared/hexFormat';
import { MAX_SEARCH_PATTERN } from '../../../src/shared/contentsProtocol';

const bytes = (...values: number[]) => Uint8Array.from(values);

/** A reference changedOffsets: the plain byte loop. */
function naiveChanged(a: Uint8Array, b: Uint8Array, base: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) out.push(base + i);
  return out;
}

describe('hex formatting', function () {
  it('chooses enough, even, offset digits', function () {
    assert.equal(offsetDigits(0), 4);
    assert.equal(offsetDigits(1), 4);
    assert.equal(offsetDigits(0x10000), 4, 'largest offset 0xffff');
    assert.equal(offsetDigits(0x10001), 6, 'largest offset 0x10000 needs 5, rounded up to 6');
    assert.equal(offsetDigits(0x1000000), 6);
    assert.equal(offsetDigits(0x1000001), 8);
    assert.equal(offsetDigits(2 ** 32), 8);
    assert.equal(offsetDigits(2 ** 32 + 1), 10);
    assert.equal(offsetDigits(Number.MAX_SAFE_INTEGER), 14);
  });

  it('formats offsets in lowercase, padded, never cut', function () {
    assert.equal(formatOffset(0, 4), '0000');
    assert.equal(formatOffset(0xabc, 6), '000abc');
    assert.equal(formatOffset(0x123456, 4), '123456');
    assert.equal(formatOffset(2 ** 40, 8), '10000000000');
  });

  it('formats single bytes', function () {
    assert.equal(hexByte(0), '00');
    assert.equal(hexByte(0xab), 'ab');
    assert.equal(hexByte(0xff), 'ff');
    for (let b = 0; b < 256; b++) assert.equal(hexByte(b), b.toString(16).padStart(2, '0'));
    assert.equal(printableChar(0x41), 'A');
    assert.equal(printableChar(0x20), ' ');
    assert.equal(printableChar(0x7e), '~');
    for (const b of [0, 0x09, 0x0a, 0x1f, 0x7f, 0x80, 0xe9, 0xff]) assert.equal(printableChar(b), '.');
  });

  it('copies as hex, grouped or not', function () {
    const data = bytes(0xde, 0xad, 0xbe, 0xef, 0x01);
    assert.equal(toHexString(data), 'de ad be ef 01');
    assert.equal(toHexString(data, 2), 'dead beef 01');
    assert.equal(toHexString(data, 4), 'deadbeef 01');
    assert.equal(toHexString(data, 8), 'deadbeef01');
    assert.equal(toHexString(new Uint8Array(0)), '');
    assert.equal(toHexString(bytes(0xde, 0xad, 0xbe, 0xef).subarray(1), 2), 'adbe ef', 'groups count from the start of the selection');
  });

  it('copies large selections as hex exactly', function () {
    const big = new Uint8Array(100_003).map((_, i) => (i * 7) & 0xff);
    for (const grouping of [1, 2, 4, 8] as const) {
      const text = toHexString(big, grouping);
      const groups = text.split(' ');
      assert.equal(groups.length, Math.ceil(big.length / grouping));
      assert.ok(groups.slice(0, -1).every((g) => g.length === grouping * 2));
      assert.deepEqual(Buffer.from(groups.join(''), 'hex'), Buffer.from(big));
    }
  });

  it('copies as a C array, 12 bytes a line', function () {
    assert.equal(toCArray(bytes(0xde, 0xad, 0xbe, 0xef)), 'const unsigned char data[4] = {\n    0xde, 0xad, 0xbe, 0xef\n};');
    const thirteen = new Uint8Array(13).map((_, i) => i);
    assert.equal(
      toCArray(thirteen, 'header'),
      'const unsigned char header[13] = {\n' + '    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,\n' + '    0x0c\n' + '};',
    );
    assert.equal(toCArray(new Uint8Array(12)).split('\n').length, 3, 'exactly 12 bytes make one line');
    assert.equal(toCArray(new Uint8Array(0)), 'const unsigned char data[0] = {\n};');
  });

  it('makes the C array name a valid identifier', function () {
    assert.match(toCArray(bytes(1), 'shm 0x1234+10'), /^const unsigned char shm_0x1234_10\[1\]/);
    assert.match(toCArray(bytes(1), '9lives'), /^const unsigned char _9lives\[1\]/);
    assert.match(toCArray(bytes(1), ''), /^const unsigned char data\[1\]/);
  });

  it('copies as text with non-printables as dots', function () {
    assert.equal(toText(Buffer.from('hi\nthere\x00\x7f~ ', 'latin1')), 'hi.there..~ ');
    assert.equal(toText(bytes(0xe9, 0x41)), '.A');
    const big = new Uint8Array(70_000).map((_, i) => i & 0xff);
    const text = toText(big);
    assert.equal(text.length, big.length);
    for (let i = 0; i < big.length; i += 997) assert.equal(text[i], printableChar(big[i]));
  });
});

describe('hex search patterns', function () {
  const parsed = (text: string) => {
    const r = parseHexPattern(text);
    return r.ok ? r.bytes : r.error;
  };

  it('accepts the usual spellings', function () {
    const deadbeef = [0xde, 0xad, 0xbe, 0xef];
    assert.deepEqual(parsed('de ad be ef'), deadbeef);
    assert.deepEqual(parsed('deadbeef'), deadbeef);
    assert.deepEqual(parsed('0xde 0xad 0xbe 0xef'), deadbeef);
    assert.deepEqual(parsed('0xdeadbeef'), deadbeef);
    assert.deepEqual(parsed('DE-AD-BE-EF'), deadbeef);
    assert.deepEqual(parsed('de:ad:be:ef'), deadbeef);
    assert.deepEqual(parsed('0xDE, 0xAD, 0XBE, 0xef'), deadbeef);
    assert.deepEqual(parsed('  dead\tbeef \n'), deadbeef);
    assert.deepEqual(parsed('00'), [0]);
  });

  it('refuses what it would have to guess', function () {
    assert.match(parsed('') as string, /type hex bytes/);
    assert.match(parsed('   ') as string, /type hex bytes/);
    assert.match(parsed('abc') as string, /odd number/);
    assert.match(parsed('de a be') as string, /"a" has an odd number/);
    assert.match(parsed('0xf') as string, /odd number/);
    assert.match(parsed('de ag') as string, /"g" is not a hex digit/);
    assert.match(parsed('hello') as string, /"h" is not a hex digit/);
    assert.match(parsed('0x') as string, /no hex digits/);
    assert.match(parsed('de 0x 12') as string, /no hex digits/);
  });

  it('limits a pattern to what the protocol takes', function () {
    assert.equal((parsed('ab'.repeat(MAX_SEARCH_PATTERN)) as number[]).length, MAX_SEARCH_PATTERN);
    assert.match(parsed('ab'.repeat(MAX_SEARCH_PATTERN + 1)) as string, /at most 4096 bytes/);
  });
});

describe('changed bytes', function () {
  it('finds changed offsets relative to a base', function () {
    assert.deepEqual(changedOffsets(bytes(1, 2, 3), bytes(1, 9, 3), 100), [101]);
    assert.deepEqual(changedOffsets(bytes(1, 2, 3), bytes(1, 2, 3)), []);
    assert.deepEqual(changedOffsets(bytes(), bytes()), []);
    assert.deepEqual(changedOffsets(bytes(1, 2, 3, 4), bytes(0, 2), 0), [0], 'only the common length is compared');
  });

  it('finds every change whatever the alignment of either array', function () {
    const backingA = new Uint8Array(300);
    const backingB = new Uint8Array(300);
    for (let round = 0; round < 400; round++) {
      const offA = round % 5;
      const offB = (round >> 2) % 5;
      const length = (round * 37) % 260;
      backingA.fill(0);
      backingB.fill(0);
      for (let i = 0; i < 300; i++) backingA[i] = backingB[i] = (i * 13 + round) & 0xff;
      const a = backingA.subarray(offA, offA + length);
      const b = backingB.subarray(offB, offB + length);
      b.set(a);
      // Changes at the ends, at word edges and at random places.
      for (const at of [0, 1, 3, 4, length - 1, length - 4, (round * 7) % Math.max(1, length)]) {
        if (at >= 0 && at < length && round % 3 !== 0) b[at] ^= 1 + (round & 0x7f);
      }
      assert.deepEqual(changedOffsets(a, b, 1000), naiveChanged(a, b, 1000), `round ${round}`);
    }
  });

  // (Its speed is measured by bench/'s live refresh row, not asserted: timed assertions fail on busy machines.)
  it('compares a 64 KiB window with changes every 1000 bytes', function () {
    const a = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
    const b = a.slice();
    for (let i = 0; i < b.length; i += 1000) b[i] ^= 0xff;
    assert.deepEqual(changedOffsets(a, b, 0), naiveChanged(a, b, 0));
  });

  it('turns offsets into ranges and merges ranges', function () {
    assert.deepEqual(offsetsToRanges([1, 2, 3, 7, 9, 10]), [
      { start: 1, end: 4 },
      { start: 7, end: 8 },
      { start: 9, end: 11 },
    ]);
    assert.deepEqual(offsetsToRanges([]), []);
    assert.deepEqual(
      mergeRanges([
        { start: 10, end: 12 },
        { start: 0, end: 2 },
        { start: 2, end: 4 },
        { start: 11, end: 20 },
        { start: 5, end: 5 },
        { start: 13, end: 14 },
      ]),
      [
        { start: 0, end: 4 },
        { start: 10, end: 20 },
      ],
    );
  });
});
