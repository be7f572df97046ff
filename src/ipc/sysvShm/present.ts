// How a System V segment is put into words: row label, description, state words, tooltip
// (Markdown), the screen-reader label, its attached processes as child rows, and the limits line.
// Pure functions, so the same words are tested once and used everywhere.
import { formatBytes, formatKey, modeToString } from '../format';
import * as l10n from '../../shared/l10n';
import type { ShmStat } from '../helperProtocol';
import { formatLimit, type IpcLimits, type ShmUsage } from '../limits';
import { SHM_DEST } from '../family/sysvTables';
import { ChildRow, escapeCode, formatTime, markdownTable, ObjectRow, RowContext, RowIcon, processLabel } from '../objects';
import { attachedProcesses, userAttachments, type AttachedProcess, type SegmentInfo, type SegmentState } from './types';

export type RowState = SegmentState | 'locked';

const ROW_ICONS: Record<RowState, RowIcon> = {
  attached: 'in-use',
  unattached: 'unused',
  orphaned: 'orphaned',
  'removed-attached': 'removed-held',
  locked: 'locked',
};

const STATE_WORDS: Record<SegmentState, string> = {
  attached: l10n.t('attached'),
  unattached: l10n.t('not attached'),
  orphaned: l10n.t('orphaned (leaked)'),
  'removed-attached': l10n.t('removed, still attached'),
};

/** The state the row's icon shows: locked wins, because it is the rarer and costlier fact. */
export function rowState(info: SegmentInfo): RowState {
  return info.classification.locked ? 'locked' : info.classification.state;
}

export function stateWords(info: SegmentInfo): string {
  const words = STATE_WORDS[info.classification.state];
  return info.classification.locked ? l10n.t('{0}, locked in memory', words) : words;
}

/**
 * The key users know the segment by. A removed segment shows key 0 in /proc; the original key
 * survives in the attachers' maps (SYSV%08x), so it is shown when known.
 */
export function displayKey(info: SegmentInfo): string {
  const { segment } = info;
  if (segment.key !== 0) return formatKey(segment.key);
  if (!segment.dest) return 'private';
  // Removed: the attachers' maps still name the original key (0 when it was IPC_PRIVATE).
  if (info.attachments.length === 0) return 'removed';
  const original = info.attachments.find((a) => a.key !== 0)?.key;
  return original === undefined ? l10n.t('private (removed)') : l10n.t('{0} (removed)', formatKey(original));
}

export function segmentLabel(info: SegmentInfo): string {
  return `${displayKey(info)} · ${info.segment.shmid}`;
}

export function attachedWords(info: SegmentInfo): string {
  const n = userAttachments(info) === 0 ? 0 : attachedProcesses(info);
  return n === 0 ? l10n.t('not attached') : l10n.t('{0} attached', n);
}

export function segmentDescription(info: SegmentInfo, held: boolean): string {
  // The state first: a narrow side bar cuts the end off.
  const parts: string[] = [];
  if (info.classification.state === 'orphaned') parts.push(l10n.t('orphaned'));
  if (info.segment.dest) parts.push(l10n.t('removed'));
  if (info.classification.locked) parts.push(l10n.t('locked'));
  parts.push(formatBytes(info.segment.size), attachedWords(info), info.ownerName);
  if (held) parts.push(l10n.t('held by this window'));
  return parts.join(' · ');
}

export function accessibilityLabel(info: SegmentInfo, held: boolean): string {
  const key = displayKey(info);
  return [
    l10n.t('Shared memory segment {0}, id {1}', key === 'private' ? l10n.t('with private key') : l10n.t('key {0}', key), info.segment.shmid),
    formatBytes(info.segment.size),
    l10n.t('state: {0}', stateWords(info)),
    attachedProcesses(info) === 1 ? l10n.t('1 process attached') : l10n.t('{0} processes attached', attachedProcesses(info)),
    l10n.t('owner {0}', info.ownerName),
    held ? l10n.t('held by this window') : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function pidWithCommand(pid: number, command: string | undefined): string {
  if (pid === 0) return l10n.t('not visible (another pid namespace)');
  return command ? `${pid} (\`${escapeCode(command)}\`)` : `${pid}`;
}

/** The tooltip's count of attachments: users' ones, then what is not visible and what is the inspector's own. */
function attachedCell(info: SegmentInfo): string {
  const processes = attachedProcesses(info);
  const attachments = userAttachments(info);
  let text =
    processes === attachments
      ? `${processes}`
      : l10n.t(
          '{0} ({1} attachments: a process may attach more than once)',
          processes === 1 ? l10n.t('1 process') : l10n.t('{0} processes', processes),
          attachments,
        );
  if (info.hiddenAttachments > 0) text += l10n.t(' ({0} not visible to this user)', info.hiddenAttachments);
  if (info.inspectorAttachments > 0) text += l10n.t('; IPC Inspector also has it attached (its own, to read it; not counted)');
  return text;
}

/** The tooltip: everything /proc and the classifier know, as a Markdown table. */
export function segmentTooltip(info: SegmentInfo, held: boolean): string {
  const s = info.segment;
  const rows: Array<[string, string]> = [
    ['Key', s.key === 0 && !s.dest ? l10n.t('0x00000000 (IPC_PRIVATE)') : displayKey(info)],
    ['Id', String(s.shmid)],
    ['State', stateWords(info) + (held ? l10n.t(', held by this window') : '')],
    ['Why', info.classification.reason],
    ['Size', l10n.t('{0} ({1} bytes)', formatBytes(s.size), s.size.toLocaleString('en-US'))],
    ['Attached', attachedCell(info)],
    ['Permissions', `${modeToString(s.mode)} (${s.mode.toString(8).padStart(4, '0')})`],
    ['Owner', l10n.t('{0}:{1} (uid {2}, gid {3})', info.ownerName, info.groupName, s.uid, s.gid)],
    ['Creator', l10n.t('{0} (uid {1}), pid {2}', info.creatorUserName, s.cuid, pidWithCommand(s.cpid, info.creatorCommand))],
    [l10n.t('Last attach/detach'), l10n.t('pid {0}', pidWithCommand(s.lpid, info.lastCommand))],
    [l10n.t('Attached at'), formatTime(s.atime)],
    [l10n.t('Detached at'), formatTime(s.dtime)],
    [l10n.t('Changed at'), formatTime(s.ctime)],
  ];
  if (s.rss !== undefined) rows.push(['Resident', l10n.t('{0}, swapped {1}', formatBytes(s.rss), formatBytes(s.swap ?? 0))]);
  return l10n.t('**Shared memory segment {0}**\n\n{1}', displayKey(info), markdownTable(rows));
}

export function attacherLabel(a: AttachedProcess): string {
  return processLabel(a.pid, a.command);
}

export function attacherDescription(a: AttachedProcess): string {
  const access = a.access === 'rw' ? 'read-write' : a.access === 'ro' ? 'read-only' : l10n.t('no access (PROT_NONE)');
  return `${access} · ${a.start}-${a.end}`;
}

export function hiddenAttachersLabel(hidden: number): string {
  return hidden === 1 ? l10n.t('1 attached process not visible') : l10n.t('{0} attached processes not visible', hidden);
}

export const HIDDEN_ATTACHERS_EXPLANATION =
  l10n.t("The kernel counts these attachments, but their processes' /proc/PID/maps cannot be read by this user ") +
  l10n.t("(another user's processes, or another IPC namespace). Run VS Code (or ipc-inspector) as root to see them.");

/** The limits line of the System V group: how much of the kernel's limits is used. */
export function limitsSummary(limits: IpcLimits, usage: ShmUsage): string {
  const segments = limits.shmmni ? l10n.t('{0}/{1} segments', usage.segments, formatLimit(limits.shmmni)) : l10n.t('{0} segments', usage.segments);
  const bytes = formatBytes(usage.bytes);
  if (!limits.shmall || limits.shmall.unlimited) return `${segments} · ${bytes}`;
  const allBytes = limits.shmall.raw * BigInt(limits.pageSize);
  return l10n.t('{0} · {1} of {2}', segments, bytes, formatBytes(allBytes));
}

/**
 * Flags the menus' `when` clauses test with regular expressions, e.g. `viewItem =~ /;held/`:
 * live (not removed), held (by this window), locked, dest (removed), mine (owned or created by us).
 */
export function contextValue(info: SegmentInfo, held: boolean, uid: number): string {
  const s = info.segment;
  const flags = [`segment;state=${info.classification.state}`];
  if (!s.dest) flags.push('live');
  if (held) flags.push('held');
  if (s.locked) flags.push('locked');
  if (s.dest) flags.push('dest');
  if (s.uid === uid || s.cuid === uid) flags.push('mine');
  return flags.join(';');
}

function attacherRow(info: SegmentInfo, a: AttachedProcess): ChildRow {
  const how = a.access === 'rw' ? 'read-write' : a.access === 'ro' ? 'read-only' : l10n.t('with no access');
  return {
    id: `shm:${info.segment.shmid}:${a.pid}:${a.start}`,
    label: attacherLabel(a),
    description: attacherDescription(a),
    tooltip: l10n.t(
      'Process {0}{1} has segment {2} (id {3}) attached {4} at {5}-{6} ({7} bytes mapped).',
      a.pid,
      a.command ? ` (${a.command})` : '',
      formatKey(a.key),
      a.shmid,
      how,
      a.start,
      a.end,
      a.length,
    ),
    codicon: a.access === 'rw' ? 'edit' : 'eye',
    accessibilityLabel: l10n.t('Process {0}, {1}, {2}', a.pid, a.command ?? 'exited', attacherDescription(a)),
    contextValue: 'attacher',
    pid: a.pid,
  };
}

/** The whole row of a segment, children included. */
export function segmentRow(info: SegmentInfo, context: RowContext): ObjectRow {
  const children = info.attachments.map((a) => attacherRow(info, a));
  if (info.hiddenAttachments > 0) {
    children.push({
      id: `shm:${info.segment.shmid}:hidden`,
      label: hiddenAttachersLabel(info.hiddenAttachments),
      tooltip: HIDDEN_ATTACHERS_EXPLANATION,
      codicon: 'eye-closed',
      accessibilityLabel: hiddenAttachersLabel(info.hiddenAttachments),
      contextValue: 'hiddenAttachers',
    });
  }
  return {
    id: `shm:${info.segment.shmid}`,
    label: segmentLabel(info),
    description: segmentDescription(info, context.held),
    icon: ROW_ICONS[rowState(info)],
    tooltip: segmentTooltip(info, context.held),
    accessibilityLabel: accessibilityLabel(info, context.held),
    contextValue: contextValue(info, context.held, context.uid),
    children,
  };
}

/** The key of a segment as IPC_STAT reports it: "private", "removed" (key 0 with DEST) or 0x%08x. */
export function keyText(stat: Pick<ShmStat, 'key' | 'mode'>): string {
  return stat.key === 0 ? ((stat.mode & SHM_DEST) !== 0 ? 'removed' : 'private') : formatKey(stat.key);
}
