// What a System V segment is to the rest of the code: the kernel's row, its state and why, its
// attached processes, and names for its users.
import type { ShmSegment } from '../family/sysvTables';
import type { Attachment } from '../maps';
import type { ProcessInfo } from '../processes';

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
  /**
   * Of nattch, the attachments of this window's helper (reading it, or Attach): the inspector's,
   * not a user's. The state, the counts and the child rows leave them out (userAttachments).
   */
  inspectorAttachments: number;
  ownerName: string;
  creatorUserName: string;
  groupName: string;
  /** Command of the creator pid / last attach-detach pid, when known (alive now or seen before). */
  creatorCommand?: string;
  lastCommand?: string;
}

/**
 * The processes attached, as every kind counts its holders (processes, not mappings: a process
 * attached twice is one): the distinct visible pids, plus each attachment the maps do not show
 * (its process is unknown, so it counts as one).
 */
export function attachedProcesses(info: Pick<SegmentInfo, 'attachments' | 'hiddenAttachments'>): number {
  const visible = info.attachments.length <= 1 ? info.attachments.length : new Set(info.attachments.map((a) => a.pid)).size;
  return visible + info.hiddenAttachments;
}

/** The attachments users made: the kernel's count without the inspector's own. */
export function userAttachments(info: Pick<SegmentInfo, 'segment' | 'inspectorAttachments'>): number {
  return Math.max(0, info.segment.nattch - info.inspectorAttachments);
}
