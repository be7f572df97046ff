// The offline VS Code host (scripts/test-host/*.js, plain JavaScript shared with npm start and the
// integration runner), typed once for the TypeScript that drives it: the UI tests and the benchmark.
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { repoRoot } from './segments';

export interface Server {
  workbenchUrl(options?: { extensionTestsPath?: string }): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  workspace: string;
  /** Load the extension from this checkout (development), or … */
  extensionDevelopmentPath?: string;
  /** … from an extensions folder a VSIX was installed into. */
  extensionsDir?: string;
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
