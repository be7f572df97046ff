// The views redraw only what changed, in chromium. A user hovers a row (the System V group's,
// folded, so that the POSIX group's row under it is in sight on any machine) and reads its tooltip
// while other programs keep changing other objects (here: POSIX objects made and removed over and
// over, as a browser's memfds come and go); the tooltip stays open through several
// refreshes, and a view where nothing changed shows no progress bar. Before, every refresh redrew
// every row: the tooltip closed within about a second, and the progress bar flashed.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { createObject, freshName, shmPath } from '../support/posixObjects';
import { repoRoot } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { scrollToRow } from '../support/treeRows';
import { collapsePanes } from '../support/workbenchUi';

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

/** What the POSIX group's row says ("3 objects · ..."): each refresh that showed the churn changes it. */
async function posixGroupLine(page: Page): Promise<string> {
  return page.evaluate(() => {
    const row = Array.from(document.querySelectorAll('.monaco-list-row')).find((r) => (r.textContent ?? '').includes('POSIX objects (/dev/shm)'));
    return row?.textContent ?? '';
  });
}

/** Waits until the POSIX group's row says something else than `before`; returns what it says. */
async function posixGroupLineChanged(page: Page, before: string): Promise<string> {
  await page.waitForFunction(
    (was) => {
      const row = Array.from(document.querySelectorAll('.monaco-list-row')).find((r) => (r.textContent ?? '').includes('POSIX objects (/dev/shm)'));
      return row !== undefined && row.textContent !== was;
    },
    before,
    { timeout: 20_000 },
  );
  return posixGroupLine(page);
}

/**
 * Another program making and removing POSIX objects over and over, until stopped (stop() rejects
 * with what went wrong, if anything did).
 */
function startChurn(): { stop(): Promise<void> } {
  let churning = true;
  const done = (async () => {
    while (churning) {
      // Each object lives longer than a refresh (500 ms), and so does each gap: the count of
      // objects the POSIX group's row says goes up and down.
      const name = freshName();
      createObject(name, 4096);
      await new Promise((resolve) => setTimeout(resolve, 700));
      fs.rmSync(shmPath(name), { force: true });
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
  })();
  // A failure is kept for stop() (not an unhandled rejection meanwhile).
  const outcome = done.then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    stop: async () => {
      churning = false;
      const error = await outcome;
      if (error) throw error;
    },
  };
}

describe('the views redraw only what changed, in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let ui: { failed: boolean; shot: string; page?: Page; browser?: Awaited<ReturnType<typeof openIpcView>>['browser']; server?: Server };
  let churn: { stop(): Promise<void> } | undefined;

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
    // Shared Memory gets the room of the view this test does not look at.
    await collapsePanes(ui.page!, ['Message Queues']);
  });

  after(async function () {
    const stopped = churn?.stop();
    try {
      ui.failed = this.currentTest?.state === 'failed';
      await closeUi(ui);
      fs.rmSync(temp, { recursive: true, force: true });
    } finally {
      await stopped;
    }
  });

  it("keeps a row's tooltip open while other objects come and go", async function () {
    const page = ui.page!;
    // The System V group's row, folded: the POSIX group's row is right under it, on any machine.
    const systemV = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)', { hasText: 'System V segments' });
    await scrollToRow(page, systemV);
    if ((await systemV.getAttribute('aria-expanded')) === 'true') await systemV.locator('.monaco-tl-twistie').click();
    await page.waitForFunction(
      (el) => (el as Element & { getAttribute(n: string): string | null }).getAttribute('aria-expanded') === 'false',
      await systemV.elementHandle(),
    );
    // The list got shorter: the System V row near the top again, the POSIX group's row under it.
    await scrollToRow(page, systemV, { nearTop: true });
    // Another program keeps making and removing POSIX objects; the view shows each change.
    churn = startChurn();
    // The user rests the mouse on the System V row until its tooltip shows.
    const box = (await systemV.boundingBox())!;
    await page.mouse.move(box.x + 60, box.y + box.height / 2);
    await page.waitForFunction(
      (wanted) =>
        Array.from(document.querySelectorAll('.monaco-hover, .workbench-hover')).some(
          (el) => el.offsetParent !== null && (el.textContent ?? '').includes(wanted),
        ),
      'System V shared memory (shmget)',
      { timeout: 20_000 },
    );
    // Through at least five refreshes that showed another object coming or going, it stays open.
    let last = await posixGroupLine(page);
    for (let changes = 1; changes <= 5; changes++) {
      last = await posixGroupLineChanged(page, last);
      assert.ok(await hoverShown(page, 'System V shared memory (shmget)'), `the tooltip closed after ${changes} changes of other objects`);
    }
    await page.screenshot({ path: path.join(shots, 'tooltip-kept.png') });
  });

  it('shows no progress bar in a view where nothing changed', async function () {
    const page = ui.page!;
    churn ??= startChurn();
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
    let last = await posixGroupLine(page);
    for (let changes = 0; changes < 5; changes++) last = await posixGroupLineChanged(page, last);
    assert.equal(await page.evaluate(() => window.progressFlashes), 0, 'the progress bar of the Semaphores view showed while nothing there changed');
  });
});
