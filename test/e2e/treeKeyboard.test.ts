// The IPC view from the keyboard and the mouse, in chromium, as VS Code's own trees behave: Enter
// and Delete act on the row the keyboard focus is on (not the row clicked before the arrows moved
// it), a double click opens a row's contents without toggling its expansion, and rows keep their
// expansion when the user goes to another activity and comes back.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Locator, Page } from 'playwright-core';
import { contentsFrame } from '../support/contentsUi';
import { createSegment, freshKey, holdSegment, repoRoot } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { expandRow, widenSideBar } from '../support/workbenchUi';
import { scrollToRow } from '../support/treeRows';

const shots = path.join(repoRoot, 'test-results', 'e2e');
const keyText = (key: number) => `0x${key.toString(16).padStart(8, '0')}`;

describe('the IPC view from the keyboard and the mouse, in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let ui: { failed: boolean; shot: string; page?: Page; browser?: Awaited<ReturnType<typeof openIpcView>>['browser']; server?: Server };
  const keys = [freshKey(), freshKey(), freshKey()];
  const ids: number[] = [];

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-keyboard-e2e-'));
    for (const key of keys) ids.push(createSegment(key, 4096));
    const server = await startHost({ workspace: temp });
    ui = { failed: false, shot: path.join(shots, 'keyboard-failure.png'), server, ...(await openIpcView(server)) };
    await widenSideBar(ui.page!, 250);
  });

  after(async function () {
    ui.failed = this.currentTest?.state === 'failed';
    await closeUi(ui);
    fs.rmSync(temp, { recursive: true, force: true });
  });

  const row = (key: number) => ui.page!.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*="key ${keyText(key)}"]`);

  /** The id of the segment whose row has the keyboard focus. */
  async function focusedId(page: Page): Promise<number> {
    const label = (await page.locator('.part.sidebar .monaco-list:focus-within .monaco-list-row.focused').first().getAttribute('aria-label')) ?? '';
    const match = /, id (\d+),/.exec(label);
    assert.ok(match, `the focused row is a segment's: "${label}"`);
    return Number(match[1]);
  }

  /** Clicks a row, then moves the focus down `steps` rows with the arrow key; returns the focused segment's id. */
  async function clickThenDown(page: Page, from: Locator, steps: number): Promise<number> {
    await from.click();
    for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowDown');
    return focusedId(page);
  }

  it('opens the contents of the focused row on Enter, not of the row clicked before', async function () {
    const page = ui.page!;
    await scrollToRow(page, row(keys[0]));
    await scrollToRow(page, row(keys[2]));
    await scrollToRow(page, row(keys[0]));
    const focused = await clickThenDown(page, row(keys[0]), 2);
    assert.notEqual(focused, ids[0], 'the arrows moved the focus away from the clicked row');
    await page.keyboard.press('Enter');
    await contentsFrame(page, new RegExp(`id ${focused}(?!\\d)`), 30_000);
  });

  it('offers to remove the focused row on Delete, not the row clicked before', async function () {
    const page = ui.page!;
    await scrollToRow(page, row(keys[0]));
    const focused = await clickThenDown(page, row(keys[0]), 1);
    await page.keyboard.press('Delete');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    const text = await dialog.innerText();
    assert.match(text, new RegExp(`\\(id ${focused}\\)`), text);
    assert.doesNotMatch(text, new RegExp(`\\(id ${ids[0]}\\)`), 'the clicked row is not the one offered');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it("opens a row's contents on a double click without expanding or collapsing it", async function () {
    const page = ui.page!;
    const holder = await holdSegment(ids[1], 'ro');
    try {
      const r = row(keys[1]);
      await scrollToRow(page, r);
      await page.waitForFunction(
        (el) => (el as { getAttribute(n: string): string | null } | null)?.getAttribute('aria-expanded') !== null,
        await r.elementHandle(),
        {
          timeout: 30_000,
        },
      );
      const before = await r.getAttribute('aria-expanded');
      await r.dblclick();
      await contentsFrame(page, new RegExp(`id ${ids[1]}(?!\\d)`), 30_000);
      assert.equal(await r.getAttribute('aria-expanded'), before, 'the double click toggled the row');
    } finally {
      await holder.stop();
    }
  });

  it('keeps expanded rows expanded after another activity was shown', async function () {
    const page = ui.page!;
    const holder = await holdSegment(ids[2], 'ro');
    try {
      await scrollToRow(page, row(keys[2]), { nearTop: true });
      await expandRow(row(keys[2]));
      await page.locator('.activitybar a.action-label[aria-label^="Explorer"]').click();
      await page
        .locator('.part.sidebar .pane-header', { hasText: /workspace|folder/i })
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
      await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
      await scrollToRow(page, row(keys[2]));
      assert.equal(await row(keys[2]).getAttribute('aria-expanded'), 'true', 'the row collapsed when the view was shown again');
    } finally {
      await holder.stop();
    }
  });
});
