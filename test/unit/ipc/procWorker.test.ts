// The worker thread of the extension's own /proc reading: a file service other modules use, and one
// that ends when asked (the core's dispose asks). Its OS thread is counted in /proc/self/task, so the
// test sees the thread itself come and go, not a flag of ours.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { lstatInWorker, LSTAT_FIELDS, readFileInWorker, stopScanWorker, useScanWorker } from '../../../src/ipc/procWorker';
import { waitFor } from '../../support/waitFor';

const threads = () => fs.readdirSync('/proc/self/task').length;

describe('the /proc worker thread', () => {
  afterEach(() => stopScanWorker());

  it('reads a whole file and lstats paths off this thread, the same as here', async () => {
    const read = readFileInWorker('/proc/self/status', 64);
    assert.ok(read, 'a worker can be started');
    const text = (await read).toString('latin1');
    assert.match(text, /^Name:/);
    // The worker's /proc/self is this very process: the same Tgid.
    assert.equal(/^Tgid:\s*(\d+)$/m.exec(text)?.[1], String(process.pid));
    const stats = await lstatInWorker(['/proc/self/status', '/no/such/path']);
    assert.ok(stats);
    const own = fs.lstatSync('/proc/self/status');
    assert.equal(stats[LSTAT_FIELDS.indexOf('ino')], own.ino);
    assert.ok(Number.isNaN(stats[LSTAT_FIELDS.length]), 'a missing path is NaN, not an error');
  });

  it('ends its thread when stopped (what the core does on dispose), and starts again when needed', async () => {
    await readFileInWorker('/proc/self/stat', 64);
    const running = threads();
    stopScanWorker();
    const stopped = await waitFor(() => (threads() < running ? threads() : undefined), 5000, `the worker's thread to end (${running} threads)`);
    assert.match((await readFileInWorker('/proc/self/stat', 64))!.toString(), new RegExp(`^${process.pid} `));
    assert.ok(threads() > stopped, 'its thread again while it runs');
  });

  it('is not used when turned off (as the command line does): its thread ends, callers read on their own', async () => {
    await readFileInWorker('/proc/self/stat', 64);
    const running = threads();
    try {
      useScanWorker(false);
      await waitFor(() => (threads() < running ? true : undefined), 5000, `the worker's thread to end (${running} threads)`);
      assert.equal(readFileInWorker('/proc/self/stat', 64), undefined, 'no worker to read');
      assert.equal(lstatInWorker(['/proc/self/stat']), undefined, 'no worker to lstat');
    } finally {
      useScanWorker(true);
    }
    assert.match((await readFileInWorker('/proc/self/stat', 64))!.toString(), new RegExp(`^${process.pid} `), 'used again when turned on');
  });

  it('rejects a read in flight when it is stopped, so the caller reads on its own thread', async () => {
    const read = readFileInWorker('/proc/self/maps', 64);
    stopScanWorker();
    await assert.rejects(read!, /stopped/);
  });
});
