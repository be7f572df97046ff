// Over 600 lines on purpose: the readers below are also the worker thread's program (their source
// text is sent to it), so they cannot be split into modules that import each other.
//
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
// giving the same raw records (rawProcess.ts) to the one parser here:
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
import type { Worker } from 'worker_threads';
import { devMajorMinor, FdAccess, isSharedFileLink, OpenDescriptor, parseFdinfoAccess, splitDeleted } from './fds';
import { Attachment, FileKey, fileKey, FileMapping, parseFileMappings, parseMapsAttachments, SHARED_FILE_PREFIXES } from './maps';
import { MAX_SCAN_THREADS } from './helperProtocol';
import { CMDLINE_HEAD, formatCommand } from './processes';
import type { RawProcess, RawScan } from './rawProcess';
import * as l10n from '../shared/l10n';

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
}

/** What reads /proc for a scan besides this process: the helper's PROC_SCAN. */
export interface ProcReader {
  procScan(cmdlineHead: number, threads: number): Promise<RawScan>;
}

/** With fewer processes than this a scan takes a millisecond or two: not worth a second thread. */
export const PARALLEL_MIN_PROCESSES = 64;

interface ReaderConfig {
  /** Byte strings of which maps must contain one to be worth parsing. */
  needles: string[];
  /** The needle of SysV attachments: when present, ns/ipc is read too. */
  sysv: string;
  /** Link text prefixes of the descriptors to look at (isSharedFileLink). */
  prefixes: string[];
  /** Link texts looked at too, matched whole (ScanOptions.exactLinks). */
  exactLinks: string[];
  /** Take the access mode from the fd link's mode (real /proc); else from fdinfo. */
  modesFromLinks: boolean;
  /** How much of cmdline to read (processes.CMDLINE_HEAD); 0: do not read it. */
  cmdlineHead: number;
}

/**
 * Makes the function that reads one process's files into a RawProcess. It is self-contained on
 * purpose, using only its parameters and JavaScript/Node globals: its source text is also what the
 * worker thread runs (Function.prototype.toString), so both threads read /proc the same way.
 *
 * Reads: maps (whole, into one reused buffer: proc files report size 0, no fstat), ns/ipc when maps
 * mentions /SYSV, the fd directory, one readlink per descriptor; for a descriptor of a shared file
 * a stat through the link (device, inode, size) and its access mode. The kernel gives a
 * /proc/PID/fd/N link the permission bits of the open file's mode (r-x read, -wx write, rwx both:
 * what `ls -l /proc/PID/fd` shows), so one lstat tells the mode; fdinfo's flags are read only when
 * that is not available (a fixture's plain symlinks, an O_PATH descriptor with neither bit).
 */
function makeRawReader(fsys: typeof fs, config: ReaderConfig): (dir: string) => RawProcess {
  let buffer = Buffer.allocUnsafe(256 * 1024);
  const needles = config.needles.map((n) => Buffer.from(n, 'latin1'));
  const sysv = Buffer.from(config.sysv, 'latin1');
  const prefixes = config.prefixes;
  const exactLinks = new Set(config.exactLinks);
  const codeOf = (error: unknown): string => (error as { code?: string } | undefined)?.code ?? 'EIO';
  // cmdline: the kernel copies as much of the argument area as asked for in one read, so a read
  // that returns less than asked has reached the end (no read returning 0 needed).
  const readHead = (file: string, max: number): Uint8Array => {
    const fd = fsys.openSync(file, 'r');
    try {
      const head = new Uint8Array(max);
      let length = 0;
      while (length < max) {
        const n = fsys.readSync(fd, head, length, max - length, null);
        length += n;
        if (n === 0 || length < max) break;
      }
      return head.slice(0, length); // its own small buffer: it may be cloned to the other thread
    } finally {
      fsys.closeSync(fd);
    }
  };
  // maps comes a page per read(), and the read that returns 0 is one more system call per
  // process. On x86-64 the last line of every process's maps is the vsyscall page (the gate
  // area the kernel appends after the last mapping): once it is in, nothing can follow.
  const GATE = Buffer.from(' [vsyscall]\n', 'latin1');
  const GATE_START = Buffer.from('ffffffffff600000-', 'latin1');
  const endsWithGate = (length: number): boolean => {
    if (length < GATE.length || buffer[length - 1] !== 0x0a || buffer.compare(GATE, 0, GATE.length, length - GATE.length, length) !== 0) return false;
    const lineStart = buffer.lastIndexOf(0x0a, length - 2) + 1;
    return buffer.compare(GATE_START, 0, GATE_START.length, lineStart, lineStart + GATE_START.length) === 0;
  };
  /** Reads a file into the reused buffer until EOF, or until `complete` says nothing can follow. */
  const readWhole = (file: string, complete?: (length: number) => boolean): number => {
    const fd = fsys.openSync(file, 'r');
    try {
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, length);
          buffer = bigger;
        }
        const n = fsys.readSync(fd, buffer, length, buffer.length - length, null);
        if (n === 0) return length;
        length += n;
        if (complete?.(length)) return length;
      }
    } finally {
      fsys.closeSync(fd);
    }
  };
  const readMaps = (file: string): number => readWhole(file, endsWithGate);
  return (dir: string): RawProcess => {
    const raw: RawProcess = { fds: [] };
    let length: number;
    try {
      length = readMaps(dir + '/maps');
    } catch (error) {
      raw.mapsError = codeOf(error);
      return raw;
    }
    // No mappings at all: a kernel thread (or a zombie). It holds nothing, and its fd directory is
    // closed to non-root users: reading it would count every kernel thread as unreadable.
    if (length === 0) {
      raw.noMaps = true;
      return raw;
    }
    const maps = buffer.subarray(0, length);
    let relevant = false;
    if (maps.indexOf(sysv) >= 0) {
      relevant = true;
      try {
        raw.ns = fsys.readlinkSync(dir + '/ns/ipc');
      } catch (error) {
        raw.nsError = codeOf(error);
      }
    }
    for (let i = 0; !relevant && i < needles.length; i++) relevant = maps.indexOf(needles[i]) >= 0;
    // Most processes map nothing shared: their maps need no parsing, and no copy.
    if (relevant) raw.maps = new Uint8Array(maps);
    const fdDir = dir + '/fd/';
    let names: string[];
    try {
      names = fsys.readdirSync(fdDir);
    } catch (error) {
      raw.fdError = codeOf(error);
      return raw;
    }
    for (const name of names) {
      const link = fdDir + name;
      let target: string;
      try {
        target = fsys.readlinkSync(link);
      } catch {
        continue; // closed since readdir
      }
      let shared = false;
      for (let i = 0; !shared && i < prefixes.length; i++) shared = target.startsWith(prefixes[i]);
      if (!shared && !exactLinks.has(target)) continue;
      let stat: fs.Stats;
      try {
        stat = fsys.statSync(link);
      } catch {
        continue; // closed between readlink and stat
      }
      let mode = -1;
      let fdinfo: string | undefined;
      try {
        if (config.modesFromLinks) mode = fsys.lstatSync(link).mode;
        if (!config.modesFromLinks || (mode & 0o600) === 0) fdinfo = buffer.toString('latin1', 0, readWhole(dir + '/fdinfo/' + name));
      } catch {
        // closed meanwhile: the access mode stays a conservative guess
      }
      raw.fds.push([name, target, stat.dev, stat.ino, stat.size, mode, fdinfo]);
    }
    // A holder is named in the view by its command line: read it now, on this thread.
    if (config.cmdlineHead > 0 && (relevant || raw.fds.length > 0)) {
      try {
        raw.cmdline = readHead(dir + '/cmdline', config.cmdlineHead);
      } catch {
        // exited meanwhile: looked up again when needed
      }
    }
    return raw;
  };
}

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

/** A scan's share of work for the worker: the pids, and where both threads take the next one from. */
interface ScanJob {
  kind: 'scan';
  root: string;
  pids: number[];
  /** Int32Array over it: [0] the next pid index to take, [1] 0 waiting, 1 the worker started, 2 called off. */
  control: SharedArrayBuffer;
  config: ReaderConfig;
}

/** A whole file to read (a /proc table), sent back as bytes. */
interface ReadJob {
  kind: 'read';
  file: string;
  /** The buffer to start with (the file's size last time, and some). */
  sizeHint: number;
}

/** Files to lstat (a directory's entries), sent back as LSTAT_FIELDS numbers each. */
interface LstatJob {
  kind: 'lstat';
  paths: string[];
}

type Job = ScanJob | ReadJob | LstatJob;

interface Replies {
  /** [index into pids, what was read], or only the index of a process that holds nothing. */
  scan: Array<[number, RawProcess] | number>;
  /** The file's bytes, or the error's code and message. */
  read: Uint8Array | { code?: string; message: string };
  lstat: Float64Array;
}

const NEXT = 0;
const STATE = 1;
const WAITING = 0;
const STARTED = 1;
const CALLED_OFF = 2;

/** What an lstat job sends back per path, in this order; NaN everywhere: it could not be stat'ed. */
export const LSTAT_FIELDS = ['dev', 'ino', 'size', 'blocks', 'mode', 'uid', 'gid', 'mtimeMs', 'ctimeMs', 'isFile'] as const;

/**
 * The worker's jobs that are not scans. Self-contained like makeRawReader (its source is sent to
 * the worker too): a whole file read the way readProcFile reads one, and lstat of many paths.
 */
function makeFileJobs(fsys: typeof fs, fields: readonly string[]) {
  return {
    read(file: string, sizeHint: number): Uint8Array {
      const fd = fsys.openSync(file, 'r');
      try {
        let buffer = new Uint8Array(Math.max(4096, sizeHint));
        let length = 0;
        for (;;) {
          if (length === buffer.length) {
            const bigger = new Uint8Array(buffer.length * 2);
            bigger.set(buffer);
            buffer = bigger;
          }
          const n = fsys.readSync(fd, buffer, length, buffer.length - length, null);
          if (n === 0) break;
          length += n;
        }
        return length === buffer.length ? buffer : buffer.slice(0, length);
      } finally {
        fsys.closeSync(fd);
      }
    },
    lstat(paths: string[]): Float64Array {
      const n = fields.length;
      const out = new Float64Array(paths.length * n).fill(NaN);
      for (let i = 0; i < paths.length; i++) {
        let stat: fs.Stats;
        try {
          stat = fsys.lstatSync(paths[i]);
        } catch {
          continue; // removed meanwhile
        }
        for (let f = 0; f < n; f++) {
          const name = fields[f];
          out[i * n + f] = name === 'isFile' ? (stat.isFile() ? 1 : 0) : (stat as unknown as Record<string, number>)[name];
        }
      }
      return out;
    },
  };
}

// The worker's whole program: the readers above; a scan takes pids until none is left.
const WORKER_SOURCE = `'use strict';
const { parentPort } = require('worker_threads');
const fs = require('fs');
const makeRawReader = ${makeRawReader.toString()};
const makeFileJobs = ${makeFileJobs.toString()};
const files = makeFileJobs(fs, ${JSON.stringify(LSTAT_FIELDS)});
let reader;
let readerConfig = '';
function scan(job) {
  const control = new Int32Array(job.control);
  const results = [];
  if (Atomics.compareExchange(control, ${STATE}, ${WAITING}, ${STARTED}) !== ${WAITING}) return results;
  const config = JSON.stringify(job.config);
  if (config !== readerConfig) {
    reader = makeRawReader(fs, job.config);
    readerConfig = config;
  }
  for (;;) {
    const i = Atomics.add(control, ${NEXT}, 1);
    if (i >= job.pids.length) break;
    const raw = reader(job.root + '/' + job.pids[i]);
    // Most processes hold nothing: only their index is sent back.
    if (raw.mapsError !== undefined || raw.fdError !== undefined || raw.noMaps || raw.maps !== undefined || raw.fds.length > 0) results.push([i, raw]);
    else results.push(i);
  }
  return results;
}
parentPort.on('message', ({ id, job }) => {
  if (job.kind === 'scan') return parentPort.postMessage({ id, reply: scan(job) });
  if (job.kind === 'lstat') {
    const reply = files.lstat(job.paths);
    return parentPort.postMessage({ id, reply }, [reply.buffer]);
  }
  let reply;
  try {
    reply = files.read(job.file, job.sizeHint);
  } catch (error) {
    return parentPort.postMessage({ id, reply: { code: error && error.code, message: String(error && error.message) } });
  }
  parentPort.postMessage({ id, reply }, [reply.buffer]);
});
`;

/**
 * The one worker thread the scans share (and the reads that a refresh does alongside), started at
 * the first job. It never keeps the process alive while idle (unref), and a worker that fails is
 * not started again: callers then do the work on this thread, as they always can.
 */
class ScanWorker {
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: unknown) => void; reject: (error: Error) => void }>();

  /** Hands out a job; resolves with the worker's reply. Undefined without a worker. */
  run<J extends Job>(job: J): Promise<Replies[J['kind']]> | undefined {
    const worker = this.start();
    if (!worker) return undefined;
    const id = this.nextId++;
    const reply = new Promise<Replies[J['kind']]>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (reply: unknown) => void, reject }));
    if (this.waiting.size === 1) worker.ref(); // a job in flight keeps the process alive until it is answered
    worker.postMessage({ id, job });
    return reply;
  }

  /** Ends the worker (it starts again at the next job). */
  stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    // Jobs in flight are done again on the caller's thread (their callers fall back on a rejection).
    for (const waiter of this.waiting.values()) waiter.reject(new Error(l10n.t('the /proc scan worker was stopped')));
    this.waiting.clear();
    void worker.terminate();
  }

  private start(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      // Loaded here, not at the top: only a parallel scan needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Worker: WorkerThread } = require('worker_threads') as typeof import('worker_threads');
      const worker = new WorkerThread(WORKER_SOURCE, { eval: true, name: 'ipc-inspector /proc scan' });
      worker.unref();
      worker.on('message', ({ id, reply }: { id: number; reply: unknown }) => {
        const waiter = this.waiting.get(id);
        this.waiting.delete(id);
        if (this.waiting.size === 0) worker.unref();
        waiter?.resolve(reply);
      });
      const fail = (error: Error) => {
        if (this.worker !== worker) return; // stopped on purpose
        this.broken = true;
        this.worker = undefined;
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(l10n.t('the /proc scan worker exited (code {0})', code))));
      this.worker = worker;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }
}

const scanWorker = new ScanWorker();

/**
 * Ends the worker thread the scans use, if one runs (e.g. when the extension deactivates; it never
 * keeps the process alive anyway). The next scan starts it again.
 */
export function stopScanWorker(): void {
  scanWorker.stop();
}

/**
 * Reads a whole file on the worker thread (this thread stays free meanwhile); rejects like a read
 * here would. Undefined when there is no worker: read it here.
 */
export function readFileInWorker(file: string, sizeHint: number): Promise<Buffer> | undefined {
  const reply = scanWorker.run({ kind: 'read', file, sizeHint });
  return reply?.then((bytes) => {
    if (!(bytes instanceof Uint8Array)) throw Object.assign(new Error(bytes.message), { code: bytes.code });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
}

/**
 * lstat of many paths on the worker thread: LSTAT_FIELDS numbers per path (NaN: it could not be
 * stat'ed). Undefined when there is no worker: stat them here.
 */
export function lstatInWorker(paths: string[]): Promise<Float64Array> | undefined {
  return scanWorker.run({ kind: 'lstat', paths });
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
    const read = await readThroughHelper(options.helper, cmdlineHead);
    if (read) {
      const pids = read.records.map((r) => r.pid);
      return assemble(
        pids,
        read.records.map((r) => parse(r.pid, r.raw)),
        'helper',
        { listed: read.listed, nothing: read.nothing },
      );
    }
  }
  const pids = listPids(procRoot);
  return assemble(pids, await readHere(procRoot, pids, options, { exactLinks, cmdlineHead }, parse), 'extension', { listed: pids.length, nothing: 0 });
}

/** Threads the helper reads /proc with: every core, up to its limit. */
const HELPER_THREADS = Math.max(1, Math.min(MAX_SCAN_THREADS, os.availableParallelism?.() ?? os.cpus().length));

/** The helper's reading of /proc, or undefined when it cannot give one (then it is read here). */
async function readThroughHelper(helper: () => ProcReader, cmdlineHead: number): Promise<RawScan | undefined> {
  try {
    return await helper().procScan(cmdlineHead, HELPER_THREADS);
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
    needles: SHARED_FILE_PREFIXES.map((prefix) => ' ' + prefix),
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
  const theirs = parallel ? scanWorker.run({ kind: 'scan', root: procRoot, pids, control: control.buffer as SharedArrayBuffer, config }) : undefined;
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
