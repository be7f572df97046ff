// Fetching the bytes on screen: which 64 KiB blocks of the object to ask the extension for, at most
// a few at a time and never twice for the same block, and what to do when a read fails (show the
// block as unreadable, ask again after a pause while it is still on screen). The bytes themselves
// live in the ByteCache; this module only decides what to ask for and books the answers.
import { MAX_VIEW_READ, type DataMessage, type ReadRequest } from '../shared/contentsProtocol';
import { BLOCK_SIZE, ByteCache, NOT_LOADED, READ_FAILED } from './byteCache';

/** Reads in flight at once: enough to fill a screen quickly, few enough that a fast scrollbar drag
 * does not queue reads for places already scrolled past (the next ones are chosen on arrival). */
const MAX_IN_FLIGHT = 4;
/** A block whose read failed is not asked for again before this. */
export const RETRY_MS = 3000;

/** What a read asked for: a block (the view's own reads) or a page the user asked to read. */
export interface ReadPurpose {
  block?: number;
  page?: number;
}

export interface ReaderHooks {
  post(request: ReadRequest): void;
  /** A new request id (ids are shared with search, and keep growing across reloads of the page). */
  nextId(): number;
  /** A failed block's pause is over: fetch again (it is asked for if still on screen). */
  retry(): void;
}

/** The rows on screen, and the bytes the fields panel shows (read right after those rows). */
export interface FetchWindow {
  first: number;
  last: number;
  bytesPerRow: number;
  extra?: { offset: number; length: number };
}

export class BlockReader {
  private cache = new ByteCache(0, 4096);
  /** Block index -> requestId of its read in flight. */
  private readonly pendingBlocks = new Map<number, number>();
  /** requestId -> what it asked for. */
  private readonly pending = new Map<number, ReadPurpose>();
  /** Block index -> performance.now() of its failed read. */
  private readonly failed = new Map<number, number>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hooks: ReaderHooks) {}

  get size(): number {
    return this.cache.size;
  }

  get pageSize(): number {
    return this.cache.pageSize;
  }

  /** Whether blocks of the view's own are being read. */
  get reading(): boolean {
    return this.pendingBlocks.size > 0;
  }

  /** Another object, or another size or page size: nothing read so far applies. */
  reset(size: number, pageSize: number): void {
    this.cache = new ByteCache(size, pageSize);
    this.pendingBlocks.clear();
    this.pending.clear();
    this.failed.clear();
  }

  /** The bytes are another moment's now: read every block again as it is wanted, showing the old bytes meanwhile. */
  rereadAll(): void {
    this.cache.markAllStale();
    this.pendingBlocks.clear();
    this.pending.clear();
    this.failed.clear();
  }

  /** The object is gone: reads in flight will not be answered. */
  stop(): void {
    this.pendingBlocks.clear();
    this.pending.clear();
  }

  /** A byte as the view shows it: from the cache, or READ_FAILED when its block's read failed. */
  byteAt(offset: number): number {
    const b = this.cache.byteAt(offset);
    if (b === NOT_LOADED && this.failed.size > 0 && this.failed.has(Math.floor(offset / BLOCK_SIZE))) return READ_FAILED;
    return b;
  }

  /** Up to `max` bytes from `offset` that are loaded and resident (the data inspector's). */
  readKnown(offset: number, max: number): Uint8Array {
    return this.cache.readKnown(offset, max);
  }

  /** Asks for the blocks on screen first, then the fields panel's, then one screen of margin below and above. */
  fetch(window: FetchWindow): void {
    const size = this.size;
    const { first, last, bytesPerRow: bpr, extra } = window;
    if (size === 0 || last < first) return;
    const blockOfRow = (row: number) => Math.floor(Math.max(0, Math.min(size - 1, row * bpr)) / BLOCK_SIZE);
    const blockOfRowEnd = (row: number) => Math.floor(Math.max(0, Math.min(size - 1, (row + 1) * bpr - 1)) / BLOCK_SIZE);
    const rows = last - first + 1;
    const firstBlock = blockOfRow(first);
    const lastBlock = blockOfRowEnd(last);
    this.cache.touch(firstBlock, lastBlock);
    const wanted: number[] = [];
    for (let b = firstBlock; b <= lastBlock; b++) wanted.push(b);
    if (extra) {
      for (let b = Math.floor(extra.offset / BLOCK_SIZE); b <= Math.floor((extra.offset + extra.length - 1) / BLOCK_SIZE); b++) {
        if (!wanted.includes(b)) wanted.push(b);
      }
    }
    for (let b = lastBlock + 1; b <= blockOfRowEnd(last + rows); b++) wanted.push(b);
    for (let b = firstBlock - 1; b >= blockOfRow(first - rows); b--) wanted.push(b);
    const now = performance.now();
    for (const block of wanted) {
      if (this.pendingBlocks.size >= MAX_IN_FLIGHT) break;
      if (this.pendingBlocks.has(block)) continue;
      if (this.cache.has(block) && !this.cache.isStale(block)) continue;
      const failedAt = this.failed.get(block);
      if (failedAt !== undefined && now - failedAt < RETRY_MS) continue;
      const { offset, length } = this.cache.blockRange(block);
      if (length <= 0) continue;
      const requestId = this.hooks.nextId();
      this.pendingBlocks.set(block, requestId);
      this.pending.set(requestId, { block });
      this.hooks.post({ type: 'read', requestId, offset, length, includeNonResident: false });
    }
  }

  /**
   * Reads the page without data holding `offset` (the user asked: for a System V segment this
   * allocates it). Returns the page's offset, or undefined when `offset` is outside the object.
   */
  readPage(offset: number): number | undefined {
    const { size, pageSize } = this;
    if (offset < 0 || offset >= size) return undefined;
    const page = Math.floor(offset / pageSize);
    let start = page * pageSize;
    let length = Math.min(pageSize, size - start);
    if (length > MAX_VIEW_READ) {
      // Huge pages: read the block around the offset (the kernel allocates the whole page anyway;
      // the other blocks of it are read again as resident when they come into view).
      start = Math.floor(offset / BLOCK_SIZE) * BLOCK_SIZE;
      length = Math.min(BLOCK_SIZE, size - start);
    }
    const requestId = this.hooks.nextId();
    this.pending.set(requestId, { page });
    this.hooks.post({ type: 'read', requestId, offset: start, length, includeNonResident: true });
    // Blocks of a huge page outside the part read must be read again to learn they are resident.
    if (pageSize > BLOCK_SIZE) {
      const pageStart = page * pageSize;
      for (let o = pageStart; o < Math.min(size, pageStart + pageSize); o += BLOCK_SIZE) {
        if (o !== start) this.cache.invalidate(o, 1);
      }
    }
    return page * pageSize;
  }

  /**
   * Takes bytes from the extension (an answer, or a live refresh with request id 0). Returns what
   * the answer was for (if it was pending) and the offsets whose byte changed; undefined when the
   * bytes lie past the object's end.
   */
  take(message: DataMessage, now: number): { purpose: ReadPurpose | undefined; changed: number[] } | undefined {
    const purpose = message.requestId === 0 ? undefined : this.pending.get(message.requestId);
    if (purpose) {
      this.pending.delete(message.requestId);
      if (purpose.block !== undefined && this.pendingBlocks.get(purpose.block) === message.requestId) this.pendingBlocks.delete(purpose.block);
    }
    // Answers not (or no longer) pending are still this object's bytes: take them.
    if (message.offset >= this.size) return undefined;
    if (this.failed.size > 0) {
      for (let b = Math.floor(message.offset / BLOCK_SIZE); b * BLOCK_SIZE < message.offset + message.bytes.length; b++) this.failed.delete(b);
    }
    return { purpose, changed: this.cache.apply(message, now) };
  }

  /**
   * A request failed. Returns what it was for, or undefined when it was not a read of this
   * module's. A failed block is shown as unreadable and asked for again after RETRY_MS while it is
   * on screen (a transient error must not leave a hole).
   */
  fail(requestId: number): ReadPurpose | undefined {
    const purpose = this.pending.get(requestId);
    if (!purpose) return undefined;
    this.pending.delete(requestId);
    if (purpose.block !== undefined) {
      this.pendingBlocks.delete(purpose.block);
      this.failed.set(purpose.block, performance.now());
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.hooks.retry(), RETRY_MS + 50);
    }
    return purpose;
  }
}
