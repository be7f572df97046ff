// What a POSIX message queue is to the rest of the code: its file in the mqueue file system, its
// attributes (mq_getattr, through the helper), its holders and its state.
import type { FileKey } from '../maps';
import type { Holder } from '../family/holders';

export type PosixMqState = 'in-use' | 'unused' | 'orphaned' | 'full';

export type QueueAttr =
  { read: true; maxmsg: number; msgsize: number; curmsgs: number } | { read: false; why: 'no-helper' | 'denied' | 'gone' | 'error'; message: string };

export interface PosixMqInfo {
  kind: 'posixMq';
  name: string;
  key: FileKey;
  queue: PosixQueue;
  attr: QueueAttr;
  holders: Holder[];
  full: boolean;
  state: PosixMqState;
  reason: string;
  unchecked: number;
  certain: boolean;
  ownerName: string;
  groupName: string;
  notifyCommand?: string;
  /** An unused queue turns orphaned at this time by age alone. */
  orphanAtMs?: number;
}

export interface PosixQueue {
  /** As mq_open names it: "/NAME". */
  name: string;
  path: string;
  key: FileKey;
  /** Bytes of all messages queued (QSIZE); undefined when the file may not be read (its mode). */
  qsize?: number;
  /** The pid registered with mq_notify, 0 for none. */
  notifyPid?: number;
  /** The notification: 0 signal, 1 none, 2 thread (NOTIFY); and its signal number. */
  notify?: number;
  signo?: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface QueueListing {
  /** /dev/mqueue is an mqueue file system: listing is possible. */
  mounted: boolean;
  dir: string;
  devMajor?: number;
  devMinor?: number;
  queues: PosixQueue[];
  /** Why nothing could be listed, in words, with what to do. */
  problem?: string;
  signature: string;
}
