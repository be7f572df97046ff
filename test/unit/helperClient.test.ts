// The client against a fake helper, only for faults the real helper cannot be made to produce.
// Everything else about the client is tested against the real helper in test/native.
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { HelperClient, HelperExitedError, HelperTimeoutError } from '../../src/ipc/helperClient';

const fake = path.resolve(__dirname, '../../../test/unit/fixtures/fake-helper.js');

function clientFor(mode: string, timeoutMs = 2000): { client: HelperClient; log: string[] } {
  const log: string[] = [];
  const client = new HelperClient({ helperPath: fake, command: [process.execPath, fake, mode], requestTimeoutMs: timeoutMs, log: (l) => log.push(l) });
  return { client, log };
}

describe('helper client faults', function () {
  it('kills a helper that sends a malformed frame and fails the request clearly', async function () {
    const { client, log } = clientFor('garbage');
    try {
      await assert.rejects(client.stat(1), (error: Error) => error instanceof HelperExitedError && /SIGKILL/.test(error.message));
      assert.ok(log.some((line) => /frame of 4294967295 bytes/.test(line)), log.join('\n'));
    } finally {
      client.dispose();
    }
  });

  it('refuses a helper that speaks another protocol version, saying how to fix it', async function () {
    const { client } = clientFor('wrong-version');
    try {
      await assert.rejects(client.limits(), /protocol 99.*npm run build:native/);
    } finally {
      client.dispose();
    }
  });

  it('times out a helper that never answers', async function () {
    const { client } = clientFor('silent', 300);
    try {
      await assert.rejects(client.stat(1), HelperTimeoutError);
    } finally {
      client.dispose();
    }
  });

  it('stops restarting a helper that keeps dying, with advice', async function () {
    const client = new HelperClient({ helperPath: '/nonexistent/ipc-helper', requestTimeoutMs: 1000 });
    const errors: string[] = [];
    for (let i = 0; i < 6; i++) await client.limits().catch((error: Error) => errors.push(error.message));
    assert.match(errors[0], /could not be started.*ENOENT/);
    assert.match(errors[5], /crashed 5 times.*not restarting/);
    client.dispose();
  });

  it('fails calls after dispose instead of starting a new helper', async function () {
    const { client } = clientFor('silent');
    client.dispose();
    await assert.rejects(client.limits(), /shut down/);
  });
});
