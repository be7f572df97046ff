// The one worker thread the extension's own /proc reading shares, as a small file service: a
// share of a scan (the raw reader of procRead.ts, taking pids from a counter both threads share),
// a whole file read (the /proc/sysvipc tables, sysvTables.ts) and lstat of many paths (the /dev/shm
// listing, devShm.ts). This thread stays free meanwhile. The worker never keeps the process alive
// while idle, a worker that fails is not started again (callers then do the work themselves, as
// they always can), and stopScanWorker() ends it (the core's dispose does).
import type * as fs from 'fs';
import type { Worker } from 'worker_threads';
import { makeRawReader, type ReaderConfig } from './procRead';
import type { RawProcess } from './rawProcess';
import * as l10n from '../shared/l10n';

/** A scan's share of work for the worker: the pids, and where both threads take the next one from. */
export interface ScanJob {
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

/** The slots of a scan's control array, and the states of its STATE slot. */
export const NEXT = 0;
export const STATE = 1;
export const WAITING = 0;
export const STARTED = 1;
export const CALLED_OFF = 2;

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
  disabled = false;
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
    if (this.worker || this.broken || this.disabled) return this.worker;
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
 * Whether the scans and reads may use the worker thread (they may by default). The command line
 * turns it off: a command that runs once and exits pays the thread's start (a second JavaScript
 * engine compiling the reader), more than it saves (a tenth of `list`'s run with 8,000 objects on
 * two cores, measured); `serve` answers one scrape at a time, the /proc scan is the helper's, and
 * its memory counts more (a thread is megabytes). Only the editor has a thread to keep free.
 */
export function useScanWorker(enabled: boolean): void {
  if (!enabled) scanWorker.stop();
  scanWorker.disabled = !enabled;
}

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
 * Hands the worker a share of a scan: it takes pids from `control[NEXT]` alongside the caller until
 * none is left, unless the caller called it off first (see procScan.ts). Resolves with what it read
 * ([index, raw], or only the index of a process that holds nothing); undefined without a worker.
 */
export function scanInWorker(job: Omit<ScanJob, 'kind'>): Promise<Replies['scan']> | undefined {
  return scanWorker.run({ kind: 'scan', ...job });
}
