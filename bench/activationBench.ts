// What activating the extension costs every VS Code window: the offline host started with the
// installed linux-x64 VSIX (as users get it), the activation time read where VS Code itself shows
// it (Developer: Show Running Extensions: code loading plus the activate call), next to the built-in
// Merge Conflict extension's in the same start. Five starts; the medians are compared.
import type { Page } from 'playwright-core';
import { install, openIpcView, startHost, type Server } from '../test/support/testHost';
import { median, type Row } from './measure';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const STARTS = 5;

/** "Activation: 42ms" (or "Startup Activation: …") of the Running Extensions row of the extension named `name`. */
async function activationMs(page: Page, name: RegExp): Promise<number> {
  const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: name }).first();
  await row.locator('.activation-time', { hasText: /\d+ms/ }).waitFor({ timeout: 60_000 });
  const text = (await row.locator('.activation-time').textContent()) ?? '';
  const match = /(\d+)ms/.exec(text);
  if (!match) throw new Error(`no activation time for ${name}: "${text}"`);
  return Number(match[1]);
}

/** One start of a fresh host: both extensions' activation times as Running Extensions shows them. */
async function oneStart(): Promise<{ ours: number; mergeConflict: number }> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-bench-activation-'));
  let server: Server | undefined;
  let ui: Awaited<ReturnType<typeof openIpcView>> | undefined;
  try {
    server = await startHost({ workspace }, 'vsix');
    ui = await openIpcView(server);
    await ui.page.keyboard.press('F1');
    await ui.page.locator('.quick-input-widget input').fill('>Developer: Show Running Extensions');
    await ui.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Running Extensions' }).first().click();
    await ui.page.locator('.runtime-extensions-editor').waitFor({ timeout: 60_000 });
    return { ours: await activationMs(ui.page, /IPC Inspector|ipc-inspector/), mergeConflict: await activationMs(ui.page, /Merge Conflict|merge-conflict/) };
  } finally {
    await ui?.browser.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

export async function benchActivation(): Promise<Row[]> {
  if (!install.isInstalled()) {
    console.log('activation: skipped (the offline VS Code host is not installed; run npm run test-host:install)');
    return [];
  }
  const ours: number[] = [];
  const mergeConflict: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const start = await oneStart();
    ours.push(start.ours);
    mergeConflict.push(start.mergeConflict);
  }
  console.log(`activation (ms, ${STARTS} starts): IPC Inspector ${ours.join(', ')}; Merge Conflict ${mergeConflict.join(', ')}`);
  const value = median(ours);
  const reference = median(mergeConflict);
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
  ];
}
