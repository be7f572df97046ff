// Recording in chromium, driven like a person: a program (test/programs/recwriter.c) writes states
// into a segment; the user opens it, shows struct rec_state over it, presses Record (the status bar
// says so), lets the program write, presses Stop, then scrubs back with the keyboard on the
// timeline's slider (the fields panel shows the values of the moment, the grid is framed as the
// past), marks A and B and compares them, and plots two fields (a uPlot chart appears).
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import type { Browser, Frame, Page } from 'playwright-core';
import { openContentsFromRow } from '../support/contentsUi';
import { cleanupSemMsg, ipcmkSem, ipctool } from '../support/semMsg';
import { scrollToRow } from '../support/treeRows';
import { repoRoot, trackSegment } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { answerInputs, chooseFromRowMenu } from '../support/workbenchUi';

declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
  body: { classList: { contains(name: string): boolean } };
};

const shots = path.join(repoRoot, 'test-results', 'e2e');
const recwriter = path.join(repoRoot, 'native', 'bin', 'recwriter');

describe('Recording in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let program: ChildProcessWithoutNullStreams;
  let shmid: number;
  let nextLine: () => Promise<string>;

  before(async function () {
    if (!fs.existsSync(recwriter)) this.skip();
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-recording-e2e-'));
    fs.copyFileSync(path.join(repoRoot, 'test', 'programs', 'recwriter.h'), path.join(temp, 'recwriter.h'));
    program = spawn(recwriter, ['sysv', '4096']);
    const lines = readline.createInterface({ input: program.stdout });
    const queue: string[] = [];
    const waiting: Array<(line: string) => void> = [];
    lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)));
    nextLine = () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<string>((resolve) => waiting.push(resolve)));
    shmid = trackSegment(Number((await nextLine()).split(' ')[1]));
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1600, height: 1000 }));
  });

  after(async function () {
    program?.kill('SIGKILL');
    await cleanupSemMsg();
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'recording-failure.png'), page, browser, server });
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  /** Writes the next state and waits for the program to say it is done. */
  async function step(): Promise<void> {
    program.stdin.write('step 1\n');
    for (let line = await nextLine(); !line.startsWith('done'); line = await nextLine());
  }

  /** The samples the timeline says it holds. */
  async function samples(frame: Frame): Promise<number> {
    const text = (await frame.textContent('.tl-state')) ?? '';
    return Number(/([\d,]+) samples/.exec(text)?.[1].replace(/,/g, '') ?? NaN);
  }

  /** The value the fields panel shows for a field. */
  async function fieldValue(frame: Frame, name: string): Promise<string> {
    const row = frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: new RegExp(`^${name}$`) }) }).first();
    return ((await row.locator('.fv-value').textContent()) ?? '').trim();
  }

  async function untilField(frame: Frame, name: string, value: string): Promise<void> {
    const row = frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: new RegExp(`^${name}$`) }) }).first();
    await row.locator('.fv-value', { hasText: new RegExp(`^\\s*${value}\\s*$`) }).waitFor({ timeout: 15_000 });
  }

  it('records, stops, scrubs back with the keys, compares two moments and plots fields', async function () {
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${shmid},"]`);
    const frame = await openContentsFromRow(page, row, new RegExp(`id ${shmid}`));
    await frame.click('button:has-text("C type…")');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'struct rec_state' }).waitFor({ timeout: 30_000 });
    await answerInputs(page, ['struct rec_state', 'At offset 0']);
    await untilField(frame, 'seq', '0');

    await frame.click('button.record-btn');
    const indicator = page.locator('.statusbar-item', { hasText: /REC .*samples/ }).first();
    await indicator.waitFor({ timeout: 30_000 });
    await frame.locator('.timeline:not([hidden]) .tl-state', { hasText: 'Recording' }).waitFor({ timeout: 15_000 });
    // Each state is written while the recording is paused (Pause, then Resume), so no sample can
    // catch the program half way through a state (a sample is what was read: a torn state would be
    // recorded as such); each is then held for two samples or more, the sample count waited on.
    const pauseButton = frame.locator('.tl-buttons button', { hasText: /^(Pause|Resume)$/ });
    for (let seq = 1; seq <= 6; seq++) {
      await pauseButton.click();
      await frame.locator('.tl-state', { hasText: /^Paused/ }).waitFor({ timeout: 15_000 });
      await step();
      await pauseButton.click();
      await frame.locator('.tl-state', { hasText: /^● Recording/ }).waitFor({ timeout: 15_000 });
      const after = await samples(frame);
      await frame.waitForFunction(
        (n) => Number(/([\d,]+) samples/.exec(document.querySelector('.tl-state')?.textContent ?? '')?.[1].replace(/,/g, '') ?? 0) >= n + 2,
        after,
        { timeout: 30_000 },
      );
    }
    await page.screenshot({ path: path.join(shots, 'recording-live.png') });
    await frame.click('.tl-buttons button:has-text("Stop")');
    await frame.locator('.tl-state', { hasText: /^Recorded/ }).waitFor({ timeout: 15_000 });
    await indicator.waitFor({ state: 'detached', timeout: 15_000 });

    // Scrub: Home is the first sample (state 0), End the last (state 6), Left steps back one sample.
    const slider = frame.locator('.tl-slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await untilField(frame, 'seq', '0');
    assert.ok(await frame.evaluate(() => document.body.classList.contains('at-moment')), 'the grid is framed as the past');
    assert.match((await slider.getAttribute('aria-valuetext')) ?? '', /^Sample 0 \(of 0 to \d+\), at 0\.\d{3} s$/);
    await page.keyboard.press('End');
    await untilField(frame, 'seq', '6');
    await untilField(frame, 'head', '12');
    // Step back a sample at a time, each step waited on (the slider names the sample shown), until state 5.
    for (let i = 0; i < 40 && (await fieldValue(frame, 'seq')) === '6'; i++) {
      const before = await slider.getAttribute('aria-valuetext');
      await page.keyboard.press('ArrowLeft');
      await frame.waitForFunction(
        (was) =>
          document.querySelector('.tl-slider') &&
          (document.querySelector('.tl-slider') as unknown as { getAttribute(n: string): string | null }).getAttribute('aria-valuetext') !== was,
        before,
        { timeout: 5000 },
      );
      await frame.waitForFunction(() => !document.querySelector('.rowbox .row:not(.void) .r.ld'), undefined, { timeout: 5000 });
    }
    await untilField(frame, 'seq', '5');
    await untilField(frame, 'head', '10'); // the moment before state 6 is state 5, whole

    // Compare the first sample with the last.
    await page.keyboard.press('Home');
    await untilField(frame, 'seq', '0');
    await frame.click('.tl-buttons button:has-text("Mark A")');
    await slider.focus();
    await page.keyboard.press('End');
    await untilField(frame, 'seq', '6');
    await frame.click('.tl-buttons button:has-text("Mark B")');
    await frame.click('.tl-buttons button:has-text("Compare A–B")');
    const compared = frame.locator('.tl-fields');
    await compared.waitFor({ timeout: 15_000 });
    const seqRow = (await compared.locator('tr', { has: frame.locator('th', { hasText: /^seq$/ }) }).textContent()) ?? '';
    assert.match(seqRow, /seq\s*0\s*6/);
    assert.ok((await frame.evaluate(() => document.querySelectorAll('.ov.mark:not([hidden])').length)) > 0, 'the differing bytes are marked in the grid');

    // Plot seq and head: uPlot draws them.
    await frame.click('.rec-fields summary');
    for (const name of ['seq', 'head']) await frame.locator(`.rf-table input[aria-label="Plot ${name}"]`).check();
    await frame.locator('.rf-chart:not([hidden]) canvas').waitFor({ timeout: 15_000 });
    // The chart is drawn for seq first, then again with head once its column comes: wait for both.
    await frame
      .waitForFunction(
        () =>
          /seq/.test(document.querySelector('.rf-chart .u-legend')?.textContent ?? '') &&
          /head/.test(document.querySelector('.rf-chart .u-legend')?.textContent ?? ''),
        undefined,
        {
          timeout: 15_000,
        },
      )
      .catch(() => undefined);
    const legend = (await frame.textContent('.rf-chart .u-legend')) ?? '';
    assert.match(legend, /seq/);
    assert.match(legend, /head/);
    await page.screenshot({ path: path.join(shots, 'recording-scrub.png') });
  });

  it("records a semaphore set's values from its row's menu and plots them as semop changes them", async function () {
    const semid = ipcmkSem(1);
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${semid}, "][aria-label^="Semaphore set"]`);
    await scrollToRow(page, row);
    await chooseFromRowMenu(row, 'Record Values Over Time', page.locator('.tab', { hasText: 'values' }).first());
    let frame: Frame | undefined;
    for (let i = 0; i < 100 && !frame; i++) {
      for (const f of page.frames()) if (await f.$('.series-view').catch(() => null)) frame = f;
      if (!frame) await page.waitForTimeout(200);
    }
    assert.ok(frame, 'the view of the recording opened');
    await frame.locator('.rf-chart:not([hidden]) canvas').waitFor({ timeout: 15_000 });
    for (let i = 0; i < 2; i++) ipctool(['semop', String(semid), '0', '1']);
    const valueRow = frame.locator('.rf-table tr', { has: frame.locator('th', { hasText: /^sem\[0\]\.value$/ }) });
    await valueRow.locator('td', { hasText: /^2$/ }).first().waitFor({ timeout: 15_000 });
    assert.match((await frame.textContent('.tl-state')) ?? '', /Recording · [\d,]+ samples/);
    await page.screenshot({ path: path.join(shots, 'recording-values.png') });
    await frame.click('.tl-buttons button:has-text("Stop")');
    await frame.locator('.tl-state', { hasText: /^Recorded/ }).waitFor({ timeout: 15_000 });
  });
});
