// The shape every kind of IPC object has: what generic code (the views' rows, the commands, Clean
// Up, the status bar, the export, the command line) needs to know of an object, answered by its
// kind's module (src/ipc/<kind>/kind.ts). Only src/ipc/kinds.ts picks the module by kind; nothing
// else tests `object.kind` to decide what to do. A new kind is a folder, a KindModule (the compiler
// asks for every member) and its entry in the table.
import type { Subject } from './errors';
import type { HelperClient } from './helperClient';
import type { ContentsHeader } from '../shared/contentsProtocol';
import type { ByteSource } from './byteSource';
import type { Json } from './json';
import type { Credentials } from './permissions';
import type { ObjectRow, RowContext } from './objects';
import type { IpcObject, Snapshot } from './snapshot';

/** What a contents view reads an object through. */
export type ContentsSource = ByteSource & { readonly header: ContentsHeader; readonly refreshWhileRemoved: boolean };

/** A change of permissions: the mode, and as root the owner and group. */
export interface PermissionChange {
  uid?: number;
  gid?: number;
  mode?: number;
}

export interface KindModule<T extends IpcObject = IpcObject> {
  /** System V (a key and an id, the ipc_perm owners) or POSIX (a name, a file, its holders). */
  readonly family: 'sysv' | 'posix';
  /** What error messages call it: their words differ (src/ipc/errors.ts). */
  readonly subject: Subject['kind'];

  // ---- the objects, found ------------------------------------------------------------------
  /** Every object of this kind in a snapshot. */
  list(snapshot: Snapshot): readonly T[];
  /**
   * The same object in another snapshot, or undefined when it is gone. Same object, not just the
   * same number or name: ids and names are reused.
   */
  findAgain(snapshot: Snapshot, object: T): T | undefined;

  // ---- words -------------------------------------------------------------------------------
  /** As lists name it, without its kind: "0x7e001234 (id 5)", "/psm_1a2b". */
  title(object: T): string;
  /** The noun messages put before the title ("segment"), and its plural; '' when the title says it (a memfd). */
  noun(object: T): { one: string; many: string };
  /** Its kind in words: "System V segment", "POSIX object", "memfd". */
  kindName(object: T): string;
  /** Size, owner and state in words, for pick lists, confirmations and tables. */
  facts(object: T): { size: string; owner: string; state: string };
  /** Who owns it and (System V) created it, by name, for messages about permissions. */
  ownerNames(object: T): { owner?: string; creator?: string };

  // ---- the row ------------------------------------------------------------------------------
  /** Its row's tree id, without building the row: `shm:5`, `posix:0:27:2`... */
  rowId(object: T): string;
  row(object: T, context: RowContext): ObjectRow;
  /** The id this window holds it by (System V segments, Attach), if it can be held. */
  holdId(object: T): number | undefined;

  // ---- state ------------------------------------------------------------------------------
  /** Its state as programs read it ('in-use', 'orphaned'...): the export's `state`, the metrics' label. */
  state(object: T): string;
  /** Its state's reason in words (why orphaned, why stuck...). */
  reason(object: T): string;
  /** Leaked: Clean Up offers it, the status bar counts it. */
  isOrphaned(object: T): boolean;
  /** An orphan every process could be checked for (Clean Up ticks it). */
  certain(object: T): boolean;
  /** Memory removing it frees. */
  freedBytes(object: T): number;
  /** Processes holding it (attached, mapping, open) or, for sets and queues, waiting on it. */
  holders(object: T): number;
  /**
   * The processes whose programs may know its layout, by pid (View as C Type offers their types):
   * those holding or using it, and those the kernel names as its creator or last users while they run.
   */
  programPids(object: T): number[];
  /** The uids it belongs to (owner; for System V objects the creator too). */
  ownerUids(object: T): number[];
  /** Its permission bits, as `ls -l` and `ipcs` give them (undefined when unknown). */
  mode(object: T): number | undefined;

  // ---- names a user copies -------------------------------------------------------------------
  /** System V: its key and id. */
  sysvIds(object: T): { key: number; id: number } | undefined;
  /** POSIX: its name and path while it has them (not a memfd, not one removed). */
  posixName(object: T): { name: string; path: string } | undefined;

  // ---- acting on it ------------------------------------------------------------------------
  /** Whether it can still be removed (and its permissions changed): it still has its key or name. */
  removable(object: T): boolean;
  /** Held or used by some process now (the confirmation says what removing means then). */
  inUse(object: T): boolean;
  /** In the confirmation, what removing one in use does, and how its use is said ("still attached"). */
  readonly inUseNote: string;
  readonly inUseWords: string;
  /** Its use, for the confirmation's line ("2 attached", or the state's reason). */
  useWords(object: T): string;
  /** Why these credentials may not remove it (a sentence's end), or undefined. */
  removalRefusal(object: T, credentials: Credentials): string | undefined;
  /** The shell command that removes it (Copy Remove Command). */
  removeCommand(object: T): string;
  /** Removes it; the helper (or the call) checks right then that it is still this object. */
  remove(helper: HelperClient, object: T): Promise<void>;
  /** Clean Up's removal: only while still orphaned, checked in the same call where the kernel allows; what it freed. */
  removeOrphan(helper: HelperClient, object: T): Promise<number>;
  /** What a removal reports it as: an id, or a name. */
  removedName(object: T): number | string;
  /** Its permissions as the dialogs show them now. */
  permissions(object: T): { mode: number; ownerName: string; groupName: string };
  /** Applies a change of permissions on the very object; returns the mode, uid and gid after. */
  setPermissions(helper: HelperClient, object: T, change: PermissionChange): Promise<{ mode: number; uid: number; gid: number }>;

  // ---- contents ----------------------------------------------------------------------------
  /** Whether it has contents a contents view can show now. */
  hasContents(object: T): boolean;
  /** A source for its contents view; `again` finds it in the latest snapshot. */
  openContents(helper: HelperClient, object: T, again: () => T | undefined): Promise<ContentsSource>;

  // ---- export ------------------------------------------------------------------------------
  /** Its entry in the export document (Export as JSON, the command line's --json). */
  exported(object: T): { [key: string]: Json };
}
