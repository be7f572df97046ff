// Values of C fields decoded from live shared memory, against a C program that wrote known values
// of every kind (test/programs/ctvalues.c) into a System V segment and into a POSIX object.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LayoutCache } from '../../src/ctypes/layouts';
import type { CField, CLayout } from '../../src/shared/cLayout';
import { cInitializer, valueOf } from '../../src/shared/cValues';
import { freshName, shmPath, trackName, cleanupPosixObjects } from '../support/posixObjects';
import { cleanupAll, dumpSegment, freshKey, repoRoot, trackSegment } from '../support/segments';
import { killSpawned, spawnReady } from './spawned';
import { testParser } from '../support/parserFiles';

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cvalues-'));

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
