// Values in live shared memory decoded with layouts read from the writing program's own debug
// information: a C++ program (test/programs/dwarfvalues.cpp, ring::Slot<ring::Msg>) and a Rust one
// (test/programs/dwarfvalues.rs, shm::Frame) write known values into a System V segment and a
// POSIX object; the bytes are read through the real helper and decoded by src/shared/cValues.ts
// with the CLayout from src/ctypes/dwarf, as the fields panel would.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DebugTypes } from '../../../../src/ctypes/dwarf/debugTypes';
import { debugFilesOfProcesses } from '../../../../src/ctypes/dwarf/debugFiles';
import type { CLayout } from '../../../../src/shared/cLayout';
import { CPP_EXPECTED, RUST_EXPECTED, shownValues } from '../../../support/dwarfValues';
import { TestHelper } from '../../../support/helper';
import { cleanupPosixObjects, freshName, identityOf, shmPath, trackName } from '../../../support/posixObjects';
import { cleanupAll, freshKey, repoRoot, trackSegment } from '../../../support/segments';
import { killSpawned, spawnReady } from '../../../support/spawned';
import { testTemp } from '../../../support/tempDirs';

describe('DWARF layouts decode live shared memory written by C++ and Rust programs', function () {
  this.timeout(300_000);
  const dir = testTemp('ipcinsp-dwarf-live-');
  const programs: Record<string, { file: string; typeName: string; expected: Record<string, string> }> = {};
  let helper: TestHelper;

  before(function () {
    const cpp = path.join(dir, 'dwarfvalues-cpp');
    execFileSync('g++', ['-g', '-O1', '-o', cpp, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
    programs['C++'] = { file: cpp, typeName: 'ring::Slot<ring::Msg>', expected: CPP_EXPECTED };
    if (spawnSync('sh', ['-c', 'command -v rustc'], { stdio: 'ignore' }).status === 0) {
      const rust = path.join(dir, 'dwarfvalues');
      execFileSync('rustc', ['-g', '-C', 'opt-level=1', '-o', rust, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.rs')]);
      programs.Rust = { file: rust, typeName: 'dwarfvalues::shm::Frame', expected: RUST_EXPECTED };
    }
    helper = new TestHelper();
  });
  afterEach(async () => {
    await killSpawned();
    await cleanupAll();
    await cleanupPosixObjects();
  });
  after(() => {
    helper?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function check(layout: CLayout, bytes: Buffer, expected: Record<string, string>): void {
    assert.deepStrictEqual(
      shownValues(layout, (offset) => (offset < bytes.length ? bytes[offset] : -1), bytes.length, Object.keys(expected)),
      expected,
    );
  }

  for (const language of ['C++', 'Rust']) {
    it(`${language}: a System V segment and a POSIX object, read through the helper, decoded with the program's own layout`, async function () {
      const program = programs[language];
      if (!program) this.skip();
      // The types come from the running program: its executable, found through /proc/PID/exe.
      const key = freshKey();
      const sysv = await spawnReady(program.file, ['sysv', `0x${key.toString(16)}`]);
      const shmid = trackSegment(Number(sysv.firstLine.split(' ')[1]));
      const sources = await debugFilesOfProcesses([sysv.pid]);
      const own = sources.found.find((s) => s.pids.includes(sysv.pid) && s.elf === fs.realpathSync(program.file));
      assert.ok(own, JSON.stringify(sources.found.map((s) => s.elf)));
      const types = await DebugTypes.open(own!.debugFile);
      let layout: CLayout;
      try {
        assert.ok(types.has(program.typeName), `${program.typeName} among ${types.count} types`);
        layout = await types.layout(program.typeName);
      } finally {
        types.close();
      }
      check(layout, await helper.client.shmRead(shmid, 0, layout.size), program.expected);

      const name = trackName(freshName());
      await spawnReady(program.file, ['posix', name]);
      const file = shmPath(name);
      check(layout, await helper.client.fileRead(file, identityOf(file), 0, layout.size), program.expected);
    });
  }
});
