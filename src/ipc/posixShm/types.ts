// What a POSIX shared memory object (or a memfd, or anonymous shared memory, shared between
// processes) is to the rest of the code: its file, its holders and its state.
import type { HeldFile, PosixState } from '../family/holders';

export interface PosixObjectInfo extends HeldFile {
  kind: 'posixShm';
  /**
   * A file of /dev/shm (linked or removed), a memfd (always removed), or anonymous shared memory
   * (MAP_SHARED | MAP_ANONYMOUS, shared over fork: no name at all, only mappings).
   */
  origin: 'dev-shm' | 'memfd' | 'anonymous';
  state: PosixState;
  /** Who probably made it, from its name: a hint, never a proof. */
  producer?: string;
}

/** The name anonymous shared memory goes by (the kernel's is "/dev/zero (deleted)"); its inode tells one from another. */
export const ANONYMOUS_NAME = 'anonymous shared memory';
