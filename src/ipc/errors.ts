// Failures put into words a user can act on: what failed, why (with the errno), and what to do.
import { HelperError, HelperExitedError, HelperTimeoutError } from './helperClient';
import { HelperNotFoundError } from './helperLocation';

/** Who the segment belongs to, for messages about permissions. */
export interface SegmentOwnership {
  label: string; // e.g. "0x7e001234 (id 5)"
  ownerName: string;
  creatorUserName: string;
}

export interface DescribedError {
  message: string;
  /** What kind of fix applies: offer Open Settings for a missing helper, Show Log otherwise. */
  fix: 'settings' | 'log';
}

const ADVICE: Record<string, (what: string, on?: SegmentOwnership) => string> = {
  EPERM: (what, on) =>
    on ? `${what}: not permitted (EPERM). It is owned by ${on.ownerName}${on.creatorUserName !== on.ownerName ? ` and was created by ${on.creatorUserName}` : ''}; only the owner, the creator or root can do this.`
      : `${what}: not permitted (EPERM). Only the owner, the creator or root can do this.`,
  EACCES: (what, on) =>
    `${what}: permission denied (EACCES).${on ? ` ${on.label} belongs to ${on.ownerName} and its mode does not let you read it;` : ''} ask its owner to change its permissions, or run VS Code as root.`,
  EINVAL: (what) => `${what}: the segment no longer exists (EINVAL). It was probably removed by another process; the view has been refreshed.`,
  EIDRM: (what) => `${what}: the segment was removed meanwhile (EIDRM). The view has been refreshed.`,
  EEXIST: (what) => `${what}: a segment with this key already exists (EEXIST). Choose another key, or create without "exclusive" to open the existing one.`,
  ENOSPC: (what) => `${what}: the system-wide limit on segments (shmmni) or on shared memory (shmall) is reached (ENOSPC). Remove unused segments (Clean Up Orphaned Segments) or raise the limits with sysctl.`,
  ENOMEM: (what) => `${what}: not enough memory (ENOMEM). For Lock, the process's RLIMIT_MEMLOCK is too small; otherwise the machine is short of memory or address space.`,
  EBUSY: (what) => `${what}: the segment is attached by a process now (EBUSY), so it was left alone.`,
  ERANGE: (what) => `${what}: the range lies outside the segment (ERANGE).`,
};

export function describeError(error: unknown, what: string, on?: SegmentOwnership): DescribedError {
  if (error instanceof HelperNotFoundError) return { message: error.message, fix: 'settings' };
  if (error instanceof HelperError) {
    const advice = ADVICE[error.code];
    return { message: advice ? advice(what, on) : `${what}: ${error.message} (${error.code}).`, fix: 'log' };
  }
  if (error instanceof HelperExitedError || error instanceof HelperTimeoutError) {
    return { message: `${what}: ${error.message}`, fix: 'log' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `${what}: ${message}`, fix: 'log' };
}
