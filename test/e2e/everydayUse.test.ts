// What a new user met in the first hour (issue 18), each driven through the real UI in chromium:
// the inspector never counts itself (its helper reading a segment, or setting a new set's values,
// is not a user's attachment or use), the rows' words put state first and name a program by its
// executable, words have proper plurals, an uncertain orphan says so everywhere, the export
// proposes a place outside version control and can leave the browser's memfds out.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { untilContentsView } from '../support/contentsUi';
import { freshName, memfdObject } from '../support/posixObjects';
import { createSegment, freshKey, holdSegment, procLine, repoRoot } from '../support/segments';
import { freshIpcKey, ipcmkSem, trackSem } from '../support/semMsg';
import { closeUi, host, Server, startHost } from '../support/testHost';
import { waitFor } from '../support/waitFor';
import {
  answerInputs,
  chooseFromRowMenu,
  collapsePanes,
  expandRow,
  paneAction,
  paneHeader,
  runCommand,
  saveExportAs,
  untilStatusBarSays,
  widenSideBar,
} from '../support/workbenchUi';
import { scrollToRow } from '../support/treeRows';

const shots = path.join(repoRoot, 'test-results', 'e2e');
const keyText = (key: number) => `0x${key.toString(16).padStart(8, '0')}`;

/** The semids of /proc/sysvipc/sem now. */
function semids(): Set<number> {
  return new Set(
    fs
      .readFileSync('/proc/sysvipc/sem', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => Number(line.trim().split(/\s+/)[1]))
      .filter((id) => Number.isInteger(id)),
  );
}

/** The semid of the set with this key, if any (as an object: semid 0 is a real id). */
function semidOfKey(key: number): { id: number } | undefined {
  const line = fs
    .readFileSync('/proc/sysvipc/sem', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => Number(cols[0]) === key);
  return line ? { id: Number(line[1]) } : undefined;
}

describe('everyday use of the views, in chromium (issue 18)', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-everyday-e2e-'));
    // No grace period: a set nobody ever used is called orphaned at once (uncertain: its maker is unknown).
    fs.mkdirSync(path.join(temp, '.vscode'));
    fs.writeFileSync(path.join(temp, '.vscode', 'settings.json'), JSON.stringify({ 'ipcInspector.orphanGracePeriod': 0 }));
    server = await startHost({ workspace: temp });
    // As openIpcView, but a loaded machine can take longer than one first load of the workbench allows: load again.
    browser = await host.launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1300 } });
    for (let attempt = 1; ; attempt++) {
      const loaded = await page.goto(server.workbenchUrl(), { timeout: 60_000 }).then(
        () => true,
        (error: unknown) => (attempt === 3 ? Promise.reject(error) : false),
      );
      if (loaded) break;
    }
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
    await widenSideBar(page, 300);
  });

  after(async function () {
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'everyday-failure.png'), page, browser, server });
    fs.rmSync(temp, { recursive: true, force: true });
  });

  /** Opens this view of the side bar and collapses the others: rows below a pane's fold are not drawn at all. */
  async function showOnly(title: string): Promise<void> {
    const others = ['Shared Memory', 'Semaphores', 'Message Queues'].filter((t) => t !== title);
    await collapsePanes(page, others);
    const header = paneHeader(page, title);
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await page.waitForFunction(
      (el) => (el as { getAttribute(n: string): string | null }).getAttribute('aria-expanded') === 'true',
      await header.elementHandle(),
    );
  }

  const segmentRow = (key: number) => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*="key ${keyText(key)}"]`);

  it("does not count its own helper's attachment: reading a segment leaves its count, children and state as they were", async function () {
    const key = freshKey();
    const shmid = createSegment(key, 4096);
    const user = await holdSegment(shmid, 'ro');
    try {
      await showOnly('Shared Memory');
      const row = segmentRow(key);
      await scrollToRow(page, row, { timeoutMs: 90_000 }); // the first look of the view, on a loaded machine
      await page.waitForFunction(
        (el) => /1 process attached/.test((el as { getAttribute(n: string): string | null }).getAttribute('aria-label') ?? ''),
        await row.elementHandle(),
      );
      await untilContentsView(page, () => row.dblclick(), new RegExp(`id ${shmid}(?!\\d)`));
      // The helper is attached now (the kernel counts it)…
      await waitFor(() => procLine(shmid)?.[6] === '2', 15_000, 'the helper attached to read it');
      // …and a refresh after that has drawn the tree: a segment made later has its row.
      const marker = freshKey();
      createSegment(marker, 4096);
      await scrollToRow(page, segmentRow(marker));
      await scrollToRow(page, row, { nearTop: true });
      const label = (await row.getAttribute('aria-label')) ?? '';
      assert.match(label, /1 process attached/, label);
      await expandRow(row);
      // The children are drawn a moment after the row opens (CI run 24 read them before): wait for the user's.
      const child = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Process ${user.pid},"]`);
      await child.waitFor({ timeout: 15_000 });
      const children = await page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Process "]`).allTextContents();
      assert.ok(children.length >= 1, "the user's process is a child row");
      for (const text of children) assert.doesNotMatch(text, /ipc-helper/, 'the helper is no child row');
      // The child row names the program, not its absolute command line (which the tooltip keeps).
      assert.equal((await child.locator('.label-name').innerText()).trim(), `${user.pid} shmtool`);
      assert.match((await child.locator('.label-description').innerText()).trim(), /^read-only · /);
      // A segment whose creator exited says so first: a narrow side bar cuts the end of the line.
      await scrollToRow(page, segmentRow(marker));
      assert.match((await segmentRow(marker).locator('.label-description').innerText()).trim(), /^orphaned · 4 KiB · not attached · /);
    } finally {
      await user.stop();
    }
  });

  it('does not call a set it created "in use" by its own helper: Remove does not warn, the semaphore does not name the helper', async function () {
    await showOnly('Semaphores');
    const before = semids();
    await runCommand(page, 'Create Semaphore Set', /key/i);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'IPC_PRIVATE' }).first().click();
    await answerInputs(page, ['1', '1', '600']);
    const { semid } = await waitFor(() => [...semids()].filter((id) => !before.has(id)).map((id) => ({ semid: id }))[0], 30_000, 'the new set');
    trackSem(semid);
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Semaphore set"][aria-label*=", id ${semid}, "]`);
    await row.waitFor({ timeout: 30_000 });
    await expandRow(row);
    const sem0 = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Semaphore 0, value 1"]');
    await sem0.waitFor({ timeout: 15_000 });
    assert.doesNotMatch((await sem0.getAttribute('aria-label')) ?? '', /ipc-helper/);
    const dialog = page.locator('.monaco-dialog-box');
    await chooseFromRowMenu(row, 'Remove…', dialog);
    const text = await dialog.innerText();
    assert.doesNotMatch(text, /in use|ipc-helper/i, text);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    execFileSync('ipcrm', ['-s', String(semid)]);
  });

  it('asks nothing about a free key when creating a set, and words its questions with proper plurals', async function () {
    const key = freshIpcKey();
    await runCommand(page, 'Create Semaphore Set', /key/i);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Chosen key' }).first().click();
    await answerInputs(page, [keyText(key), '1']);
    const prompt = await page.locator('.quick-input-widget').innerText();
    assert.doesNotMatch(prompt, /\(s\)/, prompt);
    await answerInputs(page, ['1', '600']);
    // Five questions, and the set is made: no sixth about whether a free key is taken.
    const semid = await waitFor(() => semidOfKey(key), 30_000, `a set with key ${keyText(key)}`);
    trackSem(semid.id);
    execFileSync('ipcrm', ['-s', String(semid.id)]);
  });

  it('calls an orphan that cannot be told for sure "orphaned (uncertain)", the same in the row, the status bar and Clean Up', async function () {
    const semid = ipcmkSem(1); // never used: the kernel does not record its maker, so it may still be needed
    try {
      const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Semaphore set"][aria-label*=", id ${semid}, "]`);
      await row.waitFor({ timeout: 30_000 });
      await page.waitForFunction((el) => /orphaned/.test((el as { textContent: string | null }).textContent ?? ''), await row.elementHandle(), {
        timeout: 30_000,
      });
      assert.match((await row.locator('.label-description').innerText()).trim(), /^orphaned \(uncertain\) · /);
      assert.match((await row.getAttribute('aria-label')) ?? '', /state: orphaned \(uncertain\)/);
      await untilStatusBarSays(page, /uncertain/);
      await (await paneAction(page, 'Semaphores', 'Clean Up Orphaned Objects')).click();
      // Other orphans of the machine may fill the list: narrow it to this one, as a person would.
      await page.locator('.quick-input-widget input').fill(`id ${semid}`);
      const item = page.locator('.quick-input-list .monaco-list-row', { hasText: `(id ${semid})` }).first();
      await item.waitFor({ timeout: 15_000 });
      assert.match(await item.innerText(), /orphaned \(uncertain\)/);
      assert.equal(await item.getAttribute('aria-checked'), 'false', 'an uncertain orphan is offered unticked');
      await page.keyboard.press('Escape');
    } finally {
      execFileSync('ipcrm', ['-s', String(semid)]);
    }
  });

  it('proposes to export outside version control, and can leave the memfds out', async function () {
    execFileSync('git', ['init', '-q', temp]); // the workspace is a checkout: an export there would be an untracked file in it
    const memfd = await memfdObject(freshName(), 4096);
    const key = freshKey();
    createSegment(key, 4096);
    try {
      await runCommand(page, 'IPC: Export as JSON', /Export IPC Objects as JSON/);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Leave out the memfds' }).first().click();
      const input = page.locator('.quick-input-widget input');
      const proposed = await waitFor(
        async () => {
          const value = await input.inputValue().catch(() => '');
          return /\.json$/.test(value) ? value : undefined;
        },
        30_000,
        'the save dialog to propose a file',
      );
      assert.ok(!proposed.startsWith(temp), `the proposal ${proposed} is inside the checkout ${temp}`);
      const file = path.join(os.tmpdir(), `ipc-everyday-export-${process.pid}.json`);
      try {
        await saveExportAs(page, file);
        const exported = JSON.parse(fs.readFileSync(file, 'utf8')) as { objects: Array<{ kind: string; origin?: string; kernel?: { key?: number } }> };
        assert.ok(
          exported.objects.some((o) => o.kind === 'sysvShm' && o.kernel?.key === key),
          'the segment is exported',
        );
        assert.deepEqual(
          exported.objects.filter((o) => o.origin === 'memfd'),
          [],
          'no memfd is exported',
        );
      } finally {
        fs.rmSync(file, { force: true });
      }
    } finally {
      await memfd.stop();
    }
  });
});
