// What a POSIX shared memory object (or a memfd shared between processes) is to the rest of the
// code: its file, its holders and its state.
import type { PosixObject } from '../family/devShm';
import type { Holder, PosixState } from '../family/holders';
import type { FileKey } from '../maps';

export interface PosixObjectInfo {
  kind: 'posixShm';
  /** A file of /dev/shm (linked or removed), or a memfd. */
  origin: 'dev-shm' | 'memfd';
  /** "/name" as shm_open names it, or "memfd:NAME". */
  name: string;
  key: FileKey;
  devMajor: number;
  devMinor: number;
  ino: number;
  /** Its metadata, when some path to it could be stat'ed (not for a removed object we may not reach). */
  file?: PosixObject;
  /** Unlinked: the name is gone, the memory stays while someone holds it. Always true for memfds. */
  removed: boolean;
  holders: Holder[];
  /** Distinct processes mapping it / holding a descriptor of it. */
  mappers: number;
  openers: number;
  state: PosixState;
  reason: string;
  /** Processes the scan could not read (they might hold it, unseen). */
  unchecked: number;
  /** For an orphan: true when every process was checked, so no holder can hide anywhere. */
  certain: boolean;
  /** Where the contents can be read, best first: the name, then holders' /proc links. */
  readPaths: string[];
  ownerName?: string;
  groupName?: string;
  /** Who probably made it, from its name: a hint, never a proof. */
  producer?: string;
}
