// The name index of real compiler output, three ways that must agree: walked on this thread, walked
// by worker threads, and read back from the on-disk cache (where it lies, with the DWARF read
// lazily): the same names, the same own types, the same layouts. A cache file damaged in any part
// is refused or found out (never followed); a walk stops on its AbortSignal, on this thread and in
// the workers. Programs: C++ with Boost.Interprocess, Rust, and libc's separate debug file.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DebugTypes } from '../../../../src/ctypes/dwarf/debugTypes';
import { findDebugFile } from '../../../../src/ctypes/dwarf/debugFiles';
import { repoRoot } from '../../../support/segments';
import { testTemp } from '../../../support/tempDirs';

interface Corpus {
  label: string;
  file: string;
  /** Types the program declares itself, listed as its own. */
  own: string[];
  /** Types of the toolchain or libraries, not its own. */
  notOwn: string[];
}

/** Names every `step`-th of, for layouts compared member by member. */
function sample<T>(list: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(list.length / count));
  return list.filter((_, i) => i % step === 0);
}

describe('DWARF index: on this thread, in worker threads and from the cache, the same', function () {
  this.timeout(300_000);
  const dir = testTemp('ipcinsp-dwarf-index-');
  const corpora: Corpus[] = [];

  before(async () => {
    const cpp = path.join(dir, 'dwarfvalues-cpp');
    execFileSync('g++', ['-g', '-O0', '-DWITH_BOOST', '-o', cpp, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt', '-lpthread']);
    corpora.push({
      label: 'C++ (Boost)',
      file: cpp,
      own: ['ring::Slot<ring::Msg>', 'ring::Shared', 'ring::Diamond'],
      notOwn: ['std::atomic<long unsigned int>'],
    });
    if (spawnSync('sh', ['-c', 'command -v rustc'], { stdio: 'ignore' }).status === 0) {
      const rust = path.join(dir, 'dwarfvalues');
      execFileSync('rustc', ['-g', '-C', 'opt-level=1', '-o', rust, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.rs')]);
      corpora.push({ label: 'Rust', file: rust, own: ['dwarfvalues::shm::Frame', 'dwarfvalues::shm::Command'], notOwn: ['core::option::Option<u32>'] });
    }
    // libc: its separate debug file (libc6-dbg), found as gdb finds it.
    const libc = fs.readFileSync('/proc/self/maps', 'utf8').match(/\s(\/\S*libc\.so\.6)$/m)?.[1];
    const debug = libc ? await findDebugFile(libc).catch(() => undefined) : undefined;
    if (debug && debug.debugFile !== libc) corpora.push({ label: 'libc (separate debug file)', file: debug.debugFile, own: [], notOwn: [] });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the same names, own types and layouts walked here, walked by two worker threads, and read from the cache', async () => {
    assert.ok(corpora.length >= 1);
    for (const corpus of corpora) {
      const cacheDir = fs.mkdtempSync(path.join(dir, 'cache-'));
      const here = await DebugTypes.open(corpus.file, { workers: 0, cacheDir });
      await here.saved;
      const threads = await DebugTypes.open(corpus.file, { workers: 2 });
      const cached = await DebugTypes.open(corpus.file, { cacheDir });
      try {
        assert.strictEqual(here.fromCache, false);
        assert.strictEqual(cached.fromCache, true, `${corpus.label}: the second open uses the cache`);
        const names = (await here.types()).map((t) => t.name);
        assert.ok(names.length > 50, `${corpus.label}: ${names.length} types`);
        assert.deepStrictEqual(
          (await threads.types()).map((t) => t.name),
          names,
          `${corpus.label}: the threads' walk lists the same`,
        );
        assert.deepStrictEqual(
          (await cached.types()).map((t) => t.name),
          names,
          `${corpus.label}: the cache lists the same`,
        );
        const own = (await here.ownTypes()).types.map((t) => t.name);
        assert.deepStrictEqual(
          (await threads.ownTypes()).types.map((t) => t.name),
          own,
        );
        assert.deepStrictEqual(
          (await cached.ownTypes()).types.map((t) => t.name),
          own,
        );
        assert.strictEqual((await here.ownTypes()).total, own.length, `${corpus.label}: all its own types counted`);
        for (const [how, types] of [
          ['walked here', here],
          ['by threads', threads],
          ['from the cache', cached],
        ] as const) {
          const few = await types.ownTypes(3);
          assert.deepStrictEqual(
            { names: few.types.map((t) => t.name), total: few.total },
            { names: own.slice(0, 3), total: own.length },
            `${corpus.label}: the first three of its own types ${how}, and how many`,
          );
        }
        for (const name of corpus.own) assert.ok(own.includes(name), `${corpus.label}: ${name} is its own (own: ${own.slice(0, 20).join(', ')})`);
        for (const name of corpus.notOwn) {
          assert.ok(names.includes(name), `${corpus.label}: ${name} is listed`);
          assert.ok(!own.includes(name), `${corpus.label}: ${name} is not its own`);
        }
        for (const name of sample(names, 60)) {
          const expected = JSON.stringify(await here.layout(name).catch((e: Error) => e.message));
          assert.strictEqual(
            JSON.stringify(await threads.layout(name).catch((e: Error) => e.message)),
            expected,
            `${corpus.label}: ${name} from the threads' index`,
          );
          assert.strictEqual(JSON.stringify(await cached.layout(name).catch((e: Error) => e.message)), expected, `${corpus.label}: ${name} from the cache`);
        }
        assert.strictEqual(cached.has('no::such::type'), false);
      } finally {
        here.close();
        threads.close();
        cached.close();
      }
    }
  });

  it('a damaged cache file is refused (its header, its parts cut short) or found out at the layout (its rows), then built again', async () => {
    const corpus = corpora[0];
    const cacheDir = fs.mkdtempSync(path.join(dir, 'damaged-'));
    const fresh = await DebugTypes.open(corpus.file, { cacheDir });
    await fresh.saved;
    fresh.close();
    const [name] = fs.readdirSync(cacheDir);
    const file = path.join(cacheDir, name);
    const good = fs.readFileSync(file);
    const header = JSON.parse(good.toString('utf8', 0, good.indexOf(10))) as { at: Record<string, number> };
    const reopen = async () => {
      const t = await DebugTypes.open(corpus.file, { cacheDir });
      try {
        return {
          fromCache: t.fromCache,
          layout: await t.layout(corpus.own[0]).then(
            (l) => l.name,
            (e: Error) => `error: ${e.message}`,
          ),
        };
      } finally {
        await t.saved;
        t.close();
      }
    };
    // The header: another version, another file's size, a truncation: each refused, the index built again.
    fs.writeFileSync(file, good.toString('latin1').replace('"version":4', '"version":99'), 'latin1');
    assert.deepStrictEqual(await reopen(), { fromCache: false, layout: corpus.own[0] });
    assert.strictEqual((await reopen()).fromCache, true, 'rebuilt and written again');
    fs.writeFileSync(file, good.subarray(0, header.at.blob + 10));
    assert.strictEqual((await reopen()).fromCache, false, 'cut short: refused');
    // The rows: every type's DIE offset pointing one byte further. The names still match; the DIE found does not.
    const shifted = Buffer.from(good);
    for (let at = header.at.rows; at < header.at.scopes; at += 20) shifted.writeUInt32LE(shifted.readUInt32LE(at) + 1, at);
    fs.writeFileSync(file, shifted);
    const damaged = await reopen();
    assert.strictEqual(damaged.fromCache, true);
    assert.match(damaged.layout, /error: .*saved index .* does not match it: it was removed/);
    assert.strictEqual(fs.existsSync(file), false, 'the damaged cache is removed');
    assert.deepStrictEqual(await reopen(), { fromCache: false, layout: corpus.own[0] });
  });

  it('stops on its AbortSignal part way through, on this thread and in worker threads', async () => {
    // Big enough for a walk of several slices and several pieces (of 1 MiB): 24,000 records in 12 units.
    const units: string[] = [];
    for (let u = 0; u < 12; u++) {
      let text = `#include <cstdint>\nnamespace gen${u} {\n`;
      for (let k = 0; k < 2000; k++) text += `struct S${k} { int32_t a; double b; char c[${1 + (k % 7)}]; S${k} *next; };\n`;
      text += `int use${u}() { int total = 0;\n`;
      for (let k = 0; k < 2000; k++) text += `{ S${k} s{}; total += s.a; }\n`;
      units.push(path.join(dir, `gen${u}.cpp`));
      fs.writeFileSync(units[u], `${text}return total; }\n}\n`);
    }
    fs.writeFileSync(path.join(dir, 'main.cpp'), 'int main() { return 0; }\n');
    const big = path.join(dir, 'generated');
    execFileSync('g++', ['-g', '-O0', '-o', big, path.join(dir, 'main.cpp'), ...units]);
    const corpus = { file: big };
    assert.ok(fs.statSync(big).size > 2_500_000, `${fs.statSync(big).size} bytes`);
    for (const workers of [0, 2]) {
      const controller = new AbortController();
      let heard = 0;
      const started = Date.now();
      await assert.rejects(
        DebugTypes.open(corpus.file, {
          workers,
          signal: controller.signal,
          progress: (fraction) => {
            heard++;
            if (fraction > 0 && fraction < 1) controller.abort();
          },
        }),
        (error: Error) => error.name === 'AbortError' && /cancelled/.test(error.message),
      );
      assert.ok(Date.now() - started < 30_000);
      assert.ok(heard > 0, `progress was told (workers: ${workers})`);
    }
  });
});
