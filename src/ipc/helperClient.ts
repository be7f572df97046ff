// The client of the long-lived ipc-helper process: spawns it with a fixed argv, frames requests,
// matches replies by id, times requests out, and restarts the helper after it dies. A request that
// was in flight when the helper died fails with HelperExitedError; the next request starts a new
// helper. Holds (attachments kept on purpose) die with the helper, so listeners are told.
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import {
  args,
  decodeCreatedId,
  decodeError,
  decodeFileCreate,
  decodeFileStat,
  decodeHello,
  decodeShmLimits,
  decodeMqAttr,
  decodeMqCreate,
  decodeMsgPeek,
  decodeMsgRead,
  decodeMsgStat,
  decodeProcScan,
  decodeResidency,
  decodeSampleStart,
  decodeSampleTake,
  decodeSemStat,
  decodeSemValues,
  decodeShmStat,
  decodeU32,
  encodeRequest,
  FileIdentity,
  FileStat,
  FrameDecoder,
  HelperHello,
  KEEP,
  KEEP64,
  KernelShmLimits,
  MqAttr,
  MSG_READ_HEAD,
  MsgPeek,
  MsgStat,
  Op,
  pathBytes,
  PROTOCOL_VERSION,
  ProtocolError,
  QueuedMessage,
  Reply,
  Residency,
  SampleTake,
  SegmentIdentity,
  SemStat,
  SemValues,
  ShmStat,
} from './helperProtocol';
import type { RawScan } from './rawProcess';
import * as l10n from '../shared/l10n';

/** A failing call: `code` is the errno name the helper gave (EACCES, EPERM, ...). */
export class HelperError extends Error {
  constructor(
    readonly code: string,
    readonly errno: number,
    readonly op: string,
    message: string,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}

/** A sampler a helper runs (SHM_SAMPLE_START): its handle in that very helper, and its range's length. */
export interface HelperSampler {
  handle: number;
  logCapacity: number;
  length: number;
  /** Which helper made it (the client's count of helpers started). */
  generation: number;
}

/** The helper process died or could not be started; the request did not complete. */
export class HelperExitedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperExitedError';
  }
}

export class HelperTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperTimeoutError';
  }
}

export interface HelperClientOptions {
  /** Absolute path of the ipc-helper binary. */
  helperPath: string;
  /** Milliseconds before a request is failed and the (hung) helper is killed. */
  requestTimeoutMs?: number;
  /** Diagnostics (the helper's stderr, restarts). */
  log?: (line: string) => void;
  /** Exact argv to run instead of [helperPath] (tests use it to wrap the helper, e.g. in `unshare`). */
  command?: string[];
  /**
   * Serve another IPC namespace: every helper this client starts enters the namespace of this
   * process (NS_ENTER, right after HELLO) and must find it still to be this inode. A helper that
   * cannot enter it fails every request with the reason (EPERM: needs CAP_SYS_ADMIN; ESRCH: the
   * process, and maybe the namespace, is gone; ESTALE: the pid was reused).
   */
  namespace?: { pid: number; inode: number };
}

interface Pending {
  op: Op;
  /** Where a successful reply's payload is to be written (see PayloadDestination). */
  into?: Buffer;
  /**
   * The exact payload length a successful reply must have (READ, FILE_READ: the length asked
   * for), or the least (MSG_READ: the mtype); anything else means the helper is broken.
   */
  expect?: { length: number; exact: boolean };
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** After this many unexpected exits within RESTART_WINDOW_MS the client stops restarting. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10_000;

export class HelperClient {
  private child: ChildProcessWithoutNullStreams | undefined;
  private ready: Promise<HelperHello> | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** How many helpers were started: state a helper keeps (its samplers) is that helper's only. */
  private generation = 0;
  private recentExits: number[] = [];
  private exitListeners: Array<(reason: string) => void> = [];
  private disposed = false;
  private readonly timeoutMs: number;

  constructor(private readonly options: HelperClientOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Called with a reason whenever a running helper goes away (its holds are gone with it). */
  onExit(listener: (reason: string) => void): { dispose(): void } {
    this.exitListeners.push(listener);
    return { dispose: () => (this.exitListeners = this.exitListeners.filter((l) => l !== listener)) };
  }

  /** Pid of the running helper, if any (tests kill it on purpose). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the helper if needed and returns its handshake. */
  hello(): Promise<HelperHello> {
    this.ensureStarted();
    return this.ready!;
  }

  async shmStat(shmid: number): Promise<ShmStat> {
    return decodeShmStat(await this.call(Op.ShmStat, args.shmid(shmid)));
  }

  /** Reads `length` bytes at `offset`; with `into` (exactly `length` bytes) the bytes land there. */
  async shmRead(shmid: number, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    return this.call(Op.ShmRead, args.shmRead(shmid, offset, length), into, { length, exact: true });
  }

  async shmResidency(shmid: number, offset = 0, length = 0): Promise<Residency> {
    return decodeResidency(await this.call(Op.ShmResidency, args.shmResidency(shmid, offset, length)));
  }

  /** Keeps a read-only attachment on purpose; returns this helper's hold count on the segment. */
  async shmAttach(shmid: number): Promise<number> {
    return decodeU32(await this.call(Op.ShmAttach, args.shmid(shmid)));
  }

  async shmDetach(shmid: number): Promise<number> {
    return decodeU32(await this.call(Op.ShmDetach, args.shmid(shmid)));
  }

  /**
   * Creates (never attaches) a segment; key 0 is IPC_PRIVATE. Not exclusive and the key is taken:
   * the existing segment is found (created false), checked for the size and mode asked for.
   */
  async shmCreate(key: number, size: number, mode: number, exclusive: boolean): Promise<{ created: boolean; shmid: number }> {
    const { created, id } = decodeCreatedId(await this.call(Op.ShmCreate, args.shmCreate(key, size, mode, exclusive)));
    return { created, shmid: id };
  }

  async shmRemove(shmid: number): Promise<void> {
    await this.call(Op.ShmRemove, args.shmid(shmid));
  }

  /** Removes only if nobody is attached (EBUSY otherwise); returns the segment as checked. */
  async shmRemoveIfUnattached(shmid: number): Promise<ShmStat> {
    return decodeShmStat(await this.call(Op.ShmRemoveIfUnattached, args.shmid(shmid)));
  }

  async shmSet(shmid: number, change: { uid?: number; gid?: number; mode?: number }): Promise<ShmStat> {
    const body = args.shmSet(shmid, change.uid ?? KEEP, change.gid ?? KEEP, change.mode ?? KEEP);
    return decodeShmStat(await this.call(Op.ShmSet, body));
  }

  async shmLock(shmid: number): Promise<void> {
    await this.call(Op.ShmLock, args.shmid(shmid));
  }

  async shmUnlock(shmid: number): Promise<void> {
    await this.call(Op.ShmUnlock, args.shmid(shmid));
  }

  /** The bytes of one of the kernel's IPC tables or limit files, as the helper's IPC namespace has it. */
  async table(file: string): Promise<Buffer> {
    return this.call(Op.Table, args.table(file));
  }

  /**
   * Who holds what, read from /proc by the helper on `threads` threads (raw: procScan.ts parses
   * it); with `calls` (src/ipc/waits/syscalls.ts), also who waits on what.
   */
  async procScan(cmdlineHead: number, threads: number, calls?: readonly number[]): Promise<RawScan> {
    return decodeProcScan(await this.call(Op.ProcScan, args.procScan(cmdlineHead, threads, calls)));
  }

  /** Which pages of [address, address + length) are present in process pid, where it maps the shared object `id`. */
  async procMemData(pid: number, address: bigint, length: number, id: FileIdentity): Promise<Residency> {
    return decodeResidency(await this.call(Op.ProcMemData, args.procMem(pid, address, length, id)));
  }

  /**
   * The bytes of [address, address + length) of process pid, where it maps the shared object `id`
   * (every page present there: EFAULT otherwise); read-only, through /proc/PID/mem.
   */
  async procMemRead(pid: number, address: bigint, length: number, id: FileIdentity, into?: Buffer): Promise<Buffer> {
    return this.call(Op.ProcMemRead, args.procMem(pid, address, length, id), into, { length, exact: true });
  }

  /**
   * Starts the helper sampling [offset, offset + length) of segment shmid every periodUs
   * microseconds on its own clock (the first sample at once); take() collects what changed.
   */
  async shmSampleStart(shmid: number, periodUs: number, offset: number, length: number, expected: SegmentIdentity): Promise<HelperSampler> {
    await this.hello();
    const generation = this.generation;
    const started = decodeSampleStart(
      await this.call(Op.ShmSampleStart, args.shmSampleStart(shmid, periodUs, offset, length, expected), undefined, undefined, generation),
    );
    return { ...started, length, generation };
  }

  /**
   * The samples a sampler took since the last take (and, once, why it ended). A sampler of a
   * helper that has been replaced since is gone: HelperExitedError, never another helper's sampler.
   */
  async shmSampleTake(sampler: HelperSampler): Promise<SampleTake> {
    return decodeSampleTake(await this.call(Op.ShmSampleTake, args.sampler(sampler.handle), undefined, undefined, sampler.generation), sampler.length);
  }

  async shmSampleStop(sampler: HelperSampler): Promise<void> {
    await this.call(Op.ShmSampleStop, args.sampler(sampler.handle), undefined, undefined, sampler.generation);
  }

  async shmLimits(): Promise<KernelShmLimits> {
    return decodeShmLimits(await this.call(Op.ShmLimits));
  }

  /**
   * Reads any range, splitting it into requests of at most the helper's maxRead, pipelined.
   * Fails if any part fails (e.g. the segment vanished midway).
   */
  async shmReadRange(shmid: number, offset: number, length: number): Promise<Buffer> {
    const { maxRead } = await this.hello();
    const result = Buffer.allocUnsafe(length);
    const parts: Array<Promise<Buffer>> = [];
    for (let at = 0; at < length; at += maxRead) {
      const size = Math.min(maxRead, length - at);
      parts.push(this.shmRead(shmid, offset + at, size, result.subarray(at, at + size)));
    }
    await Promise.all(parts);
    return result;
  }

  // POSIX shared memory objects (files in /dev/shm, or reached through /proc/PID/fd/N or
  // /proc/PID/map_files/START-END). Every call but fileStat and fileCreate names the identity the
  // caller saw (from fileStat): a name reused by another object gives ESTALE, never its bytes.
  // Paths are checked here (1 to 4000 bytes, no NUL: ProtocolError) and by the helper (the forms
  // it accepts: EINVAL).

  /** stat of the object (lstat for /dev/shm paths: a symlink there is reported, not followed). */
  async fileStat(path: string | Uint8Array): Promise<FileStat> {
    return decodeFileStat(await this.call(Op.FileStat, args.fileStat(path)));
  }

  /** Reads `length` (1 .. maxRead) bytes at `offset` with pread; with `into` (exactly `length` bytes) they land there. */
  async fileRead(path: string | Uint8Array, id: FileIdentity, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    return this.call(Op.FileRead, args.fileRead(path, id, offset, length), into, { length, exact: true });
  }

  /** Reads any range of the object, in requests of at most maxRead, pipelined (as readRange). */
  async fileReadRange(path: string | Uint8Array, id: FileIdentity, offset: number, length: number): Promise<Buffer> {
    const { maxRead } = await this.hello();
    pathBytes(path); // a bad path fails before anything is sent, also for an empty range
    const result = Buffer.allocUnsafe(length);
    const parts: Array<Promise<Buffer>> = [];
    for (let at = 0; at < length; at += maxRead) {
      const size = Math.min(maxRead, length - at);
      parts.push(this.fileRead(path, id, offset + at, size, result.subarray(at, at + size)));
    }
    await Promise.all(parts);
    return result;
  }

  /** Which pages hold data (not holes), from SEEK_DATA/SEEK_HOLE; length 0 means to the end. */
  async fileData(path: string | Uint8Array, id: FileIdentity, offset = 0, length = 0): Promise<Residency> {
    return decodeResidency(await this.call(Op.FileData, args.fileData(path, id, offset, length)));
  }

  /**
   * Creates an object in /dev/shm with exactly `mode` (& 0o777) and `size`, nothing written or
   * mapped. Not exclusive and the name exists: the existing object is reported untouched
   * (created false).
   */
  async fileCreate(path: string | Uint8Array, size: number, mode: number, exclusive: boolean): Promise<{ created: boolean; stat: FileStat }> {
    return decodeFileCreate(await this.call(Op.FileCreate, args.fileCreate(path, size, mode, exclusive)));
  }

  /** Unlinks the name, only if it still is the object `id` (ESTALE and nothing removed otherwise). */
  async fileUnlink(path: string | Uint8Array, id: FileIdentity): Promise<void> {
    await this.call(Op.FileUnlink, args.fileUnlink(path, id));
  }

  /** Changes the owner, group and/or mode (& 0o777) of the object `id`; returns its stat after. */
  async fileSet(path: string | Uint8Array, id: FileIdentity, change: { uid?: number; gid?: number; mode?: number }): Promise<FileStat> {
    const body = args.fileSet(path, id, change.uid ?? KEEP, change.gid ?? KEEP, change.mode ?? KEEP);
    return decodeFileStat(await this.call(Op.FileSet, body));
  }

  // System V semaphore sets and message queues, POSIX message queues. Looked at, never operated:
  // no call changes a semaphore's value (but semCreate's initial values, part of creating a set),
  // sends, receives or consumes a message.

  async semStat(semid: number): Promise<SemStat> {
    return decodeSemStat(await this.call(Op.SemStat, args.ipcId(semid)));
  }

  /** The set's stat and every semaphore's value, last operator and waiters, in one request. */
  async semValues(semid: number): Promise<SemValues> {
    return decodeSemValues(await this.call(Op.SemValues, args.ipcId(semid)));
  }

  /**
   * Creates a set (key 0: IPC_PRIVATE) or, not exclusive, opens the existing one with that key
   * (created false). `values` (one per semaphore, 0 .. 32767) are set only when it was created now.
   */
  async semCreate(key: number, nsems: number, mode: number, exclusive: boolean, values?: readonly number[]): Promise<{ created: boolean; semid: number }> {
    const { created, id } = decodeCreatedId(await this.call(Op.SemCreate, args.semCreate(key, nsems, mode, exclusive, values)));
    return { created, semid: id };
  }

  async semRemove(semid: number): Promise<void> {
    await this.call(Op.SemRemove, args.ipcId(semid));
  }

  /** Changes owner, group and/or mode (& 0o777); returns the stat after. */
  async semSet(semid: number, change: { uid?: number; gid?: number; mode?: number }): Promise<SemStat> {
    return decodeSemStat(await this.call(Op.SemSet, args.ipcSet(semid, change.uid ?? KEEP, change.gid ?? KEEP, change.mode ?? KEEP)));
  }

  async msgStat(msqid: number): Promise<MsgStat> {
    return decodeMsgStat(await this.call(Op.MsgStat, args.ipcId(msqid)));
  }

  /**
   * Copies (never receives) up to `count` (<= 1000) messages from index `first` on, each with its
   * type, true size and first `previewBytes` (<= 4096) bytes; `more` says whether others follow.
   */
  async msgPeek(msqid: number, first = 0, count = 100, previewBytes = 64): Promise<MsgPeek> {
    return decodeMsgPeek(await this.call(Op.MsgPeek, args.msgPeek(msqid, first, count, previewBytes)));
  }

  /** The whole message at `index` (copied, not received). */
  async msgRead(msqid: number, index: number): Promise<QueuedMessage> {
    return decodeMsgRead(await this.call(Op.MsgRead, args.msgRead(msqid, index), undefined, { length: MSG_READ_HEAD, exact: false }));
  }

  /** Creates a queue (key 0: IPC_PRIVATE) or, not exclusive, opens the existing one (created false). */
  async msgCreate(key: number, mode: number, exclusive: boolean): Promise<{ created: boolean; msqid: number }> {
    const { created, id } = decodeCreatedId(await this.call(Op.MsgCreate, args.msgCreate(key, mode, exclusive)));
    return { created, msqid: id };
  }

  async msgRemove(msqid: number): Promise<void> {
    await this.call(Op.MsgRemove, args.ipcId(msqid));
  }

  /** Changes owner, group, mode (& 0o777) and/or capacity in bytes; returns the stat after. */
  async msgSet(msqid: number, change: { uid?: number; gid?: number; mode?: number; qbytes?: number }): Promise<MsgStat> {
    const body = args.msgSet(msqid, change.uid ?? KEEP, change.gid ?? KEEP, change.mode ?? KEEP, change.qbytes ?? KEEP64);
    return decodeMsgStat(await this.call(Op.MsgSet, body));
  }

  /** mq_getattr of the POSIX queue "/NAME" (opened read-only: nothing is received). */
  async mqAttr(name: string | Uint8Array): Promise<MqAttr> {
    return decodeMqAttr(await this.call(Op.MqAttr, args.mqName(name)));
  }

  /**
   * Creates the POSIX queue "/NAME" with exactly `mode` (& 0o777; 0 for maxmsg or msgsize: the
   * system default) or, not exclusive, reports the existing one (created false).
   */
  async mqCreate(name: string | Uint8Array, mode: number, exclusive: boolean, maxmsg = 0, msgsize = 0): Promise<{ created: boolean; attr: MqAttr }> {
    return decodeMqCreate(await this.call(Op.MqCreate, args.mqCreate(name, mode, exclusive, maxmsg, msgsize)));
  }

  async mqUnlink(name: string | Uint8Array): Promise<void> {
    await this.call(Op.MqUnlink, args.mqName(name));
  }

  /** Ends the helper politely (it releases its holds and exits); no restart afterwards. */
  dispose(): void {
    this.disposed = true;
    this.failAll(new HelperExitedError(l10n.t('The IPC helper was shut down.')));
    this.child?.stdin.end();
    this.child = undefined;
    this.ready = undefined;
  }

  private async call(op: Op, body?: Buffer, into?: Buffer, expect?: Pending['expect'], generation?: number): Promise<Buffer> {
    await this.hello();
    if (generation !== undefined && generation !== this.generation) {
      // Asked of the helper that made it, but that one is gone: the one now running never heard of it.
      throw new HelperExitedError(l10n.t('The IPC helper was restarted since; what it kept went with it.'));
    }
    const reply = await this.send(op, body, into, expect);
    if (reply.status !== 0) {
      const { name, message } = decodeError(reply.payload);
      throw new HelperError(name, reply.status, Op[op], message || `${Op[op]} failed with ${name}`);
    }
    return reply.payload;
  }

  private ensureStarted(): void {
    if (this.disposed) throw new HelperExitedError(l10n.t('The IPC helper was shut down.'));
    if (this.child) return;
    const now = Date.now();
    this.recentExits = this.recentExits.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.recentExits.length >= MAX_RESTARTS) {
      throw new HelperExitedError(
        `The IPC helper crashed ${this.recentExits.length} times in ${RESTART_WINDOW_MS / 1000} s; not restarting it. ` +
          'See the "IPC Inspector" output for its messages, then reload the window.',
      );
    }
    const [command, ...argv] = this.options.command ?? [this.options.helperPath];
    const child = spawn(command, argv, { stdio: 'pipe' });
    this.child = child;
    this.generation++;
    const decoder = new FrameDecoder((id, _op, status, length) => {
      const into = this.pending.get(id)?.into;
      return status === 0 && into?.length === length ? into : undefined;
    });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => this.onData(child, decoder, chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4096);
      for (const line of chunk.toString().split('\n')) if (line) this.options.log?.(`[helper] ${line}`);
    });
    child.stdin.on('error', () => undefined); // EPIPE when it died; the exit handler reports it
    child.on('error', (error) => this.onGone(child, `could not be started (${error.message})`));
    child.on('exit', (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      this.onGone(child, stderr.trim() ? `${how}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : how);
    });
    this.ready = this.send(Op.Hello, args.hello()).then((reply) => {
      if (reply.status !== 0) throw new HelperExitedError(l10n.t('The IPC helper refused the handshake: {0}', decodeError(reply.payload).message));
      const hello = decodeHello(reply.payload);
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        throw new HelperExitedError(
          l10n.t(
            'The IPC helper at {0} speaks protocol {1}, this extension needs {2}: rebuild it (npm run build:native) or fix the "ipcInspector.helperPath" setting.',
            this.options.helperPath,
            hello.protocolVersion,
            PROTOCOL_VERSION,
          ),
        );
      }
      return hello;
    });
    const namespace = this.options.namespace;
    if (namespace) {
      // Sent with HELLO, before any request of a caller: the helper accepts it only first.
      const entered = this.send(Op.NsEnter, args.nsEnter(namespace.pid, namespace.inode));
      this.ready = this.ready.then(async (hello) => {
        const reply = await entered;
        if (reply.status !== 0) {
          const { name, message } = decodeError(reply.payload);
          throw new HelperError(name, reply.status, Op[Op.NsEnter], message || `NS_ENTER failed with ${name}`);
        }
        return hello;
      });
    }
    this.ready.catch(() => undefined); // callers see the error through hello()/call()
  }

  private send(op: Op, body?: Buffer, into?: Buffer, expect?: Pending['expect']): Promise<Reply> {
    const child = this.child;
    if (!child) return Promise.reject(new HelperExitedError(l10n.t('The IPC helper is not running.')));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HelperTimeoutError(l10n.t('The IPC helper did not answer {0} within {1} ms; it is restarted.', Op[op], this.timeoutMs)));
        // A hung helper would hold up every request behind this one: retire it now, so the next
        // request starts a fresh one instead of queueing behind a process that is being killed.
        child.kill('SIGKILL');
        this.onGone(child, `did not answer ${Op[op]} within ${this.timeoutMs} ms and was killed`);
      }, this.timeoutMs);
      this.pending.set(id, { op, into, expect, resolve, reject, timer });
      child.stdin.write(encodeRequest(id, op, body));
    });
  }

  private onData(child: ChildProcessWithoutNullStreams, decoder: FrameDecoder, chunk: Buffer): void {
    if (this.child !== child) return; // a retired helper: nothing it still says is believed
    let replies: Reply[];
    try {
      replies = decoder.push(chunk);
    } catch (error) {
      // A helper that sends garbage cannot be trusted with the rest of the stream.
      this.options.log?.(`[client] ${(error as ProtocolError).message}; restarting the helper`);
      child.kill('SIGKILL');
      return;
    }
    for (const reply of replies) {
      const pending = this.pending.get(reply.id);
      if (!pending) continue; // the answer to a request that already timed out
      this.pending.delete(reply.id);
      clearTimeout(pending.timer);
      const broken = this.misfit(pending, reply);
      if (broken) {
        // Never hand on such a reply: a READ's destination would hold uninitialised bytes.
        pending.reject(
          new HelperExitedError(
            l10n.t('The IPC helper {0}; it is broken, so it was stopped. The request did not complete; the helper restarts on the next request.', broken),
          ),
        );
        child.kill('SIGKILL');
        this.onGone(child, broken);
        return;
      }
      pending.resolve(reply);
    }
  }

  /** What is wrong with `reply` as the answer to `pending`, if anything. */
  private misfit(pending: Pending, reply: Reply): string | undefined {
    if (reply.op !== pending.op) return `answered a request for ${Op[pending.op]} with a reply for op ${reply.op}`;
    const expect = pending.expect;
    if (reply.status !== 0 || !expect) return undefined;
    const length = reply.payload.length;
    if (expect.exact ? length === expect.length : length >= expect.length) return undefined;
    return `sent a ${Op[pending.op]} reply of ${length} bytes, ${expect.exact ? 'not' : 'less than'} the ${expect.length} asked for`;
  }

  private onGone(child: ChildProcessWithoutNullStreams, how: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.ready = undefined;
    this.recentExits.push(Date.now());
    const reason = `The IPC helper ${how}.`;
    this.options.log?.(`[client] ${reason}`);
    this.failAll(new HelperExitedError(l10n.t('{0} The request did not complete; the helper restarts on the next request.', reason)));
    for (const listener of this.exitListeners) listener(reason);
  }

  private failAll(error: Error): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(error);
    }
  }
}
