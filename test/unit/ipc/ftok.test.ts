import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ftok } from '../../../src/ipc/ftok';

describe('ftok', function () {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-ftok-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('combines inode, device and project id as glibc does', function () {
    const file = path.join(dir, 'a');
    fs.writeFileSync(file, '');
    const st = fs.statSync(file, { bigint: true });
    const expected = (Number(st.ino & 0xffffn) | (Number(st.dev & 0xffn) << 16) | (0x41 << 24)) >>> 0;
    assert.equal(ftok(file, 65), expected);
    assert.equal(ftok(file, 65 + 256), expected, 'only the low 8 bits of the project id count');
  });

  it('is unsigned for project ids with the top bit set', function () {
    const key = ftok(dir, 255);
    assert.ok(key >= 0xff000000 && key <= 0xffffffff);
  });

  it('follows symlinks like stat(2)', function () {
    const target = path.join(dir, 'target');
    fs.writeFileSync(target, '');
    fs.symlinkSync(target, path.join(dir, 'link'));
    assert.equal(ftok(path.join(dir, 'link'), 1), ftok(target, 1));
  });

  it('throws the fs error for a missing path (ftok returns -1)', function () {
    assert.throws(() => ftok(path.join(dir, 'missing'), 1), { code: 'ENOENT' });
  });
});
