// Show Limits: the kernel's System V shared memory limits and how full /dev/shm is, next to what
// is used now, like `lsipc -g` but with the advice that goes with them.
import { formatBytes } from '../ipc/format';
import { formatLimit, type KernelLimit } from '../ipc/limits';
import type { Snapshot } from '../ipc/snapshot';
import type { Command } from './registry';

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
    'Change them with sysctl, e.g. sudo sysctl kernel.shmmni=8192 (add to /etc/sysctl.d/ to keep).',
    ...posixReport(snapshot),
  ];
}

function posixReport(snapshot: Snapshot): string[] {
  const { posix } = snapshot;
  if (!posix.available) return [`POSIX shared memory: ${posix.dir} cannot be read (${posix.error ?? 'missing'}).`];
  const usage = posix.usage;
  const used = usage && usage.size > 0 ? `${formatBytes(usage.used)} of ${formatBytes(usage.size)} used (${((usage.used / usage.size) * 100).toFixed(1)}%)` : 'size unknown';
  return [
    `POSIX shared memory (${posix.dir}): ${posix.objects.length} object(s), ${used}; a full /dev/shm gives SIGBUS or "No space left on device".`,
    `Change its size with: sudo mount -o remount,size=4G ${posix.dir} (Docker: --shm-size).`,
  ];
}

export const showLimits: Command = {
  id: 'ipcInspector.showLimits',
  what: 'Could not read the limits',
  async run(env) {
    const snapshot = await env.ipc.refresh(true);
    if (!snapshot) throw new Error('/proc/sysvipc/shm could not be read');
    const lines = limitsReport(snapshot);
    void env.ipc.prompts.confirm('Shared memory limits', lines.join('\n'));
    return lines;
  },
};
