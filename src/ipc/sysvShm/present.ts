// How a segment is put into words: row label, description, state words, tooltip (Markdown) and the
// screen-reader label. Pure functions, so the same words are tested once and used everywhere.
import { formatBytes, formatKey, modeToString } from './format';
import type { AttachedProcess, SegmentInfo, Snapshot } from './snapshot';
import type { SegmentState } from './classifier';
import { formatLimit } from './limits';

export type RowState = SegmentState | 'locked';

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
  ].filter(Boolean).join(', ');
}

export function formatTime(epochSeconds: number): string {
  return epochSeconds === 0 ? 'never' : new Date(epochSeconds * 1000).toLocaleString();
}

function pidWithCommand(pid: number, command: string | undefined): string {
  if (pid === 0) return 'not visible (another pid namespace)';
  return command ? `${pid} (\`${escapeCode(command)}\`)` : `${pid}`;
}

function escapeCode(text: string): string {
  return text.replace(/`/g, "'").slice(0, 200);
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
  const table = rows.map(([name, value]) => `| ${name} | ${value.replace(/\|/g, '\\|')} |`).join('\n');
  return `**Shared memory segment ${displayKey(info)}**\n\n| | |\n|---|---|\n${table}\n`;
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
  'The kernel counts these attachments, but their processes\' /proc/PID/maps cannot be read by this user ' +
  '(another user\'s processes, or another IPC namespace). Run VS Code as root to see them.';

/** The view's description: how much of the kernel's limits is used. */
export function limitsSummary(snapshot: Snapshot): string {
  const { limits, usage } = snapshot;
  const segments = limits.shmmni ? `${usage.segments}/${formatLimit(limits.shmmni)} segments` : `${usage.segments} segments`;
  const bytes = formatBytes(usage.bytes);
  if (!limits.shmall || limits.shmall.unlimited) return `${segments} · ${bytes}`;
  const allBytes = limits.shmall.raw * BigInt(limits.pageSize);
  return `${segments} · ${bytes} of ${formatBytes(allBytes)}`;
}
