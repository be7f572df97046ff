// Who this process is, as the kernel judges it (uids and capabilities), so a command can say what
// it may not do before it asks for a confirmation it could not honour (and Clean Up never offers
// what would fail). The rules are each family's (src/ipc/family/): System V objects (IPC_RMID) the
// owner, the creator, or CAP_SYS_ADMIN (ipcctl_obtain_check); files of /dev/shm and queues of
// /dev/mqueue (unlink, mq_unlink) only the file's owner, the directory's owner or CAP_FOWNER, both
// directories being sticky (1777). The kernel stays the judge: a verdict of "may" is still acted
// on through the helper, whose errors are reported as they come.
import * as fs from 'fs';

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
