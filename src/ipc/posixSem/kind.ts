// POSIX named semaphores (sem_open: the files sem.NAME of /dev/shm) as the kinds table
// (src/ipc/kinds.ts) sees them.
import { shellQuote } from '../family/posix';
import { plain } from '../json';
import { heldFileEntries, heldFileJson } from '../family/posixKind';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { PosixSemInfo } from './types';
import { psemRow, psemStateWords, psemTitle, psemValueWords } from './present';

/** Still linked: reachable by its name. */
const named = (o: PosixSemInfo): boolean => !o.removed && o.file !== undefined;

export const posixSemKind: KindModule<PosixSemInfo> = {
  family: 'posix',
  subject: 'object',
  ...heldFileEntries(named),
  list: (snapshot) => snapshot.posixSemaphores,
  findAgain: (snapshot, object) => snapshot.posixSemaphores.find((o) => o.key === object.key && o.name === object.name),
  title: psemTitle,
  noun: () => ({ one: l10n.t('semaphore'), many: l10n.t('named semaphores') }),
  kindName: () => l10n.t('POSIX named semaphore'),
  facts: (o) => ({ size: psemValueWords(o), owner: o.ownerName ?? l10n.t('owner unknown'), state: psemStateWords(o) }),
  rowId: (o) => `psem:${o.key}`,
  row: psemRow,
  state: (o) => o.state,
  isOrphaned: (o) => o.state === 'orphaned',
  inUseWords: l10n.t('in use'),
  inUseNote: l10n.t('the name goes at once; processes that have it open go on using it until they close it'),
  removeCommand: (o) => `rm ${shellQuote(o.file!.path)}`,
  hasContents: () => false,
  openContents: () => Promise.reject(new Error(l10n.t('A named semaphore has no contents to show: its value is in its row.'))),
  exported: (o) => ({
    kind: 'posixSem',
    ...heldFileJson(o),
    reading: plain(o.reading),
    state: o.state,
    reason: o.reason,
    holders: plain(o.holders),
    uncheckedProcesses: o.unchecked,
  }),
};
