// The UI as a user who is not root, in chromium: the host runs as nobody (its own HOME), beside a
// segment of root's that a root process has attached. The row says root owns it and that its
// attached process cannot be seen; Remove… from its context menu says who may remove it, at
// once, with no confirmation for what cannot be done; nobody's own leaked segment is removed.
// Screenshots go to test-results/e2e/ (the README shows one).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Locator, Page } from 'playwright-core';
import { createSegment, freshKey, Holder, holdSegment, procLine, repoRoot, shmtoolPath, trackSegment } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { chooseFromRowMenu, expandRow, widenSideBar } from '../support/workbenchUi';
import { scrollToRow } from '../support/treeRows';

const shots = path.join(repoRoot, 'test-results', 'e2e');
const keyText = (key: number) => `0x${key.toString(16).padStart(8, '0')}`;
const NOBODY = { uid: 65534, gid: 65534 };

describe('the Shared Memory view as an unprivileged user, in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let rootKey: number;
  let rootId: number;
  let rootHolder: Holder;
  let ownKey: number;
  let ownId: number;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip(); // preparing another user's host needs root
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-unpriv-e2e-'));
    fs.chownSync(temp, NOBODY.uid, NOBODY.gid);
    rootKey = freshKey();
    rootId = createSegment(rootKey, 8192, 0o600);
    rootHolder = await holdSegment(rootId, 'rw');
    ownKey = freshKey();
    // Made by nobody in a process that exits: nobody's own leak.
    ownId = trackSegment(Number(execFileSync(shmtoolPath, ['create', keyText(ownKey), '4096', '600'], { ...NOBODY, encoding: 'utf8' }).trim()));
    server = await startHost({ workspace: temp, user: NOBODY });
    ({ browser, page } = await openIpcView(server, { width: 1500, height: 850 }));
  });

  after(async function () {
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'unprivileged-failure.png'), page, browser, server });
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  const row = (key: number) => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*="key ${keyText(key)}"]`);

  async function removeFromMenu(key: number, outcome: Locator): Promise<void> {
    await scrollToRow(page, row(key));
    await chooseFromRowMenu(row(key), 'Remove…', outcome).catch(async (error: unknown) => {
      await page.screenshot({ path: path.join(shots, 'unprivileged-failure.png') });
      throw error;
    });
  }

  it("shows root's segment with its owner and an attached process it cannot see", async function () {
    await scrollToRow(page, row(rootKey));
    await widenSideBar(page, 420);
    await scrollToRow(page, row(rootKey), { nearTop: true });
    assert.match(await row(rootKey).innerText(), /8 KiB · .*root/);
    await expandRow(row(rootKey));
    await page.locator('.monaco-list-row', { hasText: '1 attached process not visible' }).waitFor({ timeout: 10_000 });
  });

  it("Remove… of root's segment says who may remove it, without a confirmation, and leaves it", async function () {
    const toast = page.locator('.notification-toast', { hasText: 'Cannot remove segment' });
    await removeFromMenu(rootKey, toast);
    assert.match(await toast.innerText(), /owned by root: only its owner, its creator or a process with CAP_SYS_ADMIN \(root\) may remove it/);
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no confirmation was asked');
    assert.ok(procLine(rootId), "root's segment is still there");
    await page.screenshot({ path: path.join(shots, 'unprivileged-remove.png') });
  });

  it('removes its own leaked segment through the same menu and the confirmation', async function () {
    const dialog = page.locator('.monaco-dialog-box');
    await removeFromMenu(ownKey, dialog);
    assert.match(await dialog.innerText(), new RegExp(`Remove segment ${keyText(ownKey)} \\(id ${ownId}\\)\\?`));
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await row(ownKey).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(procLine(ownId), undefined, "the kernel no longer has nobody's segment");
    assert.ok(procLine(rootId), "root's segment is untouched");
    await rootHolder.stop();
  });
});
