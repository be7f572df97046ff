import * as assert from 'node:assert/strict';
import { createdWords } from '../../../src/commands/createdWords';

describe('what the create commands say', function () {
  it('says whether the object was made now or an existing one was found and left alone', function () {
    assert.equal(createdWords(true, 'segment', '0x7e001234', 'id 5, 8 KiB'), 'Created segment 0x7e001234 (id 5, 8 KiB).');
    assert.equal(
      createdWords(false, 'segment', '0x7e001234', 'id 5, 8 KiB'),
      'Found an existing segment 0x7e001234 (not created): id 5, 8 KiB, left as it is.',
    );
    assert.equal(createdWords(false, 'POSIX object', '/psm_1', '4 KiB'), 'Found an existing POSIX object /psm_1 (not created): 4 KiB, left as it is.');
  });
});
