import * as assert from 'node:assert/strict';
import { describeError } from '../../src/ipc/errors';
import { HelperError, HelperExitedError } from '../../src/ipc/helperClient';
import { HelperNotFoundError } from '../../src/ipc/helperLocation';

describe('error wording', function () {
  const on = { label: '0x7e001234 (id 5)', ownerName: 'alice', creatorUserName: 'bob' };

  it('says who owns a segment and who may act on it for EPERM', function () {
    const { message, fix } = describeError(new HelperError('EPERM', 1, 'Remove', 'x'), 'Could not remove segment 0x7e001234 (id 5)', on);
    assert.equal(message, 'Could not remove segment 0x7e001234 (id 5): not permitted (EPERM). It is owned by alice and was created by bob; only the owner, the creator or root can do this.');
    assert.equal(fix, 'log');
  });

  it('tells what to do for the common errnos', function () {
    const text = (code: string) => describeError(new HelperError(code, 0, 'Op', 'raw'), 'Could not do it').message;
    assert.match(text('EACCES'), /permission denied \(EACCES\).*run VS Code as root/);
    assert.match(text('EEXIST'), /already exists \(EEXIST\).*without "exclusive"/);
    assert.match(text('ENOSPC'), /shmmni.*shmall/);
    assert.match(text('EWHATEVER'), /Could not do it: raw \(EWHATEVER\)\./, 'unknown codes keep the helper message');
  });

  it('offers the settings for a missing helper, and explains a dead one', function () {
    assert.equal(describeError(new HelperNotFoundError('missing'), 'x').fix, 'settings');
    assert.match(describeError(new HelperExitedError('The IPC helper was killed by SIGKILL.'), 'Could not read').message, /^Could not read: The IPC helper was killed/);
  });
});
