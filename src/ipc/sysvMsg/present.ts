// How a System V message queue is put into words: its row (messages, bytes of its capacity, owner,
// state), its messages as children (index, type, size, first bytes as text; a click opens one in the
// contents view), who is blocked on it, and the limits line.
import { formatBytes, formatKey, modeToString, plural } from '../format';
import { formatLimit, type IpcLimits } from '../limits';
import { ChildRow, escapeCode, formatTime, markdownTable, ObjectRow, RowContext, RowIcon } from '../objects';
import type { Waiter } from '../waiters';
import type { MsgQueueInfo, MsgQueueState, PeekedMessage } from './classify';
import * as l10n from '@vscode/l10n';

/** The command a message row runs on a click: open its bytes in the contents view. */
export const OPEN_MESSAGE_COMMAND = 'ipcInspector.openMessage';

const STATE_WORDS: Record<MsgQueueState, string> = {
  'in-use': 'in use',
  unused: 'unused',
  orphaned: 'orphaned (leaked)',
  full: 'full',
};

const ROW_ICONS: Record<MsgQueueState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  full: 'problem',
};

export function msgKey(info: MsgQueueInfo): string {
  return info.queue.key === 0 ? 'private' : formatKey(info.queue.key);
}

export function msgTitle(info: MsgQueueInfo): string {
  return `${msgKey(info)} (id ${info.queue.msqid})`;
}

export function msgStateWords(info: MsgQueueInfo): string {
  return STATE_WORDS[info.state];
}

function capacity(info: MsgQueueInfo): string {
  const qbytes = info.contents.qbytes;
  return qbytes === undefined ? formatBytes(info.queue.cbytes) : `${formatBytes(info.queue.cbytes)} of ${formatBytes(qbytes)}`;
}

export function msgDescription(info: MsgQueueInfo): string {
  const parts = [plural(info.queue.qnum, 'message'), capacity(info)];
  const blocked = info.senders.length + info.receivers.length;
  if (blocked > 0) parts.push(`${blocked} blocked`);
  parts.push(info.ownerName);
  if (info.state === 'full') parts.push('full');
  if (info.state === 'orphaned') parts.push('orphaned');
  return parts.join(' · ');
}

export function msgAccessibilityLabel(info: MsgQueueInfo): string {
  const key = msgKey(info);
  return [
    `Message queue ${key === 'private' ? 'with private key' : `key ${key}`}, id ${info.queue.msqid}`,
    plural(info.queue.qnum, 'message'),
    capacity(info),
    `state: ${msgStateWords(info)}`,
    `owner ${info.ownerName}`,
  ].join(', ');
}

function pid(pidValue: number, command: string | undefined): string {
  if (pidValue === 0) return 'none yet';
  return command ? `${pidValue} (\`${escapeCode(command)}\`)` : String(pidValue);
}

export function msgTooltip(info: MsgQueueInfo): string {
  const q = info.queue;
  const rows: Array<[string, string]> = [
    ['Key', q.key === 0 ? '0x00000000 (IPC_PRIVATE)' : formatKey(q.key)],
    ['Id', String(q.msqid)],
    ['State', msgStateWords(info)],
    ['Why', info.reason],
    [
      'Messages',
      `${q.qnum}, ${q.cbytes.toLocaleString('en-US')} bytes${info.contents.qbytes !== undefined ? ` of ${info.contents.qbytes.toLocaleString('en-US')} (qbytes)` : ''}`,
    ],
    ['Permissions', `${modeToString(q.mode)} (${q.mode.toString(8).padStart(4, '0')})`],
    ['Owner', `${info.ownerName}:${info.groupName} (uid ${q.uid}, gid ${q.gid})`],
    ['Creator', `${info.creatorUserName} (uid ${q.cuid})`],
    ['Last send', `${formatTime(q.stime)}, pid ${pid(q.lspid, info.lastSenderCommand)}`],
    ['Last receive', `${formatTime(q.rtime)}, pid ${pid(q.lrpid, info.lastReceiverCommand)}`],
    ['Changed at', formatTime(q.ctime)],
  ];
  if (!info.contents.read) rows.push(['Messages shown', info.contents.message]);
  return `**Message queue ${msgKey(info)}**\n\n${markdownTable(rows)}`;
}

/** The first bytes of a message as text: printable ASCII, others as dots; "…" when cut. */
export function previewText(message: PeekedMessage, max = 32): string {
  const bytes = message.preview.subarray(0, max);
  let text = '';
  for (const b of bytes) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return message.size > bytes.length ? `${text}…` : text;
}

function messageRow(info: MsgQueueInfo, m: PeekedMessage): ChildRow {
  const text = previewText(m);
  return {
    id: `msg:${info.queue.msqid}:m${m.index}`,
    label: `#${m.index} type ${m.mtype}`,
    description: `${formatBytes(m.size)} · "${text}"`,
    tooltip: `Message ${m.index} of queue ${msgTitle(info)}: type ${m.mtype}, ${m.size} bytes, read with MSG_COPY (still in the queue). Click to see its bytes.`,
    codicon: 'mail',
    accessibilityLabel: `Message ${m.index}, type ${m.mtype}, ${m.size} bytes, starts with ${text}`,
    contextValue: 'message',
    command: { command: OPEN_MESSAGE_COMMAND, title: l10n.t('Open Message'), arguments: [info.queue.msqid, m.index] },
  };
}

function waiterRow(info: MsgQueueInfo, w: Waiter): ChildRow {
  const what =
    w.call === 'msgsnd'
      ? `blocked sending ${w.size ?? '?'} bytes`
      : `waiting to receive ${w.msgtype === undefined || w.msgtype === 0n ? 'any type' : w.msgtype > 0n ? `type ${w.msgtype}` : `a type up to ${-w.msgtype}`}`;
  return {
    id: `msg:${info.queue.msqid}:wait:${w.tid}`,
    label: `${w.pid} ${w.command ?? '(exited)'}`,
    description: what,
    tooltip: `Process ${w.pid}${w.command ? ` (${escapeCode(w.command)})` : ''} is ${what} on queue ${msgTitle(info)}${w.tid !== w.pid ? ` (thread ${w.tid})` : ''}.`,
    codicon: 'watch',
    accessibilityLabel: `Process ${w.pid}, ${w.command ?? 'exited'}, ${what}`,
    contextValue: 'waiter',
    pid: w.pid,
  };
}

function noteRow(info: MsgQueueInfo, id: string, label: string, tooltip: string): ChildRow {
  return { id: `msg:${info.queue.msqid}:${id}`, label, tooltip, codicon: 'info', accessibilityLabel: label, contextValue: 'note' };
}

export function msgContextValue(info: MsgQueueInfo, uid: number): string {
  const flags = [`msgQueue;state=${info.state}`, 'live'];
  if (info.queue.uid === uid || info.queue.cuid === uid) flags.push('mine');
  return flags.join(';');
}

export function msgRow(info: MsgQueueInfo, context: RowContext): ObjectRow {
  const children: ChildRow[] = [...info.receivers, ...info.senders].map((w) => waiterRow(info, w));
  const c = info.contents;
  if (c.read) {
    children.push(...c.messages.map((m) => messageRow(info, m)));
    if (c.more) {
      const hidden = info.queue.qnum - c.messages.length;
      children.push(
        noteRow(
          info,
          'more',
          `${plural(Math.max(hidden, 1), 'more message')} not shown`,
          'The view shows the first messages only (setting ipcInspector.messageQueues.maxMessages).',
        ),
      );
    }
  } else if (info.queue.qnum > 0) {
    children.push(
      noteRow(
        info,
        'unread',
        `${plural(info.queue.qnum, 'message')}: ${c.why === 'unsupported' ? 'cannot be read without consuming them' : 'not readable'}`,
        c.message,
      ),
    );
  }
  return {
    id: `msg:${info.queue.msqid}`,
    label: `${msgKey(info)} · ${info.queue.msqid}`,
    description: msgDescription(info),
    icon: ROW_ICONS[info.state],
    tooltip: msgTooltip(info),
    accessibilityLabel: msgAccessibilityLabel(info),
    contextValue: msgContextValue(info, context.uid),
    children,
  };
}

/** The limits line: queues of msgmni, the largest message (msgmax), a queue's default size (msgmnb). */
export function msgLimitsSummary(limits: IpcLimits, queues: number): string {
  const count = limits.msgmni ? `${queues}/${formatLimit(limits.msgmni)} queues` : `${queues} queues`;
  const sizes = [limits.msgmax ? `message ≤ ${formatBytes(limits.msgmax.raw)}` : '', limits.msgmnb ? `queue ≤ ${formatBytes(limits.msgmnb.raw)}` : ''].filter(
    Boolean,
  );
  return [count, ...sizes].join(' · ');
}
