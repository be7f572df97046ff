// Real segments for tests, made by a separate process (native/bin/shmtool) the way a user's program
// would make them. Every segment and every process started here is recorded and removed/killed by
// cleanupAll(), which the root hooks run after each test file, also when a test failed: tests run
// on machines other people use too.
import { ChildProcessWithoutNullStreams, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { startLineServer } from './lineServer';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const shmtoolPath = path.join(repoRoot, 'native', 'bin', 'shmtool');

const createdIds = new Set<number>();
const children = new Set<ChildProcessWithoutNullStreams>();

export function requireShmtool(): string {
  if (!fs.existsSync(shmtoolPath)) {
    throw new Error(`${shmtoolPath} is missing: run "npm run build:native" (needs a C compiler)`);
  }
  return shmtoolPath;
}

/** Records a segment made some other way (e.g. through the helper) so cleanupAll() removes it. */
export function trackSegment(shmid: number): number {
  createdIds.add(shmid);
  return shmid;
}

/** A random key that no segment uses now (keys are global on the machine). */
export function freshKey(): number {
  const used = new Set(
    fs
      .readFileSync('/proc/sysvipc/shm', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => Number(line.trim().split(/\s+/)[0])),
  );
  for (;;) {
    // Positive 31-bit keys with a recognisable 0x7e prefix: easy to spot in `ipcs -m` if anything leaks.
    const key = (0x7e000000 | Math.floor(Math.random() * 0xffffff)) >>> 0;
    if (!used.has(key) && !used.has(key | 0)) return key;
  }
}

/** Creates a segment in a process that exits at once (so its creator is gone). Returns the shmid. */
export function createSegment(key: number | 'private', size: number, mode = 0o600): number {
  const out = execFileSync(requireShmtool(), ['create', key === 'private' ? 'private' : `0x${key.toString(16)}`, String(size), mode.toString(8)], {
    encoding: 'utf8',
  });
  return trackSegment(Number(out.trim()));
}

/** Writes bytes into a segment from a separate short-lived process. */
export function writeSegment(shmid: number, offset: number, bytes: Buffer): void {
  execFileSync(requireShmtool(), ['write', String(shmid), String(offset), '-'], { input: bytes.toString('hex') });
}

/** The whole segment as read by a separate process (attached read-only, then detached). */
export function dumpSegment(shmid: number): Buffer {
  const out = execFileSync(requireShmtool(), ['dump', String(shmid)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return Buffer.from(out.trim(), 'hex');
}

export interface Holder {
  pid: number;
  shmid: number;
  address: string;
  /** Sends one command line (see shmtool.c) and resolves with its one-line answer. */
  command(line: string): Promise<string>;
  /** Detaches and exits; resolves when the process is gone. */
  stop(): Promise<void>;
}

async function startServing(args: string[], uid?: number): Promise<Holder> {
  const server = await startLineServer(requireShmtool(), args, children, uid);
  const [, id, address] = server.ready.split(' ');
  return { pid: server.pid, shmid: trackSegment(Number(id)), address, command: server.command, stop: server.stop };
}

/** Creates a segment and keeps it attached read-write from a live process (creator alive). */
export function ownSegment(key: number | 'private', size: number, mode = 0o600): Promise<Holder> {
  return startServing(['own', key === 'private' ? 'private' : `0x${key.toString(16)}`, String(size), mode.toString(8)]);
}

/** Attaches an existing segment from a live process, read-only or read-write. */
export function holdSegment(shmid: number, access: 'ro' | 'rw'): Promise<Holder> {
  return startServing(['hold', String(shmid), access]);
}

/** Kills every process started here and removes every segment recorded here. */
export async function cleanupAll(): Promise<void> {
  for (const child of children) {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
  children.clear();
  for (const id of createdIds) {
    try {
      execFileSync('ipcrm', ['-m', String(id)], { stdio: 'ignore' });
    } catch {
      // already gone (removed by the test itself): fine
    }
  }
  createdIds.clear();
}

/** The line of /proc/sysvipc/shm for a shmid, split into its columns, or undefined when gone. */
export function procLine(shmid: number): string[] | undefined {
  return fs
    .readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .find((cols) => Number(cols[1]) === shmid);
}
