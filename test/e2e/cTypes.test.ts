// View as C Type… in chromium, driven like a person: a program (test/programs/ctvalues.c) writes
// known values into a segment; the user opens it, presses the view's "C type…" button, types the
// struct's name in the pick list, takes offset 0, reads the values in the fields panel, sees the
// program's change highlighted, and clicks a field to select its bytes.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import type { Browser, Frame, Page } from 'playwright-core';
import { contentsFrame, openContentsFromRow } from '../support/contentsUi';
import { freshKey, repoRoot, trackSegment } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { answerInputs } from '../support/workbenchUi';

declare const document: { querySelector(selector: string): { textContent: string | null } | null; querySelectorAll(selector: string): { length: number } };

const shots = path.join(repoRoot, 'test-results', 'e2e');
const ctvalues = path.join(repoRoot, 'native', 'bin', 'ctvalues');

/** A program's own .c file in the workspace (a main and all): its struct is offered too. */
const FROM_C_FILE = `#include <stdint.h>
struct from_c_file {
  int8_t i8;
  uint8_t skipped[23];
  uint64_t u64; /* at 24, as in struct known */
};
int main(void) { return 0; }
`;

describe('View as C Type in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let program: ChildProcessWithoutNullStreams;
  let shmid: number;
  let nextLine: () => Promise<string>;

  before(async function () {
    if (!fs.existsSync(ctvalues)) this.skip();
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-ctype-e2e-'));
    fs.copyFileSync(path.join(repoRoot, 'test', 'programs', 'ctvalues.h'), path.join(temp, 'ctvalues.h'));
    fs.writeFileSync(path.join(temp, 'program.c'), FROM_C_FILE);
    program = spawn(ctvalues, ['sysv', `0x${freshKey().toString(16)}`]);
    const lines = readline.createInterface({ input: program.stdout });
    nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
    shmid = trackSegment(Number((await nextLine()).split(' ')[1]));
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1600, height: 900 }));
  });

  after(async function () {
    program?.kill('SIGKILL');
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'ctype-failure.png'), page, browser, server });
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  it("shows struct known from the workspace with the program's values, live, and selects a field's bytes", async function () {
    const frame: Frame = await openContentsFromRow(page, page.locator(`.monaco-list-row[aria-label*=", id ${shmid},"]`), new RegExp(`id ${shmid}`));
    await frame.click('button:has-text("C type…")');
    // The list fills once the workspace's C files are read (busy until then), as a person waits for it.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'struct known' }).waitFor({ timeout: 30_000 });
    await answerInputs(page, ['struct known', 'At offset 0']);
    await frame.waitForFunction(() => document.querySelector('.fields-rows')?.textContent?.includes('"sensor-7"') ?? false, undefined, { timeout: 30_000 });
    const rows = (await frame.textContent('.fields-rows')) ?? '';
    for (const [name, value] of [
      ['i8', '-8'],
      ['u64', '18446744073709551615'],
      ['f', '3.14159'],
      ['mode', 'MODE_FAULT (-1)'],
      ['level', '-9'],
      ['on', 'true'],
      ['counter', '41'],
    ]) {
      assert.match(rows, new RegExp(`${name}[^\\n]*?${value.replace(/[()]/g, '\\$&')}`), `${name} shows ${value}`);
    }

    // The program changes the counter: the new value is shown, highlighted.
    program.stdin.write('bump\n');
    await nextLine();
    const counterRow = frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: /^counter$/ }) });
    await counterRow.locator('.fv-value.changed', { hasText: '42' }).waitFor({ timeout: 15_000 });

    // A click on a field selects its bytes in the grid.
    await frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: /^name$/ }) }).click();
    await frame.waitForFunction(() => /12 bytes selected/.test(document.querySelector('.statusbar .where')?.textContent ?? ''), undefined, { timeout: 10_000 });
    assert.ok((await frame.evaluate(() => document.querySelectorAll('.ov.fld-a:not([hidden])').length)) > 0, 'the grid tints the fields');
    await page.screenshot({ path: path.join(shots, 'ctype-fields.png') });
  });

  /** The contents view's "C type…" button, until the type list is on screen (a click can be lost on a busy machine). */
  async function chooseType(frame: Frame, item: string): Promise<void> {
    await frame.click('button:has-text("C type…")');
    // Only the rows on screen: the quick input keeps rows of the lists it showed before, hidden.
    await page.locator('.quick-input-list .monaco-list-row:visible', { hasText: item }).first().waitFor({ timeout: 30_000 });
  }

  it('offers the struct of a .c file of the workspace and shows its values', async function () {
    const frame = await contentsFrame(page, new RegExp(`id ${shmid}`), 30_000);
    await chooseType(frame, 'struct from_c_file');
    assert.match(
      (await page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'struct from_c_file' }).first().textContent()) ?? '',
      /program\.c:2/,
    );
    await answerInputs(page, ['struct from_c_file', 'At offset 0']);
    // ctvalues writes struct known: i8 = -8 at 0 and u64 = 2^64-1 at 24.
    await frame.waitForFunction(() => /u64[^\n]*18446744073709551615/.test(document.querySelector('.fields-rows')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    assert.match((await frame.textContent('.fields-rows')) ?? '', /i8[^\n]*-8/);
  });

  it('lays out a declaration typed in and shows its values', async function () {
    const frame = await contentsFrame(page, new RegExp(`id ${shmid}`), 30_000);
    await chooseType(frame, 'Type or paste a declaration');
    await answerInputs(page, ['Type or paste a declaration', 'struct typed_in { int8_t first; uint8_t rest[23]; uint64_t all_ones; };', 'At offset 0']);
    await frame.waitForFunction(() => /all_ones[^\n]*18446744073709551615/.test(document.querySelector('.fields-rows')?.textContent ?? ''), undefined, {
      timeout: 30_000,
    });
    assert.match((await frame.textContent('.fields-rows')) ?? '', /first[^\n]*-8/);
  });
});
