// The README's pictures, taken from the real UI: `npm run screenshots` starts the demo (`npm run
// demo`), the offline VS Code host on demo/workspace with this checkout's extension, and chromium,
// then does what the README describes and writes docs/images/*.png. The UI suites' own shots show
// their test objects and the pointer's tooltips; these show what a person sees after `npm start`.
// Three scenes the demo does not make are set up as the UI suites do: a semaphore set stuck behind a
// holder that died, and a queue holding messages (test/support/semMsg.ts); and a C++ program built
// with -g (test/programs/dwarfvalues.cpp) whose segment is seen as its own type. Everything made here
// is removed at the end (the demo's own leaks by `npm run demo -- --cleanup`), pass or fail.
//
// Not part of npm test (it writes into the checkout); run it after a change to what the views show.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { contentsFrame, openContentsFromRow } from '../support/contentsUi';
import { freshKey, repoRoot, trackSegment } from '../support/segments';
import { ipcmkMsg, ipcmkSem, ipctool, IpcProcess, startIpctool, SYSCALL, waitBlocked } from '../support/semMsg';
import { openIpcView, Server, startHost } from '../support/testHost';
import { movePointerAway, scrollToRow } from '../support/treeRows';
import { answerInputs, collapsePanes, expandRow, paneHeader, statusBarItem, widenSideBar } from '../support/workbenchUi';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const images = path.join(repoRoot, 'docs', 'images');
const demoScript = path.join(repoRoot, 'demo', 'run.js');
/** The demo's workspace, copied out of the checkout: VS Code would ask about the git repository above it. */
function demoWorkspace(): string {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-readme-shots-')), 'workspace');
  fs.cpSync(path.join(repoRoot, 'demo', 'workspace'), copy, { recursive: true });
  return copy;
}

/** A tree row by the start of its screen-reader label (kind and name or key), never the sticky copy. */
const rowStarting = (page: Page, label: string): Locator => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="${label}"]`);

/** The demo's programs, started as `npm run demo` does; resolves once its summary is printed. */
function startDemo(): Promise<ChildProcess> {
  const demo = spawn(process.execPath, [demoScript, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    demo.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/Ctrl-C stops the programs/.test(out)) resolve(demo);
    });
    demo.once('exit', (code) => reject(new Error(`the demo exited (${code}) before it was running:\n${out}`)));
  });
}

/** Stops the demo this script started (its Ctrl-C path, then SIGKILL after 30 s) and removes what it left: its leaks included. */
async function stopDemo(demo: ChildProcess): Promise<void> {
  if (demo.exitCode === null && demo.signalCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGINT');
    const killer = setTimeout(() => demo.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  }
  execFileSync(process.execPath, [demoScript, '--cleanup'], { stdio: 'ignore' });
}

/** Shows or hides the side bar (Ctrl+B, as a person gives the editor the whole window). */
async function showSideBar(page: Page, shown: boolean): Promise<void> {
  const sidebar = page.locator('.part.sidebar');
  for (let attempt = 0; attempt < 5 && (await sidebar.isVisible()) !== shown; attempt++) {
    await page.keyboard.press('Control+B');
    await sidebar.waitFor({ state: shown ? 'visible' : 'hidden', timeout: 5_000 }).catch(() => undefined);
  }
}

/** No notification left on screen (a progress toast closes once its work is done). */
async function noToasts(page: Page): Promise<void> {
  await page
    .locator('.notification-toast')
    .first()
    .waitFor({ state: 'hidden', timeout: 30_000 })
    .catch(() => undefined);
}

/** The pointer off every row (no tooltip, no hover tint), then the picture. */
async function shoot(page: Page, name: string, target: Page | Locator = page): Promise<void> {
  await movePointerAway(page);
  await target.screenshot({ path: path.join(images, `${name}.png`) });
  console.log(`  wrote docs/images/${name}.png`);
}

/**
 * The contents view's "C type…" as a person uses it: the type picked at offset 0, its fields shown
 * (`shows` in the table), one of them (`open`, its name) expanded with the keyboard until `then` shows.
 */
async function pickTypeAndOpen(page: Page, frame: Frame, steps: { type: string; shows: RegExp; open: RegExp; then: RegExp }): Promise<void> {
  await frame.click('button:has-text("C type…")');
  await page.locator('.quick-input-list .monaco-list-row:visible', { hasText: steps.type }).first().waitFor({ timeout: 60_000 });
  await answerInputs(page, [steps.type, 'At offset 0']);
  const fieldsShow = (pattern: RegExp, timeout: number) =>
    frame.waitForFunction(
      ([source, flags]) => new RegExp(source, flags).test(document.querySelector('.fields-rows')?.textContent ?? ''),
      [pattern.source, pattern.flags],
      {
        timeout,
      },
    );
  await fieldsShow(steps.shows, 60_000);
  const row = frame.locator('.fields-row', { has: frame.locator('.fv-name', { hasText: steps.open }) });
  await row.click();
  await row.press('ArrowRight');
  await fieldsShow(steps.then, 15_000);
}

describe('README screenshots', function () {
  this.timeout(600_000);
  let demo: ChildProcess | undefined;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let semid: number;
  let waiter: IpcProcess;
  let workspace: string | undefined;
  let dwarfProgram: ChildProcess | undefined;

  before(async function () {
    fs.mkdirSync(images, { recursive: true });
    demo = await startDemo();
    // A set whose lock's holder died without SEM_UNDO, with a waiter behind it (the view's diagnosis).
    semid = ipcmkSem(2, 0o600);
    ipctool(['semop', String(semid), '0', '1']);
    const holder = await startIpctool(['semhold', String(semid), '0']);
    waiter = await startIpctool(['semwait', String(semid), '0']);
    await waitBlocked(waiter.pid, [SYSCALL.semtimedop, SYSCALL.semop], semid);
    await holder.kill();
    const msqid = ipcmkMsg(0o600);
    for (const [type, text] of [
      ['1', 'job: resize image 42'],
      ['2', 'job: send mail to ops'],
      ['1', 'job: rotate logs'],
    ]) {
      ipctool(['msgsend', String(msqid), type, text]);
    }
    workspace = demoWorkspace();
    server = await startHost({ workspace });
    ({ browser, page } = await openIpcView(server, { width: 1500, height: 850 }));
  });

  after(async function () {
    // Each step whatever the one before did; the demo's cleanup only for a demo this script started
    // (a demo already running, the user's, refuses to start a second one and is left alone).
    try {
      dwarfProgram?.kill('SIGKILL');
      await waiter?.kill();
      await browser?.close();
      await server?.stop();
    } finally {
      if (demo) await stopDemo(demo);
      if (workspace) fs.rmSync(path.dirname(workspace), { recursive: true, force: true });
    }
  });

  it('shared-memory-view: the demo segments, the writer expanded to its two processes', async function () {
    await collapsePanes(page, ['Semaphores', 'Message Queues']);
    await widenSideBar(page, 380);
    const writer = rowStarting(page, 'Shared memory segment key 0x57');
    await scrollToRow(page, writer, { nearTop: true });
    await expandRow(writer);
    await rowStarting(page, 'Process ').nth(1).waitFor({ timeout: 15_000 });
    await shoot(page, 'shared-memory-view');
  });

  it("status-bar: the orphans' count", async function () {
    // The POSIX leak is an orphan once the grace period after its creator's exit is over (60 s).
    await page
      .locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="POSIX shared memory object /ipc-demo-leak,"][aria-label*="orphaned"]')
      .waitFor({ state: 'attached', timeout: 120_000 });
    const item = statusBarItem(page);
    await item.filter({ hasText: /orphaned/ }).waitFor();
    await shoot(page, 'status-bar', page.locator('.part.statusbar'));
  });

  it('posix-view: the ring expanded to who maps it and who holds it open, and the leak', async function () {
    const ring = rowStarting(page, 'POSIX shared memory object /ipc-demo-ring,');
    await scrollToRow(page, ring, { nearTop: true });
    await expandRow(ring);
    await rowStarting(page, 'Process ').nth(1).waitFor({ timeout: 15_000 });
    await scrollToRow(page, rowStarting(page, 'POSIX shared memory object /ipc-demo-leak,'));
    await shoot(page, 'posix-view');
  });

  it('contents-view: the writer segment, live, a field selected for the data inspector', async function () {
    const frame = await openContentsFromRow(page, rowStarting(page, 'Shared memory segment key 0x57'), /0x57/);
    await showSideBar(page, false);
    const inspector = frame.locator('button[aria-controls="inspector"]');
    if ((await inspector.getAttribute('aria-expanded')) !== 'true') await inspector.click();
    await frame.locator('#inspector').waitFor();
    await frame.locator('.statusbar').waitFor();
    // The counter (offset 16) selected: the inspector decodes it while the writer moves it.
    await frame.fill('input[placeholder^="0x"]', '0x10');
    await frame.press('input[placeholder^="0x"]', 'Enter');
    await frame.waitForFunction(() => /Went to 0x10/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 15_000 });
    // The writer's last change highlighted (the tint fades, so the picture is taken while it shows).
    await frame.locator('.ov.chg-a:not([hidden]), .ov.chg-b:not([hidden])').first().waitFor({ timeout: 15_000 });
    await shoot(page, 'contents-view');
  });

  it('c-type-fields: the writer segment as its struct board', async function () {
    const frame = await contentsFrame(page, /0x57/);
    await frame.click('button:has-text("C type…")');
    await page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'struct board' }).first().waitFor({ timeout: 60_000 });
    await answerInputs(page, ['struct board', 'At offset 0']);
    await frame.waitForFunction(() => /counter/.test(document.querySelector('.fields-rows')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await frame.locator('.fv-value.changed').first().waitFor({ timeout: 15_000 });
    await noToasts(page);
    await shoot(page, 'c-type-fields');
  });

  it('recording: the writer segment recorded, scrubbed back, its counter plotted', async function () {
    const frame = await contentsFrame(page, /0x57/);
    await frame.click('button.record-btn');
    // Enough samples for a plot with a slope (the sample count is waited on, not a time).
    await frame.waitForFunction(() => Number(/(\d+) samples/.exec(document.querySelector('.tl-state')?.textContent ?? '')?.[1] ?? 0) >= 24, undefined, {
      timeout: 60_000,
    });
    await frame.click('.tl-buttons button:has-text("Stop")');
    await frame.locator('.tl-state', { hasText: /^Recorded/ }).waitFor({ timeout: 15_000 });
    await frame.locator('.tl-slider').focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    await frame.waitForFunction(() => /^Sample 8 /.test(document.querySelector('.tl-note')?.textContent ?? ''), undefined, { timeout: 15_000 });
    await frame.click('.rec-fields summary');
    await frame.locator('.rf-table input[aria-label="Plot counter"]').check();
    await frame.locator('.rf-chart:not([hidden]) canvas').waitFor({ timeout: 15_000 });
    await noToasts(page);
    await shoot(page, 'recording');
    // The views after this one show the writer live again.
    await frame.click('.tl-buttons button:has-text("Now")');
    await frame.click('.rec-fields summary');
  });

  it('c-type-table: the sensors segment as struct sensor_table, its array a table', async function () {
    await showSideBar(page, true);
    const frame = await openContentsFromRow(page, rowStarting(page, 'Shared memory segment key 0x5e450001'), /0x5e450001/);
    await showSideBar(page, false);
    await pickTypeAndOpen(page, frame, { type: 'struct sensor_table', shows: /sensors/, open: /^sensors$/, then: /outlet/ });
    await noToasts(page);
    await shoot(page, 'c-type-table');
  });

  it("dwarf-fields: a C++ program's segment as its own ring::Slot<ring::Msg>, the type read from its debug information", async function () {
    // Built with -g in the workspace (the pick list names it ./dwarfvalues); it writes known values and waits.
    const program = path.join(workspace!, 'dwarfvalues');
    execFileSync('g++', ['-g', '-O1', '-o', program, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
    dwarfProgram = spawn(program, ['sysv', `0x${freshKey().toString(16)}`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const ready = await new Promise<string>((resolve) => readline.createInterface({ input: dwarfProgram!.stdout! }).once('line', resolve));
    const shmid = trackSegment(Number(ready.split(' ')[1]));
    await showSideBar(page, true);
    const row = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${shmid},"]`);
    await scrollToRow(page, row);
    const frame = await openContentsFromRow(page, row, new RegExp(`id ${shmid}`));
    await showSideBar(page, false);
    await pickTypeAndOpen(page, frame, { type: 'ring::Slot<ring::Msg>', shows: /BigTop/, open: /^payload$/, then: /msg-1/ });
    await noToasts(page);
    await shoot(page, 'dwarf-fields');
  });

  it('posix-contents-view: the leak, its unwritten pages shown as holes', async function () {
    await showSideBar(page, true);
    const leak = rowStarting(page, 'POSIX shared memory object /ipc-demo-leak,');
    const frame = await openContentsFromRow(page, leak, /ipc-demo-leak/);
    await showSideBar(page, false);
    // The end of the one page the program wrote, and the first it never wrote (a hole).
    await frame.fill('input[placeholder^="0x"]', '0x1000');
    await frame.press('input[placeholder^="0x"]', 'Enter');
    await frame.waitForFunction(() => /Went to/.test(document.querySelector('.statusbar')?.textContent ?? ''), undefined, { timeout: 15_000 });
    await shoot(page, 'posix-contents-view');
  });

  it('semaphores-view: the stuck set, its waiter under the semaphore it waits on', async function () {
    await showSideBar(page, true);
    await collapsePanes(page, ['Shared Memory']);
    await paneHeader(page, 'Semaphores').click();
    const set = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${semid}, "][aria-label*="state: stuck"]`);
    await set.waitFor({ timeout: 30_000 });
    await expandRow(set);
    await rowStarting(page, `Process ${waiter.pid},`).waitFor({ timeout: 15_000 });
    await shoot(page, 'semaphores-view');
  });

  it("message-queues-view: a queue's messages peeked, one opened", async function () {
    await collapsePanes(page, ['Semaphores']);
    await paneHeader(page, 'Message Queues').click();
    const queue = page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Message queue"][aria-label*="3 messages"]');
    await queue.waitFor({ timeout: 30_000 });
    await expandRow(queue);
    const first = rowStarting(page, 'Message 0, type 1');
    await first.waitFor({ timeout: 15_000 });
    await first.click();
    await contentsFrame(page, /Message #0/);
    await shoot(page, 'message-queues-view');
  });
});
