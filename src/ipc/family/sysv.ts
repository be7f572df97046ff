// What the three System V kinds share (segments, semaphore sets, message queues): an ipc_perm with
// owner and creator, a key and an id, removal by the owner, the creator or CAP_SYS_ADMIN. Their
// kind modules take these from here.
import * as l10n from '../../shared/l10n';
import { CAP_SYS_ADMIN, hasCapability, type Credentials } from '../permissions';

/** The ipc_perm fields the kinds share. */
export interface SysvPerm {
  uid: number;
  cuid: number;
  gid: number;
  mode: number;
}

export function sysvOwnerUids(perm: SysvPerm): number[] {
  return [perm.uid, perm.cuid];
}

/** Why these credentials may not remove it, or undefined (the kernel's rule for IPC_RMID). */
export function sysvRemovalRefusal(perm: SysvPerm, credentials: Credentials): string | undefined {
  const { uid } = credentials;
  if (uid === perm.uid || uid === perm.cuid || hasCapability(credentials, CAP_SYS_ADMIN)) return undefined;
  return l10n.t('only its owner, its creator or a process with CAP_SYS_ADMIN (root) may remove it');
}

/** ipcrm's flag per kind: by id, because ipcrm -M/-S/-Q refuse key 0 (private and removed ones). */
export function ipcrmCommand(flag: '-m' | '-s' | '-q', id: number): string {
  return `ipcrm ${flag} ${id}`;
}
