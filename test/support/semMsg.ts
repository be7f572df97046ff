// Real System V semaphore sets and message queues for tests, and the processes that wait on them,
// made the way users' programs make them: util-linux ipcmk, Python's sysv_ipc (Debian package
// python3-sysv-ipc) and native/bin/ipctool. Every set and queue a test makes is recorded
// (trackSem / trackMsg, or made here), and every process started here is recorded:
// cleanupSemMsg(), run by the root hooks after each test file (and by the suites after each
// test), kills the processes and removes the sets and queues, also when a test failed, so nothing
// is left behind on a machine others use too.
import { ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { repoRoot } from './segments';
import { waitFor } from './waitFor';

export const ipctoolPath = path.join(repoRoot, 'native', 'bin', 'ipctool');
/** The system Python, where apt installs python3-sysv-ipc (not a pyenv or venv one). */
export const PYTHON = '/usr/bin/python3';

const semIds = new Set<number>();
const msgIds = new Set<number>();
const mqNames = new Set<string>();
const children = new Set<ChildProcessWithoutNullStreams>();

export function requireIpctool(): string {
  if (!fs.existsSync(ipctoolPath)) {
    throw new Error(`${ipctoolPath} is missing: run "npm run build:native" (needs a C compiler)`);
  }
  return ipctoolPath;
}

/** Records a semaphore set made some other way (e.g. through the helper) so cleanup removes it. */
export function trackSem(semid: number): number {
  semIds.add(semid);
  return semid;
}

/** Records a POSIX message queue ("/NAME") so cleanup unlinks it. */
export function trackMq(name: string): string {
  mqNames.add(name);
  return name;
}

/** Records a message queue made some other way so cleanup removes it. */
export function trackMsg(msqid: number): number {
  msgIds.add(msqid);
  return msqid;
}

/** The columns of a line of /proc/sysvipc/sem or msg, by id (column 1), or undefined when gone. */
function procColumns(kind: 'sem' | 'msg', id: number): string[] | undefined {
  return fs
    .readFileSync(`/proc/sysvipc/${kind}`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .find((cols) => Number(cols[1]) === id);
}

/** /proc/sysvipc/sem of a set: key semid perms nsems uid gid cuid cgid otime ctime. */
export function semProc(semid: number) {
  const c = procColumns('sem', semid);
  if (!c) return undefined;
  return { key: Number(c[0]), perms: parseInt(c[2], 8), nsems: Number(c[3]), uid: Number(c[4]), gid: Number(c[5]), otime: Number(c[8]), ctime: Number(c[9]) };
}

/** /proc/sysvipc/msg of a queue: key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime. */
export function msgProc(msqid: number) {
  const c = procColumns('msg', msqid);
  if (!c) return undefined;
  return {
    key: Number(c[0]),
    perms: parseInt(c[2], 8),
    cbytes: Number(c[3]),
    qnum: Number(c[4]),
    lspid: Number(c[5]),
    lrpid: Number(c[6]),
    uid: Number(c[7]),
    gid: Number(c[8]),
    stime: Number(c[11]),
    rtime: Number(c[12]),
    ctime: Number(c[13]),
  };
}

/** A random key no set and no queue uses now (0x7d prefix: easy to spot in `ipcs` if anything leaks). */
export function freshIpcKey(): number {
  const used = new Set(
    ['sem', 'msg'].flatMap((kind) =>
      fs
        .readFileSync(`/proc/sysvipc/${kind}`, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => Number(line.trim().split(/\s+/)[0]) >>> 0),
    ),
  );
  for (;;) {
    const key = (0x7d000000 | Math.floor(Math.random() * 0xffffff)) >>> 0;
    if (!used.has(key)) return key;
  }
}

/** `ipcmk -S NSEMS -p MODE`: a set with a random key, made by util-linux. Returns the semid. */
export function ipcmkSem(nsems: number, mode = 0o600): number {
  const out = execFileSync('ipcmk', ['-S', String(nsems), '-p', mode.toString(8).padStart(4, '0')], { encoding: 'utf8' });
  const match = /Semaphore id: (\d+)/.exec(out);
  if (!match) throw new Error(`ipcmk -S said: ${out}`);
  return trackSem(Number(match[1]));
}

/** `ipcmk -Q -p MODE`: a queue with a random key, made by util-linux. Returns the msqid. */
export function ipcmkMsg(mode = 0o600): number {
  const out = execFileSync('ipcmk', ['-Q', '-p', mode.toString(8).padStart(4, '0')], { encoding: 'utf8' });
  const match = /Message queue id: (\d+)/.exec(out);
  if (!match) throw new Error(`ipcmk -Q said: ${out}`);
  return trackMsg(Number(match[1]));
}

/** Whether Python's sysv_ipc module is installed for /usr/bin/python3 (apt-get install python3-sysv-ipc). */
export function haveSysvIpc(): boolean {
  return spawnSync(PYTHON, ['-c', 'import sysv_ipc'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs a Python script with sysv_ipc imported; its last line of output is returned parsed as
 * JSON. Every id it prints as {"sem": [...], "msg": [...]} is tracked for cleanup before anything
 * else is looked at.
 */
export function python<T = unknown>(script: string, options: { uid?: number } = {}): T {
  const run = spawnSync(PYTHON, ['-c', `import json, sysv_ipc\n${script}`], {
    encoding: 'utf8',
    uid: options.uid,
    gid: options.uid === undefined ? undefined : 65534,
    timeout: 20_000,
  });
  const lines = (run.stdout ?? '').trim().split('\n');
  const result = lines.length > 0 && lines[lines.length - 1] ? (JSON.parse(lines[lines.length - 1]) as T) : (undefined as T);
  const made = result as { sem?: number[]; msg?: number[] } | undefined;
  for (const id of made?.sem ?? []) trackSem(id);
  for (const id of made?.msg ?? []) trackMsg(id);
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.stderr}${run.error ?? ''}`);
  return result;
}

/** Runs ipctool once (a short-lived command) and returns its output. */
export function ipctool(args: string[], options: { input?: Buffer | string; uid?: number } = {}): string {
  return execFileSync(requireIpctool(), args, {
    encoding: 'utf8',
    input: options.input,
    uid: options.uid,
    gid: options.uid === undefined ? undefined : 65534,
  });
}

export interface IpcProcess {
  pid: number;
  /** The first line it printed ("waiting PID", "holding PID", "blocked PID COUNT"). */
  firstLine: string;
  /** The next line it prints ("done", "received SIZE", "sent"). */
  nextLine(): Promise<string>;
  /** Ends it (EOF on stdin, which it watches); resolves when it is gone. */
  stop(): Promise<void>;
  /** Kills it with SIGKILL (a holder that dies holding); resolves when it is gone. */
  kill(): Promise<void>;
}

/** Starts a long-lived ipctool (semwait, semzero, semhold, msgwait, msgfill) and waits for its first line. */
export function startIpctool(args: string[], options: { uid?: number } = {}): Promise<IpcProcess> {
  const child = spawn(requireIpctool(), args, { uid: options.uid, gid: options.uid === undefined ? undefined : 65534 });
  children.add(child);
  const lines = readline.createInterface({ input: child.stdout });
  const queued: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queued.push(line);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const line = queued.shift();
      if (line !== undefined) return resolve(line);
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`ipctool ${args.join(' ')} exited: ${stderr.trim()}`)));
    });
  const gone = async () => {
    await exited;
    children.delete(child);
  };
  return nextLine().then((firstLine) => ({
    pid: child.pid!,
    firstLine,
    nextLine,
    stop: async () => {
      child.stdin.end();
      await gone();
    },
    kill: async () => {
      child.kill('SIGKILL');
      await gone();
    },
  }));
}

/** System call numbers (x86-64) that the waiters block in: glibc's semop() is semtimedop. */
export const SYSCALL = { semtimedop: 220, semop: 65, msgsnd: 69, msgrcv: 70 } as const;

/**
 * Waits until process `pid` is asleep (state S in /proc/PID/stat) inside one of the system calls
 * `syscalls` (/proc/PID/syscall, which names the call and its arguments: the first is the id):
 * state, not time. Returns what /proc/PID/wchan says it waits in.
 */
export async function waitBlocked(pid: number, syscalls: number[], id: number): Promise<string> {
  return waitFor(
    () => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      const [nr, first] = fs.readFileSync(`/proc/${pid}/syscall`, 'utf8').trim().split(' ');
      if (state !== 'S' || !syscalls.includes(Number(nr)) || Number(first) !== id) return undefined;
      return fs.readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() || '(unknown)';
    },
    10_000,
    `process ${pid} to block in system call ${syscalls.join(' or ')} on id ${id}`,
  );
}

/** Kills every process started here and removes every set and queue recorded here. */
export async function cleanupSemMsg(): Promise<void> {
  for (const child of children) {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
  children.clear();
  for (const [flag, ids] of [
    ['-s', semIds],
    ['-q', msgIds],
  ] as const) {
    for (const id of ids) {
      try {
        execFileSync('ipcrm', [flag, String(id)], { stdio: 'ignore' });
      } catch {
        // already gone (removed by the test itself): fine
      }
    }
    ids.clear();
  }
  for (const name of mqNames) ipctool(['mqunlink', name]);
  mqNames.clear();
}
