// What a System V message queue is to the rest of the code: the kernel's row, the messages the
// helper copied (MSG_COPY: never received), the blocked senders and receivers, and the state.
import type { MsgQueue } from '../family/sysvTables';
import type { PeekedMessage } from '../helperProtocol';
import type { Waiter } from '../waiters';

export type { PeekedMessage } from '../helperProtocol';

export type MsgQueueState = 'in-use' | 'unused' | 'orphaned' | 'full';

/** What reading a queue gave: its capacity and messages, or why not. */
export type QueueContents =
  | { read: true; qbytes: number; messages: PeekedMessage[]; more: boolean }
  | { read: false; why: 'no-helper' | 'denied' | 'gone' | 'unsupported' | 'error'; message: string; qbytes?: number };

export interface MsgQueueInfo {
  kind: 'sysvMsg';
  queue: MsgQueue;
  contents: QueueContents;
  /** Processes blocked in msgsnd (the queue is full for them) and in msgrcv (nothing of their type yet). */
  senders: Waiter[];
  receivers: Waiter[];
  /** cbytes (or the number of messages) has reached qbytes: senders block (or fail with EAGAIN). */
  full: boolean;
  state: MsgQueueState;
  reason: string;
  certain: boolean;
  ownerName: string;
  creatorUserName: string;
  groupName: string;
  lastSenderCommand?: string;
  lastReceiverCommand?: string;
  /** An unused queue turns orphaned at this time by age alone. */
  orphanAtMs?: number;
}
