// Remove Segment: IPC_RMID on every selected segment, after a modal confirmation that names each
// one and says what happens to attached ones. Right before acting each segment is read again from
// /proc: one that vanished, or whose id now belongs to a different segment, is left alone.
import { formatBytes } from '../ipc/format';
import type { SegmentInfo } from '../ipc/snapshot';
import type { Command } from './registry';
import { reportFailure } from './registry';
import { boundedList, chooseSegments, ownership, segmentTitle } from './segmentArgs';

export const REMOVE_BUTTON = 'Remove';

function confirmation(segments: SegmentInfo[]): { message: string; detail: string } {
  const attached = segments.filter((info) => info.segment.nattch > 0);
  const message = segments.length === 1 ? `Remove segment ${segmentTitle(segments[0])}?` : `Remove ${segments.length} segments?`;
  const lines = segments.map((info) => `• ${segmentTitle(info)}, ${formatBytes(info.segment.size)}, owner ${info.ownerName}, ${info.segment.nattch} attached`);
  const note = attached.length > 0
    ? `\n\n${attached.length === 1 ? 'One of them is' : `${attached.length} of them are`} still attached: ` +
      'an attached segment is only marked for removal (its key is freed at once) and disappears when its last process detaches.'
    : `\n\n${segments.length === 1 ? 'Its' : 'Their'} contents are lost.`;
  return { message, detail: boundedList(lines) + note };
}

/** Same segment, not just the same id: ids are reused after removal. */
function sameSegment(before: SegmentInfo, now: SegmentInfo | undefined): now is SegmentInfo {
  return !!now && now.segment.ctime === before.segment.ctime && now.segment.cuid === before.segment.cuid && now.segment.size === before.segment.size;
}

export const removeSegment: Command = {
  id: 'ipcInspector.removeSegment',
  what: 'Could not remove the segment',
  async run(inspector, ...args) {
    const segments = await chooseSegments(inspector, args, {
      many: true,
      placeHolder: 'Segments to remove',
      eligible: (info) => !info.segment.dest,
    });
    if (segments.length === 0) return [];
    if (inspector.settings.confirmRemove) {
      const { message, detail } = confirmation(segments);
      if ((await inspector.prompts.confirm(message, detail, REMOVE_BUTTON)) !== REMOVE_BUTTON) return [];
    }
    const removed: number[] = [];
    const skipped: string[] = [];
    // Read /proc once, right before acting, and check every segment against it.
    const fresh = await inspector.refresh(true);
    for (const info of segments) {
      const now = fresh?.segments.find((s) => s.segment.shmid === info.segment.shmid);
      if (!sameSegment(info, now)) {
        skipped.push(`${segmentTitle(info)} no longer exists`);
        continue;
      }
      try {
        await inspector.helper().remove(info.segment.shmid);
        removed.push(info.segment.shmid);
        inspector.log.info(`removed ${segmentTitle(info)}${now.segment.nattch > 0 ? ` (marked: ${now.segment.nattch} still attached)` : ''}`);
      } catch (error) {
        reportFailure(inspector, error, `Could not remove segment ${segmentTitle(info)}`, ownership(info));
      }
    }
    await inspector.refresh(true);
    if (skipped.length > 0) void inspector.prompts.notify('warning', `Not removed: ${skipped.join('; ')}.`);
    return removed;
  },
};
