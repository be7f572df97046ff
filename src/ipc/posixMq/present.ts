// How a POSIX message queue is put into words: name, messages of its capacity, message size,
// holders (processes with a descriptor of it) as children, and why its messages are not shown.
import { formatBytes, modeToString } from '../format';
import * as l10n from '../../shared/l10n';
import type { IpcLimits } from '../limits';
import { ChildRow, escapeCode, markdownTable, ObjectRow, RowContext, RowIcon, orphanedWord, orphanStateWords, processLabel } from '../objects';
import type { Holder } from '../family/holders';
import type { PosixMqInfo, PosixMqState } from './types';

const STATE_WORDS: Record<PosixMqState, string> = {
  'in-use': l10n.t('in use'),
  unused: l10n.t('unused'),
  orphaned: l10n.t('orphaned (leaked)'),
  full: l10n.t('full'),
};

const ROW_ICONS: Record<PosixMqState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  full: 'problem',
};

/** Why a POSIX queue's messages are never listed. */
export const NO_PEEK = l10n.t(
  'A POSIX message queue cannot be read without receiving (consuming) its messages, so they are not shown: only their number and total size.',
);

export function pmqStateWords(info: PosixMqInfo): string {
  return orphanStateWords(STATE_WORDS[info.state], info.state, info.certain);
}

function messagesWords(info: PosixMqInfo): string {
  const a = info.attr;
  if (a.read) return l10n.t('{0}/{1} messages', a.curmsgs, a.maxmsg);
  return info.queue.qsize !== undefined ? l10n.t('{0} queued', formatBytes(info.queue.qsize)) : l10n.t('messages unknown');
}

function holderCount(info: PosixMqInfo): number {
  return new Set(info.holders.map((h) => h.pid)).size;
}

export function pmqDescription(info: PosixMqInfo): string {
  // The state first: a narrow side bar cuts the end off.
  const parts: string[] = [];
  if (info.state === 'full') parts.push(l10n.t('full'));
  if (info.state === 'orphaned') parts.push(orphanedWord(info.certain));
  parts.push(messagesWords(info));
  if (info.attr.read) parts.push(l10n.t('≤ {0} each', formatBytes(info.attr.msgsize)));
  parts.push(holderCount(info) === 1 ? l10n.t('1 holder') : l10n.t('{0} holders', holderCount(info)), info.ownerName);
  return parts.join(' · ');
}

export function pmqTooltip(info: PosixMqInfo): string {
  const q = info.queue;
  const a = info.attr;
  const notify = !q.notifyPid
    ? 'none'
    : l10n.t(
        'pid {0}{1}, {2}',
        q.notifyPid,
        info.notifyCommand ? ` (\`${escapeCode(info.notifyCommand)}\`)` : '',
        q.notify === 0 ? l10n.t('signal {0}', q.signo) : q.notify === 2 ? l10n.t('a thread') : 'nothing',
      );
  const rows: Array<[string, string]> = [
    ['Name', l10n.t('{0} (mq_open)', q.name)],
    ['File', q.path],
    ['State', pmqStateWords(info)],
    ['Why', info.reason],
    ['Messages', a.read ? l10n.t('{0} of at most {1}, each at most {2} bytes', a.curmsgs, a.maxmsg, a.msgsize.toLocaleString('en-US')) : a.message],
    [l10n.t('Queued bytes'), q.qsize === undefined ? l10n.t('unknown (the file may not be read)') : l10n.t('{0} (QSIZE)', q.qsize.toLocaleString('en-US'))],
    ['Notification', notify],
    ['Permissions', `${modeToString(q.mode)} (${(q.mode & 0o777).toString(8).padStart(4, '0')})`],
    ['Owner', l10n.t('{0}:{1} (uid {2}, gid {3})', info.ownerName, info.groupName, q.uid, q.gid)],
    [
      'Holders',
      holderCount(info) === 0
        ? l10n.t('no process holds a descriptor of it')
        : holderCount(info) === 1
          ? l10n.t('1 process holds a descriptor')
          : l10n.t('{0} processes hold a descriptor', holderCount(info)),
    ],
    ['Contents', NO_PEEK],
  ];
  return l10n.t('**POSIX message queue {0}**\n\n{1}', escapeCode(q.name), markdownTable(rows));
}

function holderRow(info: PosixMqInfo, h: Holder): ChildRow {
  const access =
    h.via === 'fd'
      ? l10n.t('fd {0}, {1}', h.fd, h.access === 'ro' ? 'receives' : h.access === 'wo' ? 'sends' : l10n.t('sends and receives'))
      : l10n.t('maps it');
  return {
    id: `pmq:${info.key}:${h.pid}:${h.via === 'fd' ? `fd${h.fd}` : h.start}`,
    label: processLabel(h.pid, h.command),
    description: access,
    tooltip: l10n.t('Process {0}{1} holds queue {2} open ({3}).', h.pid, h.command ? ` (${escapeCode(h.command)})` : '', info.name, access),
    codicon: 'file',
    accessibilityLabel: l10n.t('Process {0}, {1}, {2}', h.pid, h.command ?? 'exited', access),
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
      label: count === 1 ? l10n.t('1 message: not shown (reading would consume it)') : l10n.t('{0} messages: not shown (reading would consume them)', count),
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
    accessibilityLabel: l10n.t(
      'POSIX message queue {0}, {1}, state: {2}, {3}',
      info.name,
      messagesWords(info),
      pmqStateWords(info),
      holderCount(info) === 1 ? l10n.t('1 holder') : l10n.t('{0} holders', holderCount(info)),
    ),
    contextValue: pmqContextValue(info, context.uid),
    children,
  };
}

/** The limits line of POSIX queues: queues of queues_max, and the per-queue limits. */
export function pmqLimitsSummary(limits: Pick<IpcLimits, 'mqQueuesMax' | 'mqMsgMax' | 'mqMsgsizeMax'>, queues: number): string {
  const parts = [limits.mqQueuesMax ? l10n.t('{0}/{1} queues', queues, limits.mqQueuesMax.raw) : l10n.t('{0} queues', queues)];
  if (limits.mqMsgMax) parts.push(l10n.t('≤ {0} messages each', limits.mqMsgMax.raw));
  if (limits.mqMsgsizeMax) parts.push(l10n.t('≤ {0} a message', formatBytes(limits.mqMsgsizeMax.raw)));
  return parts.join(' · ');
}
