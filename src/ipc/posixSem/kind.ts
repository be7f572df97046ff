// POSIX named semaphores (sem_open: the files sem.NAME of /dev/shm) as the kinds table
// (src/ipc/kinds.ts) sees them.
import { shellQuote, stickyRemovalRefusal } from '../family/posix';
import { device, plain } from '../json';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { PosixSemInfo } from './types';
import { psemRow, psemStateWords, psemTitle, psemValueWords } from './present';

/** Still linked: reachable by its name. */
const named = (o: PosixSemInfo): boolean => !o.removed && o.file !== undefined;

export const posixSemKind: KindModule<PosixSemInfo> = {
  family: 'posix',
  subject: 'object',
  list: (snapshot) => snapshot.posixSemaphores,
  findAgain: (snapshot, object) => snapshot.posixSemaphores.find((o) => o.key === object.key && o.name === object.name),
  title: psemTitle,
  noun: () => ({ one: l10n.t('semaphore'), many: l10n.t('named semaphores') }),
  kindName: () => l10n.t('POSIX named semaphore'),
  facts: (o) => ({ size: psemValueWords(o), owner: o.ownerName ?? l10n.t('owner unknown'), state: psemStateWords(o) }),
  ownerNames: (o) => ({ owner: o.ownerName }),
  rowId: (o) => `psem:${o.key}`,
  row: psemRow,
  holdId: () => undefined,
  reason: (o) => o.reason,
  isOrphaned: (o) => o.state === 'orphaned',
  certain: (o) => o.certain,
  freedBytes: (o) => o.file?.allocated ?? 0,
  holders: (o) => new Set(o.holders.map((h) => h.pid)).size,
  programPids: (o) => [...new Set(o.holders.map((h) => h.pid))],
  ownerUids: (o) => (o.file ? [o.file.uid] : []),
  mode: (o) => (o.file ? o.file.mode & 0o777 : undefined),
  sysvIds: () => undefined,
  posixName: (o) => (named(o) ? { name: o.name, path: o.file!.path } : undefined),
  removable: named,
  inUse: (o) => o.mappers + o.openers > 0,
  inUseWords: l10n.t('in use'),
  inUseNote: l10n.t('the name goes at once; processes that have it open go on using it until they close it'),
  useWords: (o) => o.reason,
  removalRefusal: (o, credentials) => stickyRemovalRefusal(o.file?.uid, credentials, '/dev/shm'),
  removeCommand: (o) => `rm ${shellQuote(o.file!.path)}`,
  remove: (helper, o) => helper.fileUnlink(o.file!.path, o),
  removeOrphan: async (helper, o) => {
    await helper.fileUnlink(o.file!.path, o);
    return o.file?.allocated ?? 0;
  },
  removedName: (o) => o.name,
  permissions: (o) => ({ mode: o.file!.mode & 0o777, ownerName: o.ownerName ?? '?', groupName: o.groupName ?? '?' }),
  setPermissions: (helper, o, change) => helper.fileSet(o.file!.path, o, change),
  hasContents: () => false,
  openContents: () => Promise.reject(new Error(l10n.t('A named semaphore has no contents to show: its value is in its row.'))),
  exported: (o) => ({
    kind: 'posixSem',
    name: o.name,
    device: device(o.devMajor, o.devMinor),
    ino: o.ino,
    removed: o.removed,
    file: plain(o.file),
    owner: plain(o.ownerName),
    group: plain(o.groupName),
    reading: plain(o.reading),
    state: o.state,
    reason: o.reason,
    holders: plain(o.holders),
    uncheckedProcesses: o.unchecked,
  }),
};
