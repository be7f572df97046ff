// Show Limits: the kernel's System V shared memory limits next to what is used now, like
// `lsipc -g` but with the advice that goes with them.
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
  ];
}

export const showLimits: Command = {
  id: 'ipcInspector.showLimits',
  what: 'Could not read the limits',
  async run(inspector) {
    const snapshot = await inspector.refresh(true);
    if (!snapshot) throw new Error('/proc/sysvipc/shm could not be read');
    const lines = limitsReport(snapshot);
    void inspector.prompts.confirm('System V shared memory limits', lines.join('\n'));
    return lines;
  },
};
