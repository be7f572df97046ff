// How a System V message queue is put into words: its row (messages, bytes of its capacity, owner,
// state), its messages as children (index, type, size, first bytes as text; a click opens one in the
// contents view), who is blocked on it, and the limits line.
import { formatBytes, formatKey, modeToString, plural } from '../format';
import { formatLimit, type IpcLimits } from '../limits';
import { ChildRow, escapeCode, formatTime, markdownTable, ObjectRow, RowContext, RowIcon, orphanedWord, orphanStateWords, processLabel } from '../objects';
import type { Waiter } from '../waiters';
import type { MsgQueueInfo, MsgQueueState, PeekedMessage } from './types';
import * as l10n from '../../shared/l10n';

/** The command a message row runs on a click: open its bytes in the contents view. */
export const OPEN_MESSAGE_COMMAND = 'ipcInspector.openMessage';

const STATE_WORDS: Record<MsgQueueState, string> = {
  'in-use': l10n.t('in use'),
  unused: l10n.t('unused'),
  orphaned: l10n.t('orphaned (leaked)'),
  full: l10n.t('full'),
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
  return l10n.t('{0} (id {1})', msgKey(info), info.queue.msqid);
}

export function msgStateWords(info: MsgQueueInfo): string {
  return orphanStateWords(STATE_WORDS[info.state], info.state, info.certain);
}

function capacity(info: MsgQueueInfo): string {
  const qbytes = info.contents.qbytes;
  return qbytes === undefined ? formatBytes(info.queue.cbytes) : l10n.t('{0} of {1}', formatBytes(info.queue.cbytes), formatBytes(qbytes));
}

export function msgDescription(info: MsgQueueInfo): string {
  // The state first: a narrow side bar cuts the end off.
  const parts: string[] = [];
  if (info.state === 'full') parts.push(l10n.t('full'));
  if (info.state === 'orphaned') parts.push(orphanedWord(info.certain));
  parts.push(plural(info.queue.qnum, 'message'), capacity(info));
  const blocked = info.senders.length + info.receivers.length;
  if (blocked > 0) parts.push(l10n.t('{0} blocked', blocked));
  parts.push(info.ownerName);
  return parts.join(' · ');
}

export function msgAccessibilityLabel(info: MsgQueueInfo): string {
  const key = msgKey(info);
  return [
    l10n.t('Message queue {0}, id {1}', key === 'private' ? l10n.t('with private key') : l10n.t('key {0}', key), info.queue.msqid),
    plural(info.queue.qnum, 'message'),
    capacity(info),
    l10n.t('state: {0}', msgStateWords(info)),
    l10n.t('owner {0}', info.ownerName),
  ].join(', ');
}

function pid(pidValue: number, command: string | undefined): string {
  if (pidValue === 0) return l10n.t('none yet');
  return command ? `${pidValue} (\`${escapeCode(command)}\`)` : String(pidValue);
}

export function msgTooltip(info: MsgQueueInfo): string {
  const q = info.queue;
  const rows: Array<[string, string]> = [
    ['Key', q.key === 0 ? l10n.t('0x00000000 (IPC_PRIVATE)') : formatKey(q.key)],
    ['Id', String(q.msqid)],
    ['State', msgStateWords(info)],
    ['Why', info.reason],
    [
      'Messages',
      l10n.t(
        '{0}, {1} bytes{2}',
        q.qnum,
        q.cbytes.toLocaleString('en-US'),
        info.contents.qbytes !== undefined ? l10n.t(' of {0} (qbytes)', info.contents.qbytes.toLocaleString('en-US')) : '',
      ),
    ],
    ['Permissions', `${modeToString(q.mode)} (${q.mode.toString(8).padStart(4, '0')})`],
    ['Owner', l10n.t('{0}:{1} (uid {2}, gid {3})', info.ownerName, info.groupName, q.uid, q.gid)],
    ['Creator', l10n.t('{0} (uid {1})', info.creatorUserName, q.cuid)],
    [l10n.t('Last send'), l10n.t('{0}, pid {1}', formatTime(q.stime), pid(q.lspid, info.lastSenderCommand))],
    [l10n.t('Last receive'), l10n.t('{0}, pid {1}', formatTime(q.rtime), pid(q.lrpid, info.lastReceiverCommand))],
    [l10n.t('Changed at'), formatTime(q.ctime)],
  ];
  if (!info.contents.read) rows.push([l10n.t('Messages shown'), info.contents.message]);
  return l10n.t('**Message queue {0}**\n\n{1}', msgKey(info), markdownTable(rows));
}

/** The first bytes of a message as text: printable ASCII, others as dots; "…" when cut. */
export function previewText(message: PeekedMessage, max = 32): string {
  const bytes = message.preview.subarray(0, max);
  let text = '';
  for (const b of bytes) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return message.size > bytes.length ? `${text}…` : text;
}

/** The type as the row says it: only its low 32 bits when a 32-bit helper read it, and said so. */
function typeText(m: PeekedMessage): string {
  return m.mtypeLow32 ? l10n.t('{0} (its low 32 bits: a 32-bit helper sees no more)', m.mtype) : String(m.mtype);
}

function messageRow(info: MsgQueueInfo, m: PeekedMessage): ChildRow {
  const text = previewText(m);
  const type = typeText(m);
  return {
    id: `msg:${info.queue.msqid}:m${m.index}`,
    label: l10n.t('#{0} type {1}', m.index, type),
    description: `${formatBytes(m.size)} · "${text}"`,
    tooltip: l10n.t(
      'Message {0} of queue {1}: type {2}, {3} bytes, read with MSG_COPY (still in the queue). Click to see its bytes.',
      m.index,
      msgTitle(info),
      type,
      m.size,
    ),
    codicon: 'mail',
    accessibilityLabel: l10n.t('Message {0}, type {1}, {2} bytes, starts with {3}', m.index, type, m.size, text),
    contextValue: 'message',
    command: { command: OPEN_MESSAGE_COMMAND, title: l10n.t('Open Message'), arguments: [info.queue.msqid, m.index] },
  };
}

function waiterRow(info: MsgQueueInfo, w: Waiter): ChildRow {
  const what =
    w.call === 'msgsnd'
      ? l10n.t('blocked sending {0} bytes', w.size ?? '?')
      : l10n.t(
          'waiting to receive {0}',
          w.msgtype === undefined || w.msgtype === 0n
            ? l10n.t('any type')
            : w.msgtype > 0n
              ? l10n.t('type {0}', w.msgtype)
              : l10n.t('a type up to {0}', -w.msgtype),
        );
  return {
    id: `msg:${info.queue.msqid}:wait:${w.tid}`,
    label: processLabel(w.pid, w.command),
    description: what,
    tooltip: l10n.t(
      'Process {0}{1} is {2} on queue {3}{4}.',
      w.pid,
      w.command ? ` (${escapeCode(w.command)})` : '',
      what,
      msgTitle(info),
      w.tid !== w.pid ? l10n.t(' (thread {0})', w.tid) : '',
    ),
    codicon: 'watch',
    accessibilityLabel: l10n.t('Process {0}, {1}, {2}', w.pid, w.command ?? 'exited', what),
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
          l10n.t('{0} not shown', plural(Math.max(hidden, 1), l10n.t('more message'))),
          l10n.t('The view shows the first messages only (setting ipcInspector.messageQueues.maxMessages).'),
        ),
      );
    }
  } else if (info.queue.qnum > 0) {
    children.push(
      noteRow(
        info,
        'unread',
        `${plural(info.queue.qnum, 'message')}: ${c.why === 'unsupported' ? l10n.t('cannot be read without consuming them') : l10n.t('not readable')}`,
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
  const count = limits.msgmni ? l10n.t('{0}/{1} queues', queues, formatLimit(limits.msgmni)) : l10n.t('{0} queues', queues);
  const sizes = [
    limits.msgmax ? l10n.t('message ≤ {0}', formatBytes(limits.msgmax.raw)) : '',
    limits.msgmnb ? l10n.t('queue ≤ {0}', formatBytes(limits.msgmnb.raw)) : '',
  ].filter(Boolean);
  return [count, ...sizes].join(' · ');
}
