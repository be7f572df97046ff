// Clean Up Orphaned Segments…: lists every segment nobody is attached to whose creator is gone,
// each with why it is considered orphaned, all pre-selected; one confirmation; then each is removed
// only if it is still orphaned when read again and still unattached at the moment of removal (the
// helper's remove-if-unattached). Attached segments and ones whose creator lives are never touched.
import { formatBytes } from '../ipc/format';
import type { SegmentInfo } from '../ipc/snapshot';
import type { Command } from './registry';
import { reportFailure } from './registry';
import { boundedList, ownership, segmentTitle } from './segmentArgs';
import { HelperError } from '../ipc/helperClient';

export const CLEAN_UP_BUTTON = 'Remove';

export interface CleanUpResult {
  removed: number[];
  bytesFreed: number;
  skipped: string[];
}

export const cleanUpOrphans: Command = {
  id: 'ipcInspector.cleanUpOrphans',
  what: 'Could not clean up orphaned segments',
  async run(inspector): Promise<CleanUpResult | undefined> {
    const snapshot = await inspector.refresh(true);
    const orphans = (snapshot?.segments ?? []).filter((info) => info.classification.state === 'orphaned');
    if (orphans.length === 0) {
      void inspector.prompts.notify('info', 'No orphaned segments: every segment is attached, or its creator is still running.');
      return { removed: [], bytesFreed: 0, skipped: [] };
    }
    const items = orphans.map((info) => ({
      label: segmentTitle(info),
      description: `${formatBytes(info.segment.size)} · owner ${info.ownerName}`,
      detail: info.classification.reason,
      picked: true,
      info,
    }));
    const picked = await inspector.prompts.quickPick(items, {
      canPickMany: true,
      title: 'Clean Up Orphaned Segments',
      placeHolder: `${orphans.length} orphaned segment(s): unattached, creator gone. Untick the ones to keep.`,
    });
    if (!picked || picked.length === 0) return undefined;
    const chosen = picked.map((item) => item.info);
    const total = chosen.reduce((sum, info) => sum + info.segment.size, 0);
    if (inspector.settings.confirmRemove) {
      const answer = await inspector.prompts.confirm(
        `Remove ${chosen.length} orphaned segment(s), ${formatBytes(total)}?`,
        boundedList(chosen.map((info) => `• ${segmentTitle(info)}, ${formatBytes(info.segment.size)}: ${info.classification.reason}`)) +
          '\n\nEach is checked again right before removal: any segment that a process attached meanwhile is kept.',
        CLEAN_UP_BUTTON,
      );
      if (answer !== CLEAN_UP_BUTTON) return undefined;
    }
    const result = await removeStillOrphaned(inspector, chosen);
    const summary = `Removed ${result.removed.length} orphaned segment(s), freed ${formatBytes(result.bytesFreed)}.`;
    void inspector.prompts.notify(result.skipped.length ? 'warning' : 'info', result.skipped.length ? `${summary} Kept: ${result.skipped.join('; ')}.` : summary);
    return result;
  },
};

async function removeStillOrphaned(inspector: Parameters<Command['run']>[0], chosen: SegmentInfo[]): Promise<CleanUpResult> {
  const fresh = await inspector.refresh(true);
  const result: CleanUpResult = { removed: [], bytesFreed: 0, skipped: [] };
  for (const info of chosen) {
    const now = fresh?.segments.find((s) => s.segment.shmid === info.segment.shmid && s.segment.ctime === info.segment.ctime);
    if (!now) {
      result.skipped.push(`${segmentTitle(info)} is gone already`);
      continue;
    }
    if (now.classification.state !== 'orphaned') {
      result.skipped.push(`${segmentTitle(info)} is no longer orphaned (${now.classification.reason})`);
      continue;
    }
    try {
      const removed = await inspector.helper().removeIfUnattached(info.segment.shmid);
      result.removed.push(info.segment.shmid);
      result.bytesFreed += removed.size;
      inspector.log.info(`clean-up removed ${segmentTitle(info)} (${info.classification.reason})`);
    } catch (error) {
      if (error instanceof HelperError && error.code === 'EBUSY') {
        result.skipped.push(`${segmentTitle(info)} was attached meanwhile`);
      } else {
        result.skipped.push(`${segmentTitle(info)} could not be removed`);
        reportFailure(inspector, error, `Could not remove segment ${segmentTitle(info)}`, ownership(info));
      }
    }
  }
  await inspector.refresh(true);
  return result;
}
