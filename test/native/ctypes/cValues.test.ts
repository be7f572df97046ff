// Values of C fields decoded from live shared memory, against a C program that wrote known values
// of every kind (test/programs/ctvalues.c) into a System V segment and into a POSIX object; and
// values of the kinds a real header can have decoded from a compiled program's bytes, against gdb
// printing the same object.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { LayoutCache } from '../../../src/ctypes/layouts';
import type { CField, CLayout } from '../../../src/shared/cLayout';
import { cInitializer, valueOf } from '../../../src/shared/cValues';
import { freshName, shmPath, trackName, cleanupPosixObjects } from '../../support/posixObjects';
import { cleanupAll, dumpSegment, freshKey, repoRoot, trackSegment } from '../../support/segments';
import { killSpawned, spawnReady } from '../../support/spawned';
import { testParser } from '../../support/parserFiles';
import { fieldAtPath, gdbValues, sameAsGdbText } from '../../support/cOracle';
import { testTemp } from '../../support/tempDirs';

const ctvalues = path.join(repoRoot, 'native', 'bin', 'ctvalues');
const header = path.join(repoRoot, 'test', 'programs', 'ctvalues.h');

/** What a user should read in the fields panel for what ctvalues.c wrote. */
const EXPECTED: Record<string, string> = {
  i8: '-8',
  u8: '250',
  i16: '-1600',
  u16: '65000',
  i32: '-2000000000',
  u32: '4000000000',
  i64: '-9223372036854775808',
  u64: '18446744073709551615',
  f: '3.14159',
  d: '-2.5e-300',
  name: '"sensor-7"',
  mode: 'MODE_FAULT (-1)',
  flags: '5',
  level: '-9',
  on: 'true',
  'path[1][0].x': '10',
  'path[1][1].y': '-11',
  counter: '41',
  self: '0x1234',
};

/** The field at a path like `path[1][0].x`, and the shift of the array elements on the way. */
function fieldAt(layout: CLayout, at: string): { field: CField; shift: number } {
  let field = layout.root;
  let shift = 0;
  for (const part of at.match(/[^.[\]]+|\[\d+\]/g)!) {
    if (part.startsWith('[')) {
      shift += Number(part.slice(1, -1)) * field.element!.size;
      field = field.element!;
    } else {
      field = field.members!.find((m) => m.name === part)!;
      assert.ok(field, `no member ${part}`);
    }
  }
  return { field, shift };
}

describe('C values in live shared memory (ctvalues.c wrote them)', function () {
  this.timeout(60_000);
  let layout: CLayout;
  const dir = testTemp('ipcinsp-cvalues-');

  before(async function () {
    if (!fs.existsSync(ctvalues)) this.skip();
    layout = await new LayoutCache(testParser).layout({ file: header, typeName: 'struct known', setup: { compiler: 'cc', flags: [], cwd: dir } });
  });
  afterEach(async () => {
    await killSpawned();
    await cleanupAll();
    await cleanupPosixObjects();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function check(bytes: Buffer): void {
    const byteAt = (offset: number) => (offset < bytes.length ? bytes[offset] : -1);
    for (const [at, text] of Object.entries(EXPECTED)) {
      const { field, shift } = fieldAt(layout, at);
      assert.strictEqual(valueOf(layout, field, shift, byteAt, bytes.length).text, text, at);
    }
  }

  it('decodes a System V segment, and sees the counter change', async () => {
    const key = freshKey();
    const program = await spawnReady(ctvalues, ['sysv', `0x${key.toString(16)}`]);
    const shmid = trackSegment(Number(program.firstLine.split(' ')[1]));
    check(dumpSegment(shmid).subarray(0, layout.size));
    const bumped = new Promise<string>((resolve) => program.child.stdout.once('data', (d) => resolve(String(d))));
    program.child.stdin.write('bump\n');
    assert.match(await bumped, /bumped 42/);
    const { field, shift } = fieldAt(layout, 'counter');
    const bytes = dumpSegment(shmid);
    assert.strictEqual(valueOf(layout, field, shift, (o) => bytes[o], bytes.length).text, '42');
  });

  it('decodes a POSIX object, and copies it as a C initializer that compiles back to the same bytes', async () => {
    const name = trackName(freshName());
    await spawnReady(ctvalues, ['posix', name]);
    const bytes = fs.readFileSync(shmPath(name));
    check(bytes);
    const initializer = cInitializer(layout, layout.root, 0, (o) => bytes[o], bytes.length);
    // The initializer, compiled into a program that writes the object out, gives the same bytes
    // (the padding aside: the program zeroes it, as ctvalues.c does).
    const program = path.join(dir, 'back.c');
    fs.writeFileSync(
      program,
      `#include "${header}"\n#include <stdio.h>\n#include <string.h>\n#include <math.h>\n#include <stddef.h>\nint main(void) { static struct known k; memset(&k, 0, sizeof k); struct known v = ${initializer}; memcpy(&k, &v, sizeof k); fwrite(&k, sizeof k, 1, stdout); return 0; }\n`,
    );
    const { execFileSync } = await import('child_process');
    execFileSync('cc', ['-w', '-o', path.join(dir, 'back'), program]);
    const back = execFileSync(path.join(dir, 'back'));
    const { field } = fieldAt(layout, 'counter');
    assert.deepStrictEqual(back.subarray(0, field.offset), bytes.subarray(0, field.offset), initializer);
  });
});

/** The bytes of the members shown only as bytes (`other`), at `shift`. */
function opaqueBytes(field: CField, shift: number): Set<number> {
  const out = new Set<number>();
  if (field.kind === 'other') for (let i = 0; i < field.size; i++) out.add(shift + field.offset + i);
  for (const member of field.members ?? []) for (const i of opaqueBytes(member, shift)) out.add(i);
  if (field.element) {
    for (let k = 0; k < Math.max(0, field.count ?? 0); k++) for (const i of opaqueBytes(field.element, shift + k * field.element.size)) out.add(i);
  }
  return out;
}

describe('C values against gdb (the bytes of a compiled object, and gdb printing it)', function () {
  this.timeout(120_000);
  const dir = testTemp('ipcinsp-cvalues-gdb-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Lays `typeName` out both ways, decodes every member of an object initialized with
   * `initializer` as the fields panel does, and compares each with what gdb prints for it; then
   * copies the object as C and checks that the copy compiles back to the same bytes.
   */
  async function assertValuesAsGdb(name: string, source: string, typeName: string, initializer: string, flags: string[] = []): Promise<Record<string, string>> {
    const file = path.join(dir, `${name}.h`);
    fs.writeFileSync(file, source);
    const printed = gdbValues(`#include "${file}"\n${typeName} ipcinsp_v = ${initializer};\n`, 'ipcinsp_v', flags);
    const byteAt = (offset: number) => printed.bytes[offset] ?? -1;
    const shown: Record<string, string> = {};
    for (const shortWay of [true, false]) {
      const layout = await new LayoutCache(testParser, shortWay).layout({ file, typeName, setup: { compiler: 'cc', flags, cwd: dir } });
      assert.strictEqual(layout.size, printed.bytes.length);
      for (const [at, text] of Object.entries(printed.values)) {
        const found = fieldAtPath(layout, at);
        assert.ok(found, `${at}: no such field`);
        const ours = valueOf(layout, found.field, found.shift, byteAt, layout.size).text;
        const same = sameAsGdbText(found.field, ours, text);
        if (same !== undefined) assert.ok(same, `${name} ${at}: the panel says ${ours}, gdb ${text}`);
        shown[at] = ours;
      }
      const copied = cInitializer(layout, layout.root, 0, byteAt, layout.size);
      const back = gdbValues(`#include "${file}"\n#include <math.h>\n${typeName} ipcinsp_v = ${copied};\n`, 'ipcinsp_v', flags);
      // A member shown only as its bytes (va_list) has no initializer to copy it by: left out.
      const opaque = opaqueBytes(layout.root, 0);
      const kept = (bytes: number[]) => bytes.map((b, i) => (opaque.has(i) ? 0 : b));
      assert.deepStrictEqual(kept(back.bytes), kept(printed.bytes), `${name}: Copy as C compiles back to the same bytes: ${copied}`);
    }
    return shown;
  }

  it('decodes complex values as their two parts, in every spelling', async () => {
    const shown = await assertValuesAsGdb(
      'complex',
      '#include <complex.h>\nstruct c { _Complex double a; double _Complex b; double complex c; float __complex__ d; __complex__ long double e; _Complex float arr[2]; };\n',
      'struct c',
      '{ 1.5 + 2.0i, -0.25, 3.0i, -1.0f - 3.5fi, 1.25L + 0.5Li, { 1.0f, 2.0fi } }',
    );
    assert.strictEqual(shown.a, '1.5 + 2i');
    assert.strictEqual(shown.d, '-1 + -3.5i');
  });

  it('decodes an enum constant of 2^64 - 1 by its name', async () => {
    const shown = await assertValuesAsGdb(
      'big-enum',
      'enum big { HUGE_V = 0xFFFFFFFFFFFFFFFFull, ONE = 1 };\nstruct e { enum big b; enum big c; };\n',
      'struct e',
      '{ HUGE_V, 7 }',
    );
    assert.strictEqual(shown.b, 'HUGE_V (18446744073709551615)');
    assert.strictEqual(shown.c, '7 (no constant)');
  });

  it('decodes bit-fields as -funsigned-bitfields makes them: short and long long unsigned, int32_t signed', async () => {
    const shown = await assertValuesAsGdb(
      'unsigned-bitfields',
      '#include <stdint.h>\nstruct b7 { short a : 4; long long b : 40; int32_t c : 5; signed short f : 4; };\n',
      'struct b7',
      '{ -1, -2, -3, -4 }',
      ['-funsigned-bitfields'],
    );
    assert.deepStrictEqual(shown, { a: '15', b: '1099511627774', c: '-3', f: '-4' });
  });

  it('decodes scalar_storage_order("big-endian") records: integers, floats, arrays and bit-fields of 12 bits', async () => {
    const shown = await assertValuesAsGdb(
      'storage-order',
      'struct __attribute__((scalar_storage_order("big-endian"))) be { int a; unsigned b : 12; unsigned c : 4; short s; unsigned d : 3; double dd; short arr[2]; unsigned long long w : 40; struct { short y; } anon; };\n' +
        '#pragma scalar_storage_order big-endian\nstruct pb { unsigned x : 20; int y : 12; float f; };\n#pragma scalar_storage_order default\nstruct both { struct be be; struct pb pb; };\n',
      'struct both',
      '{ { 0x01020304, 0xabc, 5, -2, 5, 1.5, { 258, -3 }, 0x123456789a, { 513 } }, { 0xabcde, -100, 0.5f } }',
    );
    assert.strictEqual(shown['be.a'], '16909060');
    assert.strictEqual(shown['be.b'], '2748');
    assert.strictEqual(shown['pb.y'], '-100');
  });

  it('decodes the floating formats: _Float64x, _Float128, _Float16, _FloatN, and _Decimal32/64/128 (BID)', async () => {
    const shown = await assertValuesAsGdb(
      'floats',
      'struct fl { _Float64x x; _Float128 q; long double ld; _Float16 h; _Float32 f32; _Float64 f64; _Float32x f32x; _Decimal32 d32; _Decimal64 d64; _Decimal128 d128; _Decimal64 tiny; _Decimal32 neg; };\n',
      'struct fl',
      '{ 1.5, 2.25, -0.75L, 2.5, 0.1f32, 1e300, 3.0, 1.5DF, -0.005DD, 1.5E+300DL, 1E-398DD, -7.50DF }',
    );
    assert.deepStrictEqual([shown.x, shown.d32, shown.d64, shown.d128, shown.neg], ['1.5', '1.5', '-0.005', '1.5E+300', '-7.50']);
  });

  it('shows __typeof__(char[5]) as a string and va_list as its bytes, never as an address', async () => {
    const shown = await assertValuesAsGdb(
      'typeof',
      '#include <stdarg.h>\nstruct ty { __typeof__(char[5]) s; va_list ap; int n; };\n',
      'struct ty',
      '{ "abcd", { { 8, 48, 0, 0 } }, 3 }',
    );
    assert.strictEqual(shown.n, '3');
    assert.match(shown['ap[0].gp_offset'] ?? '', /^08 00 00 00 30 00 00 00/);
  });
});
