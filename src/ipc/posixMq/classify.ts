// POSIX message queues, classified: each queue of /dev/mqueue with its attributes (mq_getattr
// through the helper: maxmsg, msgsize, curmsgs), the processes holding a descriptor of it (from the
// shared scan, by device and inode), and a state. There is no way to read a POSIX queue's messages
// without receiving them, so none are ever shown: that is said, never worked around.
import type { FileKey } from '../maps';
import type { Names } from '../names';
import { classifyHolds } from '../family/holders';
import type { ProcScan } from '../procScan';
import type { PosixMqInfo, PosixMqState, PosixQueue, QueueAttr } from './types';
import * as l10n from '../../shared/l10n';

export interface PosixMqContext {
  scan: Pick<ProcScan, 'files' | 'unreadable'>;
  names: Names;
  attrs: Map<FileKey, QueueAttr>;
  nowMs: number;
  graceMs: number;
  lastHeldMs: Map<FileKey, number>;
}

export function classifyPosixQueues(queues: readonly PosixQueue[], context: PosixMqContext): PosixMqInfo[] {
  const { scan, names } = context;
  return queues.map((queue): PosixMqInfo => {
    const holds = scan.files.get(queue.key) ?? [];
    const openers = new Set(holds.map((h) => h.pid)).size;
    if (openers > 0) context.lastHeldMs.set(queue.key, context.nowMs);
    const attr = context.attrs.get(queue.key) ?? { read: false, why: 'no-helper', message: l10n.t('not read yet') };
    const full = attr.read && attr.maxmsg > 0 && attr.curmsgs >= attr.maxmsg;
    // The last send or receive (mtime), not ctime: reading the queue's file for its QSIZE line, as
    // every refresh does, moves its ctime (and atime), so a queue watched more often than the grace
    // period would never be called orphaned.
    const unusedSinceMs = Math.max(queue.mtimeMs, context.lastHeldMs.get(queue.key) ?? 0);
    let { state, reason } = classifyHolds({
      removed: false,
      mappers: 0,
      openers,
      unchecked: scan.unreadable,
      unusedSinceMs,
      nowMs: context.nowMs,
      graceMs: context.graceMs,
    }) as { state: PosixMqState; reason: string };
    if (full) {
      state = 'full';
      reason = l10n.t('full: {0} of {1} messages (mq_maxmsg); senders block until someone receives. {2}', attr.curmsgs, attr.maxmsg, reason);
    } else if (attr.read && attr.curmsgs > 0 && state === 'orphaned') {
      reason =
        attr.curmsgs === 1
          ? l10n.t('{0}; 1 message left in it that nobody will receive', reason)
          : l10n.t('{0}; {1} messages left in it that nobody will receive', reason, attr.curmsgs);
    }
    return {
      kind: 'posixMq',
      name: queue.name,
      key: queue.key,
      queue,
      attr,
      holders: holds.map((h) => ({ ...h, command: names.command(h.pid) })),
      full,
      state,
      reason,
      unchecked: scan.unreadable,
      certain: scan.unreadable === 0,
      ownerName: names.user(queue.uid),
      groupName: names.group(queue.gid),
      notifyCommand: queue.notifyPid ? names.command(queue.notifyPid) : undefined,
      orphanAtMs: state === 'unused' ? unusedSinceMs + context.graceMs : undefined,
    };
  });
}
