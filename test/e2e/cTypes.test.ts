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
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { contentsFrame, openContentsFromRow } from '../support/contentsUi';
import { freshKey, repoRoot, trackSegment } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { answerInputs } from '../support/workbenchUi';

interface PageRect {
  top: number;
  bottom: number;
  height: number;
}
declare const document: {
  querySelector(selector: string): { textContent: string | null; getBoundingClientRect(): PageRect & { width: number } } | null;
  querySelectorAll(selector: string): { length: number };
};

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

  /**
   * The test segment's row, scrolled into the tree's view first: the list draws only the rows on
   * screen, and on a shared machine other programs' segments can push it below them.
   */
  async function segmentRow(): Promise<Locator> {
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${shmid},"]`);
    // The mouse over the middle of the list that holds the segments (a row at its top can lie under the sticky header).
    await page
      .locator('.monaco-list', { has: page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id "]') })
      .first()
      .hover({ timeout: 30_000 });
    for (let step = 0; step < 100 && (await row.count()) === 0; step++) {
      await page.mouse.wheel(0, 66);
      await row.waitFor({ state: 'attached', timeout: 300 }).catch(() => undefined);
    }
    return row;
  }

  it("shows struct known from the workspace with the program's values, live, and selects a field's bytes", async function () {
    const frame: Frame = await openContentsFromRow(page, await segmentRow(), new RegExp(`id ${shmid}`));
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

  /** Shows another editor (the workspace's program.c, from Quick Open the first time), then the contents view again: its page is made anew. */
  async function awayAndBack(): Promise<Frame> {
    const other = page.locator('.tab', { hasText: 'program.c' });
    if ((await other.count()) === 0) {
      // Quick Open's file search answers late now and then (a CI run waited 30 s for nothing): ask again.
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press('F1');
        await page.locator('.quick-input-widget input').fill('program.c');
        const found = page.locator('.quick-input-list .monaco-list-row', { hasText: 'program.c' }).first();
        if (
          await found.waitFor({ timeout: 10_000 }).then(
            () => true,
            () => attempt === 3,
          )
        ) {
          await found.click();
          break;
        }
        await page.keyboard.press('Escape');
      }
    } else await other.click();
    await page.locator('.tab.active', { hasText: 'program.c' }).waitFor({ timeout: 30_000 });
    await page.locator('.tab', { hasText: `${shmid}` }).click();
    const frame = await contentsFrame(page, new RegExp(`id ${shmid}`), 30_000);
    await frame.locator('.fields-rows .fields-row').first().waitFor({ timeout: 30_000 });
    return frame;
  }

  /** Where the fields panel, its rows and the status line are on the page (CSS pixels). */
  function fieldsGeometry(frame: Frame) {
    return frame.evaluate(() => {
      const box = (selector: string) => document.querySelector(selector)?.getBoundingClientRect() ?? { top: 0, bottom: 0, height: 0 };
      return {
        panel: Math.round(box('.fields').height),
        rows: Math.round(box('.fields-list').height),
        bottom: box('.fields').bottom,
        status: box('.statusbar').top,
      };
    });
  }

  it('keeps the fields panel as it was when its tab is left and shown again (a narrow editor, 3 times)', async function () {
    // An editor narrower than 820 px: the fields panel sits under the grid.
    await page.setViewportSize({ width: 1100, height: 800 });
    try {
      let frame = await contentsFrame(page, new RegExp(`id ${shmid}`), 30_000);
      await chooseType(frame, 'Type or paste a declaration');
      await answerInputs(page, ['Type or paste a declaration', 'struct typed_in { int8_t first; uint8_t rest[23]; uint64_t all_ones; };', 'At offset 0']);
      await frame.waitForFunction(() => /all_ones/.test(document.querySelector('.fields-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });
      const before = await fieldsGeometry(frame);
      assert.ok(before.rows >= 3 * 22, `the fields panel shows its rows (${JSON.stringify(before)})`);
      for (let attempt = 1; attempt <= 3; attempt++) {
        frame = await awayAndBack();
        const after = await fieldsGeometry(frame);
        assert.ok(Math.abs(after.panel - before.panel) <= 2, `try ${attempt}: the fields panel is ${after.panel} px tall, was ${before.panel} px`);
        assert.ok(after.bottom <= after.status + 1, `try ${attempt}: the fields panel ends above the status line (${JSON.stringify(after)})`);
      }
      await page.screenshot({ path: path.join(shots, 'ctype-fields-narrow.png') });
    } finally {
      await page.setViewportSize({ width: 1600, height: 900 });
    }
  });

  /** The fields panel's width on screen and what its sash tells a screen reader. */
  async function fieldsWidth(frame: Frame): Promise<{ width: number; valueNow: number }> {
    const width = await frame.evaluate(() => Math.round(document.querySelector('.fields')?.getBoundingClientRect().width ?? 0));
    const valueNow = Number(await frame.locator('.sash').getAttribute('aria-valuenow'));
    return { width, valueNow };
  }

  /** Waits until the fields panel is `width` px wide (±2: the border and rounding) and its sash says so. */
  async function untilWidth(frame: Frame, width: number, what: string): Promise<void> {
    try {
      await frame.waitForFunction((w) => Math.abs((document.querySelector('.fields')?.getBoundingClientRect().width ?? 0) - w) <= 2, width, {
        timeout: 10_000,
      });
    } catch {
      assert.fail(`${what}: the fields panel is ${JSON.stringify(await fieldsWidth(frame))} wide, not ${width} px`);
    }
    const now = await fieldsWidth(frame);
    assert.ok(Math.abs(now.valueNow - now.width) <= 1, `${what}: the sash says ${now.valueNow} px for a ${now.width} px panel`);
  }

  it('resizes the fields panel with its sash (keys and mouse) and keeps the size when its tab is shown again and when it is reopened', async function () {
    let frame = await contentsFrame(page, new RegExp(`id ${shmid}`), 30_000);
    await frame.locator('.fields-rows .fields-row').first().waitFor({ timeout: 30_000 });
    const sash = frame.locator('.sash');
    assert.equal(await sash.getAttribute('role'), 'separator');
    assert.equal(await sash.getAttribute('aria-orientation'), 'vertical', 'the panel is beside the grid in a wide editor');
    assert.equal(await sash.getAttribute('tabindex'), '0', 'the sash takes the keyboard focus');
    const start = await fieldsWidth(frame);
    assert.ok(start.width > 100, `the fields panel is on screen (${JSON.stringify(start)})`);

    // Keys: Left grows the panel (it is right of the sash) by 10 px a press, Shift+Right shrinks it by 50.
    await sash.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    await untilWidth(frame, start.width + 50, 'five presses of Left');
    await page.keyboard.press('Shift+ArrowRight');
    await untilWidth(frame, start.width, 'Shift+Right');

    // The mouse: drag the sash 120 px to the left.
    const box = await sash.boundingBox();
    assert.ok(box, 'the sash is on screen');
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x - 60, y, { steps: 4 });
    await page.mouse.move(x - 120, y, { steps: 4 });
    await page.mouse.up();
    const chosen = start.width + 120;
    await untilWidth(frame, chosen, 'a drag of 120 px');

    // Another tab and back: the page is made anew and keeps the size (the webview's saved state).
    frame = await awayAndBack();
    await untilWidth(frame, chosen, 'after another tab was shown');

    // Closed and opened again: a new panel starts with the size last chosen.
    const tab = page.locator('.tab', { hasText: `${shmid}` });
    await tab.hover();
    await tab.locator('.action-label[aria-label^="Close"]').click();
    await tab.waitFor({ state: 'detached', timeout: 30_000 });
    frame = await openContentsFromRow(page, await segmentRow(), new RegExp(`id ${shmid}`));
    await frame.locator('.fields-rows .fields-row').first().waitFor({ timeout: 30_000 });
    await untilWidth(frame, chosen, 'after the view was closed and opened again');
    await page.screenshot({ path: path.join(shots, 'ctype-fields-resized.png') });
  });
});
