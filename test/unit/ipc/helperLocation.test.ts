import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperNotFoundError, locateHelper } from '../../../src/ipc/helperLocation';

describe('locating the helper', function () {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-locate-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  function makeBinary(name: string, mode = 0o755): string {
    const file = path.join(root, 'native', 'bin', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '#!/bin/sh\n', { mode });
    return file;
  }

  it('prefers the setting, then the static build, then the development build', function () {
    const dev = makeBinary('ipc-helper');
    assert.equal(locateHelper(path.join(root, 'native', 'bin')), dev);
    const stat = makeBinary('ipc-helper-static');
    assert.equal(locateHelper(path.join(root, 'native', 'bin')), stat);
    assert.equal(locateHelper(path.join(root, 'native', 'bin'), dev), dev);
  });

  it("finds this architecture's static helper among the npm package's (native/bin/<platform>/), after the others", function () {
    const platform = { x64: 'linux-x64', arm64: 'linux-arm64', arm: 'linux-armhf' }[process.arch as string];
    if (!platform) this.skip();
    const other = makeBinary(`${process.arch === 'arm64' ? 'linux-x64' : 'linux-arm64'}/ipc-helper-static`);
    const own = makeBinary(`${platform}/ipc-helper-static`);
    assert.equal(locateHelper(path.join(root, 'native', 'bin')), own);
    assert.notEqual(locateHelper(path.join(root, 'native', 'bin')), other);
    const dev = makeBinary('ipc-helper');
    assert.equal(locateHelper(path.join(root, 'native', 'bin')), dev);
  });

  it('explains a setting that points at nothing usable', function () {
    const notExecutable = makeBinary('ipc-helper', 0o644);
    assert.throws(() => locateHelper(path.join(root, 'native', 'bin'), notExecutable), /helperPath.*not an executable file/);
  });

  it('explains a missing helper and what to do about it', function () {
    assert.throws(
      () => locateHelper(path.join(root, 'native', 'bin')),
      (error: Error) => error instanceof HelperNotFoundError && /missing/.test(error.message) && /npm run build:native/.test(error.message),
    );
  });
});
