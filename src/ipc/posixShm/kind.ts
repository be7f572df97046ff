// POSIX shared memory objects (/dev/shm, shm_open), and memfds and anonymous shared memory shared
// between processes, as the kinds table (src/ipc/kinds.ts) sees them: one kind, three origins. A
// memfd or anonymous shared memory has no name to remove it by or to change its permissions through:
// it goes when its last holder does.
import { shellQuote } from '../family/posix';
import { formatBytes } from '../format';
import { plain } from '../json';
import { heldFileEntries, heldFileJson } from '../family/posixKind';
import { mayReach } from '../family/holders';
import type { KindModule } from '../kind';
import * as l10n from '../../shared/l10n';
import type { PosixObjectInfo } from './types';
import { posixShmObjects, type PosixPicture } from '../snapshot';
import { posixRow, posixStateWords, posixTitle, rowId } from './present';
import { PosixObjectSource } from './source';

/** The listed objects of one origin. */
function posixShmOfOrigin(snapshot: { posix: PosixPicture }, origin: PosixObjectInfo['origin']): PosixObjectInfo[] {
  return origin === 'memfd' ? snapshot.posix.memfds : origin === 'anonymous' ? snapshot.posix.anonymous : snapshot.posix.objects;
}

const NOUN: Record<PosixObjectInfo['origin'], { one: string; many: string }> = {
  'dev-shm': { one: l10n.t('object'), many: l10n.t('POSIX objects') },
  memfd: { one: '', many: l10n.t('memfds') },
  anonymous: { one: '', many: l10n.t('anonymous shared memory objects') },
};

const KIND_NAME: Record<PosixObjectInfo['origin'], string> = {
  'dev-shm': l10n.t('POSIX object'),
  memfd: 'memfd',
  anonymous: l10n.t('anonymous shared memory'),
};

/** Linked in /dev/shm: reachable by its name (a memfd, or an object removed while held, is not). */
const named = (o: PosixObjectInfo): boolean => o.origin === 'dev-shm' && !o.removed && o.file !== undefined;

export const posixShmKind: KindModule<PosixObjectInfo> = {
  family: 'posix',
  subject: 'object',
  ...heldFileEntries(named),
  list: posixShmObjects,
  // Names are reused: the same object also has the same device and inode (its key).
  findAgain: (snapshot, object) => posixShmOfOrigin(snapshot, object.origin).find((o) => o.key === object.key && o.name === object.name),
  title: posixTitle,
  noun: (o) => NOUN[o.origin],
  kindName: (o) => KIND_NAME[o.origin],
  facts: (o) => ({
    size: o.file ? formatBytes(o.file.size) : l10n.t('size unknown'),
    owner: o.ownerName ?? l10n.t('owner unknown'),
    state: posixStateWords(o),
  }),
  rowId,
  row: posixRow,
  state: (o) => o.state,
  isOrphaned: (o) => o.state === 'orphaned' && o.origin === 'dev-shm',
  inUseWords: l10n.t('still mapped or open'),
  inUseNote: l10n.t('the name goes at once, but the processes that map or hold it keep its memory until they unmap and close it'),
  // util-linux 2.38 has no ipcrm for POSIX objects: rm is what works.
  removeCommand: (o) => `rm ${shellQuote(o.file?.path ?? `/dev/shm${o.name}`)}`,
  // The helper runs as this process's user: a mapping alone (map_files) is open to root only.
  hasContents: (o) => mayReach(o.readPaths, process.geteuid?.() ?? -1),
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
