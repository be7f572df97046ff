// One consistent picture of the machine's shared memory for the view: every segment with its state,
// its attached processes, names for its users and processes, and the limits. Built from /proc only
// (no helper). `SnapshotSource.refresh()` skips all the work when nothing a user could see changed.
import * as fs from 'fs';
import * as path from 'path';
import { attachmentSummary, discoverAttachers, type Attachment, type AttacherScan } from './attachers';
import { classifySegment, type Classification } from './classifier';
import { readLimits, shmUsage, type IpcLimits, type ShmUsage } from './limits';
import { createProcessLookup, groupName, userName, type ProcessStatus } from './processes';
import { parseShm, type ShmSegment } from './sysvipc';

export interface AttachedProcess extends Attachment {
  /** The command line, or undefined when the process is gone by now. */
  command?: string;
}

export interface SegmentInfo {
  segment: ShmSegment;
  classification: Classification;
  /** Attachments found in /proc/PID/maps, one per mapping (a process may attach several times). */
  attachments: AttachedProcess[];
  /** Attachments counted by the kernel (nattch) but not seen in readable maps. */
  hiddenAttachments: number;
  ownerName: string;
  creatorUserName: string;
  groupName: string;
  /** Command of the creator pid / last attach-detach pid, when known (alive now or seen before). */
  creatorCommand?: string;
  lastCommand?: string;
}

export interface Snapshot {
  segments: SegmentInfo[];
  limits: IpcLimits;
  usage: ShmUsage;
  /** Lines of /proc/sysvipc/shm that could not be parsed. */
  skippedLines: number;
  scan: Pick<AttacherScan, 'processes' | 'scanned' | 'unreadable' | 'otherNamespace'>;
  takenAt: number;
}

export interface RefreshResult {
  snapshot: Snapshot;
  /** False when nothing visible changed since the previous refresh (the snapshot is the old one). */
  changed: boolean;
}

const idName = (name: string | undefined, id: number) => name ?? String(id);

export class SnapshotSource {
  private last: Snapshot | undefined;
  private lastSignature = '';
  /** Commands of pids seen alive, so a creator that exited can still be named. */
  private knownCommands = new Map<number, string>();

  constructor(private readonly procRoot = '/proc', private readonly etcRoot = '/etc') {}

  get current(): Snapshot | undefined {
    return this.last;
  }

  /**
   * Re-reads /proc. The raw segment table plus the liveness of the creators of unattached
   * segments decide whether anything changed: attaching, detaching, removing or creating a segment
   * all change the table (nattch, lpid, times), and a creator's exit turns a segment orphaned.
   */
  async refresh(force = false): Promise<RefreshResult> {
    const raw = await fs.promises.readFile(path.join(this.procRoot, 'sysvipc', 'shm'));
    const { items, skipped } = parseShm(raw);
    const signature = raw.toString('latin1') + '|' + this.creatorLiveness(items);
    if (!force && this.last && signature === this.lastSignature) return { snapshot: this.last, changed: false };
    const [scan, limits] = await Promise.all([discoverAttachers({ procRoot: this.procRoot }), readLimits(this.procRoot)]);
    this.last = this.build(items, skipped, scan, limits);
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

  private build(items: ShmSegment[], skipped: number, scan: AttacherScan, limits: IpcLimits): Snapshot {
    const lookup = createProcessLookup(this.procRoot);
    const commandOf = (pid: number): string | undefined => {
      if (pid <= 0) return undefined;
      const status: ProcessStatus = lookup(pid);
      if (status.kind === 'running') {
        this.knownCommands.set(pid, status.info.command);
        return status.info.command;
      }
      return this.knownCommands.get(pid);
    };
    const segments = items.map((segment): SegmentInfo => {
      const { visible, hidden } = attachmentSummary(scan, segment.shmid, segment.nattch);
      const attachments = visible.map((a) => ({ ...a, command: commandOf(a.pid) }));
      const classification = classifySegment(segment, lookup, { lastKnownCommand: (pid) => this.knownCommands.get(pid) });
      // A reused pid belongs to someone else now: don't record its command as the creator's.
      const creatorCommand = classification.creator === 'reused' ? this.knownCommands.get(segment.cpid) : commandOf(segment.cpid);
      return {
        segment,
        classification,
        attachments,
        hiddenAttachments: hidden,
        ownerName: idName(userName(segment.uid, this.etcRoot), segment.uid),
        creatorUserName: idName(userName(segment.cuid, this.etcRoot), segment.cuid),
        groupName: idName(groupName(segment.gid, this.etcRoot), segment.gid),
        creatorCommand,
        lastCommand: commandOf(segment.lpid),
      };
    });
    return {
      segments,
      limits,
      usage: shmUsage(items, limits.pageSize),
      skippedLines: skipped,
      scan: { processes: scan.processes, scanned: scan.scanned, unreadable: scan.unreadable, otherNamespace: scan.otherNamespace },
      takenAt: Date.now(),
    };
  }
}
