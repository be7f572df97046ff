// System V message queues as the kernel lists them: /proc/sysvipc/msg, readable by every user
// (messages and bytes queued, last sender and receiver). qbytes (the queue's capacity) only comes
// with IPC_STAT, through the helper; the messages themselves only through msgrcv(MSG_COPY).
import type { HelperClient } from '../helperClient';
import { ownTables, type TableReader } from '../tables';
import { readFailure } from '../readFailure';
import { parseMsg, type MsgQueue } from '../family/sysvTables';
import type { PeekedMessage, QueueContents } from './types';

export type { MsgQueue } from '../family/sysvTables';

export interface MsgTable {
  raw: Buffer;
  queues: MsgQueue[];
  skipped: number;
}

/** Reads /proc/sysvipc/msg (of this process's IPC namespace). Rejects when it cannot be read. */
export async function readMsgTable(tables: TableReader = ownTables): Promise<MsgTable> {
  const raw = await tables('sysvipc/msg');
  const { items, skipped } = parseMsg(raw);
  return { raw, queues: items, skipped };
}

/** Bytes of each message's text copied for its row (its type and size are always whole). */
export const PREVIEW_BYTES = 64;
/** What one MSG_PEEK request may ask for (the helper's bound). */
const PEEK_BATCH = 1000;

/**
 * Every queue's capacity (IPC_STAT) and its first `maxMessages` messages, copied with MSG_COPY
 * (never received: the queue is left as it was). A queue it may not read says why instead.
 */
export async function readQueueContents(client: HelperClient, queues: readonly MsgQueue[], maxMessages: number): Promise<Map<number, QueueContents>> {
  const contents = new Map<number, QueueContents>();
  await Promise.all(
    queues.map(async (queue) => {
      let qbytes: number | undefined;
      try {
        qbytes = (await client.msgStat(queue.msqid)).qbytes;
        const messages: PeekedMessage[] = [];
        let more = queue.qnum > 0;
        while (more && messages.length < maxMessages) {
          const count = Math.min(PEEK_BATCH, maxMessages - messages.length);
          const peek = await client.msgPeek(queue.msqid, messages.length, count, PREVIEW_BYTES);
          messages.push(...peek.messages);
          more = peek.more;
          if (peek.messages.length === 0) break;
        }
        contents.set(queue.msqid, { read: true, qbytes, messages, more });
      } catch (error) {
        contents.set(queue.msqid, { read: false, ...readFailure(error), qbytes });
      }
    }),
  );
  return contents;
}
