// The offline VS Code host (scripts/test-host/*.js, plain JavaScript shared with npm start and the
// integration runner), typed once for the TypeScript that drives it: the UI tests and the benchmark.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
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
  /** More environment for the server and the extension host. */
  env?: Record<string, string>;
}

/* eslint-disable @typescript-eslint/no-require-imports */
export const host = require(path.join(repoRoot, 'scripts/test-host/server.js')) as {
  startServer(options: ServerOptions): Promise<Server>;
  launchChromium(): Promise<Browser>;
};

export const vsix = require(path.join(repoRoot, 'scripts/test-host/vsix.js')) as {
  installVsix(file: string, extensionsDir: string): Promise<{ id: string; dir: string }>;
  addUnpackedExtension(folder: string, extensionsDir: string): string;
};

export const install = require(path.join(repoRoot, 'scripts/test-host/install.js')) as { isInstalled(): boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Which extension the UI suites run: the packaged linux-x64 VSIX installed into a clean extensions
 * folder, as a user gets it (`IPCINSP_EXTENSION=vsix`: npm test's `packaged` stage), or this
 * checkout as the extension under development (the default, `npm run test:e2e`).
 */
export const extensionUnderTest: 'vsix' | 'checkout' = process.env.IPCINSP_EXTENSION === 'vsix' ? 'vsix' : 'checkout';

/** Where npm test's `package` stage leaves the VSIXs (scripts/test.js). */
const PACKAGED = path.join(repoRoot, 'test-results', 'vsix');

/** The linux-x64 VSIX of this checkout: the package stage's, or made now when there is none. */
function linuxX64Vsix(): string {
  const find = () => (fs.existsSync(PACKAGED) ? fs.readdirSync(PACKAGED).find((name) => /^ipc-inspector-linux-x64-.*\.vsix$/.test(name)) : undefined);
  if (!find()) {
    const packageScript = path.join(repoRoot, 'scripts/package.js');
    execFileSync(process.execPath, [packageScript, '--targets', 'linux-x64', '--out', PACKAGED], { cwd: repoRoot, stdio: 'inherit' });
  }
  const file = find();
  assert.ok(file, `npm run package made no linux-x64 VSIX in ${PACKAGED}`);
  return path.join(PACKAGED, file);
}

/** A node_modules folder that Node's resolution from `dir` would reach, if any (walking up to /). */
function reachableNodeModules(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'node_modules'))) return path.join(d, 'node_modules');
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * Installs the packaged extension into a fresh extensions folder of its own, outside the checkout
 * (so nothing of its node_modules can be reached from it), and returns that folder.
 */
async function installPackaged(): Promise<string> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-packaged-'));
  fs.chmodSync(temp, 0o755); // a server run as nobody reads the extension from here
  const extensionsDir = path.join(temp, 'extensions');
  const installed = await vsix.installVsix(linuxX64Vsix(), extensionsDir);
  assert.equal(installed.id, 'ipc-inspector.ipc-inspector');
  const reachable = reachableNodeModules(installed.dir);
  assert.equal(reachable, undefined, `the installed extension must not reach a node_modules (${reachable})`);
  return extensionsDir;
}

/**
 * Starts the offline host with the extension under test (see extensionUnderTest): what every UI
 * suite calls, so one suite runs against both.
 */
export async function startHost(
  options: Omit<ServerOptions, 'extensionDevelopmentPath' | 'extensionsDir'>,
  extension: typeof extensionUnderTest = extensionUnderTest,
  /** Extension folders installed beside the VSIX (a bench's probe). */
  alongside: readonly string[] = [],
): Promise<Server> {
  // IPCINSP_EXTENSION_DIR: another checkout's build (to show a test failing on an older version).
  if (extension === 'checkout') {
    if (alongside.length > 0) throw new Error('startHost: extensions beside the checkout need the packaged extension');
    return host.startServer({ ...options, extensionDevelopmentPath: process.env.IPCINSP_EXTENSION_DIR || repoRoot });
  }
  const extensionsDir = await installPackaged();
  for (const folder of alongside) vsix.addUnpackedExtension(folder, extensionsDir);
  const server = await host.startServer({ ...options, extensionsDir });
  const stop = server.stop.bind(server);
  server.stop = async () => {
    await stop();
    fs.rmSync(path.dirname(extensionsDir), { recursive: true, force: true });
  };
  return server;
}

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
