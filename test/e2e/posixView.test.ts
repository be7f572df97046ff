// POSIX shared memory in the real UI, driven in chromium like a person: the POSIX group of the IPC
// view with objects made and held by separate processes, a holder shown by expanding a row, a new
// object created from the view's menu, an object opened in the contents view by a double click,
// and a leaked one cleaned up through the preview and the confirmation. Screenshots go to
// test-results/e2e/ (the README shows some).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { untilContentsView } from '../support/contentsUi';
import { createObject, freshName, mapObject, ownObject, PosixHolder, shmPath, trackName, writeObject } from '../support/posixObjects';
import { repoRoot } from '../support/segments';
import { host, Server, startHost } from '../support/testHost';
import {
  answerInputs,
  clickMenuItem,
  collapsePanes,
  expandRow,
  paneAction,
  statusBarItem,
  tickOnly,
  untilQuickInput,
  widenSideBar,
} from '../support/workbenchUi';
import { scrollToRow } from '../support/treeRows';
import { waitFor } from '../support/waitFor';

declare const document: { body: { textContent: string | null }; querySelector(selector: string): { textContent: string | null } | null };

const shots = path.join(repoRoot, 'test-results', 'e2e');

describe('POSIX shared memory in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let owner: PosixHolder;
  let reader: PosixHolder;
  const held = freshName();
  const leaked = freshName();
  const created = freshName();

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-posix-e2e-'));
    owner = await ownObject(held, 64 * 1024, 0o640);
    await owner.command(`write 0 ${Buffer.from('sensor frame 0001: temp=21.5C').toString('hex')}`);
    reader = await mapObject(held, 'ro');
    createObject(leaked, 1024 * 1024, 0o600);
    writeObject(leaked, 0, Buffer.from('left behind by a program that exited'));
    trackName(created);
    // A workspace that calls an unused object orphaned at once (the default waits 60 s).
    const workspace = path.join(temp, 'workspace');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'ipcInspector.orphanGracePeriod': 0 }));
    server = await startHost({ workspace });
    browser = await host.launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 850 } });
    await page.goto(server.workbenchUrl());
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' && page) await page.screenshot({ path: path.join(shots, 'posix-failure.png') }).catch(() => undefined);
    await browser?.close();
    await server?.stop();
    fs.rmSync(temp, { recursive: true, force: true });
  });

  /** The row of an object by name: its screen-reader label starts with its kind and name. */
  const row = (name: string) => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="POSIX shared memory object /${name},"]`);

  it('shows the POSIX group apart from System V, with the objects, their states and /dev/shm usage', async function () {
    await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
    await scrollToRow(page, row(held));
    // The other two views of the container are not this test's: closed, Shared Memory gets the room.
    await collapsePanes(page, ['Semaphores', 'Message Queues']);
    await widenSideBar(page, 330);
    const group = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)', { hasText: 'POSIX objects (/dev/shm)' });
    await scrollToRow(page, group);
    await group.getByText(/objects · .* used \(\d+%\)/).waitFor();
    await scrollToRow(page, row(held));
    assert.match((await row(held).getAttribute('aria-label'))!, /64 KiB, state: in use, 2 holders/);
    await scrollToRow(page, row(leaked));
    assert.match((await row(leaked).getAttribute('aria-label'))!, /1 MiB, state: orphaned \((leaked|uncertain)\), no holder/);
    assert.match(await row(leaked).innerText(), /orphaned( \(uncertain\))? · 1 MiB · 4 KiB allocated · no holder · root/);
  });

  it('says in the status bar that objects are orphaned, and a click there selects the first one', async function () {
    const item = statusBarItem(page);
    await item.waitFor({ timeout: 30_000 });
    assert.match(await item.innerText(), /\d+ orphaned/);
    const status = page.locator('.part.statusbar');
    await status.screenshot({ path: path.join(shots, 'status-bar.png') });
    await item.click();
    // Some orphan of this machine is now the selected row (ours is one of them: the test's leak).
    const selected = page.locator('.monaco-list-row[aria-selected="true"]');
    await page.waitForFunction(() =>
      [
        ...(
          globalThis as unknown as { document: { querySelectorAll(s: string): Array<{ getAttribute(n: string): string | null }> } }
        ).document.querySelectorAll('.monaco-list-row[aria-selected="true"]'),
      ].some((r) => /orphaned/.test(r.getAttribute('aria-label') ?? '')),
    );
    assert.match((await selected.first().getAttribute('aria-label')) ?? '', /orphaned/);
  });

  it('expands an object to show who maps it and who holds it open', async function () {
    await scrollToRow(page, row(held), { nearTop: true });
    await expandRow(row(held));
    const ownerRow = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Process ${owner.pid},"]`);
    const readerRow = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Process ${reader.pid},"]`);
    await readerRow.waitFor({ timeout: 10_000 });
    assert.match((await readerRow.getAttribute('aria-label'))!, /maps read-only/);
    assert.equal(await ownerRow.count(), 2, 'the owner maps it and holds its descriptor');
    const texts = (await ownerRow.allInnerTexts()).join(' | ');
    assert.match(texts, /maps read-write/);
    assert.match(texts, /fd \d+, read-write/);
    await page.screenshot({ path: path.join(shots, 'posix-view.png') });
  });

  it("creates an object from the view's menu, as shm_open would, and shows its row", async function () {
    await untilQuickInput(
      page,
      async () => {
        await (await paneAction(page, 'Shared Memory', 'More Actions...')).click();
        await clickMenuItem(page, 'Create POSIX Shared Memory Object…');
      },
      /Create POSIX Shared Memory Object \(1\/3\)/,
    );
    await answerInputs(page, ['/' + created, '2 MiB', '640']);
    await scrollToRow(page, row(created));
    const st = fs.statSync(shmPath(created));
    assert.deepEqual([st.size, st.mode & 0o777, st.blocks], [2 * 1024 * 1024, 0o640, 0]);
  });

  it("opens an object's contents with a double click and shows the bytes its owner wrote", async function () {
    await scrollToRow(page, row(held));
    const frame = await untilContentsView(page, () => row(held).dblclick(), new RegExp(`/${held}`));
    // The grid's own rows: "sensor" in hex (the data inspector's C string shows the words too, and may come first).
    await frame.waitForFunction(() => document.querySelector('.grid')?.textContent?.includes('73 65 6e 73 6f 72') ?? false, undefined, { timeout: 15_000 });
    const text = (await frame.textContent('.grid')) ?? '';
    assert.match(text, /73 65 6e 73 6f 72/, 'the hex column');
    assert.match(text, /hole, never written/, 'the pages never written show as holes');
    await owner.command(`write 13 ${Buffer.from('0002').toString('hex')}`);
    await frame.waitForFunction(() => document.body.textContent?.includes('sensor frame 0002') ?? false, undefined, { timeout: 10_000 });
    await page.screenshot({ path: path.join(shots, 'posix-contents-view.png') });
  });

  it('cleans up the leaked object through the preview and the confirmation, leaving the others', async function () {
    await (await paneAction(page, 'Shared Memory', 'Clean Up Orphaned Objects')).click();
    // Keep only ours ticked: other orphans on this machine are not this test's to remove.
    await tickOnly(page, [`/${leaked}`]);
    await page.screenshot({ path: path.join(shots, 'posix-clean-up.png') });
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'OK' }).click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    assert.match(await dialog.innerText(), /Remove 1 orphaned object,/);
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await waitFor(() => !fs.existsSync(shmPath(leaked)) || undefined, 10_000, 'the leaked object to be gone from /dev/shm');
    await row(leaked).waitFor({ state: 'detached', timeout: 10_000 });
    assert.ok(fs.existsSync(shmPath(held)) && fs.existsSync(shmPath(created)), 'the others are untouched');
  });
});
