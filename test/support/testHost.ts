// The offline VS Code host (scripts/test-host/*.js, plain JavaScript shared with npm start and the
// integration runner), typed once for the TypeScript that drives it: the UI tests and the benchmark.
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from './segments';

export interface Server {
  /** VS Code's user data folder of this server (extensions' global storage is under User/globalStorage). */
  userDataDir: string;
  workbenchUrl(options?: { extensionTestsPath?: string }): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  workspace: string;
  /** Load the extension from this checkout (development), or … */
  extensionDevelopmentPath?: string;
  /** … from an extensions folder a VSIX was installed into. */
  extensionsDir?: string;
  /** Run the server (and the extension host) as this unprivileged user (the caller is root). */
  user?: { uid: number; gid: number };
}

/* eslint-disable @typescript-eslint/no-require-imports */
export const host = require(path.join(repoRoot, 'scripts/test-host/server.js')) as {
  startServer(options: ServerOptions): Promise<Server>;
  launchChromium(): Promise<Browser>;
};

export const vsix = require(path.join(repoRoot, 'scripts/test-host/vsix.js')) as {
  installVsix(file: string, extensionsDir: string): Promise<{ id: string; dir: string }>;
};

export const install = require(path.join(repoRoot, 'scripts/test-host/install.js')) as { isInstalled(): boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

/** Chromium on a started server's workbench, with the IPC view opened from the activity bar as a person would. */
export async function openIpcView(server: Server, viewport = { width: 1500, height: 850 }): Promise<{ browser: Browser; page: Page }> {
  const browser = await host.launchChromium();
  const page = await browser.newPage({ viewport });
  await page.goto(server.workbenchUrl());
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.locator('.activitybar a.action-label[aria-label="IPC"]').click();
  return { browser, page };
}

/** The end of a UI test file: a screenshot of the page if its last test failed, then the browser and the server closed. */
export async function closeUi(ui: { failed: boolean; shot: string; page?: Page; browser?: Browser; server?: Server }): Promise<void> {
  if (ui.failed && ui.page) await ui.page.screenshot({ path: ui.shot }).catch(() => undefined);
  await ui.browser?.close();
  await ui.server?.stop();
}
