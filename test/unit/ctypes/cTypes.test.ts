// The pure parts of the C-type view: reading declarations (closure, pragmas, line markers,
// attributes), compile flags, and decoding values from bytes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseC } from '../../../src/ctypes/cParser';
import { flagsFromDatabase, splitCommand } from '../../../src/ctypes/compileCommands';
import { layoutFlags, parseCompilerMessages, parseDependencies } from '../../../src/ctypes/compiler';
import { TranslationUnit } from '../../../src/ctypes/declarations';
import { blankAttributes, blankCplusplus } from '../../../src/ctypes/parseCopy';
import type { CField, CLayout } from '../../../src/shared/cLayout';
import { formatFloat32, stringLiteral, valueOf } from '../../../src/shared/cValues';
import { testParser } from '../../support/parserFiles';

const read = (text: string, file = 'x.h') => TranslationUnit.read(text, file, (t) => parseC(t, testParser));

describe('C declarations', () => {
  it('lists struct, union, enum and typedef names with their lines', async () => {
    const unit = await read('struct a { int x; };\n\ntypedef union { int i; } u_t;\nenum e { A };\nstruct fwd;\n');
    assert.deepStrictEqual(
      unit.types().map((t) => `${t.kind} ${t.name}:${t.line}`),
      ['struct struct a:1', 'typedef u_t:3', 'enum enum e:4'],
    );
    unit.dispose();
  });

  it('finds types inside include guards, #if blocks and extern "C"', async () => {
    const unit = await read(
      '#ifndef H\n#define H\n#ifdef __cplusplus\nextern "C" {\n#endif\nstruct guarded { int a; };\n#if X\ntypedef int in_if;\n#else\ntypedef long in_else;\n#endif\n#ifdef __cplusplus\n}\n#endif\n#endif\n',
    );
    assert.deepStrictEqual(
      unit
        .types()
        .map((t) => t.name)
        .sort(),
      ['in_else', 'in_if', 'struct guarded'],
    );
    unit.dispose();
  });

  it('reads a header as a C compiler does around __cplusplus: extern "C" blocks and C++-only branches go, positions stay', () => {
    const text =
      '#ifdef __cplusplus\nextern "C" {\n#endif\nstruct a { int x; };\n#if defined(__cplusplus)\n}\n#endif\n#ifndef __cplusplus\ntypedef int c_only;\n#else\ntypedef long cpp_only;\n#endif\n#ifdef __cplusplus\n#elif X\n#endif\n';
    const blanked = blankCplusplus(text);
    assert.strictEqual(blanked.length, text.length);
    assert.deepStrictEqual(
      blanked
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
      ['struct a { int x; };', 'typedef int c_only;', '#ifdef __cplusplus', '#elif X', '#endif'],
    );
  });

  it("says when a file as it is cannot tell a type's members (then the layout preprocesses it first)", async () => {
    const cases: Array<[string, string | undefined]> = [
      ['#ifndef G\n#define G\n#include <stdint.h>\nstruct t { uint32_t a; unsigned : 3; int : 0; bool b; };\n#endif\n', undefined],
      ['#ifdef __cplusplus\nextern "C" {\n#endif\nstruct t { int a; };\n#ifdef __cplusplus\n}\n#endif\n', undefined],
      ['struct t { struct timespec ts; };\n', '"struct timespec" comes from another file'],
      ['struct t { pthread_mutex_t m; };\n', '"pthread_mutex_t" comes from another file'],
      ['#define T int\nstruct t { T a; };\n', '"T" is a macro'],
      ['#if A\nstruct t { int a; };\n#endif\n', 'the declaration at line 2 is inside an #if block'],
      ['struct t {\n#if A\n int a;\n#endif\n};\n', 'the declaration at line 1 has a preprocessor directive inside'],
      ['struct t { int a ALIGNED(8); };\n', 'a declaration at line 1 does not parse as it is'],
      ['typedef int n_t;\ntypedef long n_t;\nstruct t { n_t a; };\n', '"n_t" is declared more than once'],
    ];
    for (const [text, reason] of cases) {
      const unit = await read(text);
      assert.strictEqual(unit.whyNotStandalone('struct t'), reason, text);
      unit.dispose();
    }
  });

  it('takes what a type needs, in order, with #pragma pack kept, and nothing else', async () => {
    const text =
      'typedef int unused_t;\nenum { N = 3 };\ntypedef unsigned short u16;\n#pragma pack(push, 1)\nstruct inner { u16 a[N]; };\n#pragma pack(pop)\nstruct outer { struct inner i; };\nstruct other { long l; };\nint f(void) { return 1; }\n';
    const unit = await read(text);
    const closure = unit.closure('struct outer');
    assert.deepStrictEqual(
      closure.split('\n').filter((l) => l && !l.startsWith('# ')),
      [
        'enum { N = 3 };',
        'typedef unsigned short u16;',
        '#pragma pack(push, 1)',
        'struct inner { u16 a[N]; };',
        '#pragma pack(pop)',
        'struct outer { struct inner i; };',
      ],
    );
    assert.match(closure, /# 5 "x.h"\nstruct inner/);
    unit.dispose();
  });

  it("follows line markers into the user's files, also inside a declaration", async () => {
    const text =
      '# 1 "/usr/include/stdint.h" 1 3 4\ntypedef unsigned int uint32_t;\n# 7 "/home/u/a.c" 2\nstruct s {\n  uint32_t a;\n# 1 "/usr/include/stdbool.h" 3 4\n  _Bool\n# 9 "/home/u/a.c"\n  b;\n};\n';
    const unit = await read(text);
    assert.deepStrictEqual(
      unit.types().find((t) => t.name === 'struct s'),
      { name: 'struct s', kind: 'struct', file: '/home/u/a.c', line: 7 },
    );
    assert.match(unit.closure('struct s'), /# 1 "\/usr\/include\/stdbool.h" 3 4\n  _Bool\n# 9 "\/home\/u\/a.c"\n {2}b;/);
    unit.dispose();
  });

  it('reads GNU keyword spellings and _Complex, and never lists a keyword as a typedef name', async () => {
    const unit = await read(
      'typedef __signed__ char __s8;\ntypedef __signed int s32;\ntypedef double _Complex cplx;\nstruct g { __volatile__ int v; __const long c; float __complex__ f; };\n',
    );
    assert.deepStrictEqual(
      unit.types().map((t) => t.name),
      ['__s8', 's32', 'cplx', 'struct g'],
    );
    assert.strictEqual(unit.whyNotStandalone('struct g'), undefined, 'every member parses');
    unit.dispose();
  });

  it('lists types a macro stands in the way of: after a body, on a member, before a struct, before a typedef name; C23 attributes too', async () => {
    const text =
      '#define PACKED __attribute__((packed))\n#define ALIGN(n) __attribute__((aligned(n)))\n#define NOTHING\n#define N 3\n' +
      'struct M4 { char c; int a; } PACKED;\nstruct AL { int x ALIGN(16); int y[N]; };\nPACK1 struct PP { char c; };\nEXPORT(x) union UU { int u; };\n' +
      'typedef struct { int q; } PACKED pq_t;\nNOTHING struct [[gnu::packed]] P { char c; int i; };\n';
    const unit = await read(text);
    assert.deepStrictEqual(
      unit.types().map((t) => `${t.name}:${t.line}`),
      ['struct M4:5', 'struct AL:6', 'struct PP:7', 'union UU:8', 'pq_t:9', 'struct P:10'],
    );
    assert.match(unit.closure('struct AL'), /int y\[N\]/, 'a macro with a value is not blanked');
    unit.dispose();
    // A #define continued over lines ends where its last backslash says (linux/fuse.h).
    const continued = await read('#define SIZE(d) \\\n\tALIGN_UP(OFFSET + (d)->len)\n\nstruct after_define { int a; };\n');
    assert.deepStrictEqual(
      continued.types().map((t) => t.name),
      ['struct after_define'],
    );
    continued.dispose();
  });

  it("lists the types of a glibc header as it is: macros after a function's parameters blanked, declarations inside what the parser gave up on kept", async () => {
    const text =
      '#ifndef _X_H\n#define _X_H 1\n#include <features.h>\n__BEGIN_DECLS\nstruct random_data { int *fptr; int rand_type; };\n' +
      'extern int random_r (struct random_data *__restrict __buf, int *__restrict __result) __THROW __nonnull ((1, 2)) __wur;\n' +
      'extern int (*handler (int __sig)) (int) __THROW;\nint cast_is_no_declarator = (int) 3;\nstruct drand48_data { unsigned short __x[3]; };\n' +
      'extern void __assert_fail (const char *__assertion) __THROW __attribute__ ((__noreturn__)) SOMETHING(x) ODD;\n__END_DECLS\n#endif\n';
    const unit = await read(text);
    assert.deepStrictEqual(
      unit.types().map((t) => t.name),
      ['struct random_data', 'struct drand48_data'],
    );
    assert.strictEqual(unit.whyNotStandalone('struct drand48_data'), undefined, 'read as it is, nothing is in doubt');
    unit.dispose();
  });

  it('puts the ; after a body on a line of its own when a line marker ends the declaration (glibc sys/epoll.h)', async () => {
    const text = '# 1 "e.h"\nstruct epoll_event\n{\n  int events;\n} \n# 88 "e.h" 3 4\n __attribute__ ((__packed__))\n# 88 "e.h"\n               ;\n';
    const unit = await read(text);
    assert.match(unit.closure('struct epoll_event'), /__attribute__ \(\(__packed__\)\)\n# 88 "e\.h"\n;\n$/);
    unit.dispose();
  });

  it('keeps in a closure what an attribute names: a constant, a tag', async () => {
    const unit = await read(
      '# 1 "x.h"\nenum { LINE = 64 };\nstruct wide { long double x; };\nenum { UNUSED = 1 };\nstruct al { int x __attribute__((aligned(LINE))); char d[0] __attribute__((aligned(__alignof__(struct wide)))); };\n',
    );
    assert.deepStrictEqual(
      unit
        .closure('struct al')
        .split('\n')
        .filter((l) => l && !l.startsWith('# ')),
      [
        'enum { LINE = 64 };',
        'struct wide { long double x; };',
        'struct al { int x __attribute__((aligned(LINE))); char d[0] __attribute__((aligned(__alignof__(struct wide)))); };',
      ],
    );
    unit.dispose();
  });

  it('finds attributes in code only: a comment or a string with [[ or __attribute__(( blanks nothing', () => {
    const text = '/* [[ see */ struct a { int x; }; // __attribute__((\nstruct b { char s[2]; } __attribute__((aligned(8)));\nconst char *q = "[[";\n';
    const blanked = blankAttributes(text);
    assert.strictEqual(blanked.length, text.length);
    assert.strictEqual(blanked.replace(/ +/g, ' '), text.replace('__attribute__((aligned(8)))', '').replace(/ +/g, ' '));
  });

  it('blanks GNU attributes for the parser without moving anything, strings and nesting included', () => {
    const text = 'union __attribute__((packed, aligned(8))) u {\n int a __attribute__((deprecated("x)"))); };';
    const blanked = blankAttributes(text);
    assert.strictEqual(blanked.length, text.length);
    assert.strictEqual(blanked.replace(/ +/g, ' '), 'union u {\n int a ; };');
  });
});

describe('compile flags', () => {
  it('splits a compile_commands command line as a shell would', () => {
    assert.deepStrictEqual(splitCommand(`cc -DNAME="a b" -I'my dir' -DQ=\\"x\\" -c a.c`), ['cc', '-DNAME=a b', '-Imy dir', '-DQ="x"', '-c', 'a.c']);
  });

  it('keeps what changes a layout, drops outputs, dependencies, warnings and sources; the probe also drops -I, -D and -include', () => {
    const flags = [
      '-Iinc',
      '-D',
      'X=1',
      '-m32',
      '-fpack-struct=2',
      '-Werror',
      '-Wall',
      '-MD',
      '-MF',
      'a.d',
      '-o',
      'a.o',
      '-c',
      'a.c',
      '-include',
      'cfg.h',
      '-std=gnu11',
    ];
    assert.deepStrictEqual(layoutFlags(flags), ['-Iinc', '-D', 'X=1', '-m32', '-fpack-struct=2', '-include', 'cfg.h', '-std=gnu11']);
    assert.deepStrictEqual(layoutFlags(flags, true), ['-m32', '-fpack-struct=2', '-std=gnu11']);
  });

  it("finds a file's flags in compile_commands.json, and a header's from the nearest source", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-ccdb-'));
    try {
      const database = path.join(dir, 'compile_commands.json');
      fs.writeFileSync(
        database,
        JSON.stringify([
          { directory: dir, file: 'src/a.c', arguments: ['cc', '-DA', '-c', 'src/a.c'] },
          { directory: dir, file: 'lib/b.c', command: 'cc -DB -c lib/b.c' },
        ]),
      );
      assert.deepStrictEqual(flagsFromDatabase(database, path.join(dir, 'src/a.c'))?.flags, ['-DA', '-c', 'src/a.c']);
      assert.deepStrictEqual(flagsFromDatabase(database, path.join(dir, 'lib/b.h'))?.flags, ['-DB', '-c', 'lib/b.c']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the files of a dependency list as make would: continuations, escaped spaces, $$, and -MP's phony rules left out", () => {
    const text = 'probe.o: /tmp/p/probe.c /home/u/my\\ dir/a.h \\\n /usr/include/stdio.h /x/$$y.h\n/usr/include/stdio.h:\n';
    assert.deepStrictEqual(parseDependencies(text), ['/tmp/p/probe.c', '/home/u/my dir/a.h', '/usr/include/stdio.h', '/x/$y.h']);
  });

  it("reads the compiler's located messages", () => {
    assert.deepStrictEqual(
      parseCompilerMessages(
        "/w/a.h:3:25: error: unknown type name 'x'\nIn file included from b.c:1:\n/w/a.h:1:10: fatal error: y.h: No such file or directory\n",
      ),
      [
        { file: '/w/a.h', line: 3, column: 25, severity: 'error', message: "unknown type name 'x'" },
        { file: '/w/a.h', line: 1, column: 10, severity: 'error', message: 'y.h: No such file or directory' },
      ],
    );
  });
});

describe('C values from bytes', () => {
  const field = (f: Partial<CField>): CField => ({ name: 'v', type: 't', kind: 'int', offset: 0, size: 4, align: 4, ...f });
  const layout = (root: CField): CLayout => ({
    name: 't',
    size: 64,
    align: 8,
    root,
    enums: [{ name: 'enum e', constants: [{ name: 'A', value: '-1' }] }],
    file: 'x',
    line: 1,
  });
  const show = (f: CField, bytes: number[], end = bytes.length) => valueOf(layout(f), f, 0, (o) => (o < bytes.length ? bytes[o] : -1), end).text;

  it('reads signed and unsigned integers of every width, little endian', () => {
    assert.strictEqual(show(field({ size: 2, signed: true }), [0xfe, 0xff]), '-2');
    assert.strictEqual(show(field({ size: 2, signed: false }), [0xfe, 0xff]), '65534');
    assert.strictEqual(show(field({ size: 8, signed: true }), [0, 0, 0, 0, 0, 0, 0, 0x80]), '-9223372036854775808');
    assert.strictEqual(show(field({ size: 16, signed: false }), [...Array(15).fill(0), 1]), (1n << 120n).toString());
  });

  it('reads bit-fields: the bits only, sign-extended when signed, across a byte boundary', () => {
    // bits 6..9 hold 0b1011 (11, or -5 as a signed 4-bit field)
    const bytes = [0b11000000, 0b10, 0];
    assert.strictEqual(show(field({ bits: { first: 6, width: 4 }, signed: false }), bytes), '11');
    assert.strictEqual(show(field({ bits: { first: 6, width: 4 }, signed: true }), bytes), '-5');
  });

  it('reads floats of 2, 4, 8 bytes, x87 extended and binary128 in 16 (told apart by the mantissa digits)', () => {
    assert.strictEqual(show(field({ kind: 'float', size: 2 }), [0x00, 0x3c]), '1');
    assert.strictEqual(show(field({ kind: 'float', size: 4 }), [...Buffer.from(new Float32Array([0.1]).buffer)]), '0.1');
    assert.strictEqual(show(field({ kind: 'float', size: 8 }), [...Buffer.from(new Float64Array([-2.5e-300]).buffer)]), '-2.5e-300');
    // 1.5 as x87 extended: mantissa 0xC000000000000000, exponent 16383
    assert.strictEqual(show(field({ kind: 'float', size: 16, mantissa: 64 }), [0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f, 0, 0, 0, 0, 0, 0]), '1.5');
    // 1.5 as binary128 (long double on arm64, __float128): exponent 0x3fff, the fraction's top bit
    assert.strictEqual(show(field({ kind: 'float', size: 16, mantissa: 113 }), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]), '1.5');
    assert.strictEqual(
      show(field({ kind: 'float', size: 16 }), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0]),
      'not decoded (00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 c0)',
      '16 bytes without the digits could be x87 or binary128: said, not guessed',
    );
    // bfloat16 (__bf16): 1.5 is 0x3fc0; as binary16 the same bytes would read 1.9375.
    assert.strictEqual(show(field({ kind: 'float', size: 2, mantissa: 8 }), [0xc0, 0x3f]), '1.5');
    assert.strictEqual(formatFloat32(Math.fround(3.14159)), '3.14159');
  });

  it('reads decimal floats in the binary encoding (BID) as IEEE 754 writes them, and says a DPD one is not decoded', () => {
    const bid = (f: Partial<CField>, hex: string) => show(field({ kind: 'float', ...f }), [...Buffer.from(hex, 'hex').reverse()]);
    // _Decimal32 1.5 is 15 x 10^-1: exponent 100 (bias 101), coefficient 15.
    assert.strictEqual(bid({ size: 4, decimal: 'bid' }, '3200000f'), '1.5');
    assert.strictEqual(bid({ size: 4, decimal: 'bid' }, 'b200004b'), '-7.5');
    assert.strictEqual(bid({ size: 8, decimal: 'bid' }, 'b160000000000005'), '-0.005');
    assert.strictEqual(bid({ size: 4, decimal: 'bid' }, '78000000'), 'Infinity');
    assert.strictEqual(bid({ size: 4, decimal: 'bid' }, '7c000000'), 'NaN');
    // The coefficient's top bits implied (11 after the sign): 9,999,999 x 10^90 in 32 bits.
    assert.strictEqual(bid({ size: 4, decimal: 'bid' }, '77f8967f'), '9.999999E+96');
    assert.strictEqual(bid({ size: 4, decimal: 'dpd' }, '2250000f'), 'not decoded (0f 00 50 22)');
  });

  it('reads complex values as their two parts, and big-endian scalars and bit-fields (scalar_storage_order)', () => {
    const parts = [...Buffer.from(new Float64Array([1.5, -2]).buffer)];
    assert.strictEqual(show(field({ kind: 'float', size: 16, complex: true, mantissa: 53 }), parts), '1.5 + -2i');
    assert.strictEqual(show(field({ size: 4, signed: true, byteOrder: 'big' }), [0xff, 0xff, 0xff, 0xfe]), '-2');
    // A 12-bit field from the most significant bit of byte 0 (0xabc), then a 4-bit one after it (5).
    assert.strictEqual(show(field({ bits: { first: 0, width: 12 }, byteOrder: 'big' }), [0xab, 0xc5]), '2748');
    assert.strictEqual(show(field({ bits: { first: 12, width: 4 }, byteOrder: 'big' }), [0xab, 0xc5]), '5');
    assert.strictEqual(show(field({ bits: { first: 12, width: 4 }, signed: true, byteOrder: 'big' }), [0xab, 0xcd]), '-3');
  });

  it('names enum constants, says when a value has none, and shows pointers as addresses', () => {
    assert.strictEqual(show(field({ kind: 'enum', signed: true, enumIndex: 0 }), [0xff, 0xff, 0xff, 0xff]), 'A (-1)');
    assert.strictEqual(show(field({ kind: 'enum', signed: true, enumIndex: 0 }), [2, 0, 0, 0]), '2 (no constant)');
    assert.strictEqual(show(field({ kind: 'pointer', size: 8 }), [0x34, 0x12, 0, 0, 0, 0, 0, 0]), '0x1234');
    assert.strictEqual(show(field({ kind: 'pointer', size: 8 }), [0, 0, 0, 0, 0, 0, 0, 0]), 'NULL');
  });

  it('shows char arrays as escaped strings, and says when bytes are unknown or past the end', () => {
    const chars = field({ kind: 'array', size: 6, count: 6, element: field({ size: 1, char: true, signed: true }) });
    assert.strictEqual(show(chars, [0x68, 0x22, 0x0a, 0xff, 0, 0x41]), '"h\\"\\n\\xff"');
    assert.strictEqual(stringLiteral(new Uint8Array([0x5c])), '"\\\\"');
    assert.strictEqual(show(field({ size: 4 }), [1, 2], 8), '…', 'bytes not loaded');
    assert.strictEqual(show(field({ size: 4 }), [1, 2], 2), 'past the end');
  });
});
