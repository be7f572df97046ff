// Layouts read from DWARF (src/ctypes/dwarf) against oracles no one here wrote: gdb's `ptype /o`
// and pahole, member by member (offset, size, bit offset and width, type), over a corpus compiled
// here: C with gcc and clang, DWARF 4 and 5 (also 64-bit DWARF), compressed, with type units; C++ with g++ (inheritance,
// a virtual base, a template, namespaces, std::atomic, Boost.Interprocess); Rust (repr(C) and
// default layout, tuples, enums with data, atomics); and a distribution's debug file (libc6-dbg).
// For C, the layout must also equal the compiler probe's (LayoutCache), field for field.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DebugTypes } from '../../../../src/ctypes/dwarf/debugTypes';
import { findDebugFile } from '../../../../src/ctypes/dwarf/debugFiles';
import { LayoutCache } from '../../../../src/ctypes/layouts';
import type { CField, CLayout } from '../../../../src/shared/cLayout';
import { compareMembers, gdbMembers, Members, normalizeType, ourMembers, paholeMembers } from '../../../support/dwarfOracles';
import { testParser } from '../../../support/parserFiles';
import { repoRoot } from '../../../support/segments';
import { testTemp } from '../../../support/tempDirs';

const corpusHeader = path.join(repoRoot, 'test', 'programs', 'dwarfcorpus.h');
const C_TYPES = ['struct everything', 'struct flags', 'struct packed', 'struct pack2', 'struct aligned16', 'union number', 'point_t'];

/**
 * A layout with its type texts in one spelling: the probe writes a type as the source spells it
 * (`unsigned : 3`, `bool`, without `const`), DWARF as the compiler names it (`unsigned int : 3`,
 * `_Bool`, `const char *`). And enum constants modulo 2^64: the probe reads them as long long, so a
 * constant past 2^63 (an unsigned enum's) comes back negative there.
 */
function comparable(layout: CLayout): unknown {
  const text = (t: string) =>
    normalizeType(
      t
        .replace(/\b(const|volatile)\s+/g, '')
        .replace(/\bbool\b/g, '_Bool')
        .replace(/^signed(?= :)/, 'int')
        .replace(/^unsigned(?= :)/, 'unsigned int'),
    );
  const field = (f: CField): CField => ({
    ...f,
    type: text(f.type),
    ...(f.members ? { members: f.members.map(field) } : {}),
    ...(f.element ? { element: field(f.element) } : {}),
  });
  return {
    ...layout,
    file: path.basename(layout.file),
    root: field(layout.root),
    enums: layout.enums.map((e) => ({ ...e, constants: e.constants.map((c) => ({ ...c, value: BigInt.asUintN(64, BigInt(c.value)).toString() })) })),
  };
}

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Every key where ours and the oracle differ, both sides shown (an empty list is agreement). */
function differences(ours: Members, oracle: Members): string[] {
  const compared = compareMembers(ours, oracle);
  return Object.keys(compared.ours)
    .filter((k) => compared.ours[k] !== compared.oracle[k])
    .map((k) => `${k}: ours ${compared.ours[k]}, oracle ${compared.oracle[k]}`);
}

async function layoutsOf(file: string, names: string[]): Promise<CLayout[]> {
  const types = await DebugTypes.open(file);
  try {
    return await Promise.all(names.map((n) => types.layout(n)));
  } finally {
    types.close();
  }
}

/** Every record reachable from the layouts, ours and gdb's (and pahole's where asked), compared. */
function checkAgainstOracles(
  file: string,
  layouts: CLayout[],
  options: { rust?: boolean; pahole?: 'typed' | 'untyped' | 'none'; paholeName?: (t: string) => string; withTypes?: boolean },
): void {
  const ours: Record<string, Members> = {};
  for (const layout of layouts) Object.assign(ours, ourMembers(layout, { withTypes: options.withTypes }).members);
  // gdb's Rust parser takes no generic or tuple type names: those records are left out (their members still count in their parents).
  const records = Object.keys(ours).filter((r) => !options.rust || !/[<(]/.test(r));
  assert.ok(records.length >= layouts.length);
  // The discriminant of a Rust enum is ours to show: gdb says the active variant instead.
  for (const record of records) for (const k of Object.keys(ours[record])) if (k.endsWith('.(variant)')) delete ours[record][k];
  const gdb = gdbMembers(file, records, options.rust);
  const problems: string[] = [];
  for (const record of records) {
    const theirs = Object.fromEntries(Object.entries(gdb).filter(([k]) => k.startsWith(`${record}.`)));
    // gdb must know every record, except in Rust some of the standard library's (it says "No struct type named").
    const known = Object.keys(theirs).length > 0 || Object.keys(ours[record]).length === 0;
    if (!known && options.rust && !layouts.some((l) => l.name === record)) continue;
    assert.ok(known, `gdb knows nothing of ${record}`);
    problems.push(...differences(ours[record], theirs).map((d) => `gdb ${d}`));
  }
  if (options.pahole && options.pahole !== 'none' && have('pahole')) {
    for (const layout of layouts) {
      const withBases = ourMembers(layout, { withTypes: options.pahole === 'typed', bases: 'pahole' }).members;
      const record = layout.name;
      const asked = options.paholeName ? options.paholeName(record) : record.replace(/^(struct|union) /, '');
      const theirs = paholeMembers(file, record, asked, options.pahole === 'typed');
      // pahole names bases without their namespace: ours are compared by offset and size alone.
      const strip = (m: Members) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/\(base (?:\w+::)*([^)]*)\)/, '(base $1)'), v]));
      problems.push(...differences(strip(withBases[record]), strip(theirs)).map((d) => `pahole ${d}`));
    }
  }
  assert.deepStrictEqual(problems, []);
}

describe('DWARF layouts against gdb, pahole and the compiler probe', function () {
  this.timeout(600_000);
  const dir = testTemp('ipcinsp-dwarf-oracle-');
  const corpus = path.join(dir, 'corpus.c');
  fs.writeFileSync(corpus, `#include "${corpusHeader}"\n${C_TYPES.map((t, i) => `${t} use_${i};`).join('\n')}\nint main(void) { return 0; }\n`);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // pahole (1.24) reads no type units, and misreads clang's nested anonymous unions (it prints one
  // twice, at two offsets): there gdb alone is the oracle.
  const cBuilds: Array<{ label: string; compiler: string; flags: string[]; pahole: boolean }> = [
    { label: 'gcc, DWARF 4', compiler: 'gcc', flags: ['-gdwarf-4'], pahole: true },
    { label: 'gcc, DWARF 5', compiler: 'gcc', flags: ['-gdwarf-5'], pahole: true },
    { label: 'gcc, DWARF 5, compressed (zlib)', compiler: 'gcc', flags: ['-gdwarf-5', '-gz=zlib'], pahole: true },
    { label: 'gcc, DWARF 4, compressed (legacy .zdebug)', compiler: 'gcc', flags: ['-gdwarf-4', '-gz=zlib-gnu'], pahole: false },
    { label: 'gcc, DWARF 4, type units (.debug_types)', compiler: 'gcc', flags: ['-gdwarf-4', '-fdebug-types-section'], pahole: false },
    { label: 'gcc, DWARF 5, type units (DW_UT_type)', compiler: 'gcc', flags: ['-gdwarf-5', '-fdebug-types-section'], pahole: false },
    { label: 'gcc -O2, DWARF 5', compiler: 'gcc', flags: ['-gdwarf-5', '-O2'], pahole: true },
    { label: 'clang, DWARF 4', compiler: 'clang', flags: ['-gdwarf-4'], pahole: false },
    { label: 'clang, DWARF 5', compiler: 'clang', flags: ['-gdwarf-5'], pahole: false },
    { label: 'gcc, 64-bit DWARF 5', compiler: 'gcc', flags: ['-gdwarf-5', '-gdwarf64'], pahole: false },
    { label: 'clang, 64-bit DWARF 5', compiler: 'clang', flags: ['-gdwarf-5', '-gdwarf64'], pahole: false },
  ];
  for (const build of cBuilds) {
    it(`C, ${build.label}: every record as gdb and pahole see it`, async function () {
      if (!have(build.compiler)) this.skip();
      const file = path.join(dir, `c-${cBuilds.indexOf(build)}`);
      execFileSync(build.compiler, ['-g', '-w', ...build.flags, '-o', file, corpus]);
      const layouts = await layoutsOf(file, C_TYPES);
      checkAgainstOracles(file, layouts, { pahole: build.pahole ? 'typed' : 'none' });
    });
  }

  it('C, zstd-compressed sections (objcopy): read where Node.js has zstd, else a clear error saying what to do', async function () {
    const plain = path.join(dir, 'c-zstd-plain');
    const file = path.join(dir, 'c-zstd');
    execFileSync('gcc', ['-g', '-w', '-o', plain, corpus]);
    const made = spawnSync('objcopy', ['--compress-debug-sections=zstd', plain, file]);
    if (made.status !== 0) this.skip(); // binutils built without zstd
    const zlib = await import('zlib');
    if ('zstdDecompress' in zlib) {
      assert.deepStrictEqual(await layoutsOf(file, C_TYPES), await layoutsOf(plain, C_TYPES));
    } else {
      await assert.rejects(
        layoutsOf(file, C_TYPES),
        /compressed with zstd, which this Node\.js \(v[\d.]+\) cannot decompress.*objcopy --decompress-debug-sections/,
      );
    }
  });

  it("C: the layouts from DWARF equal the compiler probe's, field for field", async () => {
    const file = path.join(dir, 'c-probe');
    execFileSync('cc', ['-g', '-w', '-o', file, corpus]);
    const fromDwarf = await layoutsOf(file, C_TYPES);
    const cache = new LayoutCache(testParser);
    for (const layout of fromDwarf) {
      const probe = await cache.layout({ file: corpusHeader, typeName: layout.name, setup: { compiler: 'cc', flags: [], cwd: dir } });
      // Same model, field for field; where the type was declared is said the same way, the file path aside.
      assert.deepStrictEqual(comparable(layout), comparable(probe), layout.name);
    }
  });

  it('C++ (g++): namespaces, a template, bases and a virtual base, std::atomic, Boost.Interprocess', async function () {
    if (!fs.existsSync('/usr/include/boost/interprocess/offset_ptr.hpp')) this.skip();
    const file = path.join(dir, 'cpp');
    execFileSync('g++', ['-g', '-O0', '-DWITH_BOOST', '-o', file, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
    const layouts = await layoutsOf(file, ['ring::Slot<ring::Msg>', 'ring::Diamond', 'ring::Left', 'ring::Shared']);
    // The pick list: types only (namespaces are walked, not listed), each once, spelled with its scope.
    const listed = await DebugTypes.open(file);
    try {
      const names = (await listed.types()).map((t) => t.name);
      assert.ok(
        !names.includes('ring') && !names.includes('std') && names.includes('ring::State') && names.includes('ring::Msg'),
        names.slice(0, 20).join(', '),
      );
      assert.strictEqual(new Set(names).size, names.length);
    } finally {
      listed.close();
    }
    checkAgainstOracles(file, layouts, { pahole: 'untyped', paholeName: (t) => t.replace(/^(?:\w+::)+/, '') });
    // The virtual base: its offset only the running program knows.
    const left = layouts[2].root.members!.find((m) => m.name.startsWith('(virtual base'));
    assert.ok(left && left.kind === 'other' && /run time/.test(left.type), JSON.stringify(layouts[2].root.members));
  });

  it('Rust (rustc): repr(C) and default layout, tuples, enums with data, atomics', async function () {
    if (!have('rustc')) this.skip();
    const file = path.join(dir, 'rust');
    execFileSync('rustc', ['-g', '-C', 'opt-level=0', '-o', file, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.rs')]);
    const layouts = await layoutsOf(file, ['dwarfvalues::shm::Frame']);
    checkAgainstOracles(file, layouts, { rust: true, pahole: 'none' });
    // An enum with data: its discriminant names the variants.
    const command = layouts[0].root.members!.find((m) => m.name === 'command')!;
    assert.strictEqual(command.kind, 'union');
    const discriminant = command.members![0];
    assert.strictEqual(discriminant.kind, 'enum');
    assert.deepStrictEqual(
      layouts[0].enums[discriminant.enumIndex!].constants.map((c) => c.name),
      ['Stop', 'Move', 'Say'],
    );
  });

  it("a distribution's separate debug file (libc6-dbg): libc's own structs", async function () {
    let debugFile: string;
    try {
      const libc = execFileSync('sh', ['-c', 'ldd /bin/true | sed -n "s/.*=> \\(\\S*libc\\.so\\.6\\).*/\\1/p"'], { encoding: 'utf8' }).trim();
      debugFile = (await findDebugFile(libc)).debugFile;
    } catch {
      this.skip();
    }
    if (debugFile === undefined || !debugFile.startsWith('/usr/lib/debug')) this.skip();
    const layouts = await layoutsOf(debugFile!, ['struct _IO_FILE', 'pthread_mutex_t', 'struct timespec']);
    checkAgainstOracles(debugFile!, layouts, { pahole: 'none' });
  });
});
