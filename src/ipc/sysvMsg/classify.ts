// System V message queues, classified: each queue of /proc/sysvipc/msg with its capacity (qbytes,
// from IPC_STAT through the helper), its messages read WITHOUT consuming them (msgrcv with MSG_COPY,
// through the helper), the processes blocked sending to it or receiving from it, and a state.
//
// The kernel keeps no creator pid for a queue either: "orphaned" means nobody is blocked on it,
// its last sender and last receiver have exited (or there never was one), and nothing happened to
// it for the grace period. It may still hold messages nobody will read: that is said.
import { plural } from '../format';
import * as l10n from '../../shared/l10n';
import type { Names } from '../names';
import { isAlive } from '../processes';
import type { Waiter } from '../waiters';
import type { MsgQueue } from '../family/sysvTables';
import type { MsgQueueInfo, MsgQueueState, QueueContents } from './types';

export interface MsgClassifyContext {
  names: Names;
  waiters: Map<number, Waiter[]>;
  /**
   * Every thread's wait was read (waiters read, this architecture's calls known, no thread
   * unreadable). The kernel counts no receivers of a queue: without this, one blocked in msgrcv
   * cannot be ruled out, and no orphan verdict is certain.
   */
  waitersComplete: boolean;
  nowMs: number;
  graceMs: number;
}

function pidWords(pid: number, command: string | undefined): string {
  return l10n.t('pid {0}{1}', pid, command ? ` (${command})` : '');
}

function stateOf(
  q: MsgQueue,
  info: Omit<MsgQueueInfo, 'state' | 'reason' | 'certain'>,
  context: MsgClassifyContext,
): { state: MsgQueueState; reason: string; certain: boolean; orphanAtMs?: number } {
  const { names } = context;
  if (info.full) {
    const blocked = info.senders.length > 0 ? l10n.t('; {0} blocked', plural(info.senders.length, 'sender')) : '';
    return {
      state: 'full',
      reason: l10n.t('full: {0} of {1} bytes queued (qbytes){2}, so senders block until someone receives', q.cbytes, info.contents.qbytes, blocked),
      certain: false,
    };
  }
  const blocked = info.senders.length + info.receivers.length;
  if (blocked > 0) {
    const parts = [];
    if (info.receivers.length) parts.push(l10n.t('{0} waiting to receive', plural(info.receivers.length, 'process', 'processes')));
    if (info.senders.length) parts.push(l10n.t('{0} waiting to send', plural(info.senders.length, 'process', 'processes')));
    return { state: 'in-use', reason: parts.join(', '), certain: false };
  }
  const users = [q.lspid, q.lrpid].filter((pid) => pid > 0);
  const alive = users.find((pid) => isAlive(names.process(pid)) !== false);
  if (alive !== undefined) {
    const role = alive === q.lspid ? l10n.t('last sender') : l10n.t('last receiver');
    return { state: 'in-use', reason: l10n.t('its {0}, {1}, is running', role, pidWords(alive, names.command(alive))), certain: false };
  }
  const lastMs = Math.max(q.stime, q.rtime, q.ctime) * 1000;
  const left = q.qnum > 0 ? l10n.t('; {0} ({1} bytes) left in it that nobody is reading', plural(q.qnum, 'message'), q.cbytes) : '';
  const who =
    users.length > 0
      ? l10n.t(
          'nobody is blocked on it, and its last {0} exited',
          q.lspid > 0 && q.lrpid > 0 ? l10n.t('sender and receiver have') : q.lspid > 0 ? l10n.t('sender has') : l10n.t('receiver has'),
        )
      : l10n.t('nobody is blocked on it and it was never used (the kernel records no creator for a queue)');
  const reason = l10n.t('{0}{1}; last activity {2}', who, left, new Date(lastMs).toLocaleString());
  if (context.nowMs - lastMs >= context.graceMs) {
    if (!context.waitersComplete) {
      return { state: 'orphaned', reason: l10n.t('{0}; not every process could be checked for a receiver blocked on it', reason), certain: false };
    }
    return { state: 'orphaned', reason, certain: users.length > 0 };
  }
  return {
    state: 'unused',
    reason: l10n.t('{0} (called orphaned after {1} s)', reason, Math.round(context.graceMs / 1000)),
    certain: false,
    orphanAtMs: lastMs + context.graceMs,
  };
}

/** Every queue of the table, classified. `contentsOf` gives what the helper read for a msqid. */
export function classifyMsgQueues(queues: readonly MsgQueue[], contentsOf: (msqid: number) => QueueContents, context: MsgClassifyContext): MsgQueueInfo[] {
  const { names } = context;
  return queues.map((queue): MsgQueueInfo => {
    const contents = contentsOf(queue.msqid);
    const waiters = context.waiters.get(queue.msqid) ?? [];
    for (const w of waiters) w.command ??= names.command(w.pid);
    const qbytes = contents.qbytes;
    const base = {
      kind: 'sysvMsg' as const,
      queue,
      contents,
      senders: waiters.filter((w) => w.call === 'msgsnd'),
      receivers: waiters.filter((w) => w.call === 'msgrcv'),
      // The kernel also counts messages against qbytes (one per message): a queue of many empty messages fills too.
      full: qbytes !== undefined && qbytes > 0 && (queue.cbytes >= qbytes || queue.qnum >= qbytes),
      ownerName: names.user(queue.uid),
      creatorUserName: names.user(queue.cuid),
      groupName: names.group(queue.gid),
      lastSenderCommand: queue.lspid > 0 ? names.command(queue.lspid) : undefined,
      lastReceiverCommand: queue.lrpid > 0 ? names.command(queue.lrpid) : undefined,
    };
    return { ...base, ...stateOf(queue, base, context) };
  });
}
