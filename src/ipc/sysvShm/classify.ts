// System V segments, classified: each segment of /proc/sysvipc/shm with its state and the reason in
// words (for the tree view and the clean-up preview), its attached processes from the shared /proc
// scan, and names for its users and processes.
//
// "Orphaned" is the one state that invites removal, so it is decided conservatively: no process
// attached AND the creator provably gone. Whenever the creator cannot be checked (its pid is not
// visible from our pid namespace, /proc hides it), the segment is 'unattached', not orphaned.
import type { Attachment } from '../maps';
import * as l10n from '../../shared/l10n';
import { attachmentSummary, type ProcScan } from '../procScan';
import type { Names } from '../names';
import { INSPECTOR_WORDS, isInspector, NO_INSPECTOR, type InspectorPids } from '../inspector';
import type { ProcessInfo, ProcessStatus } from '../processes';
import type { ShmSegment } from '../family/sysvTables';
import type { Classification, CreatorState, SegmentInfo } from './types';

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
  return nattch === 1 ? l10n.t('1 attachment') : l10n.t('{0} attachments', nattch);
}

/** Decides what happened to the creator. */
function creatorOf(
  segment: Segment,
  lookup: (pid: number) => ProcessStatus,
  options: ClassifyOptions,
): { creator: CreatorState; process?: ProcessInfo; text: string } {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE;
  const remembered = segment.cpid > 0 ? options.lastKnownCommand?.(segment.cpid) : undefined;
  const exitedName = remembered ? `${segment.cpid} (${remembered})` : String(segment.cpid);
  if (segment.cpid <= 0) {
    // /proc prints 0 when the creator's pid is not visible from our pid namespace (e.g. a host
    // process seen from a container sharing the IPC namespace): we cannot tell whether it lives.
    return { creator: 'unknown', text: l10n.t('creator is outside this pid namespace') };
  }
  const status = lookup(segment.cpid);
  switch (status.kind) {
    case 'gone':
      return { creator: 'exited', text: l10n.t('creator pid {0} exited', exitedName) };
    case 'hidden':
      return { creator: 'unknown', text: l10n.t('creator pid {0} exists but /proc hides it (hidepid)', segment.cpid) };
    case 'running':
      break;
  }
  const info = status.info;
  // ctime is the creation, or a later IPC_SET: a process started after it cannot be the creator.
  // (Comparing with a later IPC_SET can only make a reused pid look like the creator: safe side.)
  if (segment.ctime > 0 && info.startTime > segment.ctime + tolerance) {
    return {
      creator: 'reused',
      process: info,
      text: l10n.t('creator pid {0} exited (the pid now belongs to a later process, {1})', segment.cpid, info.command),
    };
  }
  if (info.state === 'Z') {
    return { creator: 'zombie', process: info, text: l10n.t('creator pid {0} exited (zombie, not yet reaped)', describe(info)) };
  }
  return { creator: 'alive', process: info, text: l10n.t('creator pid {0} is running', describe(info)) };
}

/**
 * Classifies one segment. `lookup` resolves pids (processes.createProcessLookup, or a stub in
 * tests); it is called for the creator only, and only when that matters.
 */
export function classifySegment(segment: Segment, lookup: (pid: number) => ProcessStatus, options: ClassifyOptions = {}): Classification {
  const locked = segment.locked;
  if (segment.dest) {
    // IPC_RMID was called; the kernel keeps the segment only while attached (its key is now 0).
    const reason =
      segment.nattch > 0
        ? l10n.t('removed; stays until the last detach ({0} left)', attachedText(segment.nattch))
        : l10n.t('removed and no longer attached: the kernel is destroying it');
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
    reason: l10n.t('{0}; no process attached', text),
  };
}

/** Whether two rows of /proc/sysvipc/shm say the same (every field; a new field unknown here means not). */
function sameSegment(a: ShmSegment, b: ShmSegment): boolean {
  return (
    a.key === b.key &&
    a.shmid === b.shmid &&
    a.perms === b.perms &&
    a.mode === b.mode &&
    a.dest === b.dest &&
    a.locked === b.locked &&
    a.size === b.size &&
    a.sizeExact === b.sizeExact &&
    a.cpid === b.cpid &&
    a.lpid === b.lpid &&
    a.nattch === b.nattch &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.cuid === b.cuid &&
    a.cgid === b.cgid &&
    a.atime === b.atime &&
    a.dtime === b.dtime &&
    a.ctime === b.ctime &&
    a.rss === b.rss &&
    a.swap === b.swap
  );
}

/** The fields of ShmSegment that sameSegment compares: a segment with more is never reused. */
const SEGMENT_FIELDS = 20;

function sameProcess(a: ProcessInfo | undefined, b: ProcessInfo | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.pid === b.pid && a.comm === b.comm && a.command === b.command && a.state === b.state && a.ppid === b.ppid && a.startTime === b.startTime;
}

/**
 * Whether the previous refresh's info of a segment is what classifying it now gives: the same row,
 * the same classification (compared as it comes out: its words included), attachments and names.
 */
function unchanged(
  old: SegmentInfo,
  classification: Classification,
  visible: readonly Attachment[],
  hidden: number,
  creatorCommand: string | undefined,
  names: Names,
  segment: ShmSegment,
  own: number,
  lastCommand: string | undefined,
): boolean {
  const c = old.classification;
  if (old.hiddenAttachments !== hidden || old.creatorCommand !== creatorCommand || old.inspectorAttachments !== own) return false;
  if (
    c.state !== classification.state ||
    c.locked !== classification.locked ||
    c.creator !== classification.creator ||
    c.reason !== classification.reason ||
    !sameProcess(c.creatorProcess, classification.creatorProcess)
  ) {
    return false;
  }
  if (
    old.ownerName !== names.user(segment.uid) ||
    old.creatorUserName !== names.user(segment.cuid) ||
    old.groupName !== names.group(segment.gid) ||
    old.lastCommand !== lastCommand
  ) {
    return false;
  }
  if (old.attachments.length !== visible.length) return false;
  for (let i = 0; i < visible.length; i++) {
    const a = old.attachments[i];
    const b = visible[i];
    if (
      a.pid !== b.pid ||
      a.shmid !== b.shmid ||
      a.key !== b.key ||
      a.access !== b.access ||
      a.perms !== b.perms ||
      a.start !== b.start ||
      a.end !== b.end ||
      a.length !== b.length
    ) {
      return false;
    }
    if (a.command !== names.command(b.pid) || Object.keys(a).length !== Object.keys(b).length + 1) return false;
  }
  return true;
}

/**
 * Whether classifySegment would say now what it said of the same row last time: it looks at the
 * creator only for an unattached live segment, and then at what /proc says of it.
 */
function sameClassification(old: SegmentInfo, segment: Segment, names: Names): boolean {
  if (segment.dest || segment.nattch > 0 || segment.cpid <= 0) return true;
  const status = names.process(segment.cpid);
  const c = old.classification;
  if (status.kind === 'running') return sameProcess(c.creatorProcess, status.info);
  // Hidden: the same words for the same pid. Gone: the words name its last known command, look again.
  return status.kind === 'hidden' && c.creator === 'unknown' && c.creatorProcess === undefined;
}

/**
 * Every segment of the table with its state, attachers and names. `previous`: the same call's
 * result from the last refresh; a segment whose every input is unchanged gets its info from there
 * as is, instead of a new equal copy (thousands of segments, most of them unchanged).
 * `inspector`: its pids and how many attachments of each segment are its own (src/ipc/inspector.ts,
 * left out of `scan` already): the kernel counts them in nattch, the state and the words do not.
 */
export function classifySegments(
  items: readonly ShmSegment[],
  scan: Pick<ProcScan, 'attachments'>,
  names: Names,
  previous?: readonly SegmentInfo[],
  inspector?: { pids: InspectorPids; ownAttachments: ReadonlyMap<number, number> },
): SegmentInfo[] {
  const before = new Map<number, SegmentInfo>();
  // Every row comes from the same parser: one look tells whether sameSegment knows all its fields.
  if (items.length > 0 && Object.keys(items[0]).length <= SEGMENT_FIELDS) for (const info of previous ?? []) before.set(info.segment.shmid, info);
  const last = before.size > 0 ? (previous ?? []) : [];
  return items.map((segment, i): SegmentInfo => {
    const own = Math.min(inspector?.ownAttachments.get(segment.shmid) ?? 0, segment.nattch);
    // What users did: the inspector's own attachments do not count (nor make it "attached").
    const users = own === 0 ? segment : { ...segment, nattch: segment.nattch - own };
    const { visible, hidden } = attachmentSummary(scan, segment.shmid, users.nattch);
    // An unchanged table hands out the very same rows (sysvShm/parse), mostly at the same place.
    const old = last[i]?.segment === segment ? last[i] : before.get(segment.shmid);
    const sameRow = old !== undefined && (old.segment === segment || sameSegment(old.segment, segment));
    const classification =
      sameRow && old.inspectorAttachments === own && sameClassification(old, users, names)
        ? old.classification
        : classifySegment(users, names.process, { lastKnownCommand: names.lastKnownCommand });
    // A reused pid belongs to someone else now: don't record its command as the creator's.
    const creatorCommand = classification.creator === 'reused' ? names.lastKnownCommand(segment.cpid) : names.command(segment.cpid);
    const lastCommand = isInspector(inspector?.pids ?? NO_INSPECTOR, segment.lpid) ? INSPECTOR_WORDS : names.command(segment.lpid);
    if (sameRow && unchanged(old, classification, visible, hidden, creatorCommand, names, segment, own, lastCommand)) return old;
    return {
      kind: 'sysvShm',
      segment,
      classification,
      attachments: visible.map((a) => ({ ...a, command: names.command(a.pid) })),
      hiddenAttachments: hidden,
      inspectorAttachments: own,
      ownerName: names.user(segment.uid),
      creatorUserName: names.user(segment.cuid),
      groupName: names.group(segment.gid),
      creatorCommand,
      lastCommand,
    };
  });
}
