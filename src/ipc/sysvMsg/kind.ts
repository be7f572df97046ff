// System V message queues as the kinds table (src/ipc/kinds.ts) sees them. Their messages open in
// the contents view one at a time (Open Message), not the queue as a whole.
import { formatBytes } from '../format';
import { ipcrmCommand, sysvOwnerUids, sysvRemovalRefusal } from '../family/sysv';
import { plain } from '../json';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { MsgQueueInfo } from './types';
import { msgRow, msgStateWords, msgTitle } from './present';

export const sysvMsgKind: KindModule<MsgQueueInfo> = {
  family: 'sysv',
  subject: 'queue',
  list: (snapshot) => snapshot.msg.queues,
  findAgain: (snapshot, object) => {
    const q = object.queue;
    return snapshot.msg.queues.find((o) => o.queue.msqid === q.msqid && o.queue.key === q.key && o.queue.cuid === q.cuid);
  },
  title: msgTitle,
  noun: () => ({ one: l10n.t('message queue'), many: l10n.t('message queues') }),
  kindName: () => l10n.t('System V message queue'),
  facts: (o) => ({
    size: o.queue.qnum === 1 ? l10n.t('1 message, {0}', formatBytes(o.queue.cbytes)) : l10n.t('{0} messages, {1}', o.queue.qnum, formatBytes(o.queue.cbytes)),
    owner: o.ownerName,
    state: msgStateWords(o),
  }),
  ownerNames: (o) => ({ owner: o.ownerName, creator: o.creatorUserName }),
  rowId: (o) => `msg:${o.queue.msqid}`,
  row: msgRow,
  holdId: () => undefined,
  reason: (o) => o.reason,
  state: (o) => o.state,
  isOrphaned: (o) => o.state === 'orphaned',
  certain: (o) => o.certain,
  freedBytes: (o) => o.queue.cbytes,
  holders: (o) => new Set([...o.senders, ...o.receivers].map((w) => w.pid)).size,
  programPids: (o) => [...new Set([o.queue.lspid, o.queue.lrpid, ...[...o.senders, ...o.receivers].map((w) => w.pid)].filter((pid) => pid > 0))],
  ownerUids: (o) => sysvOwnerUids(o.queue),
  mode: (o) => o.queue.perms & 0o777,
  sysvIds: (o) => ({ key: o.queue.key, id: o.queue.msqid }),
  posixName: () => undefined,
  removable: () => true,
  inUse: (o) => o.senders.length + o.receivers.length > 0 || o.state === 'in-use',
  inUseWords: l10n.t('in use'),
  inUseNote: l10n.t('a queue goes at once with its messages: blocked senders and receivers wake up with EIDRM'),
  useWords: (o) => o.reason,
  removalRefusal: (o, credentials) => sysvRemovalRefusal(o.queue, credentials),
  removeCommand: (o) => ipcrmCommand('-q', o.queue.msqid),
  remove: (helper, o) => helper.msgRemove(o.queue.msqid),
  removeOrphan: async (helper, o) => {
    await helper.msgRemove(o.queue.msqid);
    return o.queue.cbytes;
  },
  removedName: (o) => o.queue.msqid,
  permissions: (o) => ({ mode: o.queue.mode, ownerName: o.ownerName, groupName: o.groupName }),
  setPermissions: (helper, o, change) => helper.msgSet(o.queue.msqid, change),
  hasContents: () => false,
  openContents: () => Promise.reject(new Error(l10n.t('A queue opens one message at a time: expand its row and open a message.'))),
  exported: (o) => ({
    kind: 'sysvMsg',
    kernel: plain(o.queue),
    owner: o.ownerName,
    group: o.groupName,
    creatorUser: o.creatorUserName,
    state: o.state,
    reason: o.reason,
    contents: plain(o.contents),
    senders: plain(o.senders),
    receivers: plain(o.receivers),
  }),
};
