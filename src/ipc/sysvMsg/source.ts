// The bytes of one queued System V message for the contents view: read by the helper with
// msgrcv(MSG_COPY), so the message stays in the queue. A message is known by its place in the queue
// and, since places shift as others are received, by its type and size as they were when it was
// opened: once the message at that place is another one, the view says the message is gone.
import type { ByteSource } from '../byteSource';
import { formatKey } from '../format';
import { HelperError, type HelperClient } from '../helperClient';
import type { Residency } from '../helperProtocol';
import type { ContentsHeader } from '../../shared/contentsProtocol';
import * as l10n from '../../shared/l10n';

/** Errors that mean the queue or the message is not there any more. */
const GONE = new Set(['EINVAL', 'EIDRM', 'ENOMSG']);

export class MessageSource implements ByteSource {
  readonly id: string;
  readonly title: string;
  readonly memoryKey: string;
  readonly gaps = 'hole' as const;
  readonly refreshWhileRemoved = false;
  bytesRead = 0;
  private text: Buffer;
  private last: ContentsHeader;

  constructor(
    private readonly client: HelperClient,
    private readonly msqid: number,
    key: number,
    private readonly index: number,
    private readonly mtype: bigint,
    text: Buffer,
  ) {
    this.id = `msg:${msqid}:m${index}`;
    this.title = `${key === 0 ? 'private' : formatKey(key)} · ${msqid} #${index}`;
    // Programs send one struct per message type: a type chosen for one message fits the others of its mtype.
    this.memoryKey = `msg:${key === 0 ? `id:${msqid}` : formatKey(key)}:mtype${mtype}`;
    this.text = text;
    this.last = this.headerFrom('live');
  }

  get header(): ContentsHeader {
    return this.last;
  }

  async describe(): Promise<ContentsHeader> {
    try {
      const now = await this.client.msgRead(this.msqid, this.index);
      if (now.mtype !== this.mtype || now.text.length !== this.text.length) return (this.last = this.headerFrom('gone'));
      this.text = now.text;
      return (this.last = this.headerFrom('live'));
    } catch (error) {
      if (error instanceof HelperError && GONE.has(error.code)) return (this.last = this.headerFrom('gone'));
      throw error;
    }
  }

  /** A message has no holes: every page holds its bytes. */
  async dataMap(offset: number, length: number): Promise<Residency> {
    const pageSize = (await this.client.hello()).pageSize;
    const end = length === 0 ? this.text.length : offset + length;
    const firstPage = Math.floor(offset / pageSize);
    const pageCount = Math.max(0, Math.ceil(end / pageSize) - firstPage);
    return { firstPage, pageCount, pageSize, bitmap: Buffer.alloc(Math.ceil(pageCount / 8), 0xff) };
  }

  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    if (offset + length > this.text.length) throw new HelperError(l10n.t('ERANGE'), 34, 'MsgRead', `the message has ${this.text.length} bytes`);
    const bytes = this.text.subarray(offset, offset + length);
    this.bytesRead += length;
    if (!into) return Buffer.from(bytes);
    bytes.copy(into);
    return into;
  }

  gapsAreZeros(): boolean {
    return true;
  }

  private headerFrom(phase: ContentsHeader['phase']): ContentsHeader {
    return {
      id: this.id,
      title: l10n.t('Message #{0}', this.index),
      subtitle: `queue ${this.msqid}`,
      noun: 'message',
      size: this.text.length,
      facts: [
        ['Type', String(this.mtype)],
        [
          'State',
          phase === 'gone' ? 'no longer at this place in the queue (received, or the queue removed)' : 'still in the queue (read with MSG_COPY, not received)',
        ],
      ],
      phase,
      removedNotice: '',
      gaps: 'hole',
    };
  }
}
