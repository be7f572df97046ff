import * as assert from 'node:assert/strict';
import { formatBytes, formatKey, modeToString, parseKey, parseMode, parseSize } from '../../../src/ipc/format';

describe('formatting', function () {
  it('prints keys as 0x%08x, signed or not', function () {
    assert.equal(formatKey(-936941997), '0xc8276653');
    assert.equal(formatKey(0xc8276653), '0xc8276653');
    assert.equal(formatKey(0x1234), '0x00001234');
    assert.equal(formatKey(0), '0x00000000');
    assert.equal(formatKey(0, true), 'IPC_PRIVATE');
    assert.equal(formatKey(5, true), '0x00000005');
  });

  it('prints sizes in binary units', function () {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(27), '27 B');
    assert.equal(formatBytes(4096), '4 KiB');
    assert.equal(formatBytes(12345), '12.1 KiB');
    assert.equal(formatBytes(1536 * 1024), '1.5 MiB');
    assert.equal(formatBytes(1024 ** 3), '1 GiB');
    assert.equal(formatBytes(2n ** 64n - 1n), '16 EiB');
    assert.equal(formatBytes(1023 * 1024 + 1000), '1 MiB');
    assert.equal(formatBytes(1023), '1023 B');
  });

  it('prints modes as rwx', function () {
    assert.equal(modeToString(0o640), 'rw-r-----');
    assert.equal(modeToString(0o1640), 'rw-r-----');
    assert.equal(modeToString(0o777), 'rwxrwxrwx');
    assert.equal(modeToString(0), '---------');
  });
});

describe('parsing user input', function () {
  const value = <T>(r: { ok: true; value: T } | { ok: false; error: string }) => (r.ok ? r.value : r.error);

  it('parses sizes with and without units', function () {
    assert.equal(value(parseSize('4096')), 4096);
    assert.equal(value(parseSize('4 KiB')), 4096);
    assert.equal(value(parseSize('4k')), 4096);
    assert.equal(value(parseSize('1M')), 1048576);
    assert.equal(value(parseSize('1.5 MiB')), 1572864);
    assert.equal(value(parseSize('2GB')), 2e9);
    assert.equal(value(parseSize(' 0x1000 ')), 4096);
  });

  it('explains sizes it cannot take', function () {
    assert.match(value(parseSize('0')) as string, /at least 1 byte/);
    assert.match(value(parseSize('1.5')) as string, /whole number/);
    assert.match(value(parseSize('4 parsecs')) as string, /unknown unit/);
    assert.match(value(parseSize('-4')) as string, /not a size/);
    assert.match(value(parseSize('')) as string, /not a size/);
    assert.match(value(parseSize('99999999 TiB')) as string, /too large/);
  });

  it('parses keys: hex, decimal, signed decimal, private', function () {
    assert.equal(value(parseKey('0x1234')), 0x1234);
    assert.equal(value(parseKey('4660')), 4660);
    assert.equal(value(parseKey('-936941997')), 0xc8276653);
    assert.equal(value(parseKey('0xC8276653')), 0xc8276653);
    assert.equal(value(parseKey('private')), 0);
    assert.equal(value(parseKey('IPC_PRIVATE')), 0);
    assert.match(value(parseKey('0x123456789')) as string, /not a key/);
    assert.match(value(parseKey('4294967296')) as string, /32-bit/);
    assert.match(value(parseKey('key')) as string, /not a key/);
  });

  it('parses modes: octal or rwx, permission bits only', function () {
    assert.equal(value(parseMode('640')), 0o640);
    assert.equal(value(parseMode('0640')), 0o640);
    assert.equal(value(parseMode('0o600')), 0o600);
    assert.equal(value(parseMode('rw-r-----')), 0o640);
    assert.match(value(parseMode('1640')) as string, /not a mode/);
    assert.match(value(parseMode('rw-r--')) as string, /not a mode/);
  });
});
