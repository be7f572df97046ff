// Who may remove what, decided the way the kernel decides it, so a command can say so before it
// asks for a confirmation it could not honour (and Clean Up never offers what would fail):
//   - System V objects (IPC_RMID): the owner, the creator, or CAP_SYS_ADMIN (ipcctl_obtain_check).
//   - Files of /dev/shm and queues of /dev/mqueue (unlink, mq_unlink): both directories are
//     sticky (1777), so only the file's owner, the directory's owner or CAP_FOWNER may remove one.
// The kernel stays the judge: a verdict of "may" is still acted on through the helper, whose
// errors are reported as they come. This module only spares the user a doomed request.
import * as fs from 'fs';
import type { IpcObject } from './snapshot';

export const CAP_FOWNER = 3;
export const CAP_SYS_ADMIN = 21;

/** The effective user and capabilities of this process (the helper runs with the same). */
export interface Credentials {
  uid: number;
  /** CapEff of /proc/self/status, one bit per capability. */
  capabilities: bigint;
}

/** Credentials from the text of /proc/PID/status; undefined when a line is missing or malformed. */
export function parseCredentials(status: string): Credentials | undefined {
  const uid = /^Uid:\s+\d+\s+(\d+)/m.exec(status); // real, effective, saved, fs: the effective counts
  const caps = /^CapEff:\s+([0-9a-f]+)\s*$/m.exec(status);
  if (!uid || !caps) return undefined;
  return { uid: Number(uid[1]), capabilities: BigInt('0x' + caps[1]) };
}

/** This process's credentials; without a readable status, the uid alone and no capabilities. */
export function ownCredentials(procRoot = '/proc'): Credentials {
  try {
    const parsed = parseCredentials(fs.readFileSync(`${procRoot}/self/status`, 'latin1'));
    if (parsed) return parsed;
  } catch {
    // fall through: assume nothing beyond the uid
  }
  return { uid: process.geteuid?.() ?? -1, capabilities: 0n };
}

export function hasCapability(credentials: Credentials, capability: number): boolean {
  return (credentials.capabilities & (1n << BigInt(capability))) !== 0n;
}

/** The directories POSIX objects live in are root's (the mount point of /dev/shm, /dev/mqueue). */
const DIRECTORY_OWNER = 0;

/**
 * Why these credentials may not remove the object, in words that end a sentence ("only its owner
 * ... may remove it"); undefined when they may (or when it cannot be told: the kernel decides).
 */
export function removalRefusal(object: IpcObject, credentials: Credentials): string | undefined {
  const { uid } = credentials;
  switch (object.kind) {
    case 'sysvShm':
    case 'sysvSem':
    case 'sysvMsg': {
      const ids = object.kind === 'sysvShm' ? object.segment : object.kind === 'sysvSem' ? object.set : object.queue;
      if (uid === ids.uid || uid === ids.cuid || hasCapability(credentials, CAP_SYS_ADMIN)) return undefined;
      return 'only its owner, its creator or a process with CAP_SYS_ADMIN (root) may remove it';
    }
    case 'posixShm':
    case 'posixSem':
    case 'posixMq': {
      const owner = object.kind === 'posixMq' ? object.queue.uid : object.file?.uid;
      if (owner === undefined || uid === owner || uid === DIRECTORY_OWNER || hasCapability(credentials, CAP_FOWNER)) return undefined;
      const dir = object.kind === 'posixMq' ? 'the queue directory' : '/dev/shm';
      return `${dir} is sticky: only its owner or a process with CAP_FOWNER (root) may remove it`;
    }
  }
}
