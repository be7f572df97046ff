// Shared by the commands that act on segments: which ones (clicked row, selection, or a pick list
// when run from the palette), and how to name them in messages.
import { formatBytes } from '../ipc/format';
import { displayKey, stateWords } from '../ipc/presentation';
import type { SegmentInfo } from '../ipc/snapshot';
import type { SegmentOwnership } from '../ipc/errors';
import type { Inspector } from '../views/inspector';

export function segmentTitle(info: SegmentInfo): string {
  return `${displayKey(info)} (id ${info.segment.shmid})`;
}

export function ownership(info: SegmentInfo): SegmentOwnership {
  return { label: segmentTitle(info), ownerName: info.ownerName, creatorUserName: info.creatorUserName };
}

/**
 * The segments to act on: from the tree (clicked row and selection) or, from the palette with
 * nothing selected, chosen in a pick list (filtered by `eligible`). Empty when the user cancelled.
 */
export async function chooseSegments(
  inspector: Inspector,
  args: unknown[],
  options: { many: boolean; placeHolder: string; eligible?: (info: SegmentInfo) => boolean },
): Promise<SegmentInfo[]> {
  const eligible = options.eligible ?? (() => true);
  const given = inspector.segmentsFrom(args[0], args[1]).filter(eligible);
  if (given.length > 0) return options.many ? given : given.slice(0, 1);
  const snapshot = inspector.snapshots.current ?? (await inspector.refresh(true));
  const items = (snapshot?.segments ?? []).filter(eligible).map((info) => ({
    label: segmentTitle(info),
    description: `${formatBytes(info.segment.size)} · ${info.ownerName}`,
    detail: stateWords(info),
    info,
  }));
  if (items.length === 0) {
    void inspector.prompts.notify('info', 'No segment to choose from for this command.');
    return [];
  }
  if (options.many) {
    const picked = await inspector.prompts.quickPick(items, { canPickMany: true, placeHolder: options.placeHolder });
    return (picked ?? []).map((item) => item.info);
  }
  const picked = await inspector.prompts.quickPick(items, { placeHolder: options.placeHolder });
  return picked ? [picked.info] : [];
}

/** At most `max` lines of a list for a dialog, then "…and N more": a modal must stay readable. */
export function boundedList(lines: string[], max = 10): string {
  if (lines.length <= max) return lines.join('\n');
  return [...lines.slice(0, max - 1), `…and ${lines.length - (max - 1)} more`].join('\n');
}
