// ftok in TypeScript against the C library's, on real files of several devices.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ftok } from '../../../src/ipc/ftok';
import { requireShmtool } from '../../support/segments';

const cFtok = (file: string, proj: number) => execFileSync(requireShmtool(), ['ftok', file, String(proj)], { encoding: 'utf8' }).trim();
const tsFtok = (file: string, proj: number) => '0x' + ftok(file, proj).toString(16).padStart(8, '0');

describe('ftok against glibc', function () {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-ftok-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the same key on files, directories and other devices, for project ids 1, 65, 255', function () {
    const file = path.join(dir, 'key-file');
    fs.writeFileSync(file, 'x');
    const sub = path.join(dir, 'a-directory');
    fs.mkdirSync(sub);
    // /dev/shm and /dev/null live on devices whose minor is not 0: the dev byte is exercised.
    const candidates = [file, sub, os.tmpdir(), '/etc/passwd', '/dev/null', '/dev/shm', process.execPath];
    const devices = new Set<bigint>();
    for (const target of candidates.filter((p) => fs.existsSync(p))) {
      devices.add(fs.statSync(target, { bigint: true }).dev & 0xffn);
      for (const proj of [1, 65, 255]) assert.equal(tsFtok(target, proj), cFtok(target, proj), `${target} ${proj}`);
    }
    assert.ok(devices.size >= 2, 'files on at least two devices with different low bytes');
  });
});
