// A declaration of several lines, in chromium, driven like a person (issue 18, item 3): a program
// (test/programs/ctvalues.c) writes known values into a segment; the user opens it, presses
// "C type…", chooses "Type or paste a declaration…" and pastes an #include line and a struct into
// the one-line box: the box says the lines were joined (the compiler would have seen one line and
// no struct). Emptied, Enter opens a C editor; the same text pasted there, "Use the Declaration in
// the Editor" lays it out, lines kept, and the fields panel shows the program's values.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import type { Browser, Page } from 'playwright-core';
import { openContentsFromRow } from '../support/contentsUi';
import { freshKey, repoRoot, trackSegment } from '../support/segments';
import { scrollToRow } from '../support/treeRows';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { answerInputs, collapsePanes } from '../support/workbenchUi';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const shots = path.join(repoRoot, 'test-results', 'e2e');
const ctvalues = path.join(repoRoot, 'native', 'bin', 'ctvalues');

/** ctvalues writes struct known: i8 = -8 at 0, and all ones in the 8 bytes at 24. */
const PASTED = '#include <stdint.h>\nstruct probe2 {\n  int8_t first;\n  uint8_t rest[23];\n  uint64_t all_ones;\n};\n';

describe('View as C Type: a declaration of several lines, in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let program: ChildProcessWithoutNullStreams | undefined;
  let shmid: number;

  before(async function () {
    if (!fs.existsSync(ctvalues)) this.skip();
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-declaration-e2e-'));
    program = spawn(ctvalues, ['sysv', `0x${freshKey().toString(16)}`]);
    const line = await new Promise<string>((resolve) => readline.createInterface({ input: program!.stdout }).once('line', resolve));
    shmid = trackSegment(Number(line.split(' ')[1]));
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1600, height: 900 }));
    await collapsePanes(page, ['Semaphores', 'Message Queues']);
  });

  after(async function () {
    program?.kill('SIGKILL');
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'declaration-failure.png'), page, browser, server });
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  it('says the one-line box joined pasted lines, and lays out the lines pasted in the editor it opens', async function () {
    // The machine's other segments may push the row below the fold: scroll to it as a person would.
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${shmid},"]`);
    await scrollToRow(page, row);
    const frame = await openContentsFromRow(page, row, new RegExp(`id ${shmid}`));
    await frame.click('button:has-text("C type…")');
    await page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'Type or paste a declaration' }).first().waitFor({ timeout: 30_000 });
    await answerInputs(page, ['Type or paste a declaration']);

    // Pasted into the one-line box, the lines lose their breaks: said, not laid out as one line.
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'a declaration' }).waitFor();
    await input.focus();
    await page.keyboard.insertText(PASTED);
    assert.ok(!(await input.inputValue()).includes('\n'), 'the box is one line');
    const said = page.locator('.quick-input-widget .quick-input-message', { hasText: 'lines pasted here were joined' });
    await said.waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    assert.ok(await said.isVisible(), 'Enter does not take the joined text');

    // Emptied, Enter opens a C editor; the text pasted there is taken as it is.
    await input.fill('');
    await input.press('Enter');
    const use = page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'Use the Declaration in the Editor' });
    await use.waitFor({ timeout: 30_000 });
    const editor = page.locator('.editor-instance .monaco-editor', { has: page.locator('.view-lines') }).last();
    await editor.waitFor({ timeout: 30_000 });
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText(PASTED);
    // (Monaco draws a line's spaces as no-break spaces: look for a word.)
    await editor.locator('.view-lines', { hasText: 'probe2' }).waitFor({ timeout: 10_000 });
    assert.ok(await use.isVisible(), 'the question stays open while the user types');
    await use.click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'struct probe2 where?' }).waitFor({ timeout: 30_000 });
    await answerInputs(page, ['At offset 0']);
    await frame.waitForFunction(() => /all_ones[^\n]*18446744073709551615/.test(document.querySelector('.fields-rows')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    assert.match((await frame.textContent('.fields-rows')) ?? '', /first[^\n]*-8/);
    assert.match((await frame.textContent('body')) ?? '', /probe2/);
    await page.screenshot({ path: path.join(shots, 'declaration-editor.png') });
  });
});
