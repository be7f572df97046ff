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
  ownerName: string;
  creatorUserName: string;
  groupName: string;
  /** Command of the creator pid / last attach-detach pid, when known (alive now or seen before). */
  creatorCommand?: string;
  lastCommand?: string;
}
