// C layouts from the real compiler, checked against an oracle no one here wrote: the DWARF of the
// same declarations compiled with gcc -g, read through gdb. Hand-written cases cover every construct
// the issue lists; generated ones cover their combinations.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CompileError, CompilerMissing } from '../../src/ctypes/compiler';
import { LayoutCache } from '../../src/ctypes/layouts';
import { ObjectFileError, readObjectSymbols } from '../../src/ctypes/objectFile';
import type { CLayout } from '../../src/shared/cLayout';
import { flatten, gdbLayouts } from '../support/cOracle';
import { generateStructs } from '../support/cStructs';
import { testParser } from '../support/parserFiles';

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
    assert.deepStrictEqual(flatten(layout), oracle);
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
    const { flagsFromDatabase } = await import('../../src/ctypes/compileCommands');
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
});
