// What a POSIX shared memory object (or a memfd shared between processes) is to the rest of the
// code: its file, its holders and its state.
import type { HeldFile, PosixState } from '../family/holders';

export interface PosixObjectInfo extends HeldFile {
  kind: 'posixShm';
  /** A file of /dev/shm (linked or removed), or a memfd (always removed). */
  origin: 'dev-shm' | 'memfd';
  state: PosixState;
  /** Who probably made it, from its name: a hint, never a proof. */
  producer?: string;
}
