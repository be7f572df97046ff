// Where the ipc-helper binary is: the user's setting first, then the one shipped in the extension
// (static in a packaged VSIX, the development build in a checkout, or in the command line's npm
// package, which is one for every architecture, the static helper of this one), else an error that
// says what to do. Like rust-analyzer's server lookup: explicit beats bundled, and a miss is explained.
import * as fs from 'fs';
import * as path from 'path';
import * as l10n from '../shared/l10n';

export class HelperNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperNotFoundError';
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The folder of native/bin/ that holds a platform's static helper (native/targets.json's names, by Node's process.arch). */
const PLATFORM_DIRS: Partial<Record<string, string>> = { x64: 'linux-x64', arm64: 'linux-arm64', arm: 'linux-armhf' };

/** Returns the helper to run, or throws HelperNotFoundError explaining what was tried. */
export function locateHelper(binDir: string, configuredPath?: string): string {
  if (configuredPath) {
    if (isExecutable(configuredPath)) return configuredPath;
    throw new HelperNotFoundError(
      l10n.t('The "ipcInspector.helperPath" setting points at {0}, which is not an executable file. Fix or clear the setting.', configuredPath),
    );
  }
  const platformDir = PLATFORM_DIRS[process.arch];
  const candidates = ['ipc-helper-static', 'ipc-helper', ...(platformDir ? [path.join(platformDir, 'ipc-helper-static')] : [])].map((name) =>
    path.join(binDir, name),
  );
  const found = candidates.find(isExecutable);
  if (found) return found;
  if (process.platform !== 'linux') {
    throw new HelperNotFoundError(l10n.t('IPC Inspector works on Linux only: System V shared memory is read from the Linux kernel.'));
  }
  throw new HelperNotFoundError(
    `The IPC helper is missing (looked for ${candidates.join(' and ')}). This build of the extension has no helper for ${process.arch}: ` +
      'install the linux-x64 package, build it from a checkout with "npm run build:native", or set "ipcInspector.helperPath".',
  );
}
