// The views redraw only what changed, in chromium. A user hovers a segment's row and reads its
// tooltip while other programs keep changing other objects (here: POSIX objects made and removed
// over and over, as a browser's memfds come and go); the tooltip stays open through several
// refreshes, and a view where nothing changed shows no progress bar. Before, every refresh redrew
// every row: the tooltip closed within about a second, and the progress bar flashed.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { createObject, freshName, shmPath } from '../support/posixObjects';
import { createSegment, freshKey, repoRoot } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';

interface Element {
  offsetParent: unknown;
  textContent: string | null;
  className: string;
  querySelector(selector: string): Element | null;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<Element> };
declare const window: { progressFlashes?: number };
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: Element, options: { attributes: boolean; attributeFilter: string[] }): void;
}

const shots = path.join(repoRoot, 'test-results', 'e2e');
const keyText = (key: number) => `0x${key.toString(16).padStart(8, '0')}`;

/** Whether a hover (a tree item's tooltip) is on screen now. */
function hoverShown(page: Page, text: string): Promise<boolean> {
  return page.evaluate(
    (wanted) =>
      Array.from(document.querySelectorAll('.monaco-hover, .workbench-hover')).some(
        (el) => el.offsetParent !== null && (el.textContent ?? '').includes(wanted),
      ),
    text,
  );
}

describe('the views redraw only what changed, in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let ui: { failed: boolean; shot: string; page?: Page; browser?: Awaited<ReturnType<typeof openIpcView>>['browser']; server?: Server };
  let churning = true;
  let churn: Promise<void> | undefined;

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-redraw-e2e-'));
    const workspace = path.join(temp, 'workspace');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    // Refreshes come often: a redraw of the hovered row would show quickly.
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'ipcInspector.refreshInterval': 500 }));
    const server = await startHost({ workspace });
    ui = { failed: false, shot: path.join(shots, 'redraw-failure.png'), server };
    Object.assign(ui, await openIpcView(server));
  });

  after(async function () {
    churning = false;
    await churn;
    ui.failed = this.currentTest?.state === 'failed';
    await closeUi(ui);
    fs.rmSync(temp, { recursive: true, force: true });
  });

  it("keeps a row's tooltip open while other objects come and go", async function () {
    const page = ui.page!;
    const key = freshKey();
    createSegment(key, 4096);
    const row = page.locator(`.monaco-list-row[aria-label*="key ${keyText(key)}"]`);
    await row.waitFor({ timeout: 30_000 });
    // Another program keeps making and removing POSIX objects; the view shows each change.
    const names: string[] = [];
    churn = (async () => {
      for (let i = 0; churning; i++) {
        const name = freshName();
        createObject(name, 4096);
        names.push(name);
        await new Promise((resolve) => setTimeout(resolve, 300));
        fs.rmSync(shmPath(name), { force: true });
      }
    })();
    const posixRows = () => page.locator('.monaco-list-row[aria-label^="POSIX shared memory object /ipcinsp-test-"]').count();
    await page.waitForFunction(
      () => document.querySelectorAll('.monaco-list-row[aria-label^="POSIX shared memory object /ipcinsp-test-"]').length > 0,
      undefined,
      {
        timeout: 30_000,
      },
    );

    // The user rests the mouse on the segment's row until its tooltip shows.
    const box = (await row.boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    await page.waitForFunction(
      (wanted) =>
        Array.from(document.querySelectorAll('.monaco-hover, .workbench-hover')).some(
          (el) => el.offsetParent !== null && (el.textContent ?? '').includes(wanted),
        ),
      keyText(key),
      { timeout: 20_000 },
    );
    // Through at least five refreshes that showed another object coming or going, it stays open.
    let changes = 0;
    let last = await posixRows();
    while (changes < 5) {
      await page.waitForFunction(
        (before) => document.querySelectorAll('.monaco-list-row[aria-label^="POSIX shared memory object /ipcinsp-test-"]').length !== before,
        last,
        {
          timeout: 20_000,
        },
      );
      last = await posixRows();
      changes++;
      assert.ok(await hoverShown(page, keyText(key)), `the tooltip of ${keyText(key)} closed after ${changes} change(s) of other objects`);
    }
    await page.screenshot({ path: path.join(shots, 'tooltip-kept.png') });
  });

  it('shows no progress bar in a view where nothing changed', async function () {
    const page = ui.page!;
    // The Semaphores view shows nothing the churn changes: its progress bar is watched from now on.
    await page.evaluate(() => {
      const pane = Array.from(document.querySelectorAll('.pane')).find((p) => (p.querySelector('.pane-header')?.textContent ?? '').includes('Semaphores'));
      const bar = pane?.querySelector('.monaco-progress-container');
      if (!bar) throw new Error('no Semaphores view with a progress bar');
      window.progressFlashes = 0;
      new MutationObserver(() => {
        if (bar.className.includes('active')) window.progressFlashes!++;
      }).observe(bar, { attributes: true, attributeFilter: ['class'] });
    });
    const posixRows = () => page.locator('.monaco-list-row[aria-label^="POSIX shared memory object /ipcinsp-test-"]').count();
    let last = await posixRows();
    for (let changes = 0; changes < 5; changes++) {
      await page.waitForFunction(
        (before) => document.querySelectorAll('.monaco-list-row[aria-label^="POSIX shared memory object /ipcinsp-test-"]').length !== before,
        last,
        {
          timeout: 20_000,
        },
      );
      last = await posixRows();
    }
    assert.equal(await page.evaluate(() => window.progressFlashes), 0, 'the progress bar of the Semaphores view showed while nothing there changed');
  });
});
