// Starting the real helper for tests: the AddressSanitizer/UBSan build by default (so every native
// test is also a sanitizer run), optionally as the unprivileged user `nobody` through setpriv.
import * as fs from 'fs';
import * as path from 'path';
import * as assert from 'node:assert/strict';
import { HelperClient, HelperError } from '../../src/ipc/helperClient';
import { repoRoot } from './segments';

export type HelperBuild = 'asan' | 'release';

/**
 * The helper the native tests run. With IPCINSP_HELPER_PLATFORM (e.g. `linux-arm64`, set by
 * scripts/foreign.js) it is that platform's static helper, the one its VSIX ships, run under
 * qemu-user through a small script (binfmt_misc may not be there), whatever `build` asks for.
 * IPCINSP_HELPER_BINARY names any other binary to use instead, whatever `build` asks for.
 */
export function helperBinary(build: HelperBuild = 'asan'): string {
  const platform = process.env.IPCINSP_HELPER_PLATFORM;
  if (platform) return foreignHelper(platform);
  // Another build to run the suite against, e.g. an older helper to see a new test fail on it.
  if (process.env.IPCINSP_HELPER_BINARY) return process.env.IPCINSP_HELPER_BINARY;
  const file = path.join(repoRoot, 'native', 'bin', build === 'asan' ? 'ipc-helper-asan' : 'ipc-helper');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build:native"`);
  return file;
}

interface HelperPlatform {
  name: string;
  qemu: string;
}

function foreignHelper(name: string): string {
  const targets = JSON.parse(fs.readFileSync(path.join(repoRoot, 'native', 'targets.json'), 'utf8')) as { helpers: HelperPlatform[] };
  const platform = targets.helpers.find((p) => p.name === name);
  if (!platform) throw new Error(`IPCINSP_HELPER_PLATFORM=${name} is not a platform of native/targets.json`);
  const dir = path.join(repoRoot, 'native', 'bin', name);
  const binary = path.join(dir, 'ipc-helper-static');
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: its cross compiler failed or is not installed (npm run build:native)`);
  const script = path.join(dir, 'run-under-qemu');
  // Quoted: a clone's path may hold spaces.
  const quoted = `'${binary.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(script, `#!/bin/sh\nexec ${platform.qemu} ${quoted} "$@"\n`, { mode: 0o755 });
  return script;
}

export const NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

export const isRoot = process.getuid?.() === 0;

/** An argv prefix (TestHelper's `wrap`) that runs the command with the given umask. */
export function withUmask(mask: number): string[] {
  return ['sh', '-c', `umask ${mask.toString(8).padStart(4, '0')} && exec "$@"`, 'umask-wrapper'];
}

/** A client whose helper's stderr is kept, so a test can assert that no sanitizer report appeared. */
export class TestHelper {
  readonly log: string[] = [];
  readonly client: HelperClient;

  /**
   * `wrap` runs the helper under another command (argv prefix), e.g. `prlimit --fsize=N` or a
   * shell that sets a umask (see withUmask()); with `asNobody` it runs as nobody inside that.
   */
  constructor(options: { build?: HelperBuild; asNobody?: boolean; timeoutMs?: number; wrap?: string[]; namespace?: { pid: number; inode: number } } = {}) {
    const binary = helperBinary(options.build);
    const command = [...(options.wrap ?? []), ...(options.asNobody ? NOBODY : []), binary];
    this.client = new HelperClient({
      helperPath: binary,
      command: command.length > 1 ? command : undefined,
      requestTimeoutMs: options.timeoutMs ?? 10_000,
      log: (line) => this.log.push(line),
      namespace: options.namespace,
    });
  }

  /** Sanitizer findings in the helper's stderr (AddressSanitizer, LeakSanitizer, UBSan). */
  sanitizerReports(): string[] {
    return this.log.filter((line) => /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer/.test(line));
  }

  dispose(): void {
    this.client.dispose();
  }
}

/** Awaits a helper call that must fail with errno `code` (and a message matching `message`); returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<HelperError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HelperError, `expected a HelperError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}
