// POSIX shared memory objects (/dev/shm, shm_open) and memfds shared between processes, as the
// kinds table (src/ipc/kinds.ts) sees them: one kind, two origins. A memfd has no name to remove it
// by or to change its permissions through: it goes when its last holder does.
import { shellQuote } from '../family/posix';
import { formatBytes } from '../format';
import { plain } from '../json';
import { heldFileEntries, heldFileJson } from '../family/posixKind';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { PosixObjectInfo } from './types';
import { posixRow, posixStateWords, posixTitle, rowId } from './present';
import { PosixObjectSource } from './source';

/** Linked in /dev/shm: reachable by its name (a memfd, or an object removed while held, is not). */
const named = (o: PosixObjectInfo): boolean => o.origin === 'dev-shm' && !o.removed && o.file !== undefined;

export const posixShmKind: KindModule<PosixObjectInfo> = {
  family: 'posix',
  subject: 'object',
  ...heldFileEntries(named),
  list: (snapshot) => [...snapshot.posix.objects, ...snapshot.posix.memfds],
  // Names are reused: the same object also has the same device and inode (its key).
  findAgain: (snapshot, object) =>
    (object.origin === 'memfd' ? snapshot.posix.memfds : snapshot.posix.objects).find((o) => o.key === object.key && o.name === object.name),
  title: posixTitle,
  noun: (o) => (o.origin === 'memfd' ? { one: '', many: l10n.t('memfds') } : { one: l10n.t('object'), many: l10n.t('POSIX objects') }),
  kindName: (o) => (o.origin === 'memfd' ? 'memfd' : l10n.t('POSIX object')),
  facts: (o) => ({
    size: o.file ? formatBytes(o.file.size) : l10n.t('size unknown'),
    owner: o.ownerName ?? l10n.t('owner unknown'),
    state: posixStateWords(o),
  }),
  rowId,
  row: posixRow,
  isOrphaned: (o) => o.state === 'orphaned' && o.origin === 'dev-shm',
  inUseWords: l10n.t('still mapped or open'),
  inUseNote: l10n.t('the name goes at once, but the processes that map or hold it keep its memory until they unmap and close it'),
  // util-linux 2.38 has no ipcrm for POSIX objects: rm is what works.
  removeCommand: (o) => `rm ${shellQuote(o.file?.path ?? `/dev/shm${o.name}`)}`,
  hasContents: (o) => o.readPaths.length > 0,
  openContents: async (helper, o, again) => {
    const source = new PosixObjectSource(helper, o, again);
    await source.describe(); // fresh numbers, and the permission check, before opening
    return source;
  },
  exported: (o) => ({
    kind: 'posixShm',
    origin: o.origin,
    ...heldFileJson(o),
    state: o.state,
    reason: o.reason,
    producer: plain(o.producer),
    holders: plain(o.holders),
    uncheckedProcesses: o.unchecked,
  }),
};
