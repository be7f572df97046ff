// The contents view in chromium, driven like a person: open a segment from its row's inline action,
// read the rendered text, watch a byte changed by another process light up, and open a 1 GiB
// segment and jump to its end. What the helper sent is read from its own /proc/PID/io, so "a 1 GiB
// segment opens reading at most 1 MiB" is measured, not assumed.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Frame, Page } from 'playwright-core';
import { FIRST_ROW_SHOWN, helperBytesSent, contentsFrame, openContentsFromRow } from '../support/contentsUi';
import { createSegment, Holder, ownSegment, repoRoot, writeSegment } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';

// The page-side predicates run in the browser; these tests compile without the DOM library. (They
// must be functions: the view's Content-Security-Policy forbids evaluating strings.)
declare const document: { body: { textContent: string | null }; querySelector(selector: string): { textContent: string | null } | null };

const shots = path.join(repoRoot, 'test-results', 'e2e');
const GiB = 1024 * 1024 * 1024;

describe('the contents view in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let holder: Holder;

  before(async function () {
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-hex-e2e-'));
    holder = await ownSegment('private', 27, 0o600);
    await holder.command(`write 0 ${Buffer.from('abcdefghijklmnopqrstuvwxyz\0').toString('hex')}`);
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1500, height: 850 }));
  });

  after(async function () {
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'contents-failure.png'), page, browser, server });
    fs.rmSync(temp, { recursive: true, force: true });
  });

  /** The contents view of a segment, opened from its row's inline button (again if a click is lost). */
  function openFromRow(shmid: number): Promise<Frame> {
    return openContentsFromRow(page, page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*=", id ${shmid},"]`), new RegExp(`id ${shmid}`));
  }

  it('shows a small segment written by another program, byte for byte', async function () {
    const frame = await openFromRow(holder.shmid);
    // The grid's own rows (the data inspector's C string shows the same letters, and may come first).
    await frame.waitForFunction(() => document.querySelector('.grid')?.textContent?.includes('abcdefghijklmnop'), undefined, { timeout: 15_000 });
    const text = (await frame.textContent('.grid')) ?? '';
    assert.match(text, /61 62 63 64 65 66 67 68/, 'the hex column');
    assert.match(text, /qrstuvwxyz/, 'the second row');
    await page.screenshot({ path: path.join(shots, 'contents-small.png') });
  });

  it('highlights bytes another process changes, within the refresh interval', async function () {
    const frame = await contentsFrame(page, new RegExp(`id ${holder.shmid}`));
    await holder.command(`write 0 ${Buffer.from('HEX').toString('hex')}`);
    await frame.waitForFunction(() => document.body.textContent?.includes('HEXdefghijklmnop'), undefined, { timeout: 5_000 });
    assert.ok(await frame.$('.chg-a, .chg-b'), 'changed bytes are highlighted');
    await page.screenshot({ path: path.join(shots, 'contents-live-change.png') });
  });

  it('opens a 1 GiB segment reading at most 1 MiB, and scrolls to its end', async function () {
    const big = createSegment('private', GiB, 0o600);
    writeSegment(big, GiB - 16, Buffer.from('the very last 16'));
    const before = helperBytesSent();
    const started = Date.now();
    const frame = await openFromRow(big);
    await frame.waitForFunction(FIRST_ROW_SHOWN, undefined, { timeout: 20_000 });
    const firstRowsMs = Date.now() - started;
    await page.waitForTimeout(1000); // let any margin reads finish before counting
    const sent = helperBytesSent() - before;
    assert.ok(sent <= 1024 * 1024, `the helper sent ${sent} bytes to show the first rows of 1 GiB`);
    console.log(`      1 GiB: first rows after ${firstRowsMs} ms, ${sent} bytes from the helper`);
    await frame.click('.grid');
    await page.keyboard.press('Control+End');
    await frame.waitForFunction(() => document.body.textContent?.includes('the very last 16'), undefined, { timeout: 15_000 });
    assert.match((await frame.textContent('.grid')) ?? '', /3ffffff0/, 'the last row is on screen');
    await page.screenshot({ path: path.join(shots, 'contents-1gib-end.png') });
    const rss = Number(execFileSync('sh', ['-c', `awk '$2 == ${big} { print $15 }' /proc/sysvipc/shm`], { encoding: 'utf8' }).trim());
    assert.ok(rss <= 64 * 1024, `looking allocated nothing: rss is ${rss} bytes`);
  });
});
