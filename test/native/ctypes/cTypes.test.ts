// C layouts from the real compiler, checked against an oracle no one here wrote: the DWARF of the
// same declarations compiled with gcc -g, read through gdb. Hand-written cases cover every construct
// the issue lists; generated ones cover their combinations.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CompileError, CompilerMissing } from '../../../src/ctypes/compiler';
import { LayoutCache, typesInFile } from '../../../src/ctypes/layouts';
import { ObjectFileError, readObjectSymbols } from '../../../src/ctypes/objectFile';
import type { CLayout } from '../../../src/shared/cLayout';
import { differences, flatten, gdbLayouts } from '../../support/cOracle';
import { generateStructs } from '../../support/cStructs';
import { testParser } from '../../support/parserFiles';

const HAND_WRITTEN = `
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
enum color { RED, GREEN = 5, BLUE = -2 };
typedef struct { float x, y, z; } vec3;
typedef vec3 position;
typedef position pos_t;
#pragma pack(push, 1)
struct packed_by_pragma { char c; int i; short s; };
#pragma pack(pop)
struct __attribute__((packed)) packed_by_attribute { char c; uint64_t u; };
struct Data {
  int a; double b; char x;
  unsigned f : 3; signed g : 5; bool h : 1; unsigned : 0; unsigned long long wide : 40; int : 4; enum color small : 4;
  struct { int q; short r; };
  union { uint32_t u; float fl; unsigned char raw[4]; } un;
  union { int ua; char ub; };
  enum color col;
  pos_t pos[2];
  struct packed_by_pragma pk;
  struct packed_by_attribute pa;
  char name[16];
  int grid[2][3];
  int *ptr; void (*cb)(int);
  long long aligned __attribute__((aligned(16)));
  struct inner { short s; struct { char deep[3]; } d; } in;
  int64_t tail[];
};
struct ring { uint32_t head, tail; struct { uint32_t seq; char text[12]; } slots[8]; };
int main(void) { printf("%zu\\n", sizeof(struct Data)); return 0; }
`;

describe('C layouts (the compiler and gdb agree)', function () {
  this.timeout(120_000);
  let dir: string;
  const cache = new LayoutCache(testParser);
  /** Always preprocesses first, then reads the whole translation unit. */
  const longWay = new LayoutCache(testParser, false);
  const setup = { compiler: 'cc', flags: [] as string[], cwd: os.tmpdir() };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-ctypes-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  function assertSameAsGdb(layout: CLayout, source: string, flags: string[] = []): void {
    const oracle = gdbLayouts(source, [layout.name], flags)[layout.name];
    assert.deepStrictEqual(differences(flatten(layout), oracle), [], layout.name);
  }

  /** Lays `typeName` out the short way (when the file allows it) and the long way, each the same as gdb's, and the two the same. */
  async function assertBothWays(file: string, typeName: string, source: string, flags: string[] = []): Promise<CLayout> {
    const short = await cache.layout({ file, typeName, setup: { ...setup, flags } });
    assertSameAsGdb(short, source, flags);
    const long = await longWay.layout({ file, typeName, setup: { ...setup, flags } });
    assertSameAsGdb(long, source, flags);
    assert.deepStrictEqual(long, short, `${typeName}: the two ways agree`);
    return short;
  }

  it('lays out every construct as gcc does: a .c file with its own main, pack, aligned, bit-fields, unions, anonymous members, arrays, enums, a flexible array, typedef chains', async () => {
    const file = write('data.c', HAND_WRITTEN);
    const layout = await cache.layout({ file, typeName: 'struct Data', setup });
    assertSameAsGdb(layout, HAND_WRITTEN);
    assert.strictEqual(layout.line, 13, 'declared where the file says');
    const byName = (name: string) => layout.root.members!.find((m) => m.name === name)!;
    assert.deepStrictEqual(byName('small').bits?.width, 4);
    assert.strictEqual(byName('small').kind, 'enum');
    assert.strictEqual(byName('g').signed, true);
    assert.strictEqual(byName('f').signed, false);
    assert.strictEqual(byName('tail').count, -1, 'a flexible array member');
    assert.strictEqual(byName('pos').element!.members!.length, 3, 'the typedef chain pos_t -> position -> vec3 is followed');
    assert.strictEqual(byName('name').element!.char, true);
    assert.strictEqual(byName('ptr').kind, 'pointer');
    assert.strictEqual(byName('cb').kind, 'pointer');
    const colors = layout.enums[byName('col').enumIndex!];
    assert.deepStrictEqual(colors.constants, [
      { name: 'RED', value: '0' },
      { name: 'GREEN', value: '5' },
      { name: 'BLUE', value: '-2' },
    ]);
  });

  it('lays out a typedef name and a struct of arrays of anonymous structs', async () => {
    const file = write('more.c', HAND_WRITTEN);
    for (const typeName of ['pos_t', 'struct ring', 'struct packed_by_attribute', 'struct packed_by_pragma']) {
      assertSameAsGdb(await cache.layout({ file, typeName, setup }), HAND_WRITTEN);
    }
  });

  it('agrees with gdb on 300 generated structs and unions (seeds 1 to 3)', async () => {
    for (const seed of [1, 2, 3]) {
      const generated = generateStructs(seed, 100);
      // One type holding one of each (those with a flexible array member last alone cannot be
      // members: they are checked one by one), so one probe covers all of them.
      const members = generated.names.filter((name) => !generated.flexible.has(name));
      const source = `${generated.source}\nstruct all_${seed} {\n${members.map((name, i) => `  ${name} t${i};`).join('\n')}\n};\n`;
      const file = write(`generated-${seed}.h`, source);
      const layout = await cache.layout({ file, typeName: `struct all_${seed}`, setup });
      assert.strictEqual(cache.lastLongWayReason, undefined, 'the header says everything itself: one compiler run, no preprocessed copy');
      assertSameAsGdb(layout, source);
      assert.deepStrictEqual(await longWay.layout({ file, typeName: `struct all_${seed}`, setup }), layout, 'the long way gives the same layout');
      for (const name of [...generated.flexible].slice(0, 3)) assertSameAsGdb(await cache.layout({ file, typeName: name, setup }), source);
    }
  });

  it('agrees with gdb on 300 generated structs and unions with what real headers have too (seeds 4 to 6, both ways, one with -fms-extensions -funsigned-bitfields)', async () => {
    for (const seed of [4, 5, 6]) {
      const flags = seed === 6 ? ['-fms-extensions', '-funsigned-bitfields'] : [];
      const generated = generateStructs(seed, 100, { extended: true, msExtensions: seed === 6 });
      const members = generated.names.filter((name) => !generated.flexible.has(name));
      const source = `${generated.source}\nstruct all_${seed} {\n${members.map((name, i) => `  ${name} t${i};`).join('\n')}\n};\n`;
      const file = write(`generated-extended-${seed}.h`, source);
      await assertBothWays(file, `struct all_${seed}`, source, flags);
      for (const name of [...generated.flexible].slice(0, 2)) await assertBothWays(file, name, source, flags);
    }
  });

  it('keeps attributes after a body, and lays out const bit-fields, tagged bodies without a name, padding-only anonymous members and bool', async () => {
    const source = `#include <stdbool.h>
struct tp { char c; int i; } __attribute__((packed));
struct ta { int a; } __attribute__((aligned(64)));
enum e2 { A2, B2 } __attribute__((packed));
struct user { char c; struct tp p; enum e2 e; struct ta t; };
typedef const struct { int q : 4; unsigned r : 3; } cq_t;
struct co { const struct { int x : 5; } in; volatile int z; };
struct tagged_inside { struct inner_tag { int x; }; int b; };
struct padding_only { int a; struct { int : 8; }; int b; };
struct flags { bool ok; bool bits : 1; };
`;
    const file = write('review.h', source);
    for (const typeName of ['struct tp', 'struct ta', 'struct user', 'cq_t', 'struct co', 'struct tagged_inside', 'struct padding_only', 'struct flags']) {
      assertSameAsGdb(await cache.layout({ file, typeName, setup }), source);
    }
    assert.strictEqual((await cache.layout({ file, typeName: 'struct tp', setup })).size, 5, 'packed after the body');
    const flags = await cache.layout({ file, typeName: 'struct flags', setup });
    assert.deepStrictEqual(
      flags.root.members!.map((m) => m.kind),
      ['bool', 'bool'],
    );
  });

  it('lays out under -std=gnu89 and with a compiler cache in compile_commands.json, and a huge array beside bit-fields quickly', async () => {
    const source = '#include <stdint.h>\nstruct big { unsigned f1 : 1, f2 : 1, f3 : 1; char huge[1000000000UL]; unsigned tail : 2; };\n';
    const file = write('big.h', source);
    const started = Date.now();
    const layout = await cache.layout({ file, typeName: 'struct big', setup: { ...setup, flags: ['-std=gnu89'] } });
    assert.ok(Date.now() - started < 20_000, 'the probe does not clear the whole gigabyte for each bit-field');
    assert.match(cache.lastLongWayReason ?? '', /too big/, 'a gigabyte record has no object per bit-field: the probe ran');
    assert.strictEqual(layout.root.members!.find((m) => m.name === 'tail')!.bits!.width, 2);
    const { flagsFromDatabase } = await import('../../../src/ctypes/compileCommands');
    const database = write(
      'compile_commands.json',
      JSON.stringify([{ directory: dir, file: 'big.c', command: 'ccache cc -DX=1 -fdiagnostics-color=always -c big.c' }]),
    );
    assert.deepStrictEqual(flagsFromDatabase(database, path.join(dir, 'big.c'))?.flags, ['-DX=1', '-fdiagnostics-color=always', '-c', 'big.c']);
  });

  it('takes the long way when the file alone cannot say, with the same result: a type from another header, an #if branch, a macro as a type, a directive inside', async () => {
    const cases: Array<[string, RegExp]> = [
      ['#include <time.h>\nstruct t { struct timespec when; int n : 3; };\n', /"struct timespec" comes from another file/],
      ['#ifdef WIDE\nstruct t { long a; };\n#else\nstruct t { short a; int n : 3; };\n#endif\n', /inside an #ifdef block/],
      ['#define COUNTER unsigned\nstruct t { COUNTER n : 3; char c; };\n', /"COUNTER" is a macro/],
      ['struct t {\n  int a;\n#ifdef EXTRA\n  int extra;\n#endif\n  unsigned n : 3;\n};\n', /preprocessor directive inside/],
      ['#include <signal.h>\nstruct t { sigset_t mask; unsigned n : 3; };\n', /"sigset_t" comes from another file/],
    ];
    for (const [source, reason] of cases) {
      const file = write('long-way.h', source);
      const layout = await cache.layout({ file, typeName: 'struct t', setup });
      assert.match(cache.lastLongWayReason ?? '', reason, source);
      assertSameAsGdb(layout, source);
    }
    const guarded = write('guarded.h', '#ifndef GUARDED_H\n#define GUARDED_H\n#include <stdint.h>\nstruct t { uint32_t a; int8_t n : 3; };\n#endif\n');
    await cache.layout({ file: guarded, typeName: 'struct t', setup });
    assert.strictEqual(cache.lastLongWayReason, undefined, 'an include guard and the standard integer names do not send it the long way');
  });

  it("follows gcc's -funsigned-bitfields: plain int bit-fields and typedefs of them turn unsigned, explicit signed ones do not", async () => {
    const source =
      'typedef int plain_t;\ntypedef signed int signed_t;\nenum e { NEG = -1, POS };\nstruct b { int p : 3; plain_t t : 3; signed_t s : 3; signed x : 3; enum e e : 2; char c : 3; _Bool f : 1; };\n';
    const file = write('unsigned-bitfields.h', source);
    for (const flags of [[], ['-funsigned-bitfields']]) {
      const layout = await cache.layout({ file, typeName: 'struct b', setup: { ...setup, flags } });
      assertSameAsGdb(layout, source, flags);
      const signedness = Object.fromEntries(layout.root.members!.map((m) => [m.name, m.signed ?? false]));
      const unsigned = flags.length > 0;
      assert.deepStrictEqual(signedness, { p: !unsigned, t: !unsigned, s: true, x: true, e: true, c: !unsigned, f: false });
    }
  });

  it("lays out for another ABI without running anything: -m32 gives i386's sizes, read from a 32-bit object file", async () => {
    const source = 'struct abi { char c; long long ll; long l; void *p; double d; unsigned bits : 5; };\n';
    const file = write('abi.h', source);
    const layout = await cache.layout({ file, typeName: 'struct abi', setup: { ...setup, flags: ['-m32'] } });
    const at = Object.fromEntries(layout.root.members!.map((m) => [m.name, [m.offset, m.size]]));
    // The i386 System V ABI: long long and double are aligned to 4 inside a struct; long and pointers are 4 bytes.
    assert.deepStrictEqual(at, { c: [0, 1], ll: [4, 8], l: [12, 4], p: [16, 4], d: [20, 8], bits: [28, 1] });
    assert.strictEqual(layout.size, 32);
    assert.deepStrictEqual(layout.root.members!.at(-1)!.bits, { first: 28 * 8, width: 5 });
  });

  it("reads the probe's tables from the object file, and refuses a damaged one in words, whatever the damage", () => {
    const object = path.join(dir, 'tables.o');
    const source = write(
      'tables.c',
      'static const long long ipcinsp_t[] __attribute__((used)) = { 1, -2, 1LL << 40 };\nstatic const char ipcinsp_s[3] __attribute__((used)) = "ab";\n',
    );
    for (const bits of ['-m64', '-m32']) {
      execFileSync('cc', [bits, '-c', '-o', object, source]);
      const bytes = fs.readFileSync(object);
      const read = readObjectSymbols(bytes, (name) => name.startsWith('ipcinsp_'));
      const table = read.symbols.get('ipcinsp_t')!;
      const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
      assert.deepStrictEqual(
        [0, 8, 16].map((at) => view.getBigInt64(at, read.littleEndian)),
        [1n, -2n, 1n << 40n],
        bits,
      );
      assert.deepStrictEqual([...read.symbols.get('ipcinsp_s')!], [0x61, 0x62, 0], bits);
      const damaged: Uint8Array[] = [];
      for (let length = 0; length < bytes.length; length += 7) damaged.push(bytes.subarray(0, length));
      let seed = 7;
      for (let i = 0; i < 3000; i++) {
        const copy = Buffer.from(bytes);
        seed = (seed * 1103515245 + 12345) >>> 0;
        copy[seed % copy.length] = seed >>> 24;
        damaged.push(copy);
      }
      for (const copy of damaged) {
        try {
          readObjectSymbols(copy, (name) => name.startsWith('ipcinsp_'));
        } catch (error) {
          assert.ok(error instanceof ObjectFileError, `${bits}: ${String(error)}`);
        }
      }
    }
  });

  it("uses the project's flags: -D sizes an array, -fpack-struct packs, -fshort-enums shrinks an enum", async () => {
    const source = 'enum e { A, B };\nstruct flags { char c; int i; enum e e; char buf[LEN]; };\n';
    const file = write('flags.h', source);
    const flags = ['-DLEN=5', '-fpack-struct=1', '-fshort-enums'];
    const layout = await cache.layout({ file, typeName: 'struct flags', setup: { ...setup, flags } });
    assertSameAsGdb(layout, source, flags);
    assert.strictEqual(layout.size, 1 + 4 + 1 + 5);
  });

  it('serves the same layout again from the cache, and computes it anew when a file it read changes', async () => {
    const header = write('cached.h', 'struct cached { int a; };\n');
    const file = write('cached.c', '#include "cached.h"\n');
    const before = cache.computed;
    const first = await cache.layout({ file, typeName: 'struct cached', setup });
    const again = await cache.layout({ file, typeName: 'struct cached', setup });
    assert.strictEqual(cache.computed, before + 1, 'computed once');
    assert.strictEqual(again, first);
    fs.writeFileSync(header, 'struct cached { int a; long b; };\n');
    const changed = await cache.layout({ file, typeName: 'struct cached', setup });
    assert.strictEqual(cache.computed, before + 2);
    assert.strictEqual(changed.size, 16);
  });

  it("says what is wrong: a compile error with its place in the user's file, a type not found, no compiler", async () => {
    const file = write('broken.h', 'struct ok { int a; };\n\nstruct broken { int a; undeclared_t b; };\n');
    await assert.rejects(cache.layout({ file, typeName: 'struct broken', setup }), (error: unknown) => {
      assert.ok(error instanceof CompileError, String(error));
      const first = error.messages.find((m) => m.severity === 'error')!;
      assert.strictEqual(first.file, file);
      assert.strictEqual(first.line, 3);
      assert.match(first.message, /undeclared_t/);
      return true;
    });
    await assert.rejects(cache.layout({ file, typeName: 'struct nowhere', setup }), /No type "struct nowhere" is declared/);
    await assert.rejects(
      cache.layout({ file, typeName: 'struct ok', setup: { ...setup, compiler: '/nonexistent/cc' } }),
      (error: unknown) => error instanceof CompilerMissing && /apt install gcc/.test(error.message),
    );
    const missingInclude = write('missing.c', '#include "not-there.h"\nstruct x { int a; };\n');
    await assert.rejects(
      cache.layout({ file: missingInclude, typeName: 'struct x', setup }),
      (error: unknown) => error instanceof CompileError && error.messages[0]?.line === 1 && /not-there\.h/.test(error.message),
    );
  });
  // What an independent comparison with gdb over the structs of real headers found (one test each).
  describe('the cases a comparison over real headers found', () => {
    it('lays out a bit-field in a union beside other members (linux/hdreg.h), also in an anonymous union', async () => {
      const source =
        'union U { unsigned a : 3; int b; };\nstruct S { int x; union { unsigned a : 3; int b; unsigned long long c : 40; }; int y; };\n' +
        'union W { struct { unsigned lo : 4, hi : 4; } nib; unsigned char byte; unsigned flag : 1; };\n';
      const file = write('union-bits.h', source);
      for (const typeName of ['union U', 'struct S', 'union W']) await assertBothWays(file, typeName, source);
    });

    it('lays out _Complex in every spelling, as complex values', async () => {
      const source =
        '#include <complex.h>\ntypedef double _Complex cplx_t;\nstruct c { _Complex double a; double _Complex b; double complex c; float __complex__ d; __complex__ long double e; _Complex float arr[2]; cplx_t z; char tail; };\n';
      const file = write('complex.h', source);
      const layout = await assertBothWays(file, 'struct c', source);
      assert.deepStrictEqual(
        layout.root.members!.map((m) => [m.name, m.kind, m.complex ?? m.element?.complex]),
        [
          ['a', 'float', true],
          ['b', 'float', true],
          ['c', 'float', true],
          ['d', 'float', true],
          ['e', 'float', true],
          ['arr', 'array', true],
          ['z', 'float', true],
          ['tail', 'int', undefined],
        ],
      );
      assert.deepStrictEqual(
        layout.root.members!.map((m) => m.type),
        ['_Complex double', '_Complex double', '_Complex double', '_Complex float', '_Complex long double', '_Complex float[2]', 'cplx_t', 'char'],
      );
    });

    it('reads the GNU spellings __signed__, __signed, __volatile__, __volatile, __const (uapi __s8), and lists no keyword as a typedef', async () => {
      const source =
        'typedef __signed__ char __s8;\ntypedef __signed short __s16;\ntypedef unsigned char __u8;\n' +
        'struct g { __s8 a; __s16 b; __volatile__ int c; __volatile long d; __const int e; __s8 bits : 3; __u8 u; };\n';
      const file = write('gnu-spellings.h', source);
      const layout = await assertBothWays(file, 'struct g', source);
      assert.strictEqual(cache.lastLongWayReason, undefined, 'the file says everything itself');
      assert.strictEqual(layout.root.members![0].type, '__s8');
      const names = (await typesInFile(file, source, testParser)).map((t) => t.name);
      assert.deepStrictEqual(names, ['__s8', '__s16', '__u8', 'struct g']);
    });

    it('keeps in the closure the names only an attribute uses (linux/netfilter_bridge/ebtables.h)', async () => {
      const source =
        '#include <stdint.h>\nenum { LINE = 64 };\nstruct wide { long double x; };\n' +
        'struct al { char c; int x __attribute__((aligned(LINE))); uint32_t y; };\n' +
        'struct ebt { unsigned n; char data[0] __attribute__ ((aligned (__alignof__(struct wide)))); };\n';
      const file = write('attribute-names.h', source);
      for (const typeName of ['struct al', 'struct ebt']) await assertBothWays(file, typeName, source);
    });

    it('reads C23 attributes: struct [[gnu::packed]] P, and [[gnu::aligned(N)]] on a member, with -std=c2x', async () => {
      const source =
        'enum { LINE = 32 };\nstruct [[gnu::packed]] P { char c; int i; };\nstruct [[gnu::aligned(16)]] Q { char c; };\nstruct R { char c; int i [[gnu::aligned(LINE)]]; struct P p; };\n';
      const file = write('c23.h', source);
      for (const typeName of ['struct P', 'struct Q', 'struct R']) await assertBothWays(file, typeName, source, ['-std=c2x']);
      assert.strictEqual((await cache.layout({ file, typeName: 'struct P', setup: { ...setup, flags: ['-std=c2x'] } })).size, 5);
    });

    it('keeps enum constants of 2^63 and more as they are (not -1)', async () => {
      const source = 'enum big { HUGE_V = 0xFFFFFFFFFFFFFFFFull, TOP = 0x8000000000000000ull, ONE = 1 };\nstruct e { enum big b; };\n';
      const file = write('big-enum.h', source);
      const layout = await assertBothWays(file, 'struct e', source);
      assert.deepStrictEqual(layout.enums[layout.root.members![0].enumIndex!].constants, [
        { name: 'HUGE_V', value: '18446744073709551615' },
        { name: 'TOP', value: '9223372036854775808' },
        { name: 'ONE', value: '1' },
      ]);
      assert.strictEqual(layout.root.members![0].signed, false);
    });

    it('follows -funsigned-bitfields for short and long long bit-fields, and keeps int32_t (glibc spells it signed int) signed', async () => {
      const source =
        '#include <stdint.h>\nstruct b7 { short a : 4; long long b : 40; int32_t c : 5; char d : 3; unsigned short e : 4; signed short f : 4; };\n';
      const file = write('unsigned-bitfields-more.h', source);
      const flags = ['-funsigned-bitfields'];
      const layout = await assertBothWays(file, 'struct b7', source, flags);
      assert.match(cache.lastLongWayReason ?? '', /depends on how another file spells its type/, 'int32_t read as it is could be either: the long way says');
      const signedness = Object.fromEntries(layout.root.members!.map((m) => [m.name, m.signed]));
      assert.deepStrictEqual(signedness, { a: false, b: false, c: true, d: false, e: false, f: true });
    });

    it('lays out a tagged struct or a typedef used as an anonymous member under -fms-extensions and -fplan9-extensions', async () => {
      const source =
        'struct A { int x; short s; };\ntypedef struct A A_t;\nunion UU { int u; float f; };\n' +
        'struct ms { char c; struct A; int y; union UU; };\nstruct ms2 { char c; A_t; int y; };\nstruct ms3 { struct B { int q; }; int z; };\n';
      const file = write('ms-extensions.h', source);
      for (const flags of [['-fms-extensions'], ['-fplan9-extensions']]) {
        for (const typeName of ['struct ms', 'struct ms2', 'struct ms3']) {
          const layout = await assertBothWays(file, typeName, source, flags);
          assert.ok(
            layout.root.members!.some((m) => m.anonymous),
            `${typeName} ${flags[0]}: an anonymous member`,
          );
        }
      }
    });

    it('lays out scalar_storage_order records: big-endian bytes and bit-fields counted from the most significant bit, each record its own order', async () => {
      const source =
        'struct in { short q; };\n' +
        'struct __attribute__((scalar_storage_order("big-endian"))) be { int a; unsigned b : 12; unsigned c : 4; short s; unsigned d : 3; double dd; struct { short y; } anon; struct in i; short arr[2]; };\n' +
        '#pragma scalar_storage_order big-endian\nstruct pb { unsigned x : 20; unsigned y : 12; struct { short z; } n; };\n#pragma scalar_storage_order default\n' +
        'struct __attribute__((scalar_storage_order("big-endian"))) bits_only { unsigned long long v : 40, w : 24; };\n';
      const file = write('storage-order.h', source);
      for (const typeName of ['struct be', 'struct pb', 'struct bits_only']) await assertBothWays(file, typeName, source);
      const be = await cache.layout({ file, typeName: 'struct be', setup });
      const at = Object.fromEntries(be.root.members!.map((m) => [m.name, m]));
      assert.deepStrictEqual([at.a.byteOrder, at.b.byteOrder, at.dd.byteOrder, at.arr.element!.byteOrder], ['big', 'big', 'big', 'big']);
      assert.deepStrictEqual(at.b.bits, { first: 32, width: 12 });
      assert.strictEqual(at.anon.members![0].byteOrder, undefined, "a nested struct has its own order (the machine's)");
      assert.strictEqual(at.i.members![0].byteOrder, undefined);
    });

    it('lays out __typeof__(char[5]) as an array, and va_list as its bytes (an array whose elements only the compiler knows)', async () => {
      const source =
        '#include <stdarg.h>\nstruct in { int v; };\nstruct ty { __typeof__(char[5]) s; va_list ap; int n; __typeof__(int) k; __typeof__(struct in) in2; };\n';
      const file = write('typeof.h', source);
      const layout = await assertBothWays(file, 'struct ty', source);
      const at = Object.fromEntries(layout.root.members!.map((m) => [m.name, m]));
      assert.deepStrictEqual([at.s.kind, at.s.count, at.s.element!.char], ['array', 5, true]);
      assert.deepStrictEqual([at.ap.kind, at.ap.size], ['other', 24]);
      assert.deepStrictEqual([at.k.kind, at.in2.kind], ['int', 'struct']);
    });

    it('tells the floating formats apart: _Float64x (x87), _Float128, _Float16, _FloatN, and _Decimal32/64/128 in their encoding', async () => {
      const source =
        'struct fl { _Float64x x; _Float128 q; __float128 q2; long double ld; _Float16 h; _Float32 f32; _Float64 f64; _Float32x f32x; _Decimal32 d32; _Decimal64 d64; _Decimal128 d128; };\n';
      const file = write('floats.h', source);
      const layout = await assertBothWays(file, 'struct fl', source);
      const formats = Object.fromEntries(layout.root.members!.map((m) => [m.name, m.decimal ?? m.mantissa]));
      assert.deepStrictEqual(formats, { x: 64, q: 113, q2: 113, ld: 64, h: 11, f32: 24, f64: 53, f32x: 53, d32: 'bid', d64: 'bid', d128: 'bid' });
    });

    it('offers in the pick list the types a macro stands in the way of, and lays them out', async () => {
      const macros = write('pick-macros.h', '#define PACK_ALL _Pragma("pack(1)")\n#define PACK_END _Pragma("pack()")\n');
      const source =
        `#include "${macros}"\n#define PACKED __attribute__((packed))\n#define ALIGN(n) __attribute__((aligned(n)))\n` +
        'struct M4 { char c; int a; } PACKED;\nstruct AL { char c; int x ALIGN(16); int y; };\nPACK_ALL struct PP { char c; int i; };\nPACK_END\n' +
        'typedef struct { char c; int q; } PACKED pq_t;\nstruct last { int z; };\n';
      const file = write('pick-list.h', source);
      const names = (await typesInFile(file, source, testParser)).map((t) => t.name);
      assert.deepStrictEqual(names, ['struct M4', 'struct AL', 'struct PP', 'pq_t', 'struct last']);
      for (const typeName of names) await assertBothWays(file, typeName, source);
      assert.strictEqual((await cache.layout({ file, typeName: 'struct PP', setup })).size, 5, '_Pragma("pack(1)") applies');
    });
  });
});
