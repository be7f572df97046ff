// Where types come from: the debug file of a running program and of the libraries it maps, found
// the ways gdb finds them (the file itself, /usr/lib/debug/.build-id, .gnu_debuglink with its CRC,
// debuginfod's cache), deduplicated by build-id across processes; a stripped program whose debug
// file is nowhere names every place looked at. And a fuzz campaign on real compiler output: byte
// flips in the debug sections of a C++ program and of a clang DWARF 5 program with type units give
// layouts or clear errors, never a crash, from the whole index and by name (IPCINSP_DWARF_FUZZ=N for
// a longer one).
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DwarfError } from '../../../../src/ctypes/dwarf/bytes';
import { DebugFileMissing, debugFilesOfProcesses, findDebugFile } from '../../../../src/ctypes/dwarf/debugFiles';
import { DebugTypes, NoDebugInfoError } from '../../../../src/ctypes/dwarf/debugTypes';
import { ElfFile, ObjectFileError } from '../../../../src/ctypes/objectFile';
import { seededRandom } from '../../../support/random';
import { repoRoot } from '../../../support/segments';
import { killSpawned, spawnReady } from '../../../support/spawned';
import { testTemp } from '../../../support/tempDirs';

const source = `#include <stdio.h>
struct located { int a; double b; char name[8]; };
struct located here;
int main(void) { char line[16]; printf("ready 0\\n"); fflush(stdout); while (fgets(line, sizeof line, stdin)) {} return (int)here.a; }
`;

describe('DWARF: finding the debug files of programs and libraries', function () {
  this.timeout(120_000);
  const dir = testTemp('ipcinsp-dwarf-files-');
  const program = path.join(dir, 'prog');
  before(() => {
    fs.writeFileSync(path.join(dir, 'prog.c'), source);
    execFileSync('cc', ['-g', '-Wl,--build-id', '-o', program, path.join(dir, 'prog.c')]);
  });
  afterEach(() => killSpawned());
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A stripped copy of the program, and its debug information alone in `debug` (with a debuglink to it). */
  function split(name: string, debugName = `${name}.debug`): { stripped: string; debug: string; buildId: string } {
    const stripped = path.join(dir, name);
    const debug = path.join(dir, debugName);
    execFileSync('objcopy', ['--only-keep-debug', program, debug]);
    execFileSync('objcopy', ['--strip-debug', `--add-gnu-debuglink=${debug}`, program, stripped]);
    const elf = ElfFile.open(stripped);
    try {
      return { stripped, debug, buildId: elf.buildId()! };
    } finally {
      elf.close();
    }
  }

  it('a program built with -g is its own debug file; its build-id is read', async () => {
    const found = await findDebugFile(program);
    assert.strictEqual(found.debugFile, program);
    const readelf = execFileSync('readelf', ['-n', program], { encoding: 'utf8' });
    assert.strictEqual(found.buildId, /Build ID: ([0-9a-f]+)/.exec(readelf)![1]);
  });

  it('a stripped program: found by .gnu_debuglink next to it (CRC checked), by build-id under a debug root, in a debuginfod cache', async () => {
    const linked = split('linked');
    assert.strictEqual((await findDebugFile(linked.stripped, linked.stripped, { debugRoots: [], debuginfodCaches: [] })).debugFile, linked.debug);

    // The same name with other contents: the CRC says it is not the one.
    const wrong = split('wrongcrc');
    fs.appendFileSync(wrong.debug, Buffer.alloc(16));
    await assert.rejects(findDebugFile(wrong.stripped, wrong.stripped, { debugRoots: [], debuginfodCaches: [] }), (error: unknown) => {
      assert.ok(error instanceof DebugFileMissing);
      assert.ok(error.looked.includes(wrong.debug), error.looked.join(', '));
      assert.match(error.message, /-dbgsym or -dbg package/);
      return true;
    });

    const byId = split('byid');
    fs.rmSync(byId.debug);
    const root = path.join(dir, 'debugroot');
    const idPath = path.join(root, '.build-id', byId.buildId.slice(0, 2), `${byId.buildId.slice(2)}.debug`);
    fs.mkdirSync(path.dirname(idPath), { recursive: true });
    execFileSync('objcopy', ['--only-keep-debug', program, idPath]);
    assert.strictEqual((await findDebugFile(byId.stripped, byId.stripped, { debugRoots: [root], debuginfodCaches: [] })).debugFile, idPath);

    const cached = split('cached');
    fs.rmSync(cached.debug);
    const cache = path.join(dir, 'debuginfod');
    const cachePath = path.join(cache, cached.buildId, 'debuginfo');
    fs.mkdirSync(path.dirname(cachePath), { recursive: true });
    execFileSync('objcopy', ['--only-keep-debug', program, cachePath]);
    const previous = process.env.DEBUGINFOD_CACHE_PATH;
    process.env.DEBUGINFOD_CACHE_PATH = cache;
    try {
      assert.strictEqual((await findDebugFile(cached.stripped, cached.stripped, { debugRoots: [] })).debugFile, cachePath);
    } finally {
      if (previous === undefined) delete process.env.DEBUGINFOD_CACHE_PATH;
      else process.env.DEBUGINFOD_CACHE_PATH = previous;
    }
    // The debug file found gives the program's types.
    const types = await DebugTypes.open(cachePath);
    try {
      assert.strictEqual((await types.layout('struct located')).size, 24);
    } finally {
      types.close();
    }
  });

  it('a stripped program whose debug file is nowhere: the error names every path looked at', async () => {
    const lost = split('lost');
    fs.rmSync(lost.debug);
    const root = path.join(dir, 'emptyroot');
    await assert.rejects(
      findDebugFile(lost.stripped, lost.stripped, { debugRoots: [root], debuginfodCaches: [path.join(dir, 'nocache')] }),
      (error: unknown) => {
        assert.ok(error instanceof DebugFileMissing);
        assert.strictEqual(error.buildId, lost.buildId);
        const expected = [
          path.join(root, '.build-id', lost.buildId.slice(0, 2), `${lost.buildId.slice(2)}.debug`),
          lost.debug,
          path.join(dir, '.debug', path.basename(lost.debug)),
          path.join(root, dir, path.basename(lost.debug)),
          path.join(dir, 'nocache', lost.buildId, 'debuginfo'),
        ];
        assert.deepStrictEqual(error.looked, expected);
        for (const looked of expected) assert.ok(error.message.includes(looked), error.message);
        return true;
      },
    );
    // Opened directly, a file without DWARF says how to get it.
    await assert.rejects(DebugTypes.open(lost.stripped), (error: unknown) => error instanceof NoDebugInfoError && /-g\b.*-dbgsym/.test(error.message));
  });

  it('for running processes: their executables and mapped libraries with debug info, one entry per build-id with every pid', async () => {
    const first = await spawnReady(program, []);
    const second = await spawnReady(program, []);
    const copy = path.join(dir, 'copy');
    fs.copyFileSync(program, copy);
    fs.chmodSync(copy, 0o755);
    const third = await spawnReady(copy, []);
    const { found } = await debugFilesOfProcesses([first.pid, second.pid, third.pid]);
    const own = found.filter((f) => f.debugFile.startsWith('/proc/') && (f.elf === program || f.elf === copy));
    // The copy has the same build-id: one entry for all three.
    assert.strictEqual(own.length, 1, JSON.stringify(found.map((f) => [f.elf, f.pids])));
    assert.deepStrictEqual([...own[0].pids].sort(), [first.pid, second.pid, third.pid].sort());
    const libc = found.find((f) => /\/libc\.so\.6$/.test(f.elf));
    if (libc) assert.deepStrictEqual([...libc.pids].sort(), [first.pid, second.pid, third.pid].sort());
    const types = await DebugTypes.open(own[0].debugFile);
    try {
      assert.ok(types.has('struct located'));
      assert.ok(!types.has('located'), 'a C struct is listed with its keyword');
    } finally {
      types.close();
    }
  });

  /** Whether an error is one of the reader's clear errors (not a crash). */
  function isClearError(error: unknown): boolean {
    return error instanceof DwarfError || error instanceof ObjectFileError || error instanceof NoDebugInfoError;
  }

  /**
   * Byte flips in a program's debug sections, `cases` times: the whole index lists and lays out
   * types, and `names` by name (only the units holding them walked), each a layout or a clear error.
   */
  async function fuzz(file: string, names: string[], cases: number, seed: number): Promise<{ layouts: number; errors: number }> {
    const clean = fs.readFileSync(file);
    const elf = ElfFile.fromBytes(clean);
    const ranges = elf.sections
      .filter((s) => /^\.debug_(info|abbrev|str|line|str_offsets|line_str|types)$/.test(s.name))
      .map((s) => [s.offset, s.size] as const);
    const random = seededRandom(seed);
    let layouts = 0;
    let errors = 0;
    for (let i = 0; i < cases; i++) {
      const bytes = Buffer.from(clean);
      const flips = 1 + Math.floor(random() * 16);
      for (let f = 0; f < flips; f++) {
        const [offset, size] = ranges[Math.floor(random() * ranges.length)];
        bytes[offset + Math.floor(random() * size)] = Math.floor(random() * 256);
      }
      try {
        const types = await DebugTypes.read(ElfFile.fromBytes(bytes, `case ${i}`));
        try {
          const listed = (await types.types()).map((t) => t.name);
          for (const name of [...names, ...listed.slice(0, 30)]) {
            try {
              if (!types.has(name)) continue;
              await types.layout(name);
              layouts++;
            } catch (error) {
              assert.ok(isClearError(error), `case ${i}, ${name}: ${(error as Error)?.stack}`);
              errors++;
            }
          }
        } finally {
          types.close();
        }
      } catch (error) {
        assert.ok(isClearError(error), `case ${i}: ${(error as Error)?.stack}`);
        errors++;
      }
      for (const name of names) {
        try {
          await DebugTypes.layoutByName(ElfFile.fromBytes(bytes, `case ${i}`), name);
          layouts++;
        } catch (error) {
          assert.ok(isClearError(error), `case ${i}, ${name} by name: ${(error as Error)?.stack}`);
          errors++;
        }
      }
    }
    return { layouts, errors };
  }

  it(`fuzz: byte flips in the debug sections of a C++ program and of a clang DWARF 5 program with type units give layouts or clear errors, from the whole index and by name (${Number(process.env.IPCINSP_DWARF_FUZZ ?? 40)} cases each)`, async function () {
    const cases = Number(process.env.IPCINSP_DWARF_FUZZ ?? 40);
    this.timeout(Math.max(120_000, cases * 4000));
    const cpp = path.join(dir, 'fuzz-cpp');
    execFileSync('g++', ['-g', '-O0', '-o', cpp, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
    const cppRun = await fuzz(cpp, ['ring::Slot<ring::Msg>', 'ring::Diamond'], cases, 0x5eed);
    // Several units naming types by string offsets indexes (DW_FORM_strx), with type units in .debug_info.
    const units = [0, 1, 2].map((i) => {
      const unit = path.join(dir, `fuzz-unit${i}.c`);
      fs.writeFileSync(
        unit,
        `struct shared${i % 2} { int a; long b[${i + 2}]; };\nstruct shared${i % 2} s${i};\nstruct own${i} { struct shared${i % 2} s; char name[8]; unsigned f : 3; };\nstruct own${i} o${i};\n${i === 0 ? 'int main(void) { return 0; }\n' : ''}`,
      );
      return unit;
    });
    const clang = path.join(dir, 'fuzz-clang');
    const built = spawnSync('clang', ['-g', '-gdwarf-5', '-fdebug-types-section', '-o', clang, ...units]);
    const clangRun = built.status === 0 ? await fuzz(clang, ['struct own1', 'struct shared1', 'struct own2'], cases, 0xc1a6) : { layouts: 0, errors: 0 };
    // Not every case may break everything: some layouts come out.
    assert.ok(cppRun.layouts > 0, `C++: ${cppRun.layouts} layouts, ${cppRun.errors} errors`);
    if (built.status === 0) assert.ok(clangRun.layouts > 0, `clang: ${clangRun.layouts} layouts, ${clangRun.errors} errors`);
  });
});
