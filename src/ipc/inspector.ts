// The inspector's own traces in what /proc shows: the helper attaches a segment to read it (and
// keeps it attached for a while, or on purpose for Attach), opens POSIX objects to read them, and
// sets a semaphore set's first values when it creates one. None of that is a user's: it must not
// make an object look held, in use or alive. Only the running helpers' pids count (a past helper's
// pid may belong to another process by now).
import type { Attachment } from './maps';
import type { ProcScan } from './procScan';
import * as l10n from '../shared/l10n';

/** What the inspector is called where a process's command would be. */
export const INSPECTOR_WORDS = l10n.t('IPC Inspector (this window)');

/** The pids of this window's running helpers (none: an empty set). */
export type InspectorPids = ReadonlySet<number>;

export const NO_INSPECTOR: InspectorPids = new Set<number>();

/** Whether a pid is one of the inspector's helpers. */
export function isInspector(pids: InspectorPids, pid: number | undefined): boolean {
  return pid !== undefined && pids.size > 0 && pids.has(pid);
}

type Holds = Pick<ProcScan, 'attachments' | 'files'>;

/**
 * The scan without the inspector's attachments and file holds, and how many attachments of each
 * segment were the inspector's (the kernel counts them in nattch). The scan is returned as is when
 * the inspector holds nothing.
 */
export function withoutInspector<T extends Holds>(
  scan: T,
  pids: InspectorPids,
  heldByUser: (shmid: number) => boolean = () => false,
): { scan: T; ownAttachments: Map<number, number> } {
  const ownAttachments = new Map<number, number>();
  if (pids.size === 0) return { scan, ownAttachments };
  let attachments = scan.attachments;
  for (const [shmid, list] of scan.attachments) {
    const mine = list.filter((a) => pids.has(a.pid));
    // A segment the user keeps attached (Attach) is attached by the user: that one attachment stays theirs.
    const kept = heldByUser(shmid) ? mine.slice(0, 1) : [];
    const own = mine.length - kept.length;
    if (own === 0) continue;
    if (attachments === scan.attachments) attachments = new Map(scan.attachments);
    ownAttachments.set(shmid, own);
    const others: Attachment[] = [...list.filter((a) => !pids.has(a.pid)), ...kept];
    if (others.length > 0) attachments.set(shmid, others);
    else attachments.delete(shmid);
  }
  let files = scan.files;
  for (const [key, holds] of scan.files) {
    if (!holds.some((h) => pids.has(h.pid))) continue;
    if (files === scan.files) files = new Map(scan.files);
    const others = holds.filter((h) => !pids.has(h.pid));
    if (others.length > 0) files.set(key, others);
    else files.delete(key);
  }
  if (attachments === scan.attachments && files === scan.files) return { scan, ownAttachments };
  // A copy keeping every other property (signature is a getter on the original: read it through).
  const copy = Object.create(scan) as T;
  Object.defineProperty(copy, 'attachments', { value: attachments, enumerable: true });
  Object.defineProperty(copy, 'files', { value: files, enumerable: true });
  return { scan: copy, ownAttachments };
}
