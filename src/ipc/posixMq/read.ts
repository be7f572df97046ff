// POSIX message queues as the file system shows them: mq_open("/NAME") is /dev/mqueue/NAME on the
// mqueue file system of the IPC namespace, when it is mounted there (it is not by default on many
// machines: then nothing can be listed, and the view says how to mount it). Reading a queue's file
// gives "QSIZE:5  NOTIFY:0  SIGNO:0  NOTIFY_PID:0"; that read consumes nothing.
import * as fs from 'fs';
import * as path from 'path';
import { devMajorMinor } from '../fds';
import type { HelperClient } from '../helperClient';
import { FileKey, fileKey } from '../maps';
import { readFailure } from '../readFailure';
import type { PosixQueue, QueueAttr, QueueListing } from './types';

/** statfs f_type of the mqueue file system. */
export const MQUEUE_MAGIC = 0x19800202;

/** The fields of a queue file's one line, or undefined when it is not one. */
export function parseQueueFile(text: string): { qsize: number; notify: number; signo: number; notifyPid: number } | undefined {
  const field = (name: string) => {
    const match = new RegExp(`\\b${name}:\\s*(\\d+)`).exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const qsize = field('QSIZE');
  if (qsize === undefined) return undefined;
  return { qsize, notify: field('NOTIFY') ?? 0, signo: field('SIGNO') ?? 0, notifyPid: field('NOTIFY_PID') ?? 0 };
}

function sameDevice(file: string, dev: number): boolean {
  try {
    return fs.statSync(file).dev === dev;
  } catch {
    return false;
  }
}

export const MOUNT_ADVICE = 'mount it as root with: mount -t mqueue none /dev/mqueue (it belongs to the IPC namespace of whoever mounts it)';

/**
 * Lists /dev/mqueue: every queue with its file's numbers and owner. Never receives from a queue.
 * `notSameAs`: this process's own mqueue mount, when `dir` is another IPC namespace's seen through
 * /proc/PID/root: a process that shares this mount namespace sees this namespace's queues there (an
 * mqueue mount shows the IPC namespace that mounted it), which are not the other's.
 */
export function listPosixQueues(dir = '/dev/mqueue', notSameAs?: string): QueueListing {
  let statfs: fs.StatsFs;
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
    statfs = fs.statfsSync(dir);
  } catch {
    return { mounted: false, dir, queues: [], problem: `${dir} does not exist: POSIX message queues cannot be listed; ${MOUNT_ADVICE}`, signature: 'absent' };
  }
  if (statfs.type !== MQUEUE_MAGIC) {
    return {
      mounted: false,
      dir,
      queues: [],
      problem: `${dir} is not mounted: POSIX message queues cannot be listed; ${MOUNT_ADVICE}`,
      signature: 'unmounted',
    };
  }
  if (notSameAs !== undefined && sameDevice(notSameAs, dirStat.dev)) {
    return {
      mounted: false,
      dir,
      queues: [],
      problem: `${dir} is this process's own ${notSameAs} (the namespace's processes share its mount namespace): it shows these queues, not the namespace's, so they cannot be listed`,
      signature: 'own',
    };
  }
  const { major, minor } = devMajorMinor(dirStat.dev);
  const queues: PosixQueue[] = [];
  const signature: string[] = [];
  for (const entry of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, entry);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      continue; // removed since readdir
    }
    let text = '';
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      // its mode does not let us read it: listed without its numbers
    }
    const fields = parseQueueFile(text) ?? {};
    queues.push({
      name: '/' + entry,
      path: file,
      key: fileKey(major, minor, stat.ino),
      ...fields,
      mode: stat.mode & 0o7777,
      uid: stat.uid,
      gid: stat.gid,
      mtimeMs: stat.mtimeMs,
      ctimeMs: stat.ctimeMs,
    });
    signature.push(`${entry}/${stat.ino}/${text.trim()}/${stat.mode}/${stat.uid}/${stat.mtimeMs}`);
  }
  return { mounted: true, dir, devMajor: major, devMinor: minor, queues, signature: signature.join('\n') };
}

/** mq_getattr of every queue through the helper (it opens each read-only: nothing is received). */
export async function readQueueAttrs(client: HelperClient, queues: readonly PosixQueue[]): Promise<Map<FileKey, QueueAttr>> {
  const attrs = new Map<FileKey, QueueAttr>();
  await Promise.all(
    queues.map(async (queue) => {
      try {
        const { maxmsg, msgsize, curmsgs } = await client.mqAttr(queue.name);
        attrs.set(queue.key, { read: true, maxmsg, msgsize, curmsgs });
      } catch (error) {
        const failure = readFailure(error);
        attrs.set(queue.key, { read: false, why: failure.why === 'unsupported' ? 'error' : failure.why, message: failure.message });
      }
    }),
  );
  return attrs;
}
