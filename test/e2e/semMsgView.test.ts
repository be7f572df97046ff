// The Semaphores and Message Queues views in chromium, driven like a person: a set with a waiter
// blocked behind a semaphore its holder died holding (the diagnosis on screen), expanded to the
// waiter; a queue with messages peeked without consuming them, one opened in the contents view.
// Screenshots go to test-results/e2e/ (the README shows them).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { untilContentsView } from '../support/contentsUi';
import { repoRoot } from '../support/segments';
import { ipcmkMsg, ipcmkSem, ipctool, IpcProcess, msgProc, startIpctool, SYSCALL, waitBlocked } from '../support/semMsg';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { collapsePanes, expandRow, widenSideBar } from '../support/workbenchUi';

declare const document: { body: { textContent: string | null } };

const shots = path.join(repoRoot, 'test-results', 'e2e');

describe('Semaphores and Message Queues in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let semid: number;
  let waiter: IpcProcess;
  let msqid: number;

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-semmsg-e2e-'));
    semid = ipcmkSem(2, 0o600);
    ipctool(['semop', String(semid), '0', '1']);
    const holder = await startIpctool(['semhold', String(semid), '0']);
    waiter = await startIpctool(['semwait', String(semid), '0']);
    await waitBlocked(waiter.pid, [SYSCALL.semtimedop, SYSCALL.semop], semid);
    await holder.kill(); // dies holding the lock: its waiter waits forever
    msqid = ipcmkMsg(0o600);
    for (const [type, text] of [
      ['1', 'job: resize image 42'],
      ['2', 'job: send mail to ops'],
      ['1', 'job: rotate logs'],
    ]) {
      ipctool(['msgsend', String(msqid), type, text]);
    }
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1500, height: 900 }));
  });

  after(async function () {
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'semmsg-failure.png'), page, browser, server });
    fs.rmSync(temp, { recursive: true, force: true });
  });

  const setRow = () => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${semid}, "][aria-label^="Semaphore set"]`);
  const queueRow = () => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${msqid}, "][aria-label^="Message queue"]`);

  it('shows the stuck set with its diagnosis, and the waiter under the semaphore it waits on', async function () {
    await setRow().waitFor({ timeout: 30_000 });
    await collapsePanes(page, ['Shared Memory']);
    await widenSideBar(page, 420);
    // Values are read once the view is known to be visible: wait for them, as a person would.
    await page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${semid}, "][aria-label*="state: stuck"]`).waitFor({ timeout: 15_000 });
    await expandRow(setRow());
    const sem0 = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Semaphore 0, value 0"]');
    await sem0.waitFor({ timeout: 10_000 });
    assert.match((await sem0.getAttribute('aria-label'))!, /held by a process that exited without SEM_UNDO/);
    await page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Process ${waiter.pid},"]`).waitFor({ timeout: 10_000 });
    await setRow().hover();
    await page.screenshot({ path: path.join(shots, 'semaphores-view.png') });
  });

  it("lists a queue's messages without consuming them, and opens one in the contents view", async function () {
    await queueRow().waitFor({ timeout: 30_000 });
    await expandRow(queueRow());
    const first = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Message 0, type 1"]');
    await first.waitFor({ timeout: 10_000 });
    assert.match((await first.getAttribute('aria-label'))!, /starts with job: resize image 42/);
    assert.equal(msgProc(msqid)?.qnum, 3, 'looking received nothing');
    const frame = await untilContentsView(page, () => first.click(), /Message #0/);
    await frame.waitForFunction(() => document.body.textContent?.includes('job: resize image 42') ?? false, undefined, { timeout: 15_000 });
    assert.equal(msgProc(msqid)?.qnum, 3, 'opening received nothing');
    await page.screenshot({ path: path.join(shots, 'message-queues-view.png') });
  });
});
