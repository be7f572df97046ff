// What the extension costs a window that starts: the offline host started with the installed
// linux-x64 VSIX (as users get it), the activation time read where VS Code itself shows it
// (Developer: Show Running Extensions: code loading plus the activate call) next to the built-in
// Merge Conflict extension's in the same start; then what the first refresh costs (from the
// extension's log: its time, and how much of it the extension host's thread was busy), for the
// status bar's first look in a window where no IPC view is open, and for the Shared Memory view
// opened in a fresh window.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { host, install, startHost, type Server } from '../test/support/testHost';
import { waitFor } from '../test/support/waitFor';
import { median, type Row } from './measure';

const STARTS = 5;
const VIEW_STARTS = 3;

/** "Activation: 42ms" (or "Startup Activation: …") of the Running Extensions row of the extension named `name`. */
async function activationMs(page: Page, name: RegExp): Promise<number> {
  const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: name }).first();
  await row.locator('.activation-time', { hasText: /\d+ms/ }).waitFor({ timeout: 60_000 });
  const text = (await row.locator('.activation-time').textContent()) ?? '';
  const match = /(\d+)ms/.exec(text);
  if (!match) throw new Error(`no activation time for ${name}: "${text}"`);
  return Number(match[1]);
}

interface FirstRefresh {
  ms: number;
  hostMs: number;
  viewVisible: boolean;
}

/** The extension's log line of its first refresh (src/services/refresher.ts), once it is written. */
async function firstRefresh(server: Server): Promise<FirstRefresh> {
  const logs = path.join(server.userDataDir, 'logs');
  const line = await waitFor(
    () => {
      for (const file of fs.readdirSync(logs, { recursive: true }) as string[]) {
        if (!file.endsWith(path.join('ipc-inspector.ipc-inspector', 'IPC Inspector.log'))) continue;
        const found = /refresh 1( \(no view visible\))?: ([\d.]+) ms, ([\d.]+) ms on the extension host's thread/.exec(
          fs.readFileSync(path.join(logs, file), 'utf8'),
        );
        if (found) return found;
      }
      return undefined;
    },
    60_000,
    "the extension's first refresh in its log",
    200,
  );
  return { ms: Number(line[2]), hostMs: Number(line[3]), viewVisible: !line[1] };
}

/** One fresh host: the workbench opened; `then` does what the start is for. */
async function withFreshWindow<T>(settings: Record<string, unknown>, then: (page: Page, server: Server) => Promise<T>): Promise<T> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-bench-activation-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings));
  let server: Server | undefined;
  const browser = await host.launchChromium();
  try {
    server = await startHost({ workspace }, 'vsix');
    const page = await browser.newPage({ viewport: { width: 1500, height: 850 } });
    await page.goto(server.workbenchUrl());
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    return await then(page, server);
  } finally {
    await browser.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** Activation of both extensions as Running Extensions shows them, then the status bar's first look (no IPC view opened). */
function startWithoutViews(): Promise<{ ours: number; mergeConflict: number; look: FirstRefresh }> {
  return withFreshWindow({}, async (page, server) => {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>Developer: Show Running Extensions');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Running Extensions' }).first().click();
    await page.locator('.runtime-extensions-editor').waitFor({ timeout: 60_000 });
    const ours = await activationMs(page, /IPC Inspector|ipc-inspector/);
    const mergeConflict = await activationMs(page, /Merge Conflict|merge-conflict/);
    return { ours, mergeConflict, look: await firstRefresh(server) };
  });
}

/** The Shared Memory view opened in a fresh window (the status bar off, so the view's refresh is the first). */
function startWithView(): Promise<FirstRefresh> {
  return withFreshWindow({ 'ipcInspector.statusBar.enabled': false }, async (page, server) => {
    await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
    await page.locator('.pane-header', { hasText: 'Shared Memory' }).waitFor();
    return firstRefresh(server);
  });
}

export async function benchActivation(): Promise<Row[]> {
  if (!install.isInstalled()) {
    console.log('activation: skipped (the offline VS Code host is not installed; run npm run test-host:install)');
    return [];
  }
  const starts = [];
  for (let i = 0; i < STARTS; i++) starts.push(await startWithoutViews());
  const views = [];
  for (let i = 0; i < VIEW_STARTS; i++) views.push(await startWithView());
  const ours = starts.map((s) => s.ours);
  const mergeConflict = starts.map((s) => s.mergeConflict);
  const looks = starts.map((s) => s.look).filter((l) => !l.viewVisible);
  console.log(`activation (ms, ${STARTS} starts): IPC Inspector ${ours.join(', ')}; Merge Conflict ${mergeConflict.join(', ')}`);
  console.log(`status bar's first look (ms, host thread ms): ${looks.map((l) => `${l.ms}/${l.hostMs}`).join(', ')}`);
  console.log(`Shared Memory view's first refresh (ms, host thread ms): ${views.map((l) => `${l.ms}/${l.hostMs}`).join(', ')}`);
  const value = median(ours);
  const reference = median(mergeConflict);
  const report = (benchmark: string, values: number[]): Row => ({ benchmark, value: median(values), unit: 'ms', target: 'reported', met: true });
  return [
    {
      benchmark: `activation in a fresh window (installed VSIX, median of ${STARTS} starts)`,
      value,
      unit: 'ms',
      reference: 'built-in Merge Conflict, same starts',
      referenceValue: reference,
      ratio: value / reference,
      target: '<= 1.0x and < 50 ms',
      met: value <= reference && value < 50,
    },
    report(
      "status bar's first look, no view open: time",
      looks.map((l) => l.ms),
    ),
    report(
      '  of which on the extension host thread',
      looks.map((l) => l.hostMs),
    ),
    report(
      "Shared Memory view's first refresh after it is opened: time",
      views.map((l) => l.ms),
    ),
    report(
      '  of which on the extension host thread',
      views.map((l) => l.hostMs),
    ),
  ];
}
