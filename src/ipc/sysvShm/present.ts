// How a System V segment is put into words: row label, description, state words, tooltip
// (Markdown), the screen-reader label, its attached processes as child rows, and the limits line.
// Pure functions, so the same words are tested once and used everywhere.
import { formatBytes, formatKey, modeToString } from '../format';
import type { ShmStat } from '../helperProtocol';
import { formatLimit, type IpcLimits, type ShmUsage } from '../limits';
import { SHM_DEST } from '../sysvipc';
import { ChildRow, escapeCode, formatTime, markdownTable, ObjectRow, RowContext, RowIcon } from '../objects';
import type { AttachedProcess, SegmentInfo, SegmentState } from './classify';

export type RowState = SegmentState | 'locked';

const ROW_ICONS: Record<RowState, RowIcon> = {
  attached: 'in-use',
  unattached: 'unused',
  orphaned: 'orphaned',
  'removed-attached': 'removed-held',
  locked: 'locked',
};

const STATE_WORDS: Record<SegmentState, string> = {
  attached: 'attached',
  unattached: 'not attached',
  orphaned: 'orphaned (leaked)',
  'removed-attached': 'removed, still attached',
};

/** The state the row's icon shows: locked wins, because it is the rarer and costlier fact. */
export function rowState(info: SegmentInfo): RowState {
  return info.classification.locked ? 'locked' : info.classification.state;
}

export function stateWords(info: SegmentInfo): string {
  const words = STATE_WORDS[info.classification.state];
  return info.classification.locked ? `${words}, locked in memory` : words;
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
  return original === undefined ? 'private (removed)' : `${formatKey(original)} (removed)`;
}

export function segmentLabel(info: SegmentInfo): string {
  return `${displayKey(info)} · ${info.segment.shmid}`;
}

export function attachedWords(info: SegmentInfo): string {
  const n = info.segment.nattch;
  return n === 0 ? 'not attached' : `${n} attached`;
}

export function segmentDescription(info: SegmentInfo, held: boolean): string {
  const parts = [formatBytes(info.segment.size), attachedWords(info), info.ownerName];
  if (info.classification.state === 'orphaned') parts.push('orphaned');
  if (info.segment.dest) parts.push('removed');
  if (info.classification.locked) parts.push('locked');
  if (held) parts.push('held by this window');
  return parts.join(' · ');
}

export function accessibilityLabel(info: SegmentInfo, held: boolean): string {
  const key = displayKey(info);
  return [
    `Shared memory segment ${key === 'private' ? 'with private key' : `key ${key}`}, id ${info.segment.shmid}`,
    formatBytes(info.segment.size),
    `state: ${stateWords(info)}`,
    info.segment.nattch === 1 ? '1 process attached' : `${info.segment.nattch} processes attached`,
    `owner ${info.ownerName}`,
    held ? 'held by this window' : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function pidWithCommand(pid: number, command: string | undefined): string {
  if (pid === 0) return 'not visible (another pid namespace)';
  return command ? `${pid} (\`${escapeCode(command)}\`)` : `${pid}`;
}

/** The tooltip: everything /proc and the classifier know, as a Markdown table. */
export function segmentTooltip(info: SegmentInfo, held: boolean): string {
  const s = info.segment;
  const rows: Array<[string, string]> = [
    ['Key', s.key === 0 && !s.dest ? '0x00000000 (IPC_PRIVATE)' : displayKey(info)],
    ['Id', String(s.shmid)],
    ['State', stateWords(info) + (held ? ', held by this window' : '')],
    ['Why', info.classification.reason],
    ['Size', `${formatBytes(s.size)} (${s.size.toLocaleString('en-US')} bytes)`],
    ['Attached', `${s.nattch}` + (info.hiddenAttachments > 0 ? ` (${info.hiddenAttachments} not visible to this user)` : '')],
    ['Permissions', `${modeToString(s.mode)} (${s.mode.toString(8).padStart(4, '0')})`],
    ['Owner', `${info.ownerName}:${info.groupName} (uid ${s.uid}, gid ${s.gid})`],
    ['Creator', `${info.creatorUserName} (uid ${s.cuid}), pid ${pidWithCommand(s.cpid, info.creatorCommand)}`],
    ['Last attach/detach', `pid ${pidWithCommand(s.lpid, info.lastCommand)}`],
    ['Attached at', formatTime(s.atime)],
    ['Detached at', formatTime(s.dtime)],
    ['Changed at', formatTime(s.ctime)],
  ];
  if (s.rss !== undefined) rows.push(['Resident', `${formatBytes(s.rss)}, swapped ${formatBytes(s.swap ?? 0)}`]);
  return `**Shared memory segment ${displayKey(info)}**\n\n${markdownTable(rows)}`;
}

export function attacherLabel(a: AttachedProcess): string {
  return `${a.pid} ${a.command ?? '(exited)'}`;
}

export function attacherDescription(a: AttachedProcess): string {
  const access = a.access === 'rw' ? 'read-write' : a.access === 'ro' ? 'read-only' : 'no access (PROT_NONE)';
  return `${access} · ${a.start}-${a.end}`;
}

export function hiddenAttachersLabel(hidden: number): string {
  return hidden === 1 ? '1 attached process not visible' : `${hidden} attached processes not visible`;
}

export const HIDDEN_ATTACHERS_EXPLANATION =
  "The kernel counts these attachments, but their processes' /proc/PID/maps cannot be read by this user " +
  "(another user's processes, or another IPC namespace). Run VS Code as root to see them.";

/** The limits line of the System V group: how much of the kernel's limits is used. */
export function limitsSummary(limits: IpcLimits, usage: ShmUsage): string {
  const segments = limits.shmmni ? `${usage.segments}/${formatLimit(limits.shmmni)} segments` : `${usage.segments} segments`;
  const bytes = formatBytes(usage.bytes);
  if (!limits.shmall || limits.shmall.unlimited) return `${segments} · ${bytes}`;
  const allBytes = limits.shmall.raw * BigInt(limits.pageSize);
  return `${segments} · ${bytes} of ${formatBytes(allBytes)}`;
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
  const how = a.access === 'rw' ? 'read-write' : a.access === 'ro' ? 'read-only' : 'with no access';
  return {
    id: `shm:${info.segment.shmid}:${a.pid}:${a.start}`,
    label: attacherLabel(a),
    description: attacherDescription(a),
    tooltip: `Process ${a.pid}${a.command ? ` (${a.command})` : ''} has segment ${formatKey(a.key)} (id ${a.shmid}) attached ${how} at ${a.start}-${a.end} (${a.length} bytes mapped).`,
    codicon: a.access === 'rw' ? 'edit' : 'eye',
    accessibilityLabel: `Process ${a.pid}, ${a.command ?? 'exited'}, ${attacherDescription(a)}`,
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
