// The one walk over /proc per refresh that finds who holds every kind of IPC object: for each
// process its maps (System V attachments; mapped /dev/shm files and memfds) and its open
// descriptors of /dev/shm files and memfds (with their access mode). Each kind's module turns this
// plus its own table into rows; nothing else walks /proc.
//
// A non-root user can read maps and fds only of processes it may ptrace (its own): the others are
// counted as unreadable, so the UI can say "3 attached, 1 visible" instead of pretending.
//
// What it costs is system calls into /proc (the kernel formatting maps, resolving fd links), not
// parsing: one open/read/close of maps, one readdir of fd and one readlink per descriptor for every
// process, and a stat and an lstat more for each descriptor of a shared file. Two readers do them,
// giving the same raw records (rawProcess.ts) to the one parser here (the reader in procRead.ts,
// the worker it shares in procWorker.ts):
//   - the helper's PROC_SCAN (native/proc-scan.c), when the caller has a helper: bare system calls
//     on every core, while this thread stays free. What the views use.
//   - this extension: this thread and one worker thread that take processes from a shared counter
//     (both cores work; whoever is free takes the next pid). For fixtures, and whenever the helper
//     cannot (none, an older one, a reply over 16 MiB, a helper that died).
// Measured on 2 cores with 370 processes (300 of them holding 1,000 /dev/shm objects): the helper's
// scan 35 ms, this extension's 48 ms on two threads and 73 ms on one; `lsof -n /dev/shm` 192 ms.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { devMajorMinor, FdAccess, isSharedFileLink, OpenDescriptor, parseFdinfoAccess, splitDeleted } from './fds';
import { Attachment, FileKey, fileKey, FileMapping, MAPS_FILE_NEEDLES, parseFileMappings, parseMapsAttachments, SHARED_FILE_PREFIXES } from './maps';
import { MAX_SCAN_THREADS } from './helperProtocol';
import { CMDLINE_HEAD, formatCommand } from './processes';
import { makeRawReader, type ReaderConfig } from './procRead';
import { CALLED_OFF, NEXT, scanInWorker, STARTED, STATE, WAITING } from './procWorker';
import type { RawProcess, RawScan } from './rawProcess';
import { resolveWaits, type WaitScan } from './waits/resolve';
import { encodedCalls, waitArch } from './waits/syscalls';

/** A process holding a shared file: by a mapping or by an open descriptor. */
export type FileHold = ({ via: 'map' } & FileMapping) | ({ via: 'fd' } & OpenDescriptor);

export interface ProcScan {
  /** shmid -> its attachments in processes of our IPC namespace, ordered by pid then address. */
  attachments: Map<number, Attachment[]>;
  /** File identity -> the processes mapping it or holding it open, ordered by pid. */
  files: Map<FileKey, FileHold[]>;
  /** Who read /proc: the helper (PROC_SCAN), or this extension (this thread and its worker). */
  readBy: 'helper' | 'extension';
  /** Processes listed in /proc. */
  processes: number;
  /** Processes whose maps and descriptors were read. */
  scanned: number;
  /**
   * Processes whose maps or descriptors could not be read (permission denied), or only in part
   * (incomplete): their holds may be missing, so no verdict may rest on their absence.
   */
  unreadable: number;
  unreadablePids: number[];
  /** Of the unreadable, those read in part: cut short at their share of the helper's reply. */
  incomplete?: number;
  /** Processes that exited during the scan: not holding anything any more. */
  vanished: number;
  /** Processes with SysV mappings in another IPC namespace (their shmids are not ours). */
  otherNamespace: number;
  /**
   * The command line of each process that holds anything (attached, mapping or holding open a
   * shared file), as readProcess words it, read by the scan itself (with holderNames): naming
   * the holders needs no second look at /proc.
   */
  holderCommands?: Map<number, string>;
  /**
   * Every file hold the scan matched, as text: equal signatures mean no holder of a shared file
   * changed (System V attachments show in /proc/sysvipc/shm's nattch and lpid already). The count
   * of unreadable processes is left out: processes come and go all the time, and that count alone
   * is not worth a redraw.
   */
  signature: string;
  /**
   * Who waits on what (every blocked thread, resolved: waits/resolve.ts), when asked for with
   * `waits` and read by the helper in the same walk; undefined otherwise.
   */
  waits?: WaitScan;
}

export interface ScanOptions {
  procRoot?: string;
  /** Longest stretch, in ms, of synchronous reading before the event loop gets a turn (default 4). */
  sliceMs?: number;
  /**
   * Let a worker thread read part of /proc alongside this one (default true; used only when there
   * are at least PARALLEL_MIN_PROCESSES processes, and never for a fixture root).
   */
  parallel?: boolean;
  /**
   * Also read the cmdline of every process that holds something, for holderCommands (default
   * false): what naming the holders needs, read alongside instead of afterwards.
   */
  holderNames?: boolean;
  /**
   * Descriptor link texts to look at besides the shared-file prefixes, matched exactly: a POSIX
   * message queue's descriptor links to "/NAME" (its path in the mqueue file system), which only
   * the listing of /dev/mqueue tells from any other absolute path.
   */
  exactLinks?: readonly string[];
  /**
   * The IPC namespace whose shmids the attachments are ("ipc:[N]", as /proc/PID/ns/ipc links):
   * by default this process's; another one's when the views show a container's namespace.
   */
  ipcNamespace?: string;
  /**
   * The helper, to read /proc with its PROC_SCAN (on several threads, off this one) instead of
   * here; throws when there is none. Only for the real /proc. When it cannot (no helper, an older
   * one, a reply too large, a helper that died), the scan is read here as always.
   */
  helper?: () => ProcReader;
  /**
   * Also read every thread's waiting call in the same walk (the helper's PROC_SCAN only; the
   * kernel's architecture must be one whose syscall numbers are known): the scan's `waits`.
   */
  waits?: boolean;
}

/** What reads /proc for a scan besides this process: the helper's PROC_SCAN. */
export interface ProcReader {
  procScan(cmdlineHead: number, threads: number, calls?: readonly number[]): Promise<RawScan>;
}

/** With fewer processes than this a scan takes a millisecond or two: not worth a second thread. */
export const PARALLEL_MIN_PROCESSES = 64;

const S_IRUSR = 0o400;
const S_IWUSR = 0o200;

/** The access mode from the mode of a /proc/PID/fd/N link, or undefined when it has neither bit (O_PATH). */
function linkAccess(mode: number): FdAccess | undefined {
  const read = (mode & S_IRUSR) !== 0;
  const write = (mode & S_IWUSR) !== 0;
  return read && write ? 'rw' : read ? 'ro' : write ? 'wo' : undefined;
}

interface ProcessHolds {
  attachments: Attachment[];
  otherNamespace: boolean;
  files: FileHold[];
  /** Read in part only (RawProcess.incomplete): its holds here are real, others may be missing. */
  incomplete?: boolean;
  /** The command line as readProcess words it, when the scan read it (holders only). */
  command?: string;
}

type ProcessResult = 'unreadable' | 'vanished' | ProcessHolds;

/** A process that holds nothing (never changed: shared by every such result). */
const NOTHING_HELD: ProcessHolds = Object.freeze({ attachments: [], otherNamespace: false, files: [] }) as ProcessHolds;

function failure(code: string | undefined): ProcessResult {
  // ENOENT/ESRCH: exited meanwhile. Anything else (EACCES, EPERM): we are not allowed to look.
  return code === 'ENOENT' || code === 'ESRCH' ? 'vanished' : 'unreadable';
}

/** Turns what was read of one process into its holds: SysV attachments (of our namespace only), mappings, descriptors. */
function parseProcess(pid: number, raw: RawProcess, ourNamespace: string | undefined, modesFromLinks: boolean, exactLinks: ReadonlySet<string>): ProcessResult {
  if (raw.mapsError !== undefined) return failure(raw.mapsError);
  if (raw.noMaps) return { attachments: [], otherNamespace: false, files: [] };
  const maps = raw.maps && Buffer.from(raw.maps.buffer, raw.maps.byteOffset, raw.maps.byteLength);
  let attachments = maps ? parseMapsAttachments(pid, maps) : [];
  let otherNamespace = false;
  if (attachments.length > 0 && ourNamespace !== undefined) {
    // A process in another IPC namespace shows that namespace's shmids: they must not be matched.
    if (raw.ns === undefined) return failure(raw.nsError);
    otherNamespace = raw.ns !== ourNamespace;
    if (otherNamespace) attachments = [];
  }
  if (raw.fdError !== undefined) return failure(raw.fdError);
  const files: FileHold[] = [];
  if (maps) for (const m of parseFileMappings(pid, maps)) files.push({ via: 'map', ...m });
  for (const [name, target, dev, ino, size, mode, fdinfo] of raw.fds) {
    if (!isSharedFileLink(target) && !exactLinks.has(target)) continue;
    const { major, minor } = devMajorMinor(dev);
    let access = modesFromLinks && mode >= 0 ? linkAccess(mode) : undefined;
    if (access === undefined && fdinfo !== undefined) access = parseFdinfoAccess(fdinfo);
    files.push({ via: 'fd', pid, fd: Number(name), key: fileKey(major, minor, ino), ...splitDeleted(target), access: access ?? 'rw', size });
  }
  // An empty cmdline (a process that cleared it) is worded from its short name: left to readProcess.
  const command =
    raw.cmdline && raw.cmdline.length > 0 && raw.cmdline[0] !== 0
      ? formatCommand(Buffer.from(raw.cmdline.buffer, raw.cmdline.byteOffset, raw.cmdline.byteLength), '')
      : undefined;
  return { attachments, otherNamespace, files, command, ...(raw.incomplete ? { incomplete: true } : {}) };
}

/** Our own IPC namespace ("ipc:[4026531839]"), or undefined when it cannot be told (then no filter). */
function ownNamespace(procRoot: string): string | undefined {
  try {
    return fs.readlinkSync(path.join(procRoot, 'self', 'ns', 'ipc'));
  } catch {
    return undefined;
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function holdSignature(h: FileHold): string {
  return h.via === 'map'
    ? `${h.pid} m ${h.key} ${h.start} ${h.perms} ${h.deleted ? 'd' : ''}`
    : `${h.pid} f ${h.fd} ${h.key} ${h.access} ${h.size} ${h.deleted ? 'd' : ''}`;
}

/**
 * Scans every process once. Never rejects for a single process; rejects only when /proc itself
 * cannot be listed.
 *
 * Read by the helper when `options.helper` gives one, else here (see the top of this file). Here
 * the reads are synchronous, in slices of at most `sliceMs` between which the event loop runs:
 * fs.promises takes twice as long at any concurrency (each call is a thread-pool round trip, and
 * the real cost, the kernel's, is the same either way).
 */
export async function scanProcesses(options: ScanOptions = {}): Promise<ProcScan> {
  const procRoot = path.resolve(options.procRoot ?? '/proc');
  const ourNamespace = options.ipcNamespace ?? ownNamespace(procRoot);
  const exactLinks = [...(options.exactLinks ?? [])];
  const exact = new Set(exactLinks);
  const cmdlineHead = options.holderNames ? CMDLINE_HEAD : 0;
  const parse = (pid: number, raw: RawProcess) => parseProcess(pid, raw, ourNamespace, procRoot === '/proc', exact);
  if (options.helper && procRoot === '/proc') {
    const arch = options.waits ? waitArch() : undefined;
    const read = await readThroughHelper(options.helper, cmdlineHead, arch && encodedCalls(arch));
    if (read) {
      const pids = read.records.map((r) => r.pid);
      const scan = assemble(
        pids,
        read.records.map((r) => parse(r.pid, r.raw)),
        'helper',
        { listed: read.listed, nothing: read.nothing },
      );
      if (arch) scan.waits = resolveWaits(read.records, read.clockNs, arch);
      return scan;
    }
  }
  const pids = listPids(procRoot);
  return assemble(pids, await readHere(procRoot, pids, options, { exactLinks, cmdlineHead }, parse), 'extension', { listed: pids.length, nothing: 0 });
}

/** Threads the helper reads /proc with: every core, up to its limit. */
const HELPER_THREADS = Math.max(1, Math.min(MAX_SCAN_THREADS, os.availableParallelism?.() ?? os.cpus().length));

/** The helper's reading of /proc, or undefined when it cannot give one (then it is read here). */
async function readThroughHelper(helper: () => ProcReader, cmdlineHead: number, calls?: readonly number[]): Promise<RawScan | undefined> {
  try {
    return await helper().procScan(cmdlineHead, HELPER_THREADS, calls);
  } catch {
    return undefined; // no helper, an older one (ENOSYS), a reply too large (E2BIG), a helper gone
  }
}

/** The pids in /proc, ascending: one system call of the kernel listing them. */
function listPids(procRoot: string): number[] {
  return fs
    .readdirSync(procRoot)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Reads and parses every process on this thread, in slices of at most `sliceMs` between which the
 * event loop runs, with the worker thread reading alongside (see the top of this file).
 */
async function readHere(
  procRoot: string,
  pids: number[],
  options: ScanOptions,
  wanted: { exactLinks: string[]; cmdlineHead: number },
  parse: (pid: number, raw: RawProcess) => ProcessResult,
): Promise<ProcessResult[]> {
  const sliceMs = options.sliceMs ?? 4;
  const config: ReaderConfig = {
    needles: MAPS_FILE_NEEDLES,
    sysv: '/SYSV',
    prefixes: SHARED_FILE_PREFIXES,
    exactLinks: wanted.exactLinks,
    modesFromLinks: procRoot === '/proc', // a fixture's links are plain symlinks: fdinfo there
    cmdlineHead: wanted.cmdlineHead,
  };
  const read = makeRawReader(fs, config);
  const results = new Array<ProcessResult | undefined>(pids.length);
  const parallel = (options.parallel ?? true) && procRoot === '/proc' && pids.length >= PARALLEL_MIN_PROCESSES;
  const control = new Int32Array(parallel ? new SharedArrayBuffer(8) : new ArrayBuffer(8));
  const theirs = parallel ? scanInWorker({ root: procRoot, pids, control: control.buffer as SharedArrayBuffer, config }) : undefined;
  theirs?.catch(() => undefined); // a failed worker is handled below
  let sliceStart = performance.now();
  for (;;) {
    const i = theirs ? Atomics.add(control, NEXT, 1) : control[NEXT]++;
    if (i >= pids.length) break;
    results[i] = parse(pids[i], read(`${procRoot}/${pids[i]}`));
    if (performance.now() - sliceStart > sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  // Wait for the worker only if it took part; if it has not started yet, it never will.
  if (theirs && Atomics.compareExchange(control, STATE, WAITING, CALLED_OFF) === STARTED) {
    try {
      for (const entry of await theirs) {
        if (typeof entry === 'number') results[entry] = NOTHING_HELD;
        else results[entry[0]] = parse(pids[entry[0]], entry[1]);
      }
    } catch {
      // The worker died: what it had taken is read again below.
    }
  }
  for (let i = 0; i < pids.length; i++) results[i] ??= parse(pids[i], read(`${procRoot}/${pids[i]}`));
  return results as ProcessResult[];
}

/**
 * The scan from each process's result (pids ascending). `counted.nothing` processes were read and
 * hold nothing without being among them (the helper sends no record for those).
 */
function assemble(pids: number[], results: ProcessResult[], readBy: ProcScan['readBy'], counted: { listed: number; nothing: number }): ProcScan {
  const scan: ProcScan = {
    readBy,
    attachments: new Map(),
    files: new Map(),
    processes: counted.listed,
    scanned: counted.nothing,
    unreadable: 0,
    unreadablePids: [],
    incomplete: 0,
    vanished: 0,
    otherNamespace: 0,
    holderCommands: new Map(),
    signature: '',
  };
  const matched: FileHold[] = [];
  for (let i = 0; i < pids.length; i++) {
    const result = results[i];
    if (result === 'unreadable') {
      scan.unreadable++;
      scan.unreadablePids.push(pids[i]);
      continue;
    }
    if (result === 'vanished') {
      scan.vanished++;
      continue;
    }
    scan.scanned++;
    if (result.incomplete) {
      // Counted as a process that could not be checked: an orphan verdict is uncertain with it about.
      scan.unreadable++;
      scan.unreadablePids.push(pids[i]);
      scan.incomplete = (scan.incomplete ?? 0) + 1;
    }
    if (result.otherNamespace) scan.otherNamespace++;
    if (result.command !== undefined && (result.attachments.length > 0 || result.files.length > 0)) scan.holderCommands!.set(pids[i], result.command);
    for (const a of result.attachments) push(scan.attachments, a.shmid, a);
    for (const hold of result.files) {
      push(scan.files, hold.key, hold);
      matched.push(hold);
    }
  }
  // Written out when first asked for (a refresh compares it; a caller after holders only does not).
  let signature: string | undefined;
  Object.defineProperty(scan, 'signature', {
    enumerable: true,
    configurable: true,
    get: () => (signature ??= matched.map(holdSignature).join('\n')),
    set: (text: string) => {
      signature = text;
    },
  });
  return scan;
}

/** Attachments of one segment, with how many are not visible: nattch minus what maps showed. */
export function attachmentSummary(scan: Pick<ProcScan, 'attachments'>, shmid: number, nattch: number): { visible: Attachment[]; hidden: number } {
  const visible = scan.attachments.get(shmid) ?? [];
  return { visible, hidden: Math.max(0, nattch - visible.length) };
}
