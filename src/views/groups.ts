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

export type GroupId = 'sysvShm' | 'posixShm' | 'memfd' | 'sysvSem' | 'posixSem' | 'sysvMsg' | 'posixMq';

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
  return snapshot.scan.unreadable > 0 ? ` ${snapshot.scan.unreadable} process(es) could not be checked for holders.` : '';
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
        tooltip: `System V shared memory (shmget): ${description}.${s.skippedLines > 0 ? ` ${s.skippedLines} line(s) of /proc/sysvipc/shm could not be read and are not shown.` : ''}`,
        codicon: 'database',
        warning: share(s.usage.segments, s.limits.shmmni) >= NEAR_LIMIT || share(s.usage.pages, s.limits.shmall) >= NEAR_LIMIT,
      };
    },
    empty: () => ({
      text: 'No segments in this IPC namespace · Create…',
      tooltip: 'No System V shared memory segment exists in this IPC namespace. Click to create one.',
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
          `POSIX shared memory (shm_open): the files of ${s.posix.dir}, ${description}.` +
          (full ? ' When it is full, programs get SIGBUS or "No space left on device": remove unused objects.' : '') +
          (s.posixSemaphores.length > 0 ? ` Its ${s.posixSemaphores.length} named semaphore(s) (sem.*) are in the Semaphores view.` : '') +
          unreadableNote(s),
        codicon: 'files',
        warning: full,
      };
    },
    empty: (s) =>
      s.posix.available
        ? {
            text: 'No objects in /dev/shm · Create…',
            tooltip: 'No POSIX shared memory object exists in /dev/shm. Click to create one.',
            command: { command: 'ipcInspector.createPosixObject', title: l10n.t('Create POSIX Shared Memory Object…') },
          }
        : {
            text: `${s.posix.dir} cannot be read`,
            tooltip: `POSIX shared memory lives in ${s.posix.dir}: ${s.posix.error ?? 'not found'}. Mount a tmpfs there (mount -t tmpfs tmpfs /dev/shm) or check its permissions.`,
          },
  },
  memfd: {
    id: 'memfd',
    title: l10n.t('memfd objects (shared)'),
    collapsed: true,
    hiddenWhenEmpty: true,
    objects: (s) => s.posix.memfds,
    line: (s) => ({
      description: `${s.posix.memfds.length} held by several processes`,
      tooltip:
        'Anonymous memory files (memfd_create) that two or more processes hold: they share memory through them. Only processes this user can read are counted.',
      codicon: 'link',
      warning: false,
    }),
    empty: () => ({ text: 'No memfd is shared between processes', tooltip: 'No memfd object is held by two processes or more.' }),
  },
  sysvSem: {
    id: 'sysvSem',
    title: l10n.t('System V semaphore sets'),
    objects: (s) => s.sem.sets,
    line: (s) => {
      const description = semLimitsSummary(s.limits, s.sem.sets);
      const semaphores = s.sem.sets.reduce((n, set) => n + set.set.nsems, 0);
      const notes = [
        s.sem.skippedLines > 0 ? `${s.sem.skippedLines} line(s) of /proc/sysvipc/sem could not be read.` : '',
        !s.sem.waitersSupported
          ? 'Waiters cannot be found on this architecture.'
          : s.sem.waiterUnreadable > 0
            ? `${s.sem.waiterUnreadable} thread(s) could not be checked for waiting.`
            : '',
        s.limits.semmsl
          ? `At most ${formatLimit(s.limits.semmsl)} semaphores a set (semmsl), ${formatLimit(s.limits.semopm)} operations a semop (semopm).`
          : '',
      ]
        .filter(Boolean)
        .join(' ');
      return {
        description,
        tooltip: `System V semaphores (semget): ${description}. ${notes}`.trim(),
        codicon: 'symbol-numeric',
        warning: share(s.sem.sets.length, s.limits.semmni) >= NEAR_LIMIT || share(semaphores, s.limits.semmns) >= NEAR_LIMIT,
      };
    },
    empty: () => ({
      text: 'No semaphore sets in this IPC namespace · Create…',
      tooltip: 'No System V semaphore set exists in this IPC namespace. Click to create one.',
      command: { command: 'ipcInspector.createSemaphoreSet', title: l10n.t('Create Semaphore Set…') },
    }),
  },
  posixSem: {
    id: 'posixSem',
    title: l10n.t('POSIX named semaphores (/dev/shm/sem.*)'),
    objects: (s) => s.posixSemaphores,
    line: (s) => ({
      description: `${s.posixSemaphores.length} semaphore${s.posixSemaphores.length === 1 ? '' : 's'}`,
      tooltip: `sem_open("/NAME") is the file ${s.posix.dir}/sem.NAME; values are read from it in glibc's layout.${unreadableNote(s)}`,
      codicon: 'symbol-numeric',
      warning: false,
    }),
    empty: () => ({ text: 'No named semaphores in /dev/shm', tooltip: 'No file sem.* exists in /dev/shm: no program has a named semaphore (sem_open) now.' }),
  },
  sysvMsg: {
    id: 'sysvMsg',
    title: l10n.t('System V message queues'),
    objects: (s) => s.msg.queues,
    line: (s) => {
      const description = msgLimitsSummary(s.limits, s.msg.queues.length);
      const full = s.msg.queues.filter((q) => q.full).length;
      return {
        description: full > 0 ? `${description} · ${full} full` : description,
        tooltip: `System V message queues (msgget): ${description}. Messages are read with msgrcv(MSG_COPY): never consumed.${s.msg.skippedLines > 0 ? ` ${s.msg.skippedLines} line(s) of /proc/sysvipc/msg could not be read.` : ''}`,
        codicon: 'mail',
        warning: full > 0 || share(s.msg.queues.length, s.limits.msgmni) >= NEAR_LIMIT,
      };
    },
    empty: () => ({
      text: 'No message queues in this IPC namespace · Create…',
      tooltip: 'No System V message queue exists in this IPC namespace. Click to create one.',
      command: { command: 'ipcInspector.createMessageQueue', title: l10n.t('Create Message Queue…') },
    }),
  },
  posixMq: {
    id: 'posixMq',
    title: l10n.t('POSIX message queues (/dev/mqueue)'),
    objects: (s) => s.mqueue.queues,
    line: (s) => {
      const description = s.mqueue.mounted ? pmqLimitsSummary(s.limits, s.mqueue.queues.length) : 'not mounted';
      return {
        description,
        tooltip: s.mqueue.mounted
          ? `POSIX message queues (mq_open): the files of ${s.mqueue.dir}, ${description}. Their messages cannot be read without consuming them, so they are never shown.`
          : (s.mqueue.problem ?? `POSIX message queues cannot be listed: ${MOUNT_ADVICE}`),
        codicon: 'mail',
        warning: s.mqueue.queues.some((q) => q.full) || share(s.mqueue.queues.length, s.limits.mqQueuesMax) >= NEAR_LIMIT,
      };
    },
    empty: (s) =>
      s.mqueue.mounted
        ? {
            text: 'No POSIX message queues · Create…',
            tooltip: 'No POSIX message queue exists in this IPC namespace. Click to create one.',
            command: { command: 'ipcInspector.createMessageQueue', title: l10n.t('Create Message Queue…'), arguments: ['posix'] },
          }
        : { text: `${s.mqueue.dir} is not mounted`, tooltip: s.mqueue.problem ?? MOUNT_ADVICE },
  },
};
