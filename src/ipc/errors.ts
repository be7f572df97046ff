// Failures put into words a user can act on: what failed, why (with the errno), and what to do.
// Errors come from the helper (an errno name and its message) or from Node's file system calls
// (an errno code); both are worded here, for System V segments and POSIX objects alike.
import { HelperError, HelperExitedError, HelperTimeoutError } from './helperClient';
import { HelperNotFoundError } from './helperLocation';
import * as l10n from '../shared/l10n';

/**
 * What a failure was about: the kind of object (the words differ), and when known which one and
 * whose, for messages about permissions.
 */
export interface Subject {
  /** segment, set, queue: System V (found by key); object, posixQueue: POSIX (found by name). */
  kind: 'segment' | 'set' | 'queue' | 'object' | 'posixQueue';
  /** e.g. "segment 0x7e001234 (id 5)" or "object /psm_1a2b". */
  label?: string;
  ownerName?: string;
  /** System V segments only: the creator may act on them too. */
  creatorUserName?: string;
}

export interface DescribedError {
  message: string;
  /** What kind of fix applies: offer Open Settings for a missing helper, Show Log otherwise. */
  fix: 'settings' | 'log';
}

/** Where the words are read: the editor and the command line name their remedies differently. */
export type Surface = 'editor' | 'command line';

interface Phrases {
  asRoot: string;
  /** After "…removed by another process": what was done about it. */
  refreshedClause: string;
  refreshedSentence: string;
  cleanUp: string;
}

function phrasesOf(where: Surface): Phrases {
  return where === 'editor'
    ? {
        asRoot: l10n.t('run VS Code as root'),
        refreshedClause: l10n.t('; the view has been refreshed'),
        refreshedSentence: l10n.t(' The view has been refreshed.'),
        cleanUp: l10n.t('Clean Up Orphaned'),
      }
    : { asRoot: l10n.t('run the command as root'), refreshedClause: '', refreshedSentence: '', cleanUp: 'ipc-inspector clean --orphans' };
}

function whoMay(on: Subject): string {
  if (on.kind === 'posixQueue') return l10n.t('only its owner or root can do this');
  if (on.kind === 'object') return l10n.t('only its owner or root can do this (/dev/shm is sticky: only the owner may remove a file there)');
  return l10n.t('only the owner, the creator or root can do this');
}

// An entry may return undefined where it has nothing better than the error's own message.
const ADVICE: Record<string, (what: string, on: Subject | undefined, say: Phrases) => string | undefined> = {
  EPERM: (what, on) =>
    on?.ownerName
      ? l10n.t(
          '{0}: not permitted (EPERM). It is owned by {1}{2}; {3}.',
          what,
          on.ownerName,
          on.creatorUserName && on.creatorUserName !== on.ownerName ? l10n.t(' and was created by {0}', on.creatorUserName) : '',
          whoMay(on),
        )
      : l10n.t('{0}: not permitted (EPERM). Only the owner, the creator or root can do this.', what),
  EACCES: (what, on, say) => {
    const whose =
      on?.label && on.ownerName ? l10n.t(' {0} belongs to {1} and its mode does not let you read it; ask', capitalize(on.label), on.ownerName) : l10n.t(' Ask');
    return l10n.t('{0}: permission denied (EACCES).{1} its owner to change its permissions, or {2}.', what, whose, say.asRoot);
  },
  EINVAL: (what, on, say) =>
    on?.kind === 'posixQueue'
      ? l10n.t(
          "{0}: the kernel refused the queue's size (EINVAL): the most messages and the largest message are bounded by /proc/sys/fs/mqueue/msg_max and msgsize_max (root may go past them up to the hard limits).",
          what,
        )
      : on?.kind === 'object'
        ? undefined
        : l10n.t('{0}: the {1} no longer exists (EINVAL). It was probably removed by another process{2}.', what, on?.kind ?? 'segment', say.refreshedClause),
  EIDRM: (what, on, say) =>
    l10n.t('{0}: the {1} was removed meanwhile (EIDRM).{2}', what, on?.kind === 'object' ? 'object' : (on?.kind ?? 'segment'), say.refreshedSentence),
  ENOENT: (what, _on, say) => l10n.t('{0}: the object no longer exists (ENOENT). It was probably removed by another process{1}.', what, say.refreshedClause),
  ESTALE: (what, _on, say) =>
    l10n.t(
      '{0}: the name now belongs to another object (ESTALE): the one shown was removed and a new one made under its name. Nothing was done to the new one{1}.',
      what,
      say.refreshedClause,
    ),
  EEXIST: (what, on) =>
    on?.kind === 'object' || on?.kind === 'posixQueue'
      ? l10n.t('{0}: an object with this name already exists (EEXIST). Choose another name, or create without "exclusive" to open the existing one.', what)
      : l10n.t(
          '{0}: a {1} with this key already exists (EEXIST). Choose another key, or create without "exclusive" to open the existing one.',
          what,
          on?.kind ?? 'segment',
        ),
  ENOSPC: (what, on, say) => {
    switch (on?.kind) {
      case 'object':
        return l10n.t(
          '{0}: /dev/shm is full (ENOSPC). Remove unused objects ({1}) or mount /dev/shm larger (mount -o remount,size=2G /dev/shm).',
          what,
          say.cleanUp,
        );
      case 'posixQueue':
        return l10n.t(
          '{0}: the system-wide limit on POSIX message queues (/proc/sys/fs/mqueue/queues_max) is reached (ENOSPC). Remove unused queues ({1}) or raise fs.mqueue.queues_max with sysctl.',
          what,
          say.cleanUp,
        );
      case 'set':
        return l10n.t(
          '{0}: the system-wide limit on semaphore sets (semmni) or semaphores (semmns) is reached (ENOSPC). Remove unused sets ({1}) or raise kernel.sem with sysctl.',
          what,
          say.cleanUp,
        );
      case 'queue':
        return l10n.t(
          '{0}: the system-wide limit on message queues (msgmni) is reached (ENOSPC). Remove unused queues ({1}) or raise kernel.msgmni with sysctl.',
          what,
          say.cleanUp,
        );
      default:
        return l10n.t(
          '{0}: the system-wide limit on segments (shmmni) or on shared memory (shmall) is reached (ENOSPC). Remove unused segments ({1}) or raise the limits with sysctl.',
          what,
          say.cleanUp,
        );
    }
  },
  ENOMEM: (what) =>
    l10n.t(
      "{0}: not enough memory (ENOMEM). For Lock, the process's RLIMIT_MEMLOCK is too small; otherwise the machine is short of memory or address space.",
      what,
    ),
  EBUSY: (what) => l10n.t('{0}: the segment is attached by a process now (EBUSY), so it was left alone.', what),
  ERANGE: (what) => l10n.t('{0}: the range lies outside the object (ERANGE).', what),
  ENAMETOOLONG: (what) => l10n.t('{0}: the name is too long (ENAMETOOLONG): at most 255 bytes.', what),
  EMFILE: (what, on) =>
    on?.kind === 'posixQueue'
      ? l10n.t(
          "{0}: this user's queues would take more memory than RLIMIT_MSGQUEUE allows (EMFILE). Remove unused queues, make this one smaller, or raise the limit (ulimit -q).",
          what,
        )
      : undefined,
  ENOSYS: (what, on) =>
    on?.kind === 'queue'
      ? l10n.t(
          '{0}: this kernel cannot read a queue without consuming its messages (no MSG_COPY: CONFIG_CHECKPOINT_RESTORE is off), so its messages are not shown (ENOSYS).',
          what,
        )
      : undefined,
  EOVERFLOW: (what) =>
    l10n.t(
      '{0}: the owner is not mapped into this user namespace (it reads as the overflow id), so writing it back would give the object away (EOVERFLOW). Give the owner and group explicitly, or change it from outside the namespace.',
      what,
    ),
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function describeError(error: unknown, what: string, on?: Subject, where: Surface = 'editor'): DescribedError {
  if (error instanceof HelperNotFoundError) return { message: error.message, fix: 'settings' };
  const say = phrasesOf(where);
  if (error instanceof HelperError) {
    const advice = ADVICE[error.code]?.(what, on, say);
    return { message: advice ?? `${what}: ${error.message} (${error.code}).`, fix: 'log' };
  }
  if (error instanceof HelperExitedError || error instanceof HelperTimeoutError) {
    return { message: `${what}: ${error.message}`, fix: 'log' };
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const advice = code ? ADVICE[code]?.(what, on, say) : undefined;
  if (advice) return { message: advice, fix: 'log' };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `${what}: ${message}`, fix: 'log' };
}
