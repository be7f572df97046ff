// Building the name index of a debug file: the units are cut into pieces of a few megabytes, walked
// by worker threads (dwarfWalk.ts; as many as the machine has cores, up to four) while this thread
// only merges their results in file order, a few milliseconds at a time, so the extension host
// stays responsive while a big program is read. A small file, or a machine where the worker cannot
// start, is walked on this thread instead, in slices of the same few milliseconds.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as l10n from '../../shared/l10n';
import { abortError, DwarfError } from './bytes';
import type { WalkMessage, WalkReply } from './dwarfWalk';
import type { DwarfInfo } from './info';
import { UnitWalker, WalkResult } from './indexWalk';
import { MergeState, SLICE_MS, tick, TypeIndex } from './typeIndex';

export interface BuildOptions {
  signal?: AbortSignal;
  /** How far the walk is, 0 to 1. */
  progress?: (fraction: number) => void;
  /** Worker threads to use (0: walk on this thread); default: by the file's size and the machine's cores. */
  workers?: number;
  /** The worker threads' script (the extension's dist/dwarfWalk.js, src/assets.ts); default: beside this module. */
  workerScript?: string;
}

/** Below this much DWARF, threads cost more than they save. */
const WORKERS_FROM_BYTES = 8 << 20;
const MAX_WORKERS = 4;

function totalBytes(info: DwarfInfo): number {
  let total = 0;
  for (const unit of info.units) total += unit.end - unit.start;
  return total;
}

/** The worker's script: the one named, or beside this module (the tests' compiled files); none when it is not there. */
function workerScript(named: string | undefined): string | undefined {
  const file = named ?? path.join(__dirname, 'dwarfWalk.js');
  return fs.existsSync(file) ? file : undefined;
}

/**
 * Threads pay off with cores to spare: each new one spends about half a second compiling the walk
 * before it is fast (measured on two busy cores, where walking here, with code the extension host
 * has compiled already, was quicker); so one core fewer than the machine has, none on two cores.
 */
function defaultWorkers(info: DwarfInfo): number {
  if (totalBytes(info) < WORKERS_FROM_BYTES) return 0;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores <= 2 ? 0 : Math.min(MAX_WORKERS, cores - 1);
}

/** The name index of `info` (its unit headers read). */
export async function buildIndex(info: DwarfInfo, options: BuildOptions = {}): Promise<TypeIndex> {
  const workers = options.workers ?? defaultWorkers(info);
  const script = workers > 0 ? workerScript(options.workerScript) : undefined;
  if (script) {
    try {
      return await buildWithWorkers(info, script, workers, options);
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) throw error;
      // The thread could not start (no script, no memory): this thread does the walk.
    }
  }
  return buildHere(info, options);
}

/** An empty index over the names of `info`'s sections. */
export function newIndex(info: DwarfInfo): TypeIndex {
  return new TypeIndex(info.sections, info.infoLength);
}

/** Takes a walk's result into the index, giving the event loop back between slices. */
async function mergeAll(index: TypeIndex, result: WalkResult, signal?: AbortSignal): Promise<void> {
  const state: MergeState = index.startMerge(result);
  while (!index.merge(state, performance.now() + SLICE_MS)) {
    await tick(signal);
  }
}

async function buildHere(info: DwarfInfo, options: BuildOptions): Promise<TypeIndex> {
  const total = totalBytes(info) || 1;
  const index = newIndex(info);
  // Straight into the index: no columns of its own to merge afterwards.
  const walker = new UnitWalker(
    info,
    info.units.map((_, i) => i),
    index,
  );
  while (!walker.run(performance.now() + SLICE_MS)) {
    await tick(options.signal);
    options.progress?.(Math.min(1, walker.position / total));
  }
  options.progress?.(1);
  return index;
}

class WorkerUnavailable extends Error {}

/** The units cut into runs of about `size` bytes, in file order. */
function pieces(info: DwarfInfo, size: number): Array<{ units: number[]; bytes: number }> {
  const out: Array<{ units: number[]; bytes: number }> = [];
  let current: { units: number[]; bytes: number } = { units: [], bytes: 0 };
  info.units.forEach((unit, i) => {
    current.units.push(i);
    current.bytes += unit.end - unit.start;
    if (current.bytes >= size) {
      out.push(current);
      current = { units: [], bytes: 0 };
    }
  });
  if (current.units.length > 0) out.push(current);
  return out;
}

/** How long idle threads are kept (warm: the next file is walked by compiled code). */
const IDLE_MS = 30_000;

/**
 * The walking threads, kept for a while after a job (they neither keep the process alive nor cost
 * anything while idle). One job at a time uses them; a job that is cancelled ends them.
 */
class Pool {
  private workers: Worker[] = [];
  private idle: NodeJS.Timeout | undefined;
  private nextJob = 1;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly script: string) {}

  /** Runs `job` with `count` threads once the previous job is done. */
  async use<T>(count: number, job: (workers: Worker[], id: number) => Promise<T>): Promise<T> {
    const previous = this.busy;
    let release!: () => void;
    this.busy = new Promise<void>((resolve) => (release = resolve));
    await previous.catch(() => undefined);
    clearTimeout(this.idle);
    try {
      while (this.workers.length < count) {
        let worker: Worker;
        try {
          worker = new Worker(this.script, { workerData: { ipcInspectorDwarfWalk: true } });
        } catch (error) {
          throw new WorkerUnavailable(String(error));
        }
        worker.unref();
        worker.on('error', () => this.end());
        worker.on('exit', () => (this.workers = this.workers.filter((w) => w !== worker)));
        this.workers.push(worker);
      }
      return await job(this.workers.slice(0, count), this.nextJob++);
    } finally {
      this.idle = setTimeout(() => this.end(), IDLE_MS);
      this.idle.unref();
      release();
    }
  }

  /** Ends every thread (cancelled, failed or idle too long). */
  end(): void {
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
  }
}

let pool: Pool | undefined;

async function buildWithWorkers(info: DwarfInfo, script: string, count: number, options: BuildOptions): Promise<TypeIndex> {
  pool ??= new Pool(script);
  const current = pool;
  const total = totalBytes(info) || 1;
  // Pieces small enough to share the work evenly on a busy machine, big enough to cost little each.
  const work = pieces(info, Math.min(16 << 20, Math.max(1 << 20, Math.ceil(total / (count * 8)))));
  const sections = { ...info.sections };
  delete sections.loader;
  const units = info.units.map(({ top: _top, ...unit }) => unit);
  return current.use(Math.min(count, work.length), async (workers, job) => {
    const results = new Map<number, WalkResult>();
    let nextPiece = 0;
    let done = 0;
    let doneBytes = 0;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const send = (worker: Worker) => {
      if (nextPiece >= work.length) return;
      const piece = nextPiece++;
      worker.postMessage({ kind: 'walk', job, piece, units: work[piece].units } satisfies WalkMessage);
    };
    type Listener = Parameters<Worker['off']>[1];
    const listeners: Array<[Worker, string, Listener]> = [];
    const listen = (worker: Worker, event: string, listener: Listener) => {
      worker.on(event, listener);
      listeners.push([worker, event, listener]);
    };
    const onAbort = () => notify();
    options.signal?.addEventListener('abort', onAbort);
    try {
      for (const worker of workers) {
        listen(worker, 'message', (reply: WalkReply) => {
          if (reply.job !== job) return;
          if ('error' in reply) {
            failure ??= reply.name === 'DwarfError' ? new DwarfError(reply.error) : new Error(reply.error);
          } else {
            results.set(reply.piece, reply.result);
            done++;
            doneBytes += work[reply.piece].bytes;
            options.progress?.(Math.min(1, doneBytes / total));
            send(worker);
          }
          notify();
        });
        listen(worker, 'error', (error: Error) => {
          // A thread that fails before any piece came back could not start: walk here instead.
          failure ??= done === 0 ? new WorkerUnavailable(error.message) : error;
          notify();
        });
        listen(worker, 'exit', () => {
          failure ??= done === 0 ? new WorkerUnavailable('exit') : new DwarfError(l10n.t('A thread reading the debug information stopped.'));
          notify();
        });
        worker.postMessage({ kind: 'open', job, sections, littleEndian: info.littleEndian, units } satisfies WalkMessage);
        send(worker);
      }
      const index = newIndex(info);
      for (let piece = 0; piece < work.length; piece++) {
        for (;;) {
          if (options.signal?.aborted) {
            current.end(); // a piece under way cannot be stopped otherwise
            throw abortError();
          }
          if (failure) throw failure;
          if (results.has(piece)) break;
          await new Promise<void>((resolve) => (wake = resolve));
        }
        const result = results.get(piece)!;
        results.delete(piece);
        await mergeAll(index, result, options.signal);
      }
      return index;
    } catch (error) {
      if (!(error instanceof WorkerUnavailable) && (error as Error).name !== 'AbortError') current.end();
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      for (const [worker, event, listener] of listeners) worker.off(event, listener);
      for (const worker of workers) worker.postMessage({ kind: 'close', job } satisfies WalkMessage);
    }
  });
}
