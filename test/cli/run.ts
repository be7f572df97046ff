// Runs the real command line (bin/ipc-inspector.js, the bundle dist/cli.js) as a separate process,
// as a user would, optionally as nobody; and what the suite shares: whether it runs isolated (its
// own IPC namespace and /dev/shm: test/cli/isolated.js), free ports, waiting for a URL.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'child_process';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { NOBODY } from '../support/helper';
import { repoRoot } from '../support/segments';

/**
 * The command the suite runs: the npm package as installed by `npm install -g` (test/cli/isolated.js
 * packs and installs it), or the checkout's when the suite runs on its own.
 */
export const BIN = process.env.IPCINSP_CLI_BIN || path.join(repoRoot, 'bin', 'ipc-inspector.js');

/** The suite runs in its own IPC namespace with its own /dev/shm: removing every orphan is safe. */
export const ISOLATED = process.env.IPCINSP_CLI_ISOLATED === '1';
export const IS_ROOT = process.getuid?.() === 0;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  asNobody?: boolean;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs `ipc-inspector ARGS` to its end. */
export function cli(args: string[], options: CliOptions = {}): CliResult {
  const command = [...(options.asNobody ? NOBODY : []), process.execPath, BIN, ...args];
  const result = spawnSync(command[0], command.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', ...options.env },
    input: options.input ?? '',
    maxBuffer: 256 << 20,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs it and parses its --json output (the status must be `status`). */
export function cliJson<T = { [key: string]: unknown }>(args: string[], options: CliOptions = {}, status = 0): T {
  const end = args.indexOf('--');
  const result = cli(end < 0 ? [...args, '--json'] : [...args.slice(0, end), '--json', ...args.slice(end)], options);
  if (result.status !== status) throw new Error(`ipc-inspector ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A TCP port nobody listens on now (on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** GET a URL on this machine: status and body (rejects on a refused connection). */
export function get(url: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, type: String(response.headers['content-type'] ?? '') }));
    });
    request.on('error', reject);
    request.setTimeout(10_000, () => request.destroy(new Error(`GET ${url} timed out`)));
  });
}

/** Starts a long-running process (serve, prometheus), its output kept for failure messages. */
export function start(command: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
  const child = spawn(command[0], command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  return Object.assign(child, { output: () => output });
}

/** Ends a process started with start() and waits for it to be gone. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** Whether a program is on PATH. */
export function have(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** `ipcmk` ARGS, the id it printed. */
export function ipcmk(args: string[]): number {
  const out = execFileSync('ipcmk', args, { encoding: 'utf8' });
  const id = /id: (\d+)/.exec(out);
  if (!id) throw new Error(`ipcmk ${args.join(' ')} said: ${out}`);
  return Number(id[1]);
}
