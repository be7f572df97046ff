// System V semaphore sets as the kinds table (src/ipc/kinds.ts) sees them.
import { ipcrmCommand, sysvOwnerUids, sysvRemovalRefusal } from '../family/sysv';
import { plain } from '../json';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { SemSetInfo } from './types';
import { semRow, semStateWords, semTitle } from './present';

export const sysvSemKind: KindModule<SemSetInfo> = {
  family: 'sysv',
  subject: 'set',
  list: (snapshot) => snapshot.sem.sets,
  // A set's ctime changes with IPC_SET (permissions): its key, creator and size do not.
  findAgain: (snapshot, object) => {
    const s = object.set;
    return snapshot.sem.sets.find((o) => o.set.semid === s.semid && o.set.key === s.key && o.set.cuid === s.cuid && o.set.nsems === s.nsems);
  },
  title: semTitle,
  noun: () => ({ one: l10n.t('semaphore set'), many: l10n.t('semaphore sets') }),
  kindName: () => l10n.t('System V semaphore set'),
  facts: (o) => ({
    size: o.set.nsems === 1 ? l10n.t('1 semaphore') : l10n.t('{0} semaphores', o.set.nsems),
    owner: o.ownerName,
    state: semStateWords(o),
  }),
  ownerNames: (o) => ({ owner: o.ownerName, creator: o.creatorUserName }),
  rowId: (o) => `sem:${o.set.semid}`,
  row: semRow,
  holdId: () => undefined,
  reason: (o) => o.reason,
  state: (o) => o.state,
  isOrphaned: (o) => o.state === 'orphaned',
  certain: (o) => o.certain,
  freedBytes: () => 0,
  holders: (o) => new Set([...o.setWaiters, ...o.semaphores.flatMap((s) => s.waiters)].map((w) => w.pid)).size,
  programPids: (o) => [...new Set([...o.setWaiters, ...o.semaphores.flatMap((s) => s.waiters)].map((w) => w.pid))],
  ownerUids: (o) => sysvOwnerUids(o.set),
  mode: (o) => o.set.perms & 0o777,
  sysvIds: (o) => ({ key: o.set.key, id: o.set.semid }),
  posixName: () => undefined,
  removable: () => true,
  inUse: (o) => o.state === 'in-use' || o.state === 'stuck',
  inUseWords: l10n.t('in use'),
  inUseNote: l10n.t('a set goes at once: processes waiting on it wake up with EIDRM, and the next semop of its users fails'),
  useWords: (o) => o.reason,
  removalRefusal: (o, credentials) => sysvRemovalRefusal(o.set, credentials),
  removeCommand: (o) => ipcrmCommand('-s', o.set.semid),
  remove: (helper, o) => helper.semRemove(o.set.semid),
  removeOrphan: async (helper, o) => {
    await helper.semRemove(o.set.semid);
    return 0;
  },
  removedName: (o) => o.set.semid,
  permissions: (o) => ({ mode: o.set.mode, ownerName: o.ownerName, groupName: o.groupName }),
  setPermissions: (helper, o, change) => helper.semSet(o.set.semid, change),
  hasContents: () => false,
  openContents: () => Promise.reject(new Error(l10n.t('A semaphore set has no contents to show: its values are in its row.'))),
  exported: (o) => ({
    kind: 'sysvSem',
    kernel: plain(o.set),
    owner: o.ownerName,
    group: o.groupName,
    creatorUser: o.creatorUserName,
    state: o.state,
    reason: o.reason,
    valuesRead: o.values.read ? true : plain({ why: o.values.why, message: o.values.message }),
    semaphores: plain(o.semaphores),
    setWaiters: plain(o.setWaiters),
  }),
};
