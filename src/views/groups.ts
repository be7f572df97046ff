// The groups of the IPC views: which objects each shows, its limits line, and what it says when it
// is empty. Each view is a list of groups (views/index.ts); the tree (ipcTree.ts) is written once.
import { formatLimit } from '../ipc/limits';
import { MOUNT_ADVICE } from '../ipc/posixMq/read';
import { pmqLimitsSummary } from '../ipc/posixMq/present';
import { shmFsNearlyFull, shmFsSummary } from '../ipc/posixShm/present';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import { msgLimitsSummary } from '../ipc/sysvMsg/present';
import { semLimitsSummary } from '../ipc/sysvSem/present';
import { limitsSummary } from '../ipc/sysvShm/present';
import * as l10n from '../shared/l10n';

export type GroupId = 'sysvShm' | 'posixShm' | 'memfd' | 'anonShm' | 'sysvSem' | 'posixSem' | 'sysvMsg' | 'posixMq';

export interface GroupLine {
  description: string;
  tooltip: string;
  codicon: string;
  /** Near a limit: the icon warns. */
  warning: boolean;
}

export interface EmptyNote {
  text: string;
  tooltip: string;
  /** A command to offer (Create…), if any. */
  command?: { command: string; title: string; arguments?: unknown[] };
}

export interface GroupSpec {
  id: GroupId;
  title: string;
  /** Closed until opened (memfds are many on a desktop). */
  collapsed?: boolean;
  /** Shown only when it has objects. */
  hiddenWhenEmpty?: boolean;
  objects(snapshot: Snapshot): readonly IpcObject[];
  line(snapshot: Snapshot): GroupLine;
  empty(snapshot: Snapshot): EmptyNote;
}

/** From this share of a limit on, the group's icon warns. */
const NEAR_LIMIT = 0.8;

function share(used: number, limit: { raw: bigint; unlimited: boolean } | undefined): number {
  return !limit || limit.unlimited || limit.raw === 0n ? 0 : used / Number(limit.raw);
}

function unreadableNote(snapshot: Snapshot): string {
  const n = snapshot.scan.unreadable;
  if (n === 0) return '';
  return ' ' + (n === 1 ? l10n.t('1 process could not be checked for holders.') : l10n.t('{0} processes could not be checked for holders.', n));
}

/** "N lines of FILE could not be read", with its plural, or nothing. */
function skippedNote(n: number, file: string): string {
  if (n === 0) return '';
  return n === 1 ? l10n.t('1 line of {0} could not be read and is not shown.', file) : l10n.t('{0} lines of {1} could not be read and are not shown.', n, file);
}

export const GROUPS: Record<GroupId, GroupSpec> = {
  sysvShm: {
    id: 'sysvShm',
    title: l10n.t('System V segments'),
    objects: (s) => s.segments,
    line: (s) => {
      const description = limitsSummary(s.limits, s.usage);
      return {
        description,
        tooltip: [l10n.t('System V shared memory (shmget): {0}.', description), skippedNote(s.skippedLines, '/proc/sysvipc/shm')].filter(Boolean).join(' '),
        codicon: 'database',
        warning: share(s.usage.segments, s.limits.shmmni) >= NEAR_LIMIT || share(s.usage.pages, s.limits.shmall) >= NEAR_LIMIT,
      };
    },
    empty: () => ({
      text: l10n.t('No segments in this IPC namespace · Create…'),
      tooltip: l10n.t('No System V shared memory segment exists in this IPC namespace. Click to create one.'),
      command: { command: 'ipcInspector.createSegment', title: l10n.t('Create Shared Memory Segment…') },
    }),
  },
  posixShm: {
    id: 'posixShm',
    title: l10n.t('POSIX objects (/dev/shm)'),
    objects: (s) => s.posix.objects,
    line: (s) => {
      const description = shmFsSummary(s.posix.usage, s.posix.objects.length);
      const full = shmFsNearlyFull(s.posix.usage);
      return {
        description,
        tooltip:
          l10n.t('POSIX shared memory (shm_open): the files of {0}, {1}.', s.posix.dir, description) +
          (full ? ' ' + l10n.t('When it is full, programs get SIGBUS or "No space left on device": remove unused objects.') : '') +
          (s.posixSemaphores.length === 0
            ? ''
            : ' ' +
              (s.posixSemaphores.length === 1
                ? l10n.t('Its named semaphore (sem.*) is in the Semaphores view.')
                : l10n.t('Its {0} named semaphores (sem.*) are in the Semaphores view.', s.posixSemaphores.length))) +
          unreadableNote(s),
        codicon: 'files',
        warning: full,
      };
    },
    empty: (s) =>
      s.posix.available
        ? {
            text: l10n.t('No objects in /dev/shm · Create…'),
            tooltip: l10n.t('No POSIX shared memory object exists in /dev/shm. Click to create one.'),
            command: { command: 'ipcInspector.createPosixObject', title: l10n.t('Create POSIX Shared Memory Object…') },
          }
        : {
            text: l10n.t('{0} cannot be read', s.posix.dir),
            tooltip: l10n.t(
              'POSIX shared memory lives in {0}: {1}. Mount a tmpfs there (mount -t tmpfs tmpfs /dev/shm) or check its permissions.',
              s.posix.dir,
              s.posix.error ?? l10n.t('not found'),
            ),
          },
  },
  memfd: {
    id: 'memfd',
    title: l10n.t('memfd objects (shared)'),
    collapsed: true,
    hiddenWhenEmpty: true,
    objects: (s) => s.posix.memfds,
    line: (s) => ({
      description: l10n.t('{0} held by several processes', s.posix.memfds.length),
      tooltip: l10n.t(
        'Anonymous memory files (memfd_create) that two or more processes hold: they share memory through them. Only processes this user can read are counted.',
      ),
      codicon: 'link',
      warning: false,
    }),
    empty: () => ({ text: l10n.t('No memfd is shared between processes'), tooltip: l10n.t('No memfd object is held by two processes or more.') }),
  },
  anonShm: {
    id: 'anonShm',
    title: l10n.t('Anonymous shared memory'),
    collapsed: true,
    hiddenWhenEmpty: true,
    objects: (s) => s.posix.anonymous,
    line: (s) => ({
      description: l10n.t('{0} shared over fork', s.posix.anonymous.length),
      tooltip: l10n.t(
        'Memory mapped with MAP_SHARED | MAP_ANONYMOUS and shared with child processes over fork (PostgreSQL keeps its main shared memory so): no name, only mappings, here when two processes or more map it. Its contents can be read as root. Only processes this user can read are counted.',
      ),
      codicon: 'type-hierarchy-sub',
      warning: false,
    }),
    empty: () => ({
      text: l10n.t('No anonymous shared memory is shared between processes'),
      tooltip: l10n.t('No anonymous shared mapping is mapped by two processes or more.'),
    }),
  },
  sysvSem: {
    id: 'sysvSem',
    title: l10n.t('System V semaphore sets'),
    objects: (s) => s.sem.sets,
    line: (s) => {
      const description = semLimitsSummary(s.limits, s.sem.sets);
      const semaphores = s.sem.sets.reduce((n, set) => n + set.set.nsems, 0);
      const notes = [
        skippedNote(s.sem.skippedLines, '/proc/sysvipc/sem'),
        !s.sem.waitersSupported
          ? l10n.t('Waiters cannot be found on this architecture.')
          : s.sem.waiterUnreadable === 0
            ? ''
            : s.sem.waiterUnreadable === 1
              ? l10n.t('1 thread could not be checked for waiting.')
              : l10n.t('{0} threads could not be checked for waiting.', s.sem.waiterUnreadable),
        s.limits.semmsl
          ? l10n.t('At most {0} semaphores a set (semmsl), {1} operations a semop (semopm).', formatLimit(s.limits.semmsl), formatLimit(s.limits.semopm))
          : '',
      ]
        .filter(Boolean)
        .join(' ');
      return {
        description,
        tooltip: `${l10n.t('System V semaphores (semget): {0}.', description)} ${notes}`.trim(),
        codicon: 'symbol-numeric',
        warning: share(s.sem.sets.length, s.limits.semmni) >= NEAR_LIMIT || share(semaphores, s.limits.semmns) >= NEAR_LIMIT,
      };
    },
    empty: () => ({
      text: l10n.t('No semaphore sets in this IPC namespace · Create…'),
      tooltip: l10n.t('No System V semaphore set exists in this IPC namespace. Click to create one.'),
      command: { command: 'ipcInspector.createSemaphoreSet', title: l10n.t('Create Semaphore Set…') },
    }),
  },
  posixSem: {
    id: 'posixSem',
    title: l10n.t('POSIX named semaphores (/dev/shm/sem.*)'),
    objects: (s) => s.posixSemaphores,
    line: (s) => ({
      description: s.posixSemaphores.length === 1 ? l10n.t('1 semaphore') : l10n.t('{0} semaphores', s.posixSemaphores.length),
      tooltip: l10n.t('sem_open("/NAME") is the file {0}/sem.NAME; values are read from it in glibc\'s layout.', s.posix.dir) + unreadableNote(s),
      codicon: 'symbol-numeric',
      warning: false,
    }),
    empty: () => ({
      text: l10n.t('No named semaphores in /dev/shm'),
      tooltip: l10n.t('No file sem.* exists in /dev/shm: no program has a named semaphore (sem_open) now.'),
    }),
  },
  sysvMsg: {
    id: 'sysvMsg',
    title: l10n.t('System V message queues'),
    objects: (s) => s.msg.queues,
    line: (s) => {
      const description = msgLimitsSummary(s.limits, s.msg.queues.length);
      const full = s.msg.queues.filter((q) => q.full).length;
      return {
        description: full > 0 ? l10n.t('{0} · {1} full', description, full) : description,
        tooltip: [
          l10n.t('System V message queues (msgget): {0}. Messages are read with msgrcv(MSG_COPY): never consumed.', description),
          skippedNote(s.msg.skippedLines, '/proc/sysvipc/msg'),
        ]
          .filter(Boolean)
          .join(' '),
        codicon: 'mail',
        warning: full > 0 || share(s.msg.queues.length, s.limits.msgmni) >= NEAR_LIMIT,
      };
    },
    empty: () => ({
      text: l10n.t('No message queues in this IPC namespace · Create…'),
      tooltip: l10n.t('No System V message queue exists in this IPC namespace. Click to create one.'),
      command: { command: 'ipcInspector.createMessageQueue', title: l10n.t('Create Message Queue…') },
    }),
  },
  posixMq: {
    id: 'posixMq',
    title: l10n.t('POSIX message queues (/dev/mqueue)'),
    objects: (s) => s.mqueue.queues,
    line: (s) => {
      const description = s.mqueue.mounted ? pmqLimitsSummary(s.limits, s.mqueue.queues.length) : l10n.t('not mounted');
      return {
        description,
        tooltip: s.mqueue.mounted
          ? l10n.t(
              'POSIX message queues (mq_open): the files of {0}, {1}. Their messages cannot be read without consuming them, so they are never shown.',
              s.mqueue.dir,
              description,
            )
          : (s.mqueue.problem ?? l10n.t('POSIX message queues cannot be listed: {0}', MOUNT_ADVICE)),
        codicon: 'mail',
        warning: s.mqueue.queues.some((q) => q.full) || share(s.mqueue.queues.length, s.limits.mqQueuesMax) >= NEAR_LIMIT,
      };
    },
    empty: (s) =>
      s.mqueue.mounted
        ? {
            text: l10n.t('No POSIX message queues · Create…'),
            tooltip: l10n.t('No POSIX message queue exists in this IPC namespace. Click to create one.'),
            command: { command: 'ipcInspector.createMessageQueue', title: l10n.t('Create Message Queue…'), arguments: ['posix'] },
          }
        : { text: l10n.t('{0} is not mounted', s.mqueue.dir), tooltip: s.mqueue.problem ?? MOUNT_ADVICE },
  },
};
