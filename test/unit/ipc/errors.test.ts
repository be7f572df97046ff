import * as assert from 'node:assert/strict';
import { describeError } from '../../../src/ipc/errors';
import { HelperError, HelperExitedError } from '../../../src/ipc/helperClient';
import { HelperNotFoundError } from '../../../src/ipc/helperLocation';

describe('error wording', function () {
  const on = { kind: 'segment' as const, label: 'segment 0x7e001234 (id 5)', ownerName: 'alice', creatorUserName: 'bob' };

  it('says who owns a segment and who may act on it for EPERM', function () {
    const { message, fix } = describeError(new HelperError('EPERM', 1, 'Remove', 'x'), 'Could not remove segment 0x7e001234 (id 5)', on);
    assert.equal(
      message,
      'Could not remove segment 0x7e001234 (id 5): not permitted (EPERM). It is owned by alice and was created by bob; only the owner, the creator or root can do this.',
    );
    assert.equal(fix, 'log');
  });

  it('tells what to do for the common errnos', function () {
    const text = (code: string) => describeError(new HelperError(code, 0, 'Op', 'raw'), 'Could not do it').message;
    assert.match(text('EACCES'), /permission denied \(EACCES\).*run VS Code as root/);
    assert.match(text('EEXIST'), /already exists \(EEXIST\).*without "exclusive"/);
    assert.match(text('ENOSPC'), /shmmni.*shmall/);
    assert.match(
      describeError(new HelperError('ENOSPC', 28, 'FileCreate', 'raw'), 'Could not create', { kind: 'object' }).message,
      /\/dev\/shm is full \(ENOSPC\)/,
      'the words follow the kind',
    );
    assert.match(
      describeError(new HelperError('EEXIST', 17, 'FileCreate', 'raw'), 'Could not create', { kind: 'object' }).message,
      /an object with this name already exists/,
    );
    assert.match(
      describeError(new HelperError('ESTALE', 116, 'FileUnlink', 'raw'), 'Could not remove object /x', { kind: 'object' }).message,
      /another object \(ESTALE\).*Nothing was done/,
    );
    assert.match(
      describeError(new HelperError('EINVAL', 22, 'FileRead', 'not the path of an IPC object'), 'Could not read', { kind: 'object' }).message,
      /not the path of an IPC object \(EINVAL\)/,
      'EINVAL of a file op is not "the segment no longer exists"',
    );
    assert.match(text('EWHATEVER'), /Could not do it: raw \(EWHATEVER\)\./, 'unknown codes keep the helper message');
  });

  it("words errors of Node's file system calls by their code", function () {
    const error = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    assert.match(describeError(error, 'Could not open object /x', { kind: 'object' }).message, /no longer exists \(ENOENT\)/);
  });

  it('says who may act on a POSIX object for EPERM', function () {
    const message = describeError(new HelperError('EPERM', 1, 'FileUnlink', 'x'), 'Could not remove object /psm_1', {
      kind: 'object',
      label: 'object /psm_1',
      ownerName: 'alice',
    }).message;
    assert.match(message, /owned by alice; only its owner or root can do this \(\/dev\/shm is sticky/);
  });

  it('offers the settings for a missing helper, and explains a dead one', function () {
    assert.equal(describeError(new HelperNotFoundError('missing'), 'x').fix, 'settings');
    assert.match(
      describeError(new HelperExitedError('The IPC helper was killed by SIGKILL.'), 'Could not read').message,
      /^Could not read: The IPC helper was killed/,
    );
  });
});
