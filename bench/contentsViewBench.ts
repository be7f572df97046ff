// The contents view's targets: (1) from the open command to the first rows on screen, for a 1 GiB
// segment against a 4 KiB one opened the same way in the same run, with the bytes the helper sent
// for it; (2) the CPU that live refresh of a 64 KiB window at 10 Hz costs; (3) the same as (1) for
// a sparse 1 GiB POSIX object (only its last 16 bytes written), which must also stay sparse:
// st_blocks the same before and after (reading a hole through a mapping would allocate it).
//
// (1) drives the real extension in the offline VS Code host with chromium (skipped with a note when
// the host is not installed: `npm test` or `npm run test-host:install` installs it).
// (2) runs the panel's refresh step (src/ipc/byteSource readResident + the "post only on change" compare)
// against the real helper; the webview's part is nil while nothing changes (nothing is posted).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { HelperClient } from '../src/ipc/helperClient';
import { readResident } from '../src/ipc/byteSource';
import { SegmentSource } from '../src/ipc/sysvShm/source';
import { FIRST_ROW_SHOWN, helperBytesSent, openContentsFromRow } from '../test/support/contentsUi';
import { host, install } from '../test/support/testHost';
import type { Row } from './measure';
import { createObjectWithPosixtool, POSIX_PREFIX, posixtool } from './world';

const repoRoot = path.resolve(__dirname, '..', '..');
const GiB = 1024 * 1024 * 1024;

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ ticks
}

/**
 * What ContentsPanel.tick costs for a window of `length` bytes from offset 0, every `periodMs` for
 * `seconds`: read it (resident pages only), post it only when it changed. Returns the posts, the
 * CPU seconds of this process and the helper, and the bytes last posted.
 */
export async function liveRefreshCost(
  client: HelperClient,
  source: SegmentSource,
  length: number,
  periodMs: number,
  seconds: number,
): Promise<{ posted: number; cpu: number; bytes: Buffer }> {
  const { pageSize } = await client.hello();
  const helperPid = client.pid!;
  const ownBefore = process.cpuUsage();
  const helperBefore = cpuSeconds(helperPid);
  let last: Buffer | undefined;
  let posted = 0;
  let bytes: Buffer = Buffer.alloc(0);
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const read = await readResident(source, pageSize, 0, length, false);
    const signature = Buffer.concat([read.bytes, read.resident]);
    if (!last || !last.equals(signature)) {
      posted++;
      bytes = read.bytes;
    }
    last = signature;
    await new Promise((resolve) => setTimeout(resolve, periodMs));
  }
  const own = process.cpuUsage(ownBefore);
  return { posted, cpu: (own.user + own.system) / 1e6 + (cpuSeconds(helperPid) - helperBefore), bytes };
}

export async function benchLiveRefresh(client: HelperClient, removeLater: (shmid: number) => void): Promise<Row[]> {
  const { shmid } = await client.shmCreate(0, 64 * 1024, 0o600, false);
  removeLater(shmid);
  execFileSync(path.join(repoRoot, 'native/bin/shmtool'), ['write', String(shmid), '0', '-'], { input: 'ff'.repeat(64 * 1024) });
  await client.shmRead(shmid, 0, 1);
  const source = new SegmentSource(client, await client.shmStat(shmid), 'private', () => false);
  const seconds = 10;
  const { posted, cpu } = await liveRefreshCost(client, source, 64 * 1024, 100, seconds);
  const share = (cpu / seconds) * 100;
  console.log(`live refresh: ${seconds} s at 10 Hz, ${posted} post(s), ${cpu.toFixed(3)} CPU s (extension side + helper)`);
  return [{ benchmark: 'live refresh, 64 KiB window at 10 Hz', value: share, unit: '% of a core', target: '< 5%', met: share < 5 }];
}

/** How long an opening took to its first rows, and the bytes the helper sent for it. */
type OpenRun = { ms: number; bytes: number };

/**
 * Opens an object from its row (the row's inline Open Contents action) and waits for the first row
 * of bytes in its contents view; returns ms and the bytes the helper sent meanwhile (and in the second
 * after, when the view settles).
 */
async function openRowAndTime(page: Page, rowSelector: string, title: RegExp): Promise<OpenRun> {
  const row = page.locator(rowSelector);
  await row.waitFor({ timeout: 30_000 });
  await row.hover();
  const before = helperBytesSent();
  const started = Date.now();
  const frame = await openContentsFromRow(page, row, title); // counted from the first click
  await frame.waitForFunction(FIRST_ROW_SHOWN, undefined, { timeout: 30_000 });
  const ms = Date.now() - started;
  await page.waitForTimeout(1000);
  return { ms, bytes: helperBytesSent() - before };
}

/** Opens a segment from its row and waits for its first row; returns ms and helper bytes. */
function openAndTime(page: Page, shmid: number): Promise<OpenRun> {
  return openRowAndTime(page, `.monaco-list-row[aria-label*=", id ${shmid},"]`, new RegExp(`id ${shmid}`));
}

/** Opens a POSIX object from its row in the POSIX group: its label starts with the kind and the name. */
function openPosixAndTime(page: Page, name: string): Promise<OpenRun> {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return openRowAndTime(page, `.monaco-list-row[aria-label^="POSIX shared memory object /${name},"]`, new RegExp(`/${escaped}`));
}

/**
 * Collapses a group of the view, so the rows below it are drawn: the list draws only what is on
 * screen, and the segments of the listing section (thousands) push the POSIX group out of it.
 */
async function collapseGroup(page: Page, title: string): Promise<void> {
  const group = page.locator(`.monaco-list-row[aria-label^="${title},"]`);
  await group.waitFor({ timeout: 60_000 });
  if ((await group.getAttribute('aria-expanded')) !== 'true') return;
  await group.click();
  if ((await group.getAttribute('aria-expanded')) === 'true') await page.keyboard.press('ArrowLeft');
  await page.locator(`.monaco-list-row[aria-label^="${title},"][aria-expanded="false"]`).waitFor({ timeout: 30_000 });
}

/** What withWorkbench started, for stopWorkbench() on Ctrl-C. */
let running: { stop(): Promise<void> } | undefined;

/** Stops the VS Code host and chromium if a contents view benchmark runs them (Ctrl-C, SIGTERM). */
export async function stopWorkbench(): Promise<void> {
  await running?.stop();
}

/** Starts the offline VS Code host with the extension and chromium, opens the IPC view; then `run`. */
async function withWorkbench<T>(run: (page: Page) => Promise<T>): Promise<T> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-bench-'));
  // The extension as built in this checkout (dist/); IPC_BENCH_EXTENSION points at another build
  // of it (a folder with package.json and dist/), e.g. while this checkout is half way through a change.
  const server = await host.startServer({ workspace, extensionDevelopmentPath: process.env.IPC_BENCH_EXTENSION || repoRoot });
  let browser: Awaited<ReturnType<typeof host.launchChromium>> | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= Promise.allSettled([browser?.close(), server.stop()]).then(() => fs.rmSync(workspace, { recursive: true, force: true })));
  running = { stop };
  try {
    browser = await host.launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(server.workbenchUrl());
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
    return await run(page);
  } finally {
    await stop();
    running = undefined;
  }
}

export async function benchOpen(client: HelperClient, removeLater: (shmid: number) => void): Promise<Row[]> {
  if (!install.isInstalled()) {
    console.log('contents view open: skipped (the offline VS Code host is not installed; run npm run test-host:install)');
    return [];
  }
  // warm-up (helper started, webview code loaded), then a fresh 4 KiB one and the 1 GiB one.
  const [warmUp, small, big] = [
    (await client.shmCreate(0, 4096, 0o600, false)).shmid,
    (await client.shmCreate(0, 4096, 0o600, false)).shmid,
    (await client.shmCreate(0, GiB, 0o600, false)).shmid,
  ];
  for (const shmid of [warmUp, small, big]) removeLater(shmid);
  return withWorkbench(async (page) => {
    await openAndTime(page, warmUp);
    const smallRun = await openAndTime(page, small);
    const bigRun = await openAndTime(page, big);
    console.log(`contents view open: 4 KiB ${smallRun.ms} ms / ${smallRun.bytes} B, 1 GiB ${bigRun.ms} ms / ${bigRun.bytes} B from the helper`);
    return openRows({ big: 'open 1 GiB to first rows', small: 'same for 4 KiB', bytes: '1 GiB' }, bigRun, smallRun);
  });
}

/** The two rows of an opening: the 1 GiB one's time against the 4 KiB one's, and the bytes the helper sent for it. */
function openRows(names: { big: string; small: string; bytes: string }, bigRun: OpenRun, smallRun: OpenRun): Row[] {
  return [
    {
      benchmark: `contents view, ${names.big}`,
      value: bigRun.ms,
      unit: 'ms',
      reference: names.small,
      referenceValue: smallRun.ms,
      ratio: bigRun.ms / smallRun.ms,
      target: '(as fast as 4 KiB)',
      met: bigRun.ms < 2 * smallRun.ms + 500,
    },
    {
      benchmark: `contents view, helper bytes for those rows (${names.bytes})`,
      value: bigRun.bytes / 1024,
      unit: 'KiB',
      target: '<= 1 MiB',
      met: bigRun.bytes <= 1024 * 1024,
    },
  ];
}

/** A sparse 1 GiB POSIX object (its last 16 bytes written) against a 4 KiB one, opened from the POSIX group. */
export async function benchOpenPosix(): Promise<Row[]> {
  if (!install.isInstalled()) {
    console.log('contents view open (POSIX): skipped (the offline VS Code host is not installed; run npm run test-host:install)');
    return [];
  }
  const tag = `${process.pid}-`;
  const [warmUp, small, big] = ['warm', 'small', 'big'].map((what) => `${POSIX_PREFIX}hex-${tag}${what}`);
  createObjectWithPosixtool(warmUp, 4096);
  createObjectWithPosixtool(small, 4096);
  createObjectWithPosixtool(big, GiB);
  execFileSync(posixtool, ['write', big, String(GiB - 16), 'feedface'.repeat(4)]);
  const blocks = () => fs.statSync(`/dev/shm/${big}`).blocks;
  const blocksBefore = blocks();
  return withWorkbench(async (page) => {
    await collapseGroup(page, 'System V segments');
    await openPosixAndTime(page, warmUp);
    const smallRun = await openPosixAndTime(page, small);
    const bigRun = await openPosixAndTime(page, big);
    const blocksAfter = blocks();
    console.log(
      `contents view open (POSIX): 4 KiB ${smallRun.ms} ms / ${smallRun.bytes} B, sparse 1 GiB ${bigRun.ms} ms / ${bigRun.bytes} B from the helper; st_blocks ${blocksBefore} before, ${blocksAfter} after`,
    );
    return [
      ...openRows({ big: 'open a sparse 1 GiB POSIX object to first rows', small: 'same for a 4 KiB object', bytes: '1 GiB POSIX' }, bigRun, smallRun),
      {
        benchmark: 'contents view, st_blocks of the 1 GiB object after opening it',
        value: blocksAfter,
        unit: 'blocks',
        reference: 'before',
        referenceValue: blocksBefore,
        ratio: blocksBefore ? blocksAfter / blocksBefore : undefined,
        target: 'unchanged (nothing allocated)',
        met: blocksAfter === blocksBefore,
      },
    ];
  });
}
