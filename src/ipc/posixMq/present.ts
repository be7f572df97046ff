// How a POSIX message queue is put into words: name, messages of its capacity, message size,
// holders (processes with a descriptor of it) as children, and why its messages are not shown.
import { formatBytes, modeToString } from '../format';
import type { IpcLimits } from '../limits';
import { ChildRow, escapeCode, markdownTable, ObjectRow, RowContext, RowIcon } from '../objects';
import type { Holder } from '../posixShm/classify';
import type { PosixMqInfo, PosixMqState } from './classify';

const STATE_WORDS: Record<PosixMqState, string> = {
  'in-use': 'in use',
  unused: 'unused',
  orphaned: 'orphaned (leaked)',
  full: 'full',
};

const ROW_ICONS: Record<PosixMqState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  full: 'problem',
};

/** Why a POSIX queue's messages are never listed. */
export const NO_PEEK =
  'A POSIX message queue cannot be read without receiving (consuming) its messages, so they are not shown: only their number and total size.';

export function pmqStateWords(info: PosixMqInfo): string {
  return STATE_WORDS[info.state];
}

function messagesWords(info: PosixMqInfo): string {
  const a = info.attr;
  if (a.read) return `${a.curmsgs}/${a.maxmsg} messages`;
  return info.queue.qsize !== undefined ? `${formatBytes(info.queue.qsize)} queued` : 'messages unknown';
}

function holderCount(info: PosixMqInfo): number {
  return new Set(info.holders.map((h) => h.pid)).size;
}

export function pmqDescription(info: PosixMqInfo): string {
  const parts = [messagesWords(info)];
  if (info.attr.read) parts.push(`≤ ${formatBytes(info.attr.msgsize)} each`);
  parts.push(holderCount(info) === 1 ? '1 holder' : `${holderCount(info)} holders`, info.ownerName);
  if (info.state === 'full') parts.push('full');
  if (info.state === 'orphaned') parts.push('orphaned');
  return parts.join(' · ');
}

export function pmqTooltip(info: PosixMqInfo): string {
  const q = info.queue;
  const a = info.attr;
  const notify = !q.notifyPid
    ? 'none'
    : `pid ${q.notifyPid}${info.notifyCommand ? ` (\`${escapeCode(info.notifyCommand)}\`)` : ''}, ${q.notify === 0 ? `signal ${q.signo}` : q.notify === 2 ? 'a thread' : 'nothing'}`;
  const rows: Array<[string, string]> = [
    ['Name', `${q.name} (mq_open)`],
    ['File', q.path],
    ['State', pmqStateWords(info)],
    ['Why', info.reason],
    ['Messages', a.read ? `${a.curmsgs} of at most ${a.maxmsg}, each at most ${a.msgsize.toLocaleString('en-US')} bytes` : a.message],
    ['Queued bytes', q.qsize === undefined ? 'unknown (the file may not be read)' : `${q.qsize.toLocaleString('en-US')} (QSIZE)`],
    ['Notification', notify],
    ['Permissions', `${modeToString(q.mode)} (${(q.mode & 0o777).toString(8).padStart(4, '0')})`],
    ['Owner', `${info.ownerName}:${info.groupName} (uid ${q.uid}, gid ${q.gid})`],
    ['Holders', holderCount(info) === 0 ? 'no process holds a descriptor of it' : `${holderCount(info)} process(es) hold a descriptor`],
    ['Contents', NO_PEEK],
  ];
  return `**POSIX message queue ${escapeCode(q.name)}**\n\n${markdownTable(rows)}`;
}

function holderRow(info: PosixMqInfo, h: Holder): ChildRow {
  const access = h.via === 'fd' ? `fd ${h.fd}, ${h.access === 'ro' ? 'receives' : h.access === 'wo' ? 'sends' : 'sends and receives'}` : 'maps it';
  return {
    id: `pmq:${info.key}:${h.pid}:${h.via === 'fd' ? `fd${h.fd}` : h.start}`,
    label: `${h.pid} ${h.command ?? '(exited)'}`,
    description: access,
    tooltip: `Process ${h.pid}${h.command ? ` (${escapeCode(h.command)})` : ''} holds queue ${info.name} open (${access}).`,
    codicon: 'file',
    accessibilityLabel: `Process ${h.pid}, ${h.command ?? 'exited'}, ${access}`,
    contextValue: 'holder',
    pid: h.pid,
  };
}

export function pmqContextValue(info: PosixMqInfo, uid: number): string {
  const flags = [`posixMq;state=${info.state}`, 'linked'];
  if (info.queue.uid === uid) flags.push('mine');
  return flags.join(';');
}

export function pmqRow(info: PosixMqInfo, context: RowContext): ObjectRow {
  const children = info.holders.map((h) => holderRow(info, h));
  const count = info.attr.read ? info.attr.curmsgs : 0;
  if (count > 0) {
    children.push({
      id: `pmq:${info.key}:contents`,
      label: `${count} message(s): not shown (reading would consume them)`,
      tooltip: NO_PEEK,
      codicon: 'info',
      accessibilityLabel: NO_PEEK,
      contextValue: 'note',
    });
  }
  return {
    id: `pmq:${info.key}`,
    label: info.name,
    description: pmqDescription(info),
    icon: ROW_ICONS[info.state],
    tooltip: pmqTooltip(info),
    accessibilityLabel: `POSIX message queue ${info.name}, ${messagesWords(info)}, state: ${pmqStateWords(info)}, ${holderCount(info)} holder(s)`,
    contextValue: pmqContextValue(info, context.uid),
    children,
  };
}

/** The limits line of POSIX queues: queues of queues_max, and the per-queue limits. */
export function pmqLimitsSummary(limits: Pick<IpcLimits, 'mqQueuesMax' | 'mqMsgMax' | 'mqMsgsizeMax'>, queues: number): string {
  const parts = [limits.mqQueuesMax ? `${queues}/${limits.mqQueuesMax.raw} queues` : `${queues} queues`];
  if (limits.mqMsgMax) parts.push(`≤ ${limits.mqMsgMax.raw} messages each`);
  if (limits.mqMsgsizeMax) parts.push(`≤ ${formatBytes(limits.mqMsgsizeMax.raw)} a message`);
  return parts.join(' · ');
}
