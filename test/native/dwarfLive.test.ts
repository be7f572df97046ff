// Values in live shared memory decoded with layouts read from the writing program's own debug
// information: a C++ program (test/programs/dwarfvalues.cpp, ring::Slot<ring::Msg>) and a Rust one
// (test/programs/dwarfvalues.rs, shm::Frame) write known values into a System V segment and a
// POSIX object; the bytes are read through the real helper and decoded by src/shared/cValues.ts
// with the CLayout from src/ctypes/dwarf, as the fields panel would.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DebugTypes } from '../../src/ctypes/dwarf/debugTypes';
import { debugFilesOfProcesses } from '../../src/ctypes/dwarf/debugFiles';
import type { CField, CLayout } from '../../src/shared/cLayout';
import { valueOf } from '../../src/shared/cValues';
import { TestHelper } from '../support/helper';
import { cleanupPosixObjects, freshName, identityOf, shmPath, trackName } from '../support/posixObjects';
import { cleanupAll, freshKey, repoRoot, trackSegment } from '../support/segments';
import { killSpawned, spawnReady } from './spawned';

/** The field at a path like `payload[1].text` (array elements shift the offsets). */
function fieldAt(layout: CLayout, at: string): { field: CField; shift: number } {
  let field = layout.root;
  let shift = 0;
  for (const part of at.match(/[^.[\]]+|\[\d+\]/g)!) {
    if (part.startsWith('[')) {
      shift += Number(part.slice(1, -1)) * field.element!.size;
      field = field.element!;
    } else {
      const find = (f: CField): CField | undefined => {
        for (const m of f.members ?? []) {
          if (m.name === part) return m;
          if (m.anonymous || m.name.startsWith('(base ')) {
            const inner = find(m);
            if (inner) return inner;
          }
        }
        return undefined;
      };
      const found = find(field);
      assert.ok(found, `no member ${part} in ${field.name}`);
      field = found!;
    }
  }
  return { field, shift };
}

/** What the fields panel should show, by member path, for what each program wrote. */
const CPP_EXPECTED: Record<string, string> = {
  magic: String(0xfeedbeef),
  version: '7',
  state: 'Full (2)',
  'sequence._M_i': '123456789012',
  'payload[0].id': '-1000',
  'payload[1].id': '-1001',
  'payload[0].value': '0.5',
  'payload[1].value': '1.5',
  'payload[0].text': '"msg-0"',
  'payload[1].text': '"msg-1"',
  'payload[0].kind': '5',
  'payload[1].kind': '4',
  'payload[0].level': '-3',
  'payload[1].level': '-4',
  'payload[0].urgent': 'true',
  'payload[1].urgent': 'false',
  big: 'BigTop (18446744073709551615)',
  'weights[1][2]': '12.25',
  'weights[0][1]': '1.25',
};

const RUST_EXPECTED: Record<string, string> = {
  'header.magic': String(0xc0ffee),
  'header.level': 'High (300)',
  'header.flags': '9',
  'pair.__0': '-12',
  'pair.__1': '2.5',
  'stats.small': '7',
  'stats.big': String(2 ** 40),
  'stats.mid': '512',
  'command.(variant)': 'Move (1)',
  'command.Move.x': '-5',
  'command.Move.y': '6',
  'maybe.(variant)': 'Some (1)',
  'maybe.Some.__0': '77',
  'nonzero.(variant)': 'None (0)',
  'counter.v.value': '9000000001',
  'hits.v.value': '3',
  'name[0]': '114',
  'name[7]': '109',
  'grid[1][2]': '-6',
  'grid[0][1]': '-2',
  ok: 'true',
  letter: String('Z'.charCodeAt(0)),
};

describe('DWARF layouts decode live shared memory written by C++ and Rust programs', function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-dwarf-live-'));
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
    const byteAt = (offset: number) => (offset < bytes.length ? bytes[offset] : -1);
    const shown: Record<string, string> = {};
    for (const at of Object.keys(expected)) {
      const { field, shift } = fieldAt(layout, at);
      shown[at] = valueOf(layout, field, shift, byteAt, bytes.length).text;
    }
    assert.deepStrictEqual(shown, expected);
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
      check(layout, await helper.client.read(shmid, 0, layout.size), program.expected);

      const name = trackName(freshName());
      await spawnReady(program.file, ['posix', name]);
      const file = shmPath(name);
      check(layout, await helper.client.fileRead(file, identityOf(file), 0, layout.size), program.expected);
    });
  }
});
