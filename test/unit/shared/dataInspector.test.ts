import * as assert from 'node:assert/strict';
import { formatCString, formatFloat32, inspect, inspectorTypes, MAX_C_STRING, NOT_ENOUGH } from '../../../src/shared/dataInspector';

const LABELS = ['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64', 'binary', 'C string'];

/** The rows as { label: value }. */
function values(bytes: number[] | Uint8Array, littleEndian = true): Record<string, string> {
  return Object.fromEntries(inspect(Uint8Array.from(bytes), littleEndian).map((r) => [r.label, r.value]));
}

describe('data inspector', function () {
  it('lists every type, in order, and always returns every row', function () {
    assert.deepEqual(inspectorTypes(), LABELS);
    for (let n = 0; n <= 9; n++) {
      assert.deepEqual(
        inspect(new Uint8Array(n), true).map((r) => r.label),
        LABELS,
      );
    }
  });

  it('reads -2 as int16 in both byte orders', function () {
    const le = values([0xfe, 0xff], true);
    assert.equal(le.int16, '-2');
    assert.equal(le.uint16, '65534');
    assert.equal(le.int8, '-2');
    assert.equal(le.uint8, '254');
    const be = values([0xff, 0xfe], false);
    assert.equal(be.int16, '-2');
    assert.equal(be.uint16, '65534');
    assert.equal(values([0xff, 0xfe], true).int16, '-257', 'the other byte order reads another number');
  });

  it('reads 32-bit integers', function () {
    assert.equal(values([0x78, 0x56, 0x34, 0x12]).int32, String(0x12345678));
    assert.equal(values([0xff, 0xff, 0xff, 0xff]).int32, '-1');
    assert.equal(values([0xff, 0xff, 0xff, 0xff]).uint32, '4294967295');
    assert.equal(values([0x80, 0, 0, 0], false).int32, '-2147483648');
  });

  it('reads 0x8000000000000000 exactly as int64 and uint64', function () {
    const be = values([0x80, 0, 0, 0, 0, 0, 0, 0], false);
    assert.equal(be.int64, '-9223372036854775808');
    assert.equal(be.uint64, '9223372036854775808');
    const le = values([0, 0, 0, 0, 0, 0, 0, 0x80], true);
    assert.equal(le.int64, '-9223372036854775808');
    assert.equal(le.uint64, '9223372036854775808');
    // Beyond 2^53: a Number would round these.
    assert.equal(values([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).uint64, '18446744073709551615');
    assert.equal(values([1, 0, 0, 0, 0, 0, 0x20, 0]).uint64, String(2n ** 53n + 1n));
  });

  it('reads floats as the shortest text that reads back the same', function () {
    assert.equal(values([0x00, 0x00, 0xc0, 0x3f]).float32, '1.5');
    assert.equal(values([0x3f, 0xc0, 0x00, 0x00], false).float32, '1.5');
    assert.equal(values([0x18, 0x2d, 0x44, 0x54, 0xfb, 0x21, 0x09, 0x40]).float64, String(Math.PI));
    assert.equal(values([0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], false).float64, '3.141592653589793');
    // 0.1f widens to 0.10000000149011612 as a double; as a float it is 0.1.
    assert.equal(formatFloat32(Math.fround(0.1)), '0.1');
    assert.equal(formatFloat32(Math.fround(Math.PI)), '3.1415927');
    assert.equal(formatFloat32(Math.fround(16777217)), '16777216');
    assert.equal(formatFloat32(Math.fround(3.4028234663852886e38)), '3.4028235e+38');
    assert.equal(formatFloat32(Math.fround(1e-45)), '1e-45', 'the smallest denormal');
  });

  it('spells NaN, infinities and negative zero', function () {
    const f32 = (bits: number) => values([bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24]).float32;
    assert.equal(f32(0x7fc00000), 'NaN');
    assert.equal(f32(0xffc00001), 'NaN');
    assert.equal(f32(0x7f800000), 'Infinity');
    assert.equal(f32(0xff800000), '-Infinity');
    assert.equal(f32(0x80000000), '-0');
    assert.equal(f32(0x00000000), '0');
    assert.equal(values([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]).float64, 'NaN');
    assert.equal(values([0, 0, 0, 0, 0, 0, 0xf0, 0xff]).float64, '-Infinity');
    assert.equal(values([0, 0, 0, 0, 0, 0, 0, 0x80]).float64, '-0');
  });

  it('shows the first byte in binary', function () {
    assert.equal(values([0xa5, 0xff]).binary, '10100101');
    assert.equal(values([0x01]).binary, '00000001');
  });

  it('shows a C string with C escapes, up to the NUL', function () {
    const text = [...Buffer.from('hi\n\t"q"\\', 'latin1'), 0x01, 0x7f, 0xe9, 0, 0x41, 0x42];
    assert.equal(values(text)['C string'], '"hi\\n\\t\\"q\\"\\\\\\x01\\x7f\\xe9"');
    assert.equal(values([0, 0x41])['C string'], '""');
    assert.equal(formatCString(Uint8Array.from([7, 8, 11, 12, 13, 0])), '"\\a\\b\\v\\f\\r"');
  });

  it('says when there is no NUL', function () {
    assert.equal(values([...Buffer.from('abc')])['C string'], '"abc" (no NUL in 3 bytes)');
    const long = new Uint8Array(100).fill(0x61);
    assert.equal(formatCString(long), `"${'a'.repeat(MAX_C_STRING)}"… (no NUL in 100 bytes)`);
  });

  it('cuts a long string at 64 characters and gives its length', function () {
    const bytes = new Uint8Array(101).fill(0x7a);
    bytes[100] = 0;
    assert.equal(formatCString(bytes), `"${'z'.repeat(64)}"… (strlen 100)`);
    bytes.fill(0x7a, 0, 64);
    bytes[64] = 0;
    assert.equal(formatCString(bytes), `"${'z'.repeat(64)}"`, 'exactly 64 is not cut');
  });

  it('shows "—" for types that need more bytes than there are', function () {
    assert.deepEqual(
      inspect(new Uint8Array(0), true).map((r) => r.value),
      LABELS.map(() => NOT_ENOUGH),
    );
    const three = values([1, 2, 3]);
    assert.equal(three.int8, '1');
    assert.equal(three.int16, '513');
    assert.equal(three.int32, NOT_ENOUGH);
    assert.equal(three.float32, NOT_ENOUGH);
    assert.equal(three.int64, NOT_ENOUGH);
    assert.equal(three.binary, '00000001');
    assert.equal(three['C string'], '"\\x01\\x02\\x03" (no NUL in 3 bytes)');
    const seven = values([1, 2, 3, 4, 5, 6, 7]);
    assert.equal(seven.uint32, String(0x04030201));
    assert.equal(seven.uint64, NOT_ENOUGH);
    assert.equal(seven.float64, NOT_ENOUGH);
  });

  it('decodes a view into a larger buffer from its own start, at any alignment', function () {
    const backing = new Uint8Array(32);
    backing.set([0xfe, 0xff, 0xff, 0xff], 3);
    const rows = Object.fromEntries(inspect(backing.subarray(3, 7), true).map((r) => [r.label, r.value]));
    assert.equal(rows.int32, '-2');
    assert.equal(rows.int64, NOT_ENOUGH, 'the view ends at 7 even though the buffer goes on');
  });

  it('agrees with a reference for random float32 values', function () {
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 5000; i++) {
      view.setUint32(0, Math.floor(Math.random() * 2 ** 32));
      const x = view.getFloat32(0);
      const text = formatFloat32(x);
      if (Number.isNaN(x)) {
        assert.equal(text, 'NaN');
        continue;
      }
      assert.ok(Object.is(Math.fround(Number(text)), x), `${text} reads back as ${x}`);
      // Shortest: one digit fewer does not read back.
      const digits = text
        .replace(/^-/, '')
        .replace(/e.*$/, '')
        .replace('.', '')
        .replace(/^0+|0+$/g, '').length;
      if (digits > 1) assert.notEqual(Math.fround(Number(x.toPrecision(digits - 1))), x, `${text} is not the shortest`);
    }
  });
});
