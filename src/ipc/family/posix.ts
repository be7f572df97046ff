// What the POSIX kinds share (shared memory objects and memfds, named semaphores, message queues):
// a file with an owner in a sticky directory, found by device and inode, removed by name only while
// the name is still that file.
import * as l10n from '../../shared/l10n';
import { CAP_FOWNER, hasCapability, type Credentials } from '../permissions';

/** The directories POSIX objects live in are root's (the mount point of /dev/shm, /dev/mqueue). */
const DIRECTORY_OWNER = 0;

/**
 * Why these credentials may not remove a file owned by `owner` from its sticky directory, or
 * undefined when they may (or when it cannot be told: the kernel decides).
 */
export function stickyRemovalRefusal(owner: number | undefined, credentials: Credentials, directory: string): string | undefined {
  const { uid } = credentials;
  if (owner === undefined || uid === owner || uid === DIRECTORY_OWNER || hasCapability(credentials, CAP_FOWNER)) return undefined;
  return l10n.t('{0} is sticky: only its owner or a process with CAP_FOWNER (root) may remove it', directory);
}

/** A path as one shell word: quoted when it has anything a shell would read. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
