// Where the ipc-helper binary is: the user's setting first, then the one shipped in the extension
// (static in a packaged VSIX, the development build in a checkout), else an error that says what
// to do. Like rust-analyzer's server lookup: explicit beats bundled, and a miss is explained.
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

/** Returns the helper to run, or throws HelperNotFoundError explaining what was tried. */
export function locateHelper(binDir: string, configuredPath?: string): string {
  if (configuredPath) {
    if (isExecutable(configuredPath)) return configuredPath;
    throw new HelperNotFoundError(
      l10n.t('The "ipcInspector.helperPath" setting points at {0}, which is not an executable file. Fix or clear the setting.', configuredPath),
    );
  }
  const candidates = ['ipc-helper-static', 'ipc-helper'].map((name) => path.join(binDir, name));
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
