// One type by name without the whole index (DebugTypes.layoutByName, nameLookup.ts): only the units
// that hold the name are walked, and the layout must equal the whole index's, type for type, over
// real compiler output that names types in every way DWARF can: .debug_str offsets (gcc, clang's
// DWARF 4), string offsets indexes (clang's DWARF 5: DW_FORM_strx), strings inline (gcc
// -fno-merge-debug-strings), type units (.debug_types and DW_UT_type), compressed sections, 64-bit
// DWARF, a 32-bit ARM program, C++ with Boost.Interprocess, and Rust. (No big-endian compiler here.) A class only declared in the unit that uses it (its vtable's key
// function is elsewhere) is found in the other unit by name; a name no unit defines gets the whole
// index's words.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DebugTypes } from '../../../../src/ctypes/dwarf/debugTypes';
import { DwarfInfo } from '../../../../src/ctypes/dwarf/info';
import { MAX_STRING_PLACES, MAX_UNITS_WALKED, ownNameOf, UnitsByName } from '../../../../src/ctypes/dwarf/nameLookup';
import { ElfFile } from '../../../../src/ctypes/objectFile';
import { repoRoot } from '../../../support/segments';
import { testTemp } from '../../../support/tempDirs';

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Every `step`-th name, at most about `count` of them. */
function sample<T>(list: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(list.length / count));
  return list.filter((_, i) => i % step === 0);
}

async function outcome<T>(promise: Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * The whole index's layouts of a sample of every listed type, and the same by name: equal. How many
 * were laid out, and how many the units answered alone (no fall back to the whole index).
 */
async function sameByName(file: string, count = 120): Promise<{ laidOut: number; byUnits: number; names: number }> {
  const whole = await DebugTypes.open(file, { workers: 0 });
  const units = await unitsOf(file);
  try {
    const names = sample(
      (await whole.types()).map((t) => t.name),
      count,
    );
    let laidOut = 0;
    let byUnits = 0;
    for (const name of names) {
      // A type with a member whose type is declared but never defined cannot be laid out either way: the same words.
      const expected = await outcome(whole.layout(name));
      assert.deepStrictEqual(await outcome(DebugTypes.layoutByName(file, name)), expected, `${path.basename(file)}: ${name}`);
      if (!('error' in expected)) laidOut++;
      // WholeIndexNeeded (or undefined): the units could not answer alone.
      if ((await units.lookup.find(name).catch(() => undefined)) !== undefined) byUnits++;
    }
    return { laidOut, byUnits, names: names.length };
  } finally {
    whole.close();
    units.close();
  }
}

/** A lookup by name over a file's sections read whole, as layoutByName reads them. */
async function unitsOf(file: string): Promise<{ lookup: UnitsByName; units: number; close: () => void }> {
  const elf = ElfFile.open(file);
  const section = async (n: string) => {
    const s = elf.section(n);
    return s ? elf.sectionBytes(s) : undefined;
  };
  const info = new DwarfInfo(
    {
      info: (await section('.debug_info'))!,
      abbrev: (await section('.debug_abbrev'))!,
      str: await section('.debug_str'),
      lineStr: await section('.debug_line_str'),
      strOffsets: await section('.debug_str_offsets'),
      types: await section('.debug_types'),
    },
    elf.littleEndian,
  );
  info.readUnitHeaders();
  return { lookup: new UnitsByName(info), units: info.units.length, close: () => elf.close() };
}

/** The units a lookup of `name` walked, of how many. */
async function walked(file: string, name: string): Promise<{ walked: number; units: number; found: boolean }> {
  const units = await unitsOf(file);
  try {
    const found = (await units.lookup.find(name).catch(() => undefined)) !== undefined;
    return { walked: units.lookup.unitsWalked, units: units.units, found };
  } finally {
    units.close();
  }
}

describe('DWARF: one type by name, reading only the units that hold its name', function () {
  this.timeout(600_000);
  const dir = testTemp('ipcinsp-dwarf-byname-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Five C units, each with types of its own, one declaring a struct another defines. */
  function writeUnits(corpus = true): string[] {
    const sources: string[] = [];
    for (let i = 0; i < 5; i++) {
      const file = path.join(dir, `unit${i}.c`);
      const opaque = i === 0 ? 'struct opaque;\nstruct holder0 { struct opaque *p; int n; };\nstruct holder0 h0;\n' : '';
      const defined = i === 3 ? 'struct opaque { long secret[3]; };\nstruct opaque o3;\n' : i === 1 ? 'struct declared_only;\nstruct declared_only *dp;\n' : '';
      // The same tag defined differently in two units: the first unit's, as the whole index has it.
      const cfg = i === 1 ? 'struct cfg { int first_unit; };\nstruct cfg c1;\n' : i === 3 ? 'struct cfg { double later_unit; };\nstruct cfg c3;\n' : '';
      fs.writeFileSync(
        file,
        (corpus ? `#include "${path.join(repoRoot, 'test', 'programs', 'dwarfcorpus.h')}"\nstruct everything every${i};\n` : '') +
          `${opaque}${defined}${cfg}struct own${i} { int a${i}; double b; char name[12]; unsigned f : 3; };\nstruct own${i} use${i};\n` +
          `typedef struct own${i} own${i}_t;\nown${i}_t typed${i};\n${i === 0 ? 'int main(void) { return 0; }\n' : ''}`,
      );
      sources.push(file);
    }
    return sources;
  }

  const builds: Array<{ label: string; compiler: string; flags: string[]; corpus?: boolean }> = [
    { label: 'gcc, DWARF 5 (.debug_str offsets)', compiler: 'gcc', flags: ['-gdwarf-5'] },
    { label: 'gcc, DWARF 4, strings inline (-fno-merge-debug-strings)', compiler: 'gcc', flags: ['-gdwarf-4', '-fno-merge-debug-strings'] },
    { label: 'gcc, DWARF 4, type units (.debug_types)', compiler: 'gcc', flags: ['-gdwarf-4', '-fdebug-types-section'] },
    { label: 'gcc, DWARF 5, type units (DW_UT_type)', compiler: 'gcc', flags: ['-gdwarf-5', '-fdebug-types-section'] },
    { label: 'gcc, DWARF 5, compressed (zlib)', compiler: 'gcc', flags: ['-gdwarf-5', '-gz=zlib'] },
    { label: 'clang, DWARF 4', compiler: 'clang', flags: ['-gdwarf-4'] },
    { label: 'clang, DWARF 5 (string offsets indexes, DW_FORM_strx)', compiler: 'clang', flags: ['-gdwarf-5'] },
    { label: 'gcc, 64-bit DWARF 5', compiler: 'gcc', flags: ['-gdwarf-5', '-gdwarf64'] },
    { label: 'clang, 64-bit DWARF 5 (8-byte string offsets entries)', compiler: 'clang', flags: ['-gdwarf-5', '-gdwarf64'] },
    // The corpus header has __int128, which 32-bit ARM has not.
    { label: 'arm-linux-gnueabihf-gcc, DWARF 5 (32-bit ELF)', compiler: 'arm-linux-gnueabihf-gcc', flags: ['-gdwarf-5'], corpus: false },
  ];
  for (const build of builds) {
    it(`C, ${build.label}: the same layouts as the whole index; not every unit walked for a unit's own type`, async function () {
      if (!have(build.compiler)) this.skip();
      const file = path.join(dir, `c-${builds.indexOf(build)}`);
      execFileSync(build.compiler, ['-g', '-w', ...build.flags, '-o', file, ...writeUnits(build.corpus)]);
      const same = await sameByName(file);
      assert.ok(same.laidOut >= (build.corpus === false ? 8 : 20), JSON.stringify(same));
      assert.strictEqual(same.byUnits, same.names, `every C type found by the units alone: ${JSON.stringify(same)}`);
      const own = await walked(file, 'struct own2');
      assert.ok(own.found, 'struct own2 found');
      assert.ok(own.units >= 5, `${own.units} units`);
      // Its own unit, and the few where its name's bytes match by chance (or type units that hold it): not all.
      assert.ok(own.walked >= 1 && own.walked < own.units, `${own.walked} of ${own.units} units walked for struct own2`);
      // Declared in unit 0, defined in unit 3: the definition, as the whole index has it.
      assert.deepStrictEqual(
        (await DebugTypes.layoutByName(file, 'struct cfg')).root.members?.map((m) => m.name),
        ['first_unit'],
      );
      // A pointer to a type its unit only declares: the definition is looked up by name in the others.
      const holder = await DebugTypes.layoutByName(file, 'struct holder0');
      assert.deepStrictEqual(
        holder.root.members?.map((m) => m.name),
        ['p', 'n'],
      );
      const opaque = await DebugTypes.layoutByName(file, 'struct opaque');
      assert.deepStrictEqual(
        opaque.root.members?.map((m) => [m.name, m.offset, m.size]),
        [['secret', 0, 3 * (build.compiler.startsWith('arm-') ? 4 : 8)]], // long[3]
      );
    });
  }

  it("C++: a class only declared where it is embedded (its vtable's key function is in another unit) is found there by name", async () => {
    const a = path.join(dir, 'keyed-a.cpp');
    const b = path.join(dir, 'keyed-b.cpp');
    fs.writeFileSync(
      a,
      'namespace zoo { struct Poly { virtual ~Poly(); long v; }; struct Holder { Poly p; int after; }; }\nzoo::Holder *h;\nint main() { return 0; }\n',
    );
    fs.writeFileSync(b, 'namespace zoo { struct Poly { virtual ~Poly(); long v; }; Poly::~Poly() {} }\n');
    const file = path.join(dir, 'keyed');
    execFileSync('g++', ['-g', '-O0', '-o', file, a, b]);
    const holder = await DebugTypes.layoutByName(file, 'zoo::Holder');
    const p = holder.root.members?.find((m) => m.name === 'p');
    assert.ok(
      p?.members?.some((m) => m.name === 'v' && m.offset === 8 && m.size === 8),
      JSON.stringify(p),
    );
    assert.strictEqual(holder.size, 24);
    const whole = await DebugTypes.open(file, { workers: 0 });
    try {
      assert.deepStrictEqual(holder, await whole.layout('zoo::Holder'));
    } finally {
      whole.close();
    }
  });

  it('C++ with Boost.Interprocess, and Rust: the same layouts as the whole index', async function () {
    const cpp = path.join(dir, 'dwarfvalues-cpp');
    const boost = fs.existsSync('/usr/include/boost/interprocess/offset_ptr.hpp');
    execFileSync('g++', [
      '-g',
      '-O0',
      ...(boost ? ['-DWITH_BOOST'] : []),
      '-o',
      cpp,
      path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'),
      '-lrt',
      '-lpthread',
    ]);
    const cppSame = await sameByName(cpp, 150);
    assert.ok(cppSame.laidOut >= 100 && cppSame.byUnits >= 0.9 * cppSame.names, JSON.stringify(cppSame));
    if (have('rustc')) {
      const rust = path.join(dir, 'dwarfvalues-rs');
      execFileSync('rustc', ['-g', '-C', 'opt-level=1', '-o', rust, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.rs')]);
      // Rust's `<T as Trait>::{vtable_type}` and fat pointer names hold `::` in their own names: the whole index answers those.
      const rustSame = await sameByName(rust, 150);
      assert.ok(rustSame.laidOut >= 100 && rustSame.byUnits >= 0.8 * rustSame.names, JSON.stringify(rustSame));
    }
  });

  it('a declared type whose name ends more strings than are looked at: the whole index answers, the same', async () => {
    const a = path.join(dir, 'many-a.c');
    const b = path.join(dir, 'many-b.c');
    fs.writeFileSync(a, 'struct Node;\nstruct holder { struct Node *p; int n; };\nstruct holder h;\nint main(void) { return 0; }\n');
    const suffixed = Array.from({ length: MAX_STRING_PLACES + 6 }, (_, i) => `struct A${i}Node { int v${i}; };\nstruct A${i}Node a${i};\n`).join('');
    fs.writeFileSync(b, `struct Node { long v; };\nstruct Node node;\n${suffixed}`);
    const file = path.join(dir, 'many');
    execFileSync('gcc', ['-g', '-o', file, a, b]);
    const units = await walked(file, 'struct Node');
    assert.strictEqual(units.found, false, 'too many places: not found by the units alone');
    const holder = await DebugTypes.layoutByName(file, 'struct holder');
    assert.strictEqual(holder.size, 16);
    const whole = await DebugTypes.open(file, { workers: 0 });
    try {
      assert.deepStrictEqual(holder, await whole.layout('struct holder'));
      assert.deepStrictEqual(await DebugTypes.layoutByName(file, 'struct Node'), await whole.layout('struct Node'));
    } finally {
      whole.close();
    }
  });

  it("a C++ name whose own part holds '::' (Foo<'>', ns::X>) is split wrongly: the whole index answers, with the first unit's definition", async () => {
    const a = path.join(dir, 'split-a.cpp');
    const b = path.join(dir, 'split-b.cpp');
    const common = 'namespace ns { struct X { int x; }; }\ntemplate <char C, class T> struct Foo;\n';
    fs.writeFileSync(a, `${common}template <char C, class T> struct Foo { T t; int first; };\nFoo<'>', ns::X> fa;\nint main() { return 0; }\n`);
    fs.writeFileSync(b, `${common}template <char C, class T> struct Foo { T t; long later[2]; };\nFoo<'>', ns::X> fb;\n`);
    execFileSync('g++', ['-g', '-c', '-o', `${a}.o`, a]);
    // The second unit's strings inline: only it holds the bytes of the wrongly split own name, "X>".
    execFileSync('g++', ['-g', '-fno-merge-debug-strings', '-c', '-o', `${b}.o`, b]);
    const file = path.join(dir, 'split');
    execFileSync('g++', ['-o', file, `${a}.o`, `${b}.o`]);
    const whole = await DebugTypes.open(file, { workers: 0 });
    try {
      const name = (await whole.types()).map((t) => t.name).find((n) => n.startsWith('Foo<'))!;
      assert.ok(name, 'Foo is listed');
      const layout = await DebugTypes.layoutByName(file, name);
      assert.deepStrictEqual(layout, await whole.layout(name));
      assert.ok(
        layout.root.members?.some((m) => m.name === 'first'),
        JSON.stringify(layout.root.members?.map((m) => m.name)),
      );
    } finally {
      whole.close();
    }
  });

  it('a type more units define than are walked at most: found in the first that does', async function () {
    const sources = Array.from({ length: MAX_UNITS_WALKED + 2 }, (_, i) => {
      const unit = path.join(dir, `shared${i}.c`);
      fs.writeFileSync(unit, `struct shared_hdr { int version; long length; };\nstruct shared_hdr h${i};\n${i === 0 ? 'int main(void) { return 0; }\n' : ''}`);
      return unit;
    });
    const file = path.join(dir, 'shared');
    execFileSync('gcc', ['-g', '-o', file, ...sources]);
    const units = await walked(file, 'struct shared_hdr');
    assert.ok(units.units > MAX_UNITS_WALKED, `${units.units} units`);
    assert.deepStrictEqual([units.found, units.walked], [true, 1]);
  });

  it('a name no unit defines: the whole index says so, in its words', async () => {
    const file = path.join(dir, 'c-missing');
    execFileSync('gcc', ['-g', '-w', '-o', file, ...writeUnits()]);
    await assert.rejects(DebugTypes.layoutByName(file, 'struct nowhere'), /No type "struct nowhere" in the debug information of .*c-missing\.$/);
    // A C tag asked for without its keyword: the message says how C spells it.
    await assert.rejects(
      DebugTypes.layoutByName(file, 'own2'),
      /No type "own2" in the debug information of .*; there is "struct own2" \(C names a tag with its keyword\)/,
    );
    // Declared only (never defined): not a type to lay out either.
    await assert.rejects(DebugTypes.layoutByName(file, 'struct declared_only'), /No type "struct declared_only"/);
  });

  it("the last part of a spelled name is the DIE's own name", () => {
    assert.strictEqual(ownNameOf('struct point'), 'point');
    assert.strictEqual(ownNameOf('ring::Slot<ring::Msg>'), 'Slot<ring::Msg>');
    assert.strictEqual(ownNameOf('std::map<int, std::pair<a::b, c::d> >::value_type'), 'value_type');
    assert.strictEqual(ownNameOf('(anonymous namespace)::Local'), 'Local');
    assert.strictEqual(ownNameOf('dwarfvalues::{impl#0}::Inner'), 'Inner');
    assert.strictEqual(ownNameOf('point_t'), 'point_t');
    assert.strictEqual(ownNameOf('rv::W<fn() -> rv::Foo>'), 'W<fn() -> rv::Foo>');
  });
});
