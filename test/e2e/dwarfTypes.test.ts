// Types from a program's own debug information, in chromium, driven like a person: a C++ program
// built with -g (test/programs/dwarfvalues.cpp) writes known values into a segment; the user opens
// the segment, presses "C type…", finds ring::Slot<ring::Msg> in the program's section of the list
// ("from ./dwarfvalues (pid N)"), takes offset 0 and reads the program's values in the fields panel
// (the README's screenshot). Then a program with a great deal of debug information
// (test/support/bigDwarf.ts): its reading shows its progress, the user presses Cancel, and the
// list offers to read it again.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import type { Browser, Frame, Page } from 'playwright-core';
import { bigDwarfProgram } from '../support/bigDwarf';
import { openContentsFromRow } from '../support/contentsUi';
import { freshKey, repoRoot, trackSegment } from '../support/segments';
import { scrollToRow } from '../support/treeRows';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { answerInputs, collapsePanes } from '../support/workbenchUi';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const shots = path.join(repoRoot, 'test-results', 'e2e');

describe("View as C Type: a C++ program's own types, in chromium", function () {
  this.timeout(300_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const programs: ChildProcessWithoutNullStreams[] = [];

  /** Starts a program of the workspace with `args` and a fresh key; resolves with its pid and segment. */
  async function start(program: string, args: string[] = []): Promise<{ pid: number; shmid: number }> {
    const child = spawn(program, [...args, `0x${freshKey().toString(16)}`]);
    programs.push(child);
    const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve));
    return { pid: child.pid!, shmid: trackSegment(Number(line.split(' ')[1])) };
  }

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-dwarf-e2e-'));
    execFileSync('g++', ['-g', '-O1', '-o', path.join(temp, 'dwarfvalues'), path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
    bigDwarfProgram(temp);
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1600, height: 900 }));
    await collapsePanes(page, ['Semaphores', 'Message Queues']);
  });

  after(async function () {
    for (const child of programs) child.kill('SIGKILL');
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'dwarf-failure.png'), page, browser, server });
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  /**
   * Opens a segment's contents from its row. The machine's other segments may push the row below
   * the pane's fold (the list draws only the rows in sight): scroll down to it as a person would.
   */
  async function openSegment(shmid: number): Promise<Frame> {
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${shmid},"]`);
    await scrollToRow(page, row);
    return openContentsFromRow(page, row, new RegExp(`id ${shmid}`));
  }

  it('offers ring::Slot<ring::Msg> from the program holding the segment and shows the values it wrote', async function () {
    const { pid, shmid } = await start(path.join(temp, 'dwarfvalues'), ['sysv']);
    const frame = await openSegment(shmid);
    await frame.click('button:has-text("C type…")');
    const item = page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'ring::Slot<ring::Msg>' }).first();
    await item.waitFor({ timeout: 60_000 });
    assert.match((await item.textContent()) ?? '', new RegExp(`from \\./dwarfvalues \\(pid ${pid}\\)`));
    await page.screenshot({ path: path.join(shots, 'dwarf-pick-list.png') });
    await answerInputs(page, ['ring::Slot<ring::Msg>', 'At offset 0']);
    await frame.waitForFunction(() => document.querySelector('.fields-rows')?.textContent?.includes('BigTop') ?? false, undefined, { timeout: 30_000 });
    const rows = (await frame.textContent('.fields-rows')) ?? '';
    for (const [name, value] of [
      ['magic', String(0xfeedbeef)],
      ['version', '7'],
      ['state', 'Full (2)'],
      ['big', 'BigTop (18446744073709551615)'],
    ]) {
      assert.match(rows, new RegExp(`${name}[^\\n]*?${value.replace(/[()]/g, '\\$&')}`), `${name} shows ${value}`);
    }
    // The payload's elements, expanded as a person would: a table of the messages.
    await frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: /^payload$/ }) }).click();
    await frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: /^payload$/ }) }).press('ArrowRight');
    await frame.waitForFunction(() => /msg-1/.test(document.querySelector('.fields-rows')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await page
      .locator('.notification-toast')
      .first()
      .waitFor({ state: 'hidden', timeout: 15_000 })
      .catch(() => undefined);
    await page.screenshot({ path: path.join(shots, 'dwarf-fields.png') });
  });

  it('shows the reading of a big program with Cancel; cancelled, the list offers to read it again', async function () {
    const { shmid } = await start(path.join(temp, 'bigtypes'));
    const frame = await openSegment(shmid);
    await frame.click('button:has-text("C type…")');
    const toast = page.locator('.notification-toast', { hasText: 'Reading the types of ./bigtypes' });
    await toast.waitFor({ timeout: 60_000 });
    await toast.hover();
    await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Cancel' }).first().click();
    const again = page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'Read the types of ./bigtypes (cancelled)' });
    await again.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(shots, 'dwarf-cancelled.png') });
    await page.keyboard.press('Escape');
  });
});
