// The client against a fake helper, only for faults the real helper cannot be made to produce.
// Everything else about the client is tested against the real helper in test/native.
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { HelperClient, HelperExitedError, HelperTimeoutError } from '../../../src/ipc/helperClient';
import { PROTOCOL_VERSION } from '../../../src/ipc/helperProtocol';

const fake = path.resolve(__dirname, '../../../../test/unit/fixtures/fake-helper.js');

// The fake helper is a Node script: on a loaded machine starting it can take seconds, and a fault
// test must not turn into a timeout. Only the test of the timeout itself passes a short one.
const STARTUP_SLACK_MS = 60_000;

function clientFor(mode: string, timeoutMs = STARTUP_SLACK_MS): { client: HelperClient; log: string[] } {
  const log: string[] = [];
  const client = new HelperClient({
    helperPath: fake,
    command: [process.execPath, fake, mode, String(PROTOCOL_VERSION)],
    requestTimeoutMs: timeoutMs,
    log: (l) => log.push(l),
  });
  return { client, log };
}

describe('helper client faults', function () {
  this.timeout(STARTUP_SLACK_MS * 2);
  it('kills a helper that sends a malformed frame and fails the request clearly', async function () {
    const { client, log } = clientFor('garbage');
    try {
      await assert.rejects(client.shmStat(1), (error: Error) => error instanceof HelperExitedError && /SIGKILL/.test(error.message));
      assert.ok(
        log.some((line) => /frame of 4294967295 bytes/.test(line)),
        log.join('\n'),
      );
    } finally {
      client.dispose();
    }
  });

  it('never returns a READ reply shorter than asked: the helper is stopped and the request fails clearly', async function () {
    const { client, log } = clientFor('short-read');
    try {
      await client.hello();
      const pid = client.pid!;
      const exited: string[] = [];
      client.onExit((reason) => exited.push(reason));
      await assert.rejects(
        client.shmRead(1, 0, 100),
        (error: Error) => error instanceof HelperExitedError && /Read reply of 50 bytes, not the 100 asked for.*broken/.test(error.message),
      );
      assert.notEqual(client.pid, pid, 'the broken helper is no longer the one in use');
      assert.equal(exited.length, 1, 'listeners are told (holds died with it)');
      assert.ok(
        log.some((line) => /Read reply of 50 bytes/.test(line)),
        log.join('\n'),
      );
      // Into a caller's buffer (readRange): the buffer is never handed out half filled.
      await assert.rejects(client.shmReadRange(1, 0, 64), /Read reply of 32 bytes, not the 64 asked for/);
      await assert.rejects(client.fileRead('/dev/shm/x', { devMajor: 0, devMinor: 1, ino: 2 }, 0, 10), /FileRead reply of 5 bytes, not the 10/);
      await assert.rejects(client.msgRead(1, 0), /MsgRead reply of 3 bytes, less than the 16 asked for/);
    } finally {
      client.dispose();
    }
  });

  it('stops a helper that answers with the reply of another operation', async function () {
    const { client } = clientFor('wrong-op');
    try {
      await assert.rejects(
        client.shmAttach(1),
        (error: Error) => error instanceof HelperExitedError && /answered a request for ShmAttach with a reply for op 6/.test(error.message),
      );
    } finally {
      client.dispose();
    }
  });

  it('refuses a helper that speaks another protocol version, saying how to fix it', async function () {
    const { client } = clientFor('wrong-version');
    try {
      await assert.rejects(client.shmLimits(), /protocol 99.*npm run build:native/);
    } finally {
      client.dispose();
    }
  });

  it('times out a helper that never answers', async function () {
    const { client } = clientFor('silent', 300);
    try {
      await assert.rejects(client.shmStat(1), HelperTimeoutError);
    } finally {
      client.dispose();
    }
  });

  it('stops restarting a helper that keeps dying, with advice', async function () {
    const client = new HelperClient({ helperPath: '/nonexistent/ipc-helper', requestTimeoutMs: 1000 });
    const errors: string[] = [];
    for (let i = 0; i < 6; i++) await client.shmLimits().catch((error: Error) => errors.push(error.message));
    assert.match(errors[0], /could not be started.*ENOENT/);
    assert.match(errors[5], /crashed 5 times.*not restarting/);
    client.dispose();
  });

  it('fails calls after dispose instead of starting a new helper', async function () {
    const { client } = clientFor('silent');
    client.dispose();
    await assert.rejects(client.shmLimits(), /shut down/);
  });
});
