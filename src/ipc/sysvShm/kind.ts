// System V shared memory segments as the kinds table (src/ipc/kinds.ts) sees them.
import { formatBytes, formatKey } from '../format';
import { ipcrmCommand, sysvOwnerUids, sysvRemovalRefusal } from '../family/sysv';
import type { KindModule } from '../kind';
import { plain } from '../json';
import * as l10n from '../../shared/l10n';
import { attachedProcesses, userAttachments, type SegmentInfo } from './types';
import { displayKey, keyText, segmentRow, stateWords } from './present';
import { SegmentSource } from './source';

export const sysvShmKind: KindModule<SegmentInfo> = {
  family: 'sysv',
  subject: 'segment',
  list: (snapshot) => snapshot.segments,
  // Ids are reused: the same segment also has the same creation time, creator and size.
  findAgain: (snapshot, object) => {
    const s = object.segment;
    return snapshot.segments.find((o) => o.segment.shmid === s.shmid && o.segment.ctime === s.ctime && o.segment.cuid === s.cuid && o.segment.size === s.size);
  },
  title: (o) => l10n.t('{0} (id {1})', displayKey(o), o.segment.shmid),
  noun: () => ({ one: l10n.t('segment'), many: l10n.t('segments') }),
  kindName: () => l10n.t('System V segment'),
  facts: (o) => ({ size: formatBytes(o.segment.size), owner: o.ownerName, state: stateWords(o) }),
  ownerNames: (o) => ({ owner: o.ownerName, creator: o.creatorUserName }),
  rowId: (o) => `shm:${o.segment.shmid}`,
  row: segmentRow,
  holdId: (o) => o.segment.shmid,
  reason: (o) => o.classification.reason,
  state: (o) => o.classification.state,
  isOrphaned: (o) => o.classification.state === 'orphaned',
  // The kernel counts attachments (nattch): an orphan verdict never rests on processes unseen.
  certain: () => true,
  freedBytes: (o) => o.segment.size,
  holders: (o) => attachedProcesses(o),
  programPids: (o) => [...new Set([...o.attachments.map((a) => a.pid), ...(o.classification.creator === 'alive' ? [o.segment.cpid] : [])])],
  ownerUids: (o) => sysvOwnerUids(o.segment),
  mode: (o) => o.segment.perms & 0o777,
  sysvIds: (o) => ({ key: o.segment.key, id: o.segment.shmid }),
  posixName: () => undefined,
  removable: (o) => !o.segment.dest,
  inUse: (o) => userAttachments(o) > 0,
  inUseWords: l10n.t('still attached'),
  inUseNote: l10n.t('an attached segment is only marked for removal (its key is freed at once) and disappears when its last process detaches'),
  useWords: (o) => l10n.t('{0} attached', attachedProcesses(o)),
  removalRefusal: (o, credentials) => sysvRemovalRefusal(o.segment, credentials),
  removeCommand: (o) => ipcrmCommand('-m', o.segment.shmid),
  remove: (helper, o) => helper.shmRemove(o.segment.shmid),
  // Removed only if still unattached, checked by the helper in the same call as IPC_RMID.
  removeOrphan: async (helper, o) => (await helper.shmRemoveIfUnattached(o.segment.shmid)).size,
  removedName: (o) => o.segment.shmid,
  permissions: (o) => ({ mode: o.segment.mode, ownerName: o.ownerName, groupName: o.groupName }),
  setPermissions: (helper, o, change) => helper.shmSet(o.segment.shmid, change),
  hasContents: () => true,
  openContents: async (helper, o, again) => {
    // Fresh numbers (and the permission check) from the kernel before opening.
    const stat = await helper.shmStat(o.segment.shmid);
    const original = o.attachments.find((a) => a.key !== 0)?.key;
    const key = stat.key === 0 && original ? formatKey(original) : keyText(stat);
    return new SegmentSource(helper, stat, key, () => again()?.segment.swap !== 0);
  },
  exported: (o) => ({
    kind: 'sysvShm',
    kernel: plain({ ...o.segment, sizeExact: undefined, size: o.segment.sizeExact ?? o.segment.size }),
    owner: o.ownerName,
    group: o.groupName,
    creatorUser: o.creatorUserName,
    state: o.classification.state,
    reason: o.classification.reason,
    creatorCommand: plain(o.creatorCommand),
    lastCommand: plain(o.lastCommand),
    attachments: plain(o.attachments),
    hiddenAttachments: o.hiddenAttachments,
    inspectorAttachments: o.inspectorAttachments,
  }),
};
