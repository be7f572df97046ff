// Show Limits: the kernel's IPC limits (System V shared memory, semaphores and message queues,
// POSIX queues) and how full /dev/shm is, next to what is used now, like `lsipc -g` but with the
// advice that goes with them.
import { formatBytes } from '../ipc/format';
import { formatLimit, type KernelLimit } from '../ipc/limits';
import type { Snapshot } from '../ipc/snapshot';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

function percent(used: number, limit: KernelLimit | undefined): string {
  if (!limit || limit.unlimited || limit.raw === 0n) return '';
  return ` (${((used / Number(limit.raw)) * 100).toFixed(1)}%)`;
}

export function limitsReport(snapshot: Snapshot): string[] {
  const { limits, usage } = snapshot;
  const bytesLimit = (limit: KernelLimit | undefined, unit: number) =>
    !limit ? 'unknown' : limit.unlimited ? 'unlimited' : formatBytes(limit.raw * BigInt(unit));
  return [
    `Segments: ${usage.segments} of ${formatLimit(limits.shmmni)} (shmmni)${percent(usage.segments, limits.shmmni)}`,
    `Memory in segments: ${formatBytes(usage.pages * limits.pageSize)} of ${bytesLimit(limits.shmall, limits.pageSize)} (shmall = ${formatLimit(limits.shmall)} pages)${percent(usage.pages, limits.shmall)}`,
    `Largest segment allowed: ${bytesLimit(limits.shmmax, 1)} (shmmax)`,
    `Segments destroyed when their last process detaches: ${limits.shmRmidForced ? 'yes (shm_rmid_forced = 1)' : 'no (shm_rmid_forced = 0)'}`,
    ...semReport(snapshot),
    ...msgReport(snapshot),
    'Change them with sysctl, e.g. sudo sysctl kernel.shmmni=8192 or kernel.sem="32000 1024000000 500 32000" (add to /etc/sysctl.d/ to keep).',
    ...posixReport(snapshot),
    ...mqueueReport(snapshot),
  ];
}

function semReport(snapshot: Snapshot): string[] {
  const { limits } = snapshot;
  const sets = snapshot.sem.sets.length;
  const semaphores = snapshot.sem.sets.reduce((n, s) => n + s.set.nsems, 0);
  const largest = snapshot.sem.sets.reduce((n, s) => Math.max(n, s.set.nsems), 0);
  return [
    `Semaphore sets: ${sets} of ${formatLimit(limits.semmni)} (semmni)${percent(sets, limits.semmni)}`,
    `Semaphores in all sets: ${semaphores} of ${formatLimit(limits.semmns)} (semmns)${percent(semaphores, limits.semmns)}`,
    `Semaphores a set may have: ${formatLimit(limits.semmsl)} (semmsl; the largest set now has ${largest}); operations a semop call may do: ${formatLimit(limits.semopm)} (semopm)`,
  ];
}

function msgReport(snapshot: Snapshot): string[] {
  const { limits } = snapshot;
  const queues = snapshot.msg.queues.length;
  const full = snapshot.msg.queues.filter((q) => q.full).length;
  return [
    `Message queues: ${queues} of ${formatLimit(limits.msgmni)} (msgmni)${percent(queues, limits.msgmni)}${full > 0 ? `; ${full} full` : ''}`,
    `Largest message: ${formatLimit(limits.msgmax)} bytes (msgmax); default capacity of a new queue: ${formatLimit(limits.msgmnb)} bytes (msgmnb)`,
  ];
}

function mqueueReport(snapshot: Snapshot): string[] {
  const { limits, mqueue } = snapshot;
  const listed = mqueue.mounted ? `${mqueue.queues.length} listed in ${mqueue.dir}` : `${mqueue.dir} is not mounted, so none can be listed`;
  return [
    `POSIX message queues: at most ${formatLimit(limits.mqQueuesMax)} (fs.mqueue.queues_max); ${listed}`,
    `A POSIX queue holds at most ${formatLimit(limits.mqMsgMax)} messages (msg_max) of at most ${formatLimit(limits.mqMsgsizeMax)} bytes (msgsize_max) for non-root users; change them with sudo sysctl fs.mqueue.msg_max=…`,
  ];
}

function posixReport(snapshot: Snapshot): string[] {
  const { posix } = snapshot;
  if (!posix.available) return [`POSIX shared memory: ${posix.dir} cannot be read (${posix.error ?? 'missing'}).`];
  const usage = posix.usage;
  const used =
    usage && usage.size > 0
      ? `${formatBytes(usage.used)} of ${formatBytes(usage.size)} used (${((usage.used / usage.size) * 100).toFixed(1)}%)`
      : 'size unknown';
  return [
    l10n.t(
      'POSIX shared memory ({0}): {1}, {2}; a full /dev/shm gives SIGBUS or "No space left on device".',
      posix.dir,
      posix.objects.length === 1 ? l10n.t('1 object') : l10n.t('{0} objects', posix.objects.length),
      used,
    ),
    `Change its size with: sudo mount -o remount,size=4G ${posix.dir} (Docker: --shm-size).`,
  ];
}

export const showLimits: Command = {
  id: 'ipcInspector.showLimits',
  what: 'Could not read the limits',
  async run(env) {
    const snapshot = await env.ipc.refresh(true);
    if (!snapshot) throw new Error(l10n.t('/proc/sysvipc could not be read'));
    const lines = limitsReport(snapshot);
    void env.ipc.prompts.confirm(l10n.t('IPC limits'), lines.join('\n'));
    return lines;
  },
};
