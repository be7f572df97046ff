// Processes and users as the segment list needs them: is the creator still there, what is it
// called, when did it start (to catch a reused pid), and whose uid/gid is this.
//
// Everything is read synchronously from small /proc files (tens of microseconds each); callers
// that look up many pids in one refresh share a memo (createProcessLookup).
import * as fs from 'fs';
import * as path from 'path';
import { clockTicks } from './auxv';

export interface ProcessInfo {
  pid: number;
  /** The kernel's short name (15 characters at most), from /proc/PID/stat. */
  comm: string;
  /** /proc/PID/cmdline with its NULs as spaces; "[comm]" when empty (kernel thread, zombie). */
  command: string;
  /** State letter from /proc/PID/stat: R, S, D, Z (zombie: exited, not yet reaped), T, I... */
  state: string;
  ppid: number;
  /**
   * When the process started, epoch seconds. Computed as btime + starttime / USER_HZ: accurate to
   * about a second (btime is whole seconds), and shifted if the wall clock was stepped since boot.
   */
  startTime: number;
}

/**
 * running: /proc/PID could be read. hidden: the pid exists but /proc does not show it to us
 * (hidepid mount option). gone: no such process.
 */
export type ProcessStatus = { kind: 'running'; info: ProcessInfo } | { kind: 'hidden'; pid: number } | { kind: 'gone'; pid: number };

export interface StatFields {
  comm: string;
  state: string;
  ppid: number;
  /** Field 22: clock ticks after boot. */
  startTicks: number;
}

/**
 * Parses /proc/PID/stat. The command name is in parentheses and may itself contain spaces and
 * ')', so the fields are counted from the LAST ')'.
 */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const startTicks = Number(rest[22 - 3]);
  const ppid = Number(rest[4 - 3]);
  if (rest.length < 20 || !Number.isFinite(startTicks) || !Number.isFinite(ppid)) return undefined;
  return { comm: text.slice(open + 1, close), state: rest[0], ppid, startTicks };
}

/**
 * The NUL-separated cmdline as one line; "[comm]" for the empty cmdline of kernel threads and zombies.
 * Control characters inside an argument (`bash -c` scripts carry newlines) are shown escaped, so a
 * label, tooltip or message stays one line.
 */
export function formatCommand(cmdline: Buffer | string, comm: string): string {
  const text = (typeof cmdline === 'string' ? cmdline : cmdline.toString('utf8')).replace(/\0+$/, '');
  if (text.length === 0) return `[${escapeControls(comm)}]`;
  const words = text.split('\0').map(escapeControls);
  // One word is a title the program wrote over its arguments ("postgres: checkpointer"): as it is.
  return words.length === 1 ? words[0] : words.map(quoteWord).join(' ');
}

/** An argument with white space (a program under "/home/a b/") in single quotes, as a shell reads it back. */
function quoteWord(word: string): string {
  return /\s/.test(word) || word === '' ? `'${word.replace(/'/g, "'\\''")}'` : word;
}

/** formatCommand's words again, its quotes taken off. */
function splitCommand(command: string): string[] {
  const words: string[] = [];
  for (const match of command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) words.push(match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2]);
  return words;
}

/** Programs that run another: their row names the script too ("python3 producer.py"). */
const INTERPRETERS = /^(python[\d.]*|node|nodejs|perl[\d.]*|ruby[\d.]*|bash|sh|dash|zsh|java|php[\d.]*|lua[\d.]*)$/;

/**
 * A command line (formatCommand's) shortened to what fits a row: the executable's file name,
 * and for an interpreter the script's ("/usr/bin/python3 -u /srv/app/producer.py --fast" ->
 * "python3 producer.py"). The full line belongs in the tooltip. A kernel thread's "[name]" stays;
 * a process title a program set itself ("postgres: checkpointer", "nginx: worker process") gives
 * the name before its colon.
 */
export function executableName(command: string): string {
  if (command.startsWith('[')) return command;
  const words = splitCommand(command);
  const base = (word: string) => word.slice(word.lastIndexOf('/') + 1) || word;
  const first = words[0] ?? command;
  const program = base(first.length > 1 && first.endsWith(':') && words.length > 1 ? first.slice(0, -1) : first);
  if (!INTERPRETERS.test(program)) return program;
  const script = words.slice(1).find((w) => !w.startsWith('-'));
  return script ? `${program} ${base(script)}` : program;
}

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => CONTROL_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const bootTimes = new Map<string, number | undefined>();

/** The `btime` line of /proc/stat: boot time, epoch seconds. Cached (it does not change). */
export function bootTime(procRoot = '/proc'): number | undefined {
  if (!bootTimes.has(procRoot)) {
    let value: number | undefined;
    try {
      const match = /^btime\s+(\d+)/m.exec(fs.readFileSync(path.join(procRoot, 'stat'), 'latin1'));
      value = match ? Number(match[1]) : undefined;
    } catch {
      value = undefined;
    }
    bootTimes.set(procRoot, value);
  }
  return bootTimes.get(procRoot);
}

// The head of a cmdline is enough for a label; some are megabytes long.
const MAX_CMDLINE = 4096;

/** The head of /proc/PID/cmdline that readProcess looks at (the /proc scan reads as much). */
export const CMDLINE_HEAD = MAX_CMDLINE;

/** The first `max` bytes of a file (the head of a /proc cmdline: some are megabytes long). */
export function readHead(file: string, max: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(max);
    let length = 0;
    while (length < max) {
      const n = fs.readSync(fd, buffer, length, max - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Whether a pid that /proc does not show exists all the same. Only meaningful for the real /proc
 * (signal 0 asks the kernel of our own pid namespace); a fixture root never answers yes.
 */
function existsHidden(pid: number, procRoot: string): boolean {
  if (path.resolve(procRoot) !== '/proc') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, belongs to someone else
  }
}

/** Looks up one process. Never throws. */
export function readProcess(pid: number, procRoot = '/proc'): ProcessStatus {
  if (!Number.isSafeInteger(pid) || pid <= 0) return { kind: 'gone', pid };
  const dir = path.join(procRoot, String(pid));
  let stat: StatFields | undefined;
  try {
    stat = parseStat(fs.readFileSync(path.join(dir, 'stat'), 'latin1'));
  } catch (error) {
    const code = errorCode(error);
    // EACCES: hidepid=1 shows the directory but not its files. ENOENT may be hidepid=2: ask kill().
    if (code === 'EACCES' || code === 'EPERM' || existsHidden(pid, procRoot)) return { kind: 'hidden', pid };
    return { kind: 'gone', pid };
  }
  if (!stat) return { kind: 'hidden', pid };
  let cmdline: Buffer | string = '';
  try {
    cmdline = readHead(path.join(dir, 'cmdline'), MAX_CMDLINE);
  } catch {
    // exited between the two reads, or unreadable: the short name will do
  }
  const boot = bootTime(procRoot) ?? 0;
  return {
    kind: 'running',
    info: {
      pid,
      comm: stat.comm,
      command: formatCommand(cmdline, stat.comm),
      state: stat.state,
      ppid: stat.ppid,
      startTime: boot + stat.startTicks / clockTicks(procRoot),
    },
  };
}

/**
 * Whether a process can still act: running and not a zombie. undefined when /proc hides it and
 * the answer cannot be told (callers must then not treat it as gone).
 */
export function isAlive(status: ProcessStatus): boolean | undefined {
  if (status.kind === 'hidden') return undefined;
  return status.kind === 'running' && status.info.state !== 'Z';
}

/** A memoised readProcess for one refresh: many segments share a creator. */
export function createProcessLookup(procRoot = '/proc'): (pid: number) => ProcessStatus {
  const memo = new Map<number, ProcessStatus>();
  return (pid) => {
    let status = memo.get(pid);
    if (!status) {
      status = readProcess(pid, procRoot);
      memo.set(pid, status);
    }
    return status;
  };
}

/** uid -> name from /etc/passwd, gid -> name from /etc/group (same "name:x:id:..." shape). */
export function parseIdNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || !/^\d+$/.test(fields[2])) continue;
    const id = Number(fields[2]);
    if (!names.has(id)) names.set(id, fields[0]); // the first entry wins, as in getpwuid
  }
  return names;
}

interface NameTable {
  mtimeMs: number;
  names: Map<number, string>;
}

const nameTables = new Map<string, NameTable>();

/**
 * Looks an id up in a passwd/group file, reloading the file only on a miss and only when it
 * changed: the common case is a map lookup. Users known only to NSS (LDAP, systemd-homed) are not
 * found: the caller shows the number, as ipcs does for unknown ids.
 */
function lookupName(file: string, id: number): string | undefined {
  let table = nameTables.get(file);
  const hit = table?.names.get(id);
  if (hit !== undefined) return hit;
  try {
    const mtimeMs = fs.statSync(file).mtimeMs;
    if (!table || table.mtimeMs !== mtimeMs) {
      table = { mtimeMs, names: parseIdNames(fs.readFileSync(file, 'utf8')) };
      nameTables.set(file, table);
    }
  } catch {
    return undefined;
  }
  return table.names.get(id);
}

/** The user name of a uid, or undefined. */
export function userName(uid: number, etcRoot = '/etc'): string | undefined {
  return lookupName(path.join(etcRoot, 'passwd'), uid);
}

/** The group name of a gid, or undefined. */
export function groupName(gid: number, etcRoot = '/etc'): string | undefined {
  return lookupName(path.join(etcRoot, 'group'), gid);
}
