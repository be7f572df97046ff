// The suites' temporary folders, removed when the run ends (rootHooks.ts), whatever happened. A
// describe block's folder is made when mocha loads its file, and mocha runs none of that block's
// hooks when --grep leaves it no test: its own after() alone would leave the folder in /tmp.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];

/** A new folder in the temporary directory, `prefix` then random characters, removed at the end of the run. */
export function testTemp(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every folder testTemp made (those a suite removed already included). */
export function removeTestTemps(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
