// One consistent picture of the machine's IPC objects for the views, built from /proc and /dev/shm
// only (no helper): System V segments and POSIX shared memory objects, each with its state and its
// holders, all from ONE scan of /proc per refresh. `SnapshotSource.refresh()` skips building
// anything when nothing a user could see changed.
import * as fs from 'fs';
import * as path from 'path';
import type { FileKey } from './maps';
import { readLimits, shmUsage, type IpcLimits, type ShmUsage } from './limits';
import { CommandMemory } from './names';
import { classifyPosixObjects, nextAgeTransition, type PosixObjectInfo } from './posixShm/classify';
import { listPosixObjects, type PosixListing } from './posixShm/parse';
import { scanProcesses, type ProcScan } from './procScan';
import { classifySegments, type SegmentInfo } from './sysvShm/classify';
import { readSegmentTable, type ShmSegment } from './sysvShm/parse';

export type { AttachedProcess, SegmentInfo } from './sysvShm/classify';
export type { PosixObjectInfo } from './posixShm/classify';

export interface PosixPicture extends Omit<PosixListing, 'objects' | 'signature'> {
  /** Objects of /dev/shm, removed ones still held included, by name. */
  objects: PosixObjectInfo[];
  /** memfd objects held by two processes or more. */
  memfds: PosixObjectInfo[];
}

export interface Snapshot {
  /** System V shared memory segments. */
  segments: SegmentInfo[];
  limits: IpcLimits;
  usage: ShmUsage;
  /** Lines of /proc/sysvipc/shm that could not be parsed. */
  skippedLines: number;
  posix: PosixPicture;
  scan: Pick<ProcScan, 'processes' | 'scanned' | 'unreadable' | 'otherNamespace'>;
  takenAt: number;
}

/** Any object a view shows and a command acts on. */
export type IpcObject = SegmentInfo | PosixObjectInfo;

export interface RefreshResult {
  snapshot: Snapshot;
  /** False when nothing visible changed since the previous refresh (the snapshot is the old one). */
  changed: boolean;
}

export interface SnapshotOptions {
  procRoot?: string;
  etcRoot?: string;
  shmDir?: string;
  /** Seconds an unheld POSIX object must stay unused before it is called orphaned. */
  orphanGraceSeconds?: number;
}

export class SnapshotSource {
  private last: Snapshot | undefined;
  private lastSignature = '';
  /** When an unused object turns orphaned by age alone: the picture changes then. */
  private nextTransition: number | undefined;
  private readonly commands = new CommandMemory();
  private readonly lastHeldMs = new Map<FileKey, number>();
  private readonly procRoot: string;
  private readonly etcRoot: string;
  private readonly shmDir: string;
  private graceMs: number;

  constructor(options: SnapshotOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.etcRoot = options.etcRoot ?? '/etc';
    this.shmDir = options.shmDir ?? '/dev/shm';
    this.graceMs = (options.orphanGraceSeconds ?? 60) * 1000;
  }

  get current(): Snapshot | undefined {
    return this.last;
  }

  setOrphanGrace(seconds: number): void {
    this.graceMs = seconds * 1000;
    this.invalidate();
  }

  /**
   * Re-reads /proc and /dev/shm. What decides whether anything changed: the raw segment table (attaching,
   * detaching, removing or creating a segment all change it), the liveness of the creators of
   * unattached segments (an exit turns a segment orphaned), the /dev/shm listing, every holder of
   * a shared file, and the clock passing an unused object's grace period.
   */
  async refresh(force = false): Promise<RefreshResult> {
    const [table, listing, scan] = await Promise.all([readSegmentTable(this.procRoot), listPosixObjects(this.shmDir), scanProcesses({ procRoot: this.procRoot })]);
    const signature = [table.raw.toString('latin1'), this.creatorLiveness(table.segments), listing.signature, scan.signature].join('\u0000');
    const aged = this.nextTransition !== undefined && Date.now() >= this.nextTransition;
    if (!force && !aged && this.last && signature === this.lastSignature) return { snapshot: this.last, changed: false };
    const limits = await readLimits(this.procRoot);
    this.last = this.build(table.segments, table.skipped, listing, scan, limits);
    this.lastSignature = signature;
    return { snapshot: this.last, changed: true };
  }

  /** Forgets the previous snapshot, so the next refresh rebuilds everything. */
  invalidate(): void {
    this.lastSignature = '';
  }

  private creatorLiveness(items: readonly ShmSegment[]): string {
    return items
      .filter((s) => s.nattch === 0 && s.cpid > 0)
      .map((s) => (fs.existsSync(path.join(this.procRoot, String(s.cpid))) ? '1' : '0'))
      .join('');
  }

  private build(items: ShmSegment[], skipped: number, listing: PosixListing, scan: ProcScan, limits: IpcLimits): Snapshot {
    const names = this.commands.names(this.procRoot, this.etcRoot);
    const nowMs = Date.now();
    const context = { scan, names, nowMs, graceMs: this.graceMs, lastHeldMs: this.lastHeldMs };
    const posixObjects = classifyPosixObjects(listing, context, this.procRoot);
    this.nextTransition = nextAgeTransition(posixObjects, context);
    return {
      segments: classifySegments(items, scan, names),
      limits,
      usage: shmUsage(items, limits.pageSize),
      skippedLines: skipped,
      posix: {
        available: listing.available,
        error: listing.error,
        dir: listing.dir,
        devMajor: listing.devMajor,
        devMinor: listing.devMinor,
        semaphores: listing.semaphores,
        usage: listing.usage,
        objects: posixObjects.filter((o) => o.origin === 'dev-shm'),
        memfds: posixObjects.filter((o) => o.origin === 'memfd'),
      },
      scan: { processes: scan.processes, scanned: scan.scanned, unreadable: scan.unreadable, otherNamespace: scan.otherNamespace },
      takenAt: nowMs,
    };
  }
}

/**
 * The same object in another snapshot, or undefined when it is gone. Same object, not just the
 * same number or name: shmids and names are reused, so a segment must also have the same creation
 * time, creator and size, and a POSIX object the same device and inode.
 */
export function findAgain(snapshot: Snapshot | undefined, object: IpcObject): IpcObject | undefined {
  if (!snapshot) return undefined;
  if (object.kind === 'sysvShm') {
    const s = object.segment;
    return snapshot.segments.find((o) => o.segment.shmid === s.shmid && o.segment.ctime === s.ctime && o.segment.cuid === s.cuid && o.segment.size === s.size);
  }
  const list = object.origin === 'memfd' ? snapshot.posix.memfds : snapshot.posix.objects;
  return list.find((o) => o.key === object.key && o.name === object.name);
}
