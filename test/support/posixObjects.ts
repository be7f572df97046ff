// Real POSIX shared memory objects for tests, made and held by a separate process
// (native/bin/posixtool) the way a user's program would. Every name in /dev/shm a test uses comes
// from freshName() (or is given to trackName()), every other path a test makes goes to trackPath(),
// and every process started here is recorded: cleanupPosixObjects(), run by the root hooks after
// each test file (and by the suites after each test), kills the processes and unlinks the names,
// also when a test failed, so nothing is ever left in /dev/shm of a machine others use too.
import { ChildProcessWithoutNullStreams, execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { FileIdentity } from '../../src/ipc/helperProtocol';
import { startLineServer } from './lineServer';
import { repoRoot } from './segments';

export const posixtoolPath = path.join(repoRoot, 'native', 'bin', 'posixtool');
/** Every name a test makes starts with this: easy to spot in `ls /dev/shm` if anything leaks. */
export const TEST_PREFIX = 'ipcinsp-test-';

const names = new Set<string>();
const paths = new Set<string>();
const children = new Set<ChildProcessWithoutNullStreams>();
const extraPids = new Set<number>();

export function requirePosixtool(): string {
  if (!fs.existsSync(posixtoolPath)) {
    throw new Error(`${posixtoolPath} is missing: run "npm run build:native" (needs a C compiler)`);
  }
  return posixtoolPath;
}

/** Records a name in /dev/shm so that cleanupPosixObjects() unlinks it. */
export function trackName(name: string): string {
  names.add(name);
  return name;
}

/** Records any other path a test made (a symlink's target, say) so that cleanup removes it. */
export function trackPath(file: string): string {
  paths.add(file);
  return file;
}

/** A new name that nothing in /dev/shm uses, tracked for cleanup. */
export function freshName(): string {
  for (;;) {
    const name = `${TEST_PREFIX}${randomBytes(6).toString('hex')}`;
    if (!fs.existsSync(shmPath(name))) return trackName(name);
  }
}

export const shmPath = (name: string): string => `/dev/shm/${name}`;

/** Device major and minor of a stat's dev (glibc's encoding, which Node passes through). */
export function splitDev(dev: bigint): { devMajor: number; devMinor: number } {
  return {
    devMajor: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)),
    devMinor: Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)),
  };
}

/** The identity of a file as lstat sees it. */
export function identityOf(file: string): FileIdentity {
  const st = fs.lstatSync(file, { bigint: true });
  return { ...splitDev(st.dev), ino: Number(st.ino) };
}

/** "DEVMAJ:DEVMIN INO" of posixtool's ready line as an identity. */
function parseIdentity(dev: string, ino: string): FileIdentity {
  const [devMajor, devMinor] = dev.split(':').map(Number);
  return { devMajor, devMinor, ino: Number(ino) };
}

/** Creates an object in a process that exits at once (so nobody holds it). Returns its identity. */
export function createObject(name: string, size: number, mode = 0o600, uid?: number): FileIdentity {
  trackName(name);
  const out = execFileSync(requirePosixtool(), ['create', name, String(size), mode.toString(8)], {
    encoding: 'utf8',
    uid,
    gid: uid === undefined ? undefined : 65534,
  });
  const [, dev, ino] = out.trim().split(' ');
  return parseIdentity(dev, ino);
}

/** Writes bytes into an object (pwrite) from a separate short-lived process. */
export function writeObject(name: string, offset: number, bytes: Buffer): void {
  execFileSync(requirePosixtool(), ['write', name, String(offset), '-'], { input: bytes.toString('hex'), maxBuffer: 1 << 30 });
}

export interface PosixHolder {
  pid: number;
  /** The held object's identity, as the holder's fstat saw it. */
  id: FileIdentity;
  /** own / map / memfd: where it is mapped. */
  address?: string;
  /** open / memfd: the descriptor number in the holder. */
  fd?: number;
  /** memfd: the child process that holds the same descriptor and mapping. */
  childPid?: number;
  /** Sends one command line (see posixtool.c) and resolves with its one-line answer. */
  command(line: string): Promise<string>;
  /** Ends the holder (EOF on its stdin); resolves when it is gone. */
  stop(): Promise<void>;
}

async function startHolder(args: string[], uid?: number): Promise<PosixHolder> {
  const server = await startLineServer(requirePosixtool(), args, children, uid);
  const [word, dev, ino, last, childPid] = server.ready.split(' ');
  if (word !== 'ready') throw new Error(`posixtool ${args.join(' ')} said: ${server.ready}`);
  const mode = args[0];
  const holder: PosixHolder = { pid: server.pid, id: parseIdentity(dev, ino), command: server.command, stop: server.stop };
  if (mode === 'open' || mode === 'memfd') holder.fd = Number(last);
  else holder.address = last;
  if (mode === 'memfd') {
    holder.childPid = Number(childPid);
    extraPids.add(holder.childPid);
  }
  return holder;
}

/** Creates an object (exclusive) and keeps it open read-write and mapped from a live process. */
export function ownObject(name: string, size: number, mode = 0o600): Promise<PosixHolder> {
  trackName(name);
  return startHolder(['own', name, String(size), mode.toString(8)]);
}

/** Maps an existing object from a live process that keeps no descriptor. */
export function mapObject(name: string, access: 'ro' | 'rw'): Promise<PosixHolder> {
  return startHolder(['map', name, access]);
}

/** Opens an existing object from a live process that keeps only the descriptor ("path": an O_PATH one). */
export function openObject(name: string, access: 'ro' | 'rw' | 'path', uid?: number): Promise<PosixHolder> {
  return startHolder(['open', name, access], uid);
}

/** A memfd, mapped, held by a live process and a child of it. */
export function memfdObject(name: string, size: number): Promise<PosixHolder> {
  return startHolder(['memfd', name, String(size)]);
}

/** Kills every process started here and removes every name and path recorded here. */
export async function cleanupPosixObjects(): Promise<void> {
  for (const child of children) {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
  children.clear();
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL'); // a memfd holder's child (it dies with its parent anyway)
    } catch {
      // already gone
    }
  }
  extraPids.clear();
  for (const name of names) fs.rmSync(shmPath(name), { force: true, recursive: true });
  names.clear();
  for (const file of paths) fs.rmSync(file, { force: true });
  paths.clear();
}
