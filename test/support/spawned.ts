// Processes the core's native tests start themselves (in other namespaces, as nobody), beside the
// ones test/support/segments.ts starts. Every one is recorded and killed by killSpawned(), which
// each test file calls in an after hook, pass or fail.
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

/** out/ of the compiled tests: scripts run by other users or in other namespaces require from it. */
export const outDir = path.resolve(__dirname, '..', '..');

const spawned = new Set<ChildProcessWithoutNullStreams>();

export interface Spawned {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** The first line the process printed (shmtool's "ready SHMID ADDRESS"). */
  firstLine: string;
}

/** Starts a process and waits for its first line of output. */
export function spawnReady(command: string, args: string[]): Promise<Spawned> {
  const child = spawn(command, args);
  spawned.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, pid: child.pid!, firstLine: line }));
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}): ${stderr.trim()}`)));
  });
}

/** Kills every process started by spawnReady and waits for them. */
export async function killSpawned(): Promise<void> {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  spawned.clear();
}

/**
 * Runs a Node script in a separate process, optionally behind a prefix (setpriv..., unshare...),
 * and returns what it printed as JSON. The script can use `ipc(name)` to load src/ipc/<name>.
 */
export function runNodeScript(body: string, prefix: string[] = []): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-core-'));
  try {
    fs.chmodSync(dir, 0o755); // readable by nobody
    const file = path.join(dir, 'script.js');
    const header = `const ipc = (name) => require(${JSON.stringify(path.join(outDir, 'src', 'ipc'))} + '/' + name);\n`;
    fs.writeFileSync(file, `${header}(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1); });\n`, { mode: 0o644 });
    const command = [...prefix, process.execPath, file];
    const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 20_000 });
    if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}${result.error ?? ''}`);
    return JSON.parse(result.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
