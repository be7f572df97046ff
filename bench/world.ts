// The machine state the benchmarks measure against, made by this run and removed by it: System V
// segments (through the helper, with keys of one recognisable range), POSIX objects in /dev/shm
// (names with one recognisable prefix), and a population of processes that attach segments, map
// POSIX objects and hold them open, the way users' programs do.
//
// Every process started here reads its stdin from a pipe of ours and exits when it closes
// (shmtool, posixtool, cat): a run that is killed outright (SIGKILL) leaves no process behind.
// Segments and /dev/shm names would stay after a SIGKILL, so a run first sweeps what an earlier
// one left (keys of our range whose creator is gone, names with our prefix). Ctrl-C, SIGTERM and
// any failure remove everything (run.ts: cleanupEverything).
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { createManyPosixObjects, removeManyPosixObjects, sweepPosixObjects } from '../test/support/manyObjects';
import { createManySegments, removeSegmentsWithIpcrm } from '../test/support/manySegments';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const shmtool = path.join(repoRoot, 'native/bin/shmtool');
export const posixtool = path.join(repoRoot, 'native/bin/posixtool');
/** Every /dev/shm name this run makes starts with this (ls /dev/shm shows any leak at once). */
export const POSIX_PREFIX = 'ipcinsp-bench-';
/** Keys of the segments this run makes: KEY_BASE + i (ipcs -m shows any leak at once). */
export const KEY_BASE = 0x5bec0000;
export const KEY_RANGE = 0x10000;

const children = new Set<ChildProcess>();

export function processCount(): number {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
}

/** Creates `count` segments with keys from our range (test/support/manySegments: the scale tests' way). */
export function createSegments(count: number, size = 4096, firstKey = 0): Promise<number[]> {
  return createManySegments(count, { size, firstKey: KEY_BASE + firstKey });
}

/** Removes what an earlier run killed with SIGKILL left: our keys whose creator is gone, our names. */
export function sweepLeftovers(): { segments: number; objects: number } {
  const stale: number[] = [];
  for (const line of fs.readFileSync('/proc/sysvipc/shm', 'latin1').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 7) continue;
    const key = Number(cols[0]) >>> 0;
    const cpid = Number(cols[4]);
    if (key >= KEY_BASE && key < KEY_BASE + KEY_RANGE && cols[6] === '0' && !fs.existsSync(`/proc/${cpid}`)) stale.push(Number(cols[1]));
  }
  removeSegmentsWithIpcrm(stale);
  return { segments: stale.length, objects: sweepPosixObjects(POSIX_PREFIX) };
}

/** POSIX objects named POSIX_PREFIX + tag + i. */
export function createObjects(tag: string, count: number, size = 4096): string[] {
  return createManyPosixObjects(POSIX_PREFIX + tag, count, size);
}

const posixtoolMade = new Set<string>();

/** An object made the way a user's program makes one: `posixtool create NAME SIZE 600` (nobody holds it). */
export function createObjectWithPosixtool(name: string, size: number): void {
  posixtoolMade.add(name);
  execFileSync(posixtool, ['create', name, String(size), '600'], { stdio: 'ignore' });
}

/** Unlinks every /dev/shm name this run made (synchronous: safe in a signal handler). */
export function cleanupObjects(): void {
  removeManyPosixObjects();
  for (const name of posixtoolMade) fs.rmSync(`/dev/shm/${name}`, { force: true });
  posixtoolMade.clear();
}

export interface PopulationSpec {
  /** Processes to start. */
  total: number;
  /** One `shmtool hold` per entry (read-write for odd positions), the first processes. */
  attach?: number[];
  /** One `posixtool map NAME` per entry (read-only for even positions), the next ones. */
  map?: string[];
  /** The /dev/shm names whose descriptors process i inherits (and so holds open), for every process. */
  holds?: (i: number) => string[];
}

export interface Population {
  pids: number[];
  /** shmid -> pids of the processes attached to it. */
  attached: Map<number, number[]>;
  /** Every (pid, name) of a hold: a mapping or an open descriptor. */
  holds: Array<{ pid: number; name: string; via: 'map' | 'fd' }>;
}

/** The first line a child prints: its "ready ..." line, or a rejection when it exits first. */
function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line));
    child.once('exit', () => reject(new Error(`${what} exited: ${stderr.trim()}`)));
  });
}

/**
 * Starts a population of processes that live until stopPopulation() (or until this process dies:
 * each one exits at EOF on its stdin). Descriptors are passed as inherited stdio (fd 3, 4, ...),
 * opened read-write for even-numbered objects and read-only for odd ones.
 */
export async function startPopulation(spec: PopulationSpec): Promise<Population> {
  const attach = spec.attach ?? [];
  const map = spec.map ?? [];
  const opened = new Map<string, number>();
  const fdOf = (name: string): number => {
    let fd = opened.get(name);
    if (fd === undefined) {
      const index = Number(/(\d+)$/.exec(name)?.[1] ?? 0);
      fd = fs.openSync(`/dev/shm/${name}`, index % 2 === 0 ? 'r+' : 'r');
      opened.set(name, fd);
    }
    return fd;
  };
  const population: Population = { pids: [], attached: new Map(), holds: [] };
  const waiting: Promise<string>[] = [];
  try {
    for (let i = 0; i < spec.total; i++) {
      const names = spec.holds?.(i) ?? [];
      const stdio: Array<'pipe' | 'ignore' | number> = ['pipe', 'pipe', 'pipe', ...names.map(fdOf)];
      let child: ChildProcess;
      if (i < attach.length) {
        child = spawn(shmtool, ['hold', String(attach[i]), i % 2 ? 'rw' : 'ro'], { stdio });
        waiting.push(firstLine(child, 'shmtool hold'));
      } else if (i < attach.length + map.length) {
        const j = i - attach.length;
        child = spawn(posixtool, ['map', map[j], j % 2 ? 'rw' : 'ro'], { stdio });
        waiting.push(firstLine(child, 'posixtool map'));
      } else {
        child = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore', ...stdio.slice(3)] });
      }
      children.add(child);
      child.once('exit', () => children.delete(child));
      const pid = child.pid!;
      population.pids.push(pid);
      if (i < attach.length) {
        const list = population.attached.get(attach[i]) ?? [];
        list.push(pid);
        population.attached.set(attach[i], list);
      } else if (i < attach.length + map.length) {
        population.holds.push({ pid, name: map[i - attach.length], via: 'map' });
      }
      for (const name of names) population.holds.push({ pid, name, via: 'fd' });
    }
    await Promise.all(waiting);
  } finally {
    for (const fd of opened.values()) fs.closeSync(fd);
  }
  // cat has nothing to say when ready: give the last ones a moment to exec.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return population;
}

/** Ends every process started here and waits until they are gone. */
export async function stopPopulation(): Promise<void> {
  const list = [...children];
  await Promise.all(
    list.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
}

/** The synchronous part of cleaning up, for a signal handler that must not wait: kill, unlink. */
export function killAndUnlinkNow(): void {
  for (const child of children) child.kill('SIGKILL');
  cleanupObjects();
}
