// System V segments, classified: each segment of /proc/sysvipc/shm with its state and the reason in
// words (for the tree view and the clean-up preview), its attached processes from the shared /proc
// scan, and names for its users and processes.
//
// "Orphaned" is the one state that invites removal, so it is decided conservatively: no process
// attached AND the creator provably gone. Whenever the creator cannot be checked (its pid is not
// visible from our pid namespace, /proc hides it), the segment is 'unattached', not orphaned.
import type { Attachment } from '../maps';
import { attachmentSummary, type ProcScan } from '../procScan';
import type { Names } from '../names';
import type { ProcessInfo, ProcessStatus } from '../processes';
import type { ShmSegment } from '../sysvipc';

export type SegmentState = 'attached' | 'unattached' | 'orphaned' | 'removed-attached';

/**
 * What the classifier concluded about the creator. 'unknown': it could not be checked;
 * 'unchecked': it did not matter (the segment is attached or removed), so it was not looked up.
 */
export type CreatorState = 'alive' | 'exited' | 'reused' | 'zombie' | 'unknown' | 'unchecked';

export interface Classification {
  state: SegmentState;
  /** SHM_LOCKED: independent of the state. */
  locked: boolean;
  creator: CreatorState;
  /** The creator when it is alive (or the process now holding its pid, when reused). */
  creatorProcess?: ProcessInfo;
  /** One sentence for the UI, e.g. "creator pid 1234 (./writer) exited; no process attached". */
  reason: string;
}

export interface ClassifyOptions {
  /**
   * Slack, in seconds, when comparing a process's start with the segment's ctime. Both are whole
   * seconds of the wall clock (the start time is btime + ticks, btime truncated), so the true
   * creator can appear up to ~1 s late; more slack only makes "pid reused" rarer (the safe side).
   */
  toleranceSeconds?: number;
  /**
   * The command a pid had when last seen alive (e.g. by an earlier refresh), to name a creator
   * that has exited since: /proc no longer knows it. The caller keeps it; none by default.
   */
  lastKnownCommand?: (pid: number) => string | undefined;
}

const DEFAULT_TOLERANCE = 2;

export type Segment = Pick<ShmSegment, 'shmid' | 'cpid' | 'lpid' | 'nattch' | 'dest' | 'locked' | 'ctime'>;

function describe(info: ProcessInfo): string {
  return `${info.pid} (${info.command})`;
}

function attachedText(nattch: number): string {
  return nattch === 1 ? '1 attachment' : `${nattch} attachments`;
}

/** Decides what happened to the creator. */
function creatorOf(segment: Segment, lookup: (pid: number) => ProcessStatus, options: ClassifyOptions): { creator: CreatorState; process?: ProcessInfo; text: string } {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE;
  const remembered = segment.cpid > 0 ? options.lastKnownCommand?.(segment.cpid) : undefined;
  const exitedName = remembered ? `${segment.cpid} (${remembered})` : String(segment.cpid);
  if (segment.cpid <= 0) {
    // /proc prints 0 when the creator's pid is not visible from our pid namespace (e.g. a host
    // process seen from a container sharing the IPC namespace): we cannot tell whether it lives.
    return { creator: 'unknown', text: 'creator is outside this pid namespace' };
  }
  const status = lookup(segment.cpid);
  switch (status.kind) {
    case 'gone':
      return { creator: 'exited', text: `creator pid ${exitedName} exited` };
    case 'hidden':
      return { creator: 'unknown', text: `creator pid ${segment.cpid} exists but /proc hides it (hidepid)` };
    case 'running':
      break;
  }
  const info = status.info;
  // ctime is the creation, or a later IPC_SET: a process started after it cannot be the creator.
  // (Comparing with a later IPC_SET can only make a reused pid look like the creator: safe side.)
  if (segment.ctime > 0 && info.startTime > segment.ctime + tolerance) {
    return { creator: 'reused', process: info, text: `creator pid ${segment.cpid} exited (the pid now belongs to a later process, ${info.command})` };
  }
  if (info.state === 'Z') {
    return { creator: 'zombie', process: info, text: `creator pid ${describe(info)} exited (zombie, not yet reaped)` };
  }
  return { creator: 'alive', process: info, text: `creator pid ${describe(info)} is running` };
}

/**
 * Classifies one segment. `lookup` resolves pids (processes.createProcessLookup, or a stub in
 * tests); it is called for the creator only, and only when that matters.
 */
export function classifySegment(segment: Segment, lookup: (pid: number) => ProcessStatus, options: ClassifyOptions = {}): Classification {
  const locked = segment.locked;
  if (segment.dest) {
    // IPC_RMID was called; the kernel keeps the segment only while attached (its key is now 0).
    const reason = segment.nattch > 0
      ? `removed; stays until the last detach (${attachedText(segment.nattch)} left)`
      : 'removed and no longer attached: the kernel is destroying it';
    return { state: segment.nattch > 0 ? 'removed-attached' : 'unattached', locked, creator: 'unchecked', reason };
  }
  if (segment.nattch > 0) {
    return { state: 'attached', locked, creator: 'unchecked', reason: attachedText(segment.nattch) };
  }
  const { creator, process, text } = creatorOf(segment, lookup, options);
  const gone = creator === 'exited' || creator === 'reused' || creator === 'zombie';
  return {
    state: gone ? 'orphaned' : 'unattached',
    locked,
    creator,
    creatorProcess: process,
    reason: `${text}; no process attached`,
  };
}

export interface AttachedProcess extends Attachment {
  /** The command line, or undefined when the process is gone by now. */
  command?: string;
}

export interface SegmentInfo {
  kind: 'sysvShm';
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

/** Every segment of the table with its state, attachers and names. */
export function classifySegments(items: readonly ShmSegment[], scan: Pick<ProcScan, 'attachments'>, names: Names): SegmentInfo[] {
  return items.map((segment): SegmentInfo => {
    const { visible, hidden } = attachmentSummary(scan, segment.shmid, segment.nattch);
    const classification = classifySegment(segment, names.process, { lastKnownCommand: names.lastKnownCommand });
    // A reused pid belongs to someone else now: don't record its command as the creator's.
    const creatorCommand = classification.creator === 'reused' ? names.lastKnownCommand(segment.cpid) : names.command(segment.cpid);
    return {
      kind: 'sysvShm',
      segment,
      classification,
      attachments: visible.map((a) => ({ ...a, command: names.command(a.pid) })),
      hiddenAttachments: hidden,
      ownerName: names.user(segment.uid),
      creatorUserName: names.user(segment.cuid),
      groupName: names.group(segment.gid),
      creatorCommand,
      lastCommand: names.command(segment.lpid),
    };
  });
}
