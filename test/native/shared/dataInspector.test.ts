// The contents view's data inspector against values written by a C program (test/programs/values.c):
// the bytes a C compiler lays out for int32, double, int64, uint16 in either byte order, floats,
// C strings, decoded by inspect() as the view would show them.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inspect } from '../../../src/shared/dataInspector';
import { repoRoot } from '../../support/segments';

const source = path.join(repoRoot, 'test', 'programs', 'values.c');
const hostLittle = os.endianness() === 'LE';

describe('data inspector against values written by a C program', function () {
  let dir: string;
  let bytes: Buffer;

  before(function () {
    const cc = [process.env.CC, 'cc', 'gcc', 'clang'].find((c) => c && spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
    if (!cc) throw new Error('no C compiler (tried $CC, cc, gcc, clang): install one (Debian/Ubuntu: sudo apt-get install gcc libc6-dev)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-values-'));
    const binary = path.join(dir, 'values');
    execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'] });
    bytes = execFileSync(binary);
  });

  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  /** The inspector's value of `label` for the bytes at `offset`. */
  function value(offset: number, label: string, littleEndian: boolean, end = bytes.length): string {
    const row = inspect(bytes.subarray(offset, end), littleEndian).find((r) => r.label === label);
    assert.ok(row, `no row ${label}`);
    return row.value;
  }

  it('gets the layout values.c documents', function () {
    assert.equal(bytes.length, 85);
  });

  it('reads int32 -123456 in host order and big-endian', function () {
    assert.equal(value(0, 'int32', hostLittle), '-123456');
    assert.equal(value(0, 'uint32', hostLittle), String(2 ** 32 - 123456));
    assert.equal(value(4, 'int32', false), '-123456');
    assert.notEqual(value(4, 'int32', true), '-123456', 'read with the wrong byte order it is another number');
  });

  it('reads double 3.14159 in host order and byte-swapped', function () {
    assert.equal(value(8, 'float64', hostLittle), '3.14159');
    assert.equal(value(16, 'float64', !hostLittle), '3.14159');
  });

  it('reads INT64_MIN exactly', function () {
    assert.equal(value(24, 'int64', hostLittle), '-9223372036854775808');
    assert.equal(value(24, 'uint64', hostLittle), '9223372036854775808');
  });

  it('reads uint16 0xBEEF big-endian', function () {
    assert.equal(value(32, 'uint16', false), String(0xbeef));
    assert.equal(value(32, 'int16', false), String(0xbeef - 0x10000));
    assert.equal(value(32, 'uint16', true), String(0xefbe));
    assert.equal(value(32, 'uint8', true), '190');
    assert.equal(value(32, 'binary', true), '10111110');
  });

  it('reads "hello\\n" up to its NUL, and says when the NUL is cut off', function () {
    assert.equal(value(34, 'C string', hostLittle), '"hello\\n"');
    assert.equal(value(34, 'C string', hostLittle, 40), '"hello\\n" (no NUL in 6 bytes)');
    assert.equal(value(40, 'C string', hostLittle), '""');
  });

  it('reads floats, infinities, negative zero and denormals as C wrote them', function () {
    assert.equal(value(41, 'float32', hostLittle), '3.14159');
    assert.equal(value(45, 'float32', hostLittle), '-Infinity');
    assert.equal(value(49, 'float64', hostLittle), '-0');
    assert.equal(value(73, 'float64', hostLittle), '2.2250738585072014e-308');
    assert.equal(value(81, 'float32', hostLittle), '1e-45');
  });

  it('reads 64-bit extremes beyond 2^53 exactly', function () {
    assert.equal(value(57, 'uint64', hostLittle), '18446744073709551615');
    assert.equal(value(57, 'int64', hostLittle), '-1');
    assert.equal(value(65, 'int64', hostLittle), '-2');
    assert.equal(value(65, 'uint64', hostLittle), '18446744073709551614');
  });

  it('shows "—" where the C data runs out', function () {
    assert.equal(value(81, 'float64', hostLittle), '—');
    assert.equal(value(81, 'int32', hostLittle), '1');
  });
});
