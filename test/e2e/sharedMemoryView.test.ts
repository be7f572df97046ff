// The real UI, driven like a person would in chromium (the checkout, or in npm test's packaged stage
// the installed VSIX: support/testHost.ts startHost), segments made by real processes, the IPC view opened from the activity
// bar, a row expanded to show its attached process, and a segment removed through its context menu
// and the confirmation dialog. Screenshots go to test-results/e2e/ (the README shows one).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { createSegment, freshKey, Holder, ownSegment, procLine, repoRoot } from '../support/segments';
import { host, Server, startHost } from '../support/testHost';
import { chooseFromRowMenu, expandRow, runCommand, saveExportAs, widenSideBar } from '../support/workbenchUi';
import { scrollToRow } from '../support/treeRows';

const shots = path.join(repoRoot, 'test-results', 'e2e');
declare const document: { querySelector(selector: string): { value?: string } | null };

const keyText = (key: number) => `0x${key.toString(16).padStart(8, '0')}`;

describe('the Shared Memory view in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let holder: Holder;
  let leakedKey: number;
  let leakedId: number;
  let heldKey: number;

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-e2e-'));
    heldKey = freshKey();
    holder = await ownSegment(heldKey, 12345, 0o640);
    leakedKey = freshKey();
    leakedId = createSegment(leakedKey, 65536, 0o600);

    fs.mkdirSync(path.join(temp, 'workspace'));
    server = await startHost({ workspace: path.join(temp, 'workspace') });
    browser = await host.launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 850 } });
    await page.goto(server.workbenchUrl());
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' && page) await page.screenshot({ path: path.join(shots, 'failure.png') }).catch(() => undefined);
    await browser?.close();
    await server?.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  });

  /** The tree row whose screen-reader label mentions the key (the label carries the state too). */
  const row = (key: number) => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*="key ${keyText(key)}"]`);

  it('opens the IPC view from the activity bar and lists the segments with their state', async function () {
    await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
    await scrollToRow(page, row(heldKey));
    await widenSideBar(page, 330);
    // Each kind in its own group, with its limits line (segments used / shmmni, bytes; /dev/shm used).
    const systemV = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)', { hasText: 'System V segments' });
    await scrollToRow(page, systemV);
    await systemV.getByText(/^\d+\/\d+ segments · /).waitFor({ timeout: 10_000 });
    const posix = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)', { hasText: 'POSIX objects (/dev/shm)' });
    await scrollToRow(page, posix);
    await posix.getByText(/objects? · .* used \(\d+%\)/).waitFor({ timeout: 10_000 });
    await scrollToRow(page, row(heldKey));
    assert.match((await row(heldKey).getAttribute('aria-label'))!, /state: attached, 1 process attached/);
    await scrollToRow(page, row(leakedKey));
    assert.match((await row(leakedKey).getAttribute('aria-label'))!, /state: orphaned \(leaked\)/);
    assert.match(await row(leakedKey).innerText(), /orphaned · 64 KiB · not attached · root/);
    await page.screenshot({ path: path.join(shots, 'view.png') });
  });

  it('expands a segment to show the process attached to it', async function () {
    await scrollToRow(page, row(heldKey), { nearTop: true });
    await expandRow(row(heldKey));
    const child = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Process ${holder.pid},"]`);
    await child.waitFor({ timeout: 10_000 });
    assert.match((await child.getAttribute('aria-label'))!, /read-write/);
    await row(heldKey).hover(); // shows the inline actions, for the screenshot
    await page.screenshot({ path: path.join(shots, 'attached-process.png') });
  });

  it('removes a segment through its context menu and the confirmation dialog', async function () {
    const dialog = page.locator('.monaco-dialog-box');
    await scrollToRow(page, row(leakedKey));
    await chooseFromRowMenu(row(leakedKey), 'Remove…', dialog);
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`Remove segment ${keyText(leakedKey)} \\(id ${leakedId}\\)\\?`));
    assert.match(text, /Its contents are lost/);
    await page.screenshot({ path: path.join(shots, 'confirm-remove.png') });
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await row(leakedKey).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(procLine(leakedId), undefined, 'the kernel no longer has the segment');
    assert.ok(procLine(holder.shmid), 'the other segment is untouched');
    await page.screenshot({ path: path.join(shots, 'after-remove.png') });
  });

  it('exports every object as JSON to the file named in the save dialog', async function () {
    const file = path.join(temp, 'exported objects.json');
    await runCommand(page, 'IPC: Export as JSON', /Export IPC Objects as JSON/);
    // With memfds on the machine (the browser's own), it first asks whether to export them: all of it here.
    const everything = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Everything' });
    // Waits for whichever comes: the question, or the save dialog's proposal (no memfds now).
    await page.waitForFunction(
      () =>
        /\.json$/.test(document.querySelector('.quick-input-widget input')?.value ?? '') ||
        document.querySelector('.quick-input-list .monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*="Everything"]') !== null,
      undefined,
      { timeout: 60_000 },
    );
    if ((await everything.count()) > 0) await everything.first().click();
    // The save dialog (in the browser VS Code's own, a path in the quick input): once it has filled
    // in its proposal, the path typed in instead, and Enter.
    await page.waitForFunction(() => /\.json$/.test(document.querySelector('.quick-input-widget input')?.value ?? ''));
    await saveExportAs(page, file);
    const exported = JSON.parse(fs.readFileSync(file, 'utf8')) as { objects: Array<{ kind: string; state: string; kernel: { shmid?: number; key?: number } }> };
    const held = exported.objects.find((o) => o.kind === 'sysvShm' && o.kernel.shmid === holder.shmid);
    assert.ok(held, `the export lists segment ${holder.shmid}`);
    assert.deepEqual([held.kernel.key, held.state], [heldKey, 'attached']);
  });
});
