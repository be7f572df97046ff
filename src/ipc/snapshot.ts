// One consistent picture of the machine's IPC objects for the views: System V segments, semaphore
// sets and message queues (/proc/sysvipc), POSIX shared memory objects and named semaphores
// (/dev/shm) and POSIX message queues (/dev/mqueue), each with its state and its holders, all from
// ONE scan of /proc per refresh. The listing needs no helper (with one at hand, the helper reads that
// scan: faster, and off the extension host's thread); what only the helper can read
// (semaphore values, queued messages, queue attributes) is read when a visible view needs it
// (`needs`), and so are the waiters (a read of every thread's syscall). `SnapshotSource.refresh()`
// skips building anything when nothing a user could see changed.
import * as fs from 'fs';
import * as path from 'path';
import type { HelperClient } from './helperClient';
import type { FileKey } from './maps';
import { readLimits, shmUsage, type IpcLimits, type ShmUsage } from './limits';
import { CommandMemory, type Names } from './names';
import { classifyPosixQueues } from './posixMq/classify';
import { type PosixMqInfo, type QueueAttr } from './posixMq/types';
import { listPosixQueues, readQueueAttrs } from './posixMq/read';
import { type QueueListing } from './posixMq/types';
import { classifyPosixSemaphores } from './posixSem/classify';
import { type PosixSemInfo, type SemReading } from './posixSem/types';
import { readSemaphores } from './posixSem/read';
import { classifyPosixObjects, nextAgeTransition } from './posixShm/classify';
import { type PosixObjectInfo } from './posixShm/types';
import { listPosixObjects, type PosixListing } from './family/devShm';
import { readProcess } from './processes';
import { scanProcesses, type ProcScan } from './procScan';
import { NO_INSPECTOR, withoutInspector, type InspectorPids } from './inspector';
import { NOT_READ, readFailure } from './readFailure';
import { classifyMsgQueues } from './sysvMsg/classify';
import { type MsgQueueInfo, type QueueContents } from './sysvMsg/types';
import { readMsgTable, readQueueContents, type MsgTable } from './sysvMsg/read';
import { classifySemSets } from './sysvSem/classify';
import { type SemSetInfo, type SetValues } from './sysvSem/types';
import { readSemTable, readSetValues, type SemTable } from './sysvSem/read';
import { classifySegments } from './sysvShm/classify';
import { type SegmentInfo } from './sysvShm/types';
import { readSegmentTable, type ShmSegment } from './sysvShm/read';
import { localTables, ownTables, type TableReader } from './tables';
import { scanWaiters, type WaiterScan } from './waiters';
import { sysvWaitersFromScan } from './waits/sysvWaiters';
import { waitPicture, waitPictureSignature, type WaitPicture } from './waits/picture';
import type { MemoryReader } from './waits/readLocks';
import type { WaitFacts } from './waits/nobodyLeft';
import type { WaitScan } from './waits/resolve';
import type { SharedObject } from './waits/sharedMaps';

export type { AttachedProcess, SegmentInfo } from './sysvShm/types';
export type { PosixObjectInfo } from './posixShm/types';
export type { SemSetInfo } from './sysvSem/types';
export type { MsgQueueInfo } from './sysvMsg/types';
export type { PosixSemInfo } from './posixSem/types';
export type { PosixMqInfo } from './posixMq/types';

/** What a refresh reads beyond the listing, for the views that are visible. */
export type Need = 'semValues' | 'waiters' | 'messages' | 'waits';

/**
 * What the states of System V sets and queues rest on, whatever view is visible: a process blocked
 * on one (waiters) keeps it in use, and so does the running last changer of a set's values
 * (semValues). Unread, a set is only "unused" and a queue with a blocked receiver looks orphaned:
 * every verdict that removes or counts orphans reads them.
 */
export const STATE_NEEDS: readonly Need[] = ['semValues', 'waiters'];

/** What counts of orphans and of stuck waits rest on (the status bar, Show Attention, the metrics). */
export const ATTENTION_NEEDS: readonly Need[] = [...STATE_NEEDS, 'waits'];

export interface PosixPicture extends Omit<PosixListing, 'objects' | 'signature'> {
  /** Objects of /dev/shm, removed ones still held included, by name. */
  objects: PosixObjectInfo[];
  /** memfd objects held by two processes or more. */
  memfds: PosixObjectInfo[];
  /** Anonymous shared memory (shared over fork) mapped by two processes or more. */
  anonymous: PosixObjectInfo[];
}

export interface SemPicture {
  sets: SemSetInfo[];
  /** Lines of /proc/sysvipc/sem that could not be parsed. */
  skippedLines: number;
  /** False when this architecture's syscall numbers are unknown: no waiter can be found. */
  waitersSupported: boolean;
  /** Threads whose syscall could not be read (other users' without ptrace rights). */
  waiterUnreadable: number;
}

export interface MsgPicture {
  queues: MsgQueueInfo[];
  skippedLines: number;
}

export interface MqueuePicture extends Pick<QueueListing, 'mounted' | 'dir' | 'problem'> {
  queues: PosixMqInfo[];
}

export interface Snapshot {
  /** System V shared memory segments. */
  segments: SegmentInfo[];
  limits: IpcLimits;
  usage: ShmUsage;
  /** Lines of /proc/sysvipc/shm that could not be parsed. */
  skippedLines: number;
  posix: PosixPicture;
  sem: SemPicture;
  msg: MsgPicture;
  /** Named semaphores (sem_open): the files sem.* of /dev/shm, and removed ones still held. */
  posixSemaphores: PosixSemInfo[];
  mqueue: MqueuePicture;
  scan: Pick<ProcScan, 'processes' | 'scanned' | 'unreadable' | 'otherNamespace'>;
  /** Who waits on what, with the locks read and the wait-for graph: only when a refresh needed 'waits'. */
  waits?: WaitPicture;
  takenAt: number;
}

/** Any object a view shows and a command acts on. */
export type IpcObject = SegmentInfo | PosixObjectInfo | SemSetInfo | PosixSemInfo | MsgQueueInfo | PosixMqInfo;

export interface RefreshResult {
  snapshot: Snapshot;
  /** False when nothing visible changed since the previous refresh (the snapshot is the old one). */
  changed: boolean;
}

export interface SnapshotOptions {
  procRoot?: string;
  etcRoot?: string;
  shmDir?: string;
  mqueueDir?: string;
  /** Seconds an unheld POSIX object must stay unused before it is called orphaned. */
  orphanGraceSeconds?: number;
  /**
   * Where the System V tables and the IPC limits come from: by default the files under procRoot,
   * which show this process's IPC namespace; another namespace's through a helper inside it.
   */
  tables?: TableReader;
  /** The IPC namespace shown ("ipc:[N]"): attachments count in its processes only (default: ours). */
  ipcNamespace?: string;
  /** With ipcNamespace: this process's own mqueue mount, which mqueueDir must not be (listPosixQueues). */
  ownMqueueDir?: string;
}

export interface RefreshOptions {
  /** Build a new snapshot even if nothing changed. */
  force?: boolean;
  /** What the visible views show beyond the listing. */
  needs?: ReadonlySet<Need>;
  /** The helper, to read /proc's scan and values, messages and attributes (throws when there is none: the scan is then read here). */
  helper?: () => HelperClient;
  /** Messages copied per System V queue (ipcInspector.messageQueues.maxMessages). */
  maxMessages?: number;
  /** The pids of this window's running helpers: what they hold or did is the inspector's, never a user's (src/ipc/inspector.ts). */
  inspectorPids?: InspectorPids;
  /** Segments this window keeps attached on purpose (Attach): that attachment is the user's, not the inspector's. */
  heldByUser?: (shmid: number) => boolean;
}

/** What the helper read this refresh (empty maps for what was not needed or not possible). */
interface HelperReadings {
  setValues: Map<number, SetValues>;
  queueContents: Map<number, QueueContents>;
  semReadings: Map<FileKey, SemReading>;
  queueAttrs: Map<FileKey, QueueAttr>;
  /** Why nothing was read, when the helper could not be started. */
  failure?: ReturnType<typeof readFailure>;
}

export class SnapshotSource {
  private last: Snapshot | undefined;
  private lastSignature: string[] = [];
  private lastTables: Buffer[] = [];
  /** When an unused object turns orphaned by age alone: the picture changes then. */
  private nextTransition: number | undefined;
  private readonly commands = new CommandMemory();
  private readonly lastHeldMs = new Map<FileKey, number>();
  private readonly semaphoreNames = new Map<FileKey, string>();
  private readonly procRoot: string;
  private readonly etcRoot: string;
  private readonly shmDir: string;
  private readonly tables: TableReader;
  private readonly ipcNamespace: string | undefined;
  private readonly ownMqueueDir: string | undefined;
  private mqueueDir: string;
  private graceMs: number;

  constructor(options: SnapshotOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.etcRoot = options.etcRoot ?? '/etc';
    this.shmDir = options.shmDir ?? '/dev/shm';
    this.mqueueDir = options.mqueueDir ?? '/dev/mqueue';
    this.tables = options.tables ?? (this.procRoot === '/proc' ? ownTables : localTables(this.procRoot));
    this.ipcNamespace = options.ipcNamespace;
    this.ownMqueueDir = options.ipcNamespace ? options.ownMqueueDir : undefined;
    this.graceMs = (options.orphanGraceSeconds ?? 60) * 1000;
  }

  get current(): Snapshot | undefined {
    return this.last;
  }

  setOrphanGrace(seconds: number): void {
    this.graceMs = seconds * 1000;
    this.invalidate();
  }

  setMqueueDir(dir: string): void {
    this.mqueueDir = dir;
    this.invalidate();
  }

  /**
   * Re-reads /proc, /dev/shm and /dev/mqueue (and, for what `needs` asks, the helper and every
   * thread's syscall). What decides whether anything changed: the raw System V tables (attaching,
   * operating, sending, receiving, creating or removing all change them), the liveness of the
   * processes the states rest on (an exit turns an object orphaned), the listings, every holder
   * of a shared file, what the helper read, the waiters, and the clock passing a grace period.
   */
  async refresh(force: boolean | RefreshOptions = false): Promise<RefreshResult> {
    const options: RefreshOptions = typeof force === 'boolean' ? { force } : force;
    const needs = options.needs ?? new Set<Need>();
    // The limits are a dozen small files read on the thread pool: read alongside, used if needed.
    const limitsRead = readLimits(this.tables, this.procRoot);
    limitsRead.catch(() => undefined);
    // Named queues' descriptors link to "/NAME": the listing says which names to look for.
    const queues = listPosixQueues(this.mqueueDir, this.ownMqueueDir);
    const [table, semTable, msgTable, listing, fullScan] = await Promise.all([
      readSegmentTable(this.tables),
      readSemTable(this.tables),
      readMsgTable(this.tables),
      listPosixObjects(this.shmDir),
      scanProcesses({
        procRoot: this.procRoot,
        holderNames: true,
        exactLinks: queues.queues.map((q) => q.name),
        ipcNamespace: this.ipcNamespace,
        helper: options.helper,
        waits: needs.has('waiters') || needs.has('waits'),
      }),
    ]);
    const inspector = options.inspectorPids ?? NO_INSPECTOR;
    const { scan, ownAttachments } = withoutInspector(fullScan, inspector, options.heldByUser);
    // The waiters come from the scan's own walk when the helper read it with waits; else one more
    // read of every thread's syscall here.
    const waiters = needs.has('waiters') ? (scan.waits ? sysvWaitersFromScan(scan.waits) : scanWaiters(this.procRoot)) : undefined;
    const readings = await this.readThroughHelper(options, needs, semTable, msgTable, listing, queues, scan);
    const waits = needs.has('waits')
      ? await waitPicture(scan.waits, scan.waits && memoryReader(options), (waitScan) => this.waitFacts(waitScan, options, msgTable, scan))
      : undefined;
    const tables = [table.raw, semTable.raw, msgTable.raw];
    // Compared part by part, the raw tables as bytes (a memcmp): no joined copy of them all.
    const signature = [
      [...needs].sort().join(','),
      [...inspector].join(','),
      this.creatorLiveness(table.segments),
      listing.signature,
      queues.signature,
      scan.signature,
      this.userLiveness(msgTable, readings),
      readingsSignature(readings),
      waiters ? waitersSignature(waiters) : '',
      waitPictureSignature(waits),
    ];
    const same =
      this.lastTables.length === tables.length &&
      tables.every((t, i) => t.equals(this.lastTables[i])) &&
      signature.every((part, i) => part === this.lastSignature[i]);
    const aged = this.nextTransition !== undefined && Date.now() >= this.nextTransition;
    if (!options.force && !aged && this.last && same) return { snapshot: this.last, changed: false };
    const limits = await limitsRead;
    this.last = this.build({
      items: table.segments,
      skipped: table.skipped,
      semTable,
      msgTable,
      listing,
      queues,
      scan,
      limits,
      waiters,
      readings,
      inspector,
      ownAttachments,
    });
    if (waits) this.last.waits = waits;
    this.lastSignature = signature;
    this.lastTables = tables;
    return { snapshot: this.last, changed: true };
  }

  /** Forgets the previous snapshot, so the next refresh rebuilds everything. */
  invalidate(): void {
    this.lastSignature = [];
    this.lastTables = [];
  }

  /**
   * What the semaphores and queues threads wait on say of who could wake them: the values and last
   * changers of the System V sets waited on (read through the helper, only those), the last
   * receivers of the System V queues, the holders of the POSIX queues.
   */
  private async waitFacts(waits: WaitScan, options: RefreshOptions, msgTable: MsgTable, scan: ProcScan): Promise<WaitFacts> {
    const semids = new Set<number>();
    const sentTo = new Set<number>();
    const queueKeys = new Set<FileKey>();
    for (const t of waits.blocked) {
      if (t.on.type === 'sem') semids.add(t.on.semid);
      else if (t.on.type === 'msg' && t.on.send) sentTo.add(t.on.msqid);
      else if (t.on.type === 'mq' && t.on.send && t.on.queue) queueKeys.add(t.on.queue.key);
    }
    const helper = semids.size > 0 ? helperOf(options) : undefined;
    const semaphores = new Map<number, Array<{ value: number; lastPid: number }>>();
    await Promise.all(
      [...semids].map(async (semid) => {
        try {
          const read = helper && (await helper.semValues(semid));
          const values = read?.semaphores.map((s) => ({ value: s.value, lastPid: s.lastPid }));
          if (values) semaphores.set(semid, values);
        } catch {
          // gone, or not readable by this user: nothing said about it
        }
      }),
    );
    const lastReceivers = new Map<number, { pid: number; never: boolean }>();
    for (const q of msgTable.queues) if (sentTo.has(q.msqid)) lastReceivers.set(q.msqid, { pid: q.lrpid, never: q.rtime === 0 });
    const queueHolders = new Map<FileKey, number[]>();
    for (const key of queueKeys) queueHolders.set(key, [...new Set((scan.files.get(key) ?? []).map((h) => h.pid))]);
    const procRoot = this.procRoot;
    // A process hidden by hidepid is not gone: only "gone" says it exited.
    return { alive: (pid: number) => readProcess(pid, procRoot).kind !== 'gone', semaphores, lastReceivers, queueHolders };
  }

  /** Values, messages and attributes the visible views need, read by the helper (all requests pipelined). */
  private async readThroughHelper(
    options: RefreshOptions,
    needs: ReadonlySet<Need>,
    semTable: SemTable,
    msgTable: MsgTable,
    listing: PosixListing,
    queues: QueueListing,
    scan: ProcScan,
  ): Promise<HelperReadings> {
    const readings: HelperReadings = { setValues: new Map(), queueContents: new Map(), semReadings: new Map(), queueAttrs: new Map() };
    const wantsValues = needs.has('semValues') && (semTable.sets.length > 0 || listing.semaphores.length > 0);
    const wantsMessages = needs.has('messages') && (msgTable.queues.length > 0 || queues.queues.length > 0);
    if (!options.helper || (!wantsValues && !wantsMessages)) return readings;
    let client: HelperClient;
    try {
      client = options.helper();
    } catch (error) {
      readings.failure = readFailure(error);
      return readings;
    }
    const semaphores = wantsValues
      ? this.classifySemaphores(listing, scan, new Map(), this.commands.names(this.procRoot, this.etcRoot, scan.holderCommands), Date.now())
      : [];
    const [setValues, semReadings, queueContents, queueAttrs] = await Promise.all([
      wantsValues ? readSetValues(client, semTable.sets) : readings.setValues,
      wantsValues ? readSemaphores(client, semaphores) : readings.semReadings,
      wantsMessages ? readQueueContents(client, msgTable.queues, Math.max(0, Math.min(options.maxMessages ?? 100, 10_000))) : readings.queueContents,
      wantsMessages ? readQueueAttrs(client, queues.queues) : readings.queueAttrs,
    ]);
    return { setValues, semReadings, queueContents, queueAttrs };
  }

  /** Whether each unattached segment's creator is still there: one look per distinct pid (thousands of segments share a few creators). */
  private creatorLiveness(items: readonly ShmSegment[]): string {
    const seen = new Map<number, string>();
    let text = '';
    for (const s of items) {
      if (s.nattch !== 0 || s.cpid <= 0) continue;
      let alive = seen.get(s.cpid);
      if (alive === undefined) {
        alive = this.alive(s.cpid);
        seen.set(s.cpid, alive);
      }
      text += alive;
    }
    return text;
  }

  /** Whether the last users of queues and semaphores still run: their exit can make an object orphaned (or a semaphore stuck). */
  private userLiveness(msgTable: MsgTable, readings: HelperReadings): string {
    const pids = new Set<number>();
    for (const q of msgTable.queues) {
      if (q.lspid > 0) pids.add(q.lspid);
      if (q.lrpid > 0) pids.add(q.lrpid);
    }
    for (const values of readings.setValues.values()) if (values.read) for (const v of values.semaphores) if (v.lastPid > 0) pids.add(v.lastPid);
    let text = '';
    for (const pid of [...pids].sort((a, b) => a - b)) text += this.alive(pid);
    return text;
  }

  private alive(pid: number): string {
    return fs.existsSync(path.join(this.procRoot, String(pid))) ? '1' : '0';
  }

  private classifySemaphores(listing: PosixListing, scan: ProcScan, readings: Map<FileKey, SemReading>, names: Names, nowMs: number): PosixSemInfo[] {
    const devicePrefix = listing.devMajor === undefined ? undefined : `${listing.devMajor}:${listing.devMinor}:`;
    return classifyPosixSemaphores(
      listing.semaphores,
      { scan, names, nowMs, graceMs: this.graceMs, lastHeldMs: this.lastHeldMs, devicePrefix, readings, knownNames: this.semaphoreNames },
      this.procRoot,
    );
  }

  private build(input: {
    items: ShmSegment[];
    skipped: number;
    semTable: SemTable;
    msgTable: MsgTable;
    listing: PosixListing;
    queues: QueueListing;
    scan: ProcScan;
    limits: IpcLimits;
    waiters?: WaiterScan;
    readings: HelperReadings;
    inspector: InspectorPids;
    ownAttachments: Map<number, number>;
  }): Snapshot {
    const { items, listing, scan, readings } = input;
    const names = this.commands.names(this.procRoot, this.etcRoot, scan.holderCommands);
    const nowMs = Date.now();
    const context = { scan, names, nowMs, graceMs: this.graceMs, lastHeldMs: this.lastHeldMs };
    // What did not change since the last refresh is handed out again as is (the classifiers check
    // every input): thousands of objects, most of them the same from one refresh to the next.
    const last = this.last;
    const previous = last && posixShmObjects(last);
    const posixObjects = classifyPosixObjects(listing, { ...context, previous }, this.procRoot);
    const failure = readings.failure ?? NOT_READ;
    const notRead = { why: failure.why === 'unsupported' ? ('error' as const) : failure.why, message: failure.message };
    const waiters = { names, nowMs, graceMs: this.graceMs, inspector: input.inspector };
    const sets = classifySemSets(input.semTable.sets, (semid) => readings.setValues.get(semid) ?? { read: false, ...notRead }, {
      ...waiters,
      waiters: input.waiters?.sem ?? new Map(),
    });
    const msgQueues = classifyMsgQueues(input.msgTable.queues, (msqid) => readings.queueContents.get(msqid) ?? { read: false, ...notRead }, {
      ...waiters,
      waiters: input.waiters?.msg ?? new Map(),
      waitersComplete: input.waiters !== undefined && input.waiters.supported && input.waiters.unreadable === 0,
    });
    const posixSemaphores = this.classifySemaphores(listing, scan, readings.semReadings, names, nowMs);
    const mqQueues = classifyPosixQueues(input.queues.queues, { ...context, attrs: readings.queueAttrs });
    this.nextTransition = earliest([
      nextAgeTransition(posixObjects, context),
      ...[...sets, ...msgQueues, ...posixSemaphores, ...mqQueues].map((o) => o.orphanAtMs),
    ]);
    return {
      segments: classifySegments(items, scan, names, last?.segments, { pids: input.inspector, ownAttachments: input.ownAttachments }),
      limits: input.limits,
      usage: shmUsage(items, input.limits.pageSize),
      skippedLines: input.skipped,
      posix: {
        available: listing.available,
        error: listing.error,
        dir: listing.dir,
        devMajor: listing.devMajor,
        devMinor: listing.devMinor,
        semaphores: listing.semaphores,
        usage: listing.usage,
        undecodable: listing.undecodable,
        objects: posixObjects.filter((o) => o.origin === 'dev-shm'),
        memfds: posixObjects.filter((o) => o.origin === 'memfd'),
        anonymous: posixObjects.filter((o) => o.origin === 'anonymous'),
      },
      sem: { sets, skippedLines: input.semTable.skipped, waitersSupported: input.waiters?.supported ?? true, waiterUnreadable: input.waiters?.unreadable ?? 0 },
      msg: { queues: msgQueues, skippedLines: input.msgTable.skipped },
      posixSemaphores,
      mqueue: { mounted: input.queues.mounted, dir: input.queues.dir, problem: input.queues.problem, queues: mqQueues },
      scan: { processes: scan.processes, scanned: scan.scanned, unreadable: scan.unreadable, otherNamespace: scan.otherNamespace },
      takenAt: nowMs,
    };
  }
}

/** Every POSIX shared memory object listed: /dev/shm's, then the memfds, then anonymous shared memory. */
export function posixShmObjects(snapshot: { posix: PosixPicture }): PosixObjectInfo[] {
  return [...snapshot.posix.objects, ...snapshot.posix.memfds, ...snapshot.posix.anonymous];
}

/** The listed object a shared mapping maps (a System V segment, a /dev/shm object, a memfd, anonymous shared memory), if it is listed. */
export function listedObjectOf(snapshot: Snapshot | undefined, object: SharedObject): SegmentInfo | PosixObjectInfo | undefined {
  if (!snapshot) return undefined;
  if (object.type === 'sysvShm') return snapshot.segments.find((s) => s.segment.shmid === object.shmid);
  return posixShmObjects(snapshot).find((o) => o.key === object.identity.key);
}

/** The helper of a refresh, if it has one that starts. */
function helperOf(options: RefreshOptions): HelperClient | undefined {
  try {
    return options.helper?.();
  } catch {
    return undefined;
  }
}

/** Reads lock bytes through the helper (PROC_MEM_READ), or undefined when there is none. */
function memoryReader(options: RefreshOptions): MemoryReader | undefined {
  const client = helperOf(options);
  return client && ((pid, address, length, identity) => client.procMemRead(pid, address, length, identity));
}

function earliest(times: ReadonlyArray<number | undefined>): number | undefined {
  let first: number | undefined;
  for (const t of times) if (t !== undefined && (first === undefined || t < first)) first = t;
  return first;
}

/** What the helper read, as text: values, messages and attributes change without any table changing. */
function readingsSignature(readings: HelperReadings): string {
  const parts: string[] = [readings.failure?.why ?? ''];
  for (const [semid, v] of readings.setValues) {
    parts.push(`s${semid}:${v.read ? v.semaphores.map((x) => `${x.value},${x.lastPid},${x.ncnt},${x.zcnt}`).join(';') : v.why}`);
  }
  for (const [key, r] of readings.semReadings) parts.push(`p${key}:${r.read ? (r.layout === 'glibc' ? `${r.value},${r.waiters}` : 'unknown') : r.why}`);
  for (const [msqid, c] of readings.queueContents) {
    parts.push(
      `q${msqid}:${c.read ? `${c.qbytes},${c.more},${c.messages.map((m) => `${m.mtype}/${m.size}/${Buffer.from(m.preview).toString('hex')}`).join(';')}` : c.why}`,
    );
  }
  for (const [key, a] of readings.queueAttrs) parts.push(`m${key}:${a.read ? `${a.maxmsg},${a.msgsize},${a.curmsgs}` : a.why}`);
  return parts.sort().join('\n');
}

/** Who waits where, as text. */
function waitersSignature(scan: WaiterScan): string {
  const parts: string[] = [String(scan.unreadable)];
  for (const [kind, map] of [
    ['s', scan.sem],
    ['m', scan.msg],
  ] as const) {
    for (const [id, list] of map) {
      for (const w of list) parts.push(`${kind}${id}:${w.tid}:${w.call}:${(w.ops ?? []).map((o) => `${o.semnum}/${o.op}`).join(',')}:${w.msgtype ?? ''}`);
    }
  }
  return parts.sort().join('\n');
}
