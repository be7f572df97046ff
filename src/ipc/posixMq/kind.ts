// POSIX message queues (mq_open: the files of the mqueue file system) as the kinds table
// (src/ipc/kinds.ts) sees them. No unlink-by-inode exists for queues: before removing or changing
// one, its name is checked to still be this queue.
import * as fs from 'fs';
import { shellQuote, stickyRemovalRefusal } from '../family/posix';
import { plain } from '../json';
import { fileKeyParts } from '../maps';
import { posixHolderEntries } from '../family/posixKind';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { PosixMqInfo } from './types';
import { pmqRow, pmqStateWords } from './present';

/** Throws ESTALE when the queue's name now names another queue. */
async function stillThisQueue(o: PosixMqInfo): Promise<void> {
  if ((await fs.promises.stat(o.queue.path)).ino !== fileKeyParts(o.key)[2]) {
    throw Object.assign(new Error(l10n.t('{0} is another queue now', o.name)), { code: 'ESTALE' });
  }
}

export const posixMqKind: KindModule<PosixMqInfo> = {
  family: 'posix',
  subject: 'posixQueue',
  ...posixHolderEntries<PosixMqInfo>(),
  list: (snapshot) => snapshot.mqueue.queues,
  findAgain: (snapshot, object) => snapshot.mqueue.queues.find((o) => o.key === object.key && o.name === object.name),
  title: (o) => o.name,
  noun: () => ({ one: l10n.t('POSIX queue'), many: l10n.t('POSIX queues') }),
  kindName: () => l10n.t('POSIX message queue'),
  facts: (o) => ({
    size: !o.attr.read ? l10n.t('messages unknown') : o.attr.curmsgs === 1 ? l10n.t('1 message') : l10n.t('{0} messages', o.attr.curmsgs),
    owner: o.ownerName,
    state: pmqStateWords(o),
  }),
  rowId: (o) => `pmq:${o.key}`,
  row: pmqRow,
  state: (o) => o.state,
  isOrphaned: (o) => o.state === 'orphaned',
  freedBytes: (o) => o.queue.qsize ?? 0,
  ownerUids: (o) => [o.queue.uid],
  mode: (o) => o.queue.mode & 0o777,
  posixName: (o) => ({ name: o.name, path: o.queue.path }),
  removable: () => true,
  inUse: (o) => o.holders.length > 0,
  inUseWords: l10n.t('in use'),
  inUseNote: l10n.t('the name goes at once; processes that have it open keep their descriptors, and its messages stay until the last one is closed'),
  removalRefusal: (o, credentials) => stickyRemovalRefusal(o.queue.uid, credentials, l10n.t('the queue directory')),
  removeCommand: (o) => `rm ${shellQuote(o.queue.path)}`,
  remove: async (helper, o) => {
    await stillThisQueue(o);
    await helper.mqUnlink(o.name);
  },
  removeOrphan: async (helper, o) => {
    await stillThisQueue(o);
    await helper.mqUnlink(o.name);
    return o.queue.qsize ?? 0;
  },
  removedName: (o) => o.name,
  permissions: (o) => ({ mode: o.queue.mode & 0o777, ownerName: o.ownerName, groupName: o.groupName }),
  // The mqueue file system is the queue's own: chmod/chown on the file is what a queue's permissions are.
  setPermissions: async (_helper, o, change) => {
    await stillThisQueue(o);
    if (change.mode !== undefined) await fs.promises.chmod(o.queue.path, change.mode);
    if (change.uid !== undefined || change.gid !== undefined) await fs.promises.chown(o.queue.path, change.uid ?? o.queue.uid, change.gid ?? o.queue.gid);
    const st = await fs.promises.stat(o.queue.path);
    return { mode: st.mode, uid: st.uid, gid: st.gid };
  },
  hasContents: () => false,
  openContents: () => Promise.reject(new Error(l10n.t('A POSIX queue shows no contents: reading a message would consume it.'))),
  exported: (o) => ({
    kind: 'posixMq',
    name: o.name,
    file: plain(o.queue),
    attributes: plain(o.attr),
    owner: o.ownerName,
    group: o.groupName,
    state: o.state,
    reason: o.reason,
    holders: plain(o.holders),
    uncheckedProcesses: o.unchecked,
  }),
};
