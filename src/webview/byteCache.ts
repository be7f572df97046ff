// The webview's copy of segment bytes: 64 KiB blocks in an LRU map, bounded (8 MiB by default), with
// the residency of every page each block covers. Reads fill whole blocks; live refreshes and
// "read this page" answers may cover any range and update the blocks they touch. Bytes that differ
// from what the block held before (both times resident) are reported as changed.
import { changedOffsets } from '../shared/hexFormat';

export const BLOCK_SIZE = 64 * 1024;
export const DEFAULT_CACHE_BYTES = 8 * 1024 * 1024;

/** byteAt() results besides 0..255. */
export const NOT_LOADED = -1;
export const NOT_RESIDENT = -2;
/** Not from the cache: the view shows bytes of a block whose read failed this way. */
export const READ_FAILED = -4;

const enum Page {
  NotResident = 0,
  Resident = 1,
  /** Became resident in a partial update: the rest of its bytes are not known yet. */
  Unknown = 2,
}

interface Block {
  index: number;
  start: number;
  bytes: Uint8Array;
  firstPage: number;
  pages: Uint8Array; // Page per page overlapping the block
  /** performance.now() of the last data that covered the whole block or its visible part. */
  updated: number;
  /** Set when part of the block is Unknown: it must be read again. */
  stale: boolean;
}

export interface DataUpdate {
  offset: number;
  bytes: Uint8Array;
  firstPage: number;
  resident: Uint8Array;
}

export class ByteCache {
  private readonly blocks = new Map<number, Block>();
  private readonly maxBlocks: number;
  private last: Block | undefined;

  constructor(
    readonly size: number,
    readonly pageSize: number,
    maxBytes = DEFAULT_CACHE_BYTES,
  ) {
    this.maxBlocks = Math.max(4, Math.floor(maxBytes / BLOCK_SIZE));
  }

  get blockCount(): number {
    return Math.ceil(this.size / BLOCK_SIZE);
  }

  blockRange(index: number): { offset: number; length: number } {
    const offset = index * BLOCK_SIZE;
    return { offset, length: Math.max(0, Math.min(BLOCK_SIZE, this.size - offset)) };
  }

  has(index: number): boolean {
    return this.blocks.has(index);
  }

  isStale(index: number): boolean {
    return this.blocks.get(index)?.stale ?? false;
  }

  /** When the block last got data (performance.now()), or undefined when absent. */
  updatedAt(index: number): number | undefined {
    return this.blocks.get(index)?.updated;
  }

  /** Marks blocks as recently used (most recent last). */
  touch(first: number, last: number): void {
    for (let i = first; i <= last; i++) {
      const block = this.blocks.get(i);
      if (block) {
        this.blocks.delete(i);
        this.blocks.set(i, block);
      }
    }
  }

  /** The byte, NOT_LOADED, or NOT_RESIDENT. Fast path for the renderer. */
  byteAt(offset: number): number {
    if (offset < 0 || offset >= this.size) return NOT_LOADED;
    let block = this.last;
    if (!block || offset < block.start || offset >= block.start + block.bytes.length) {
      block = this.blocks.get(Math.floor(offset / BLOCK_SIZE));
      if (!block) return NOT_LOADED;
      this.last = block;
    }
    const page = block.pages[Math.floor(offset / this.pageSize) - block.firstPage];
    if (page === Page.Resident) return block.bytes[offset - block.start];
    return page === Page.NotResident ? NOT_RESIDENT : NOT_LOADED;
  }

  /** Up to `max` bytes from `offset` that are loaded and resident (stops at the first that is not). */
  readKnown(offset: number, max: number): Uint8Array {
    const out: number[] = [];
    for (let o = offset; o < offset + max && o < this.size; o++) {
      const b = this.byteAt(o);
      if (b < 0) break;
      out.push(b);
    }
    return Uint8Array.from(out);
  }

  /** Applies data from the extension; returns the offsets whose byte changed. */
  apply(update: DataUpdate, now: number): number[] {
    const { offset, bytes, firstPage, resident } = update;
    const end = Math.min(offset + bytes.length, this.size);
    if (end <= offset) return [];
    const changed: number[] = [];
    const isResident = (page: number): boolean => {
      const i = page - firstPage;
      return i >= 0 && i >> 3 < resident.length && (resident[i >> 3] & (1 << (i & 7))) !== 0;
    };
    const ps = this.pageSize;
    for (let index = Math.floor(offset / BLOCK_SIZE); index * BLOCK_SIZE < end; index++) {
      const range = this.blockRange(index);
      const blockEnd = range.offset + range.length;
      const from = Math.max(offset, range.offset);
      const to = Math.min(end, blockEnd);
      let block = this.blocks.get(index);
      const whole = from === range.offset && to === blockEnd;
      if (!block) {
        if (!whole) continue; // a partial update of a block never read: it will be read in full
        const first = Math.floor(range.offset / ps);
        block = {
          index,
          start: range.offset,
          bytes: new Uint8Array(range.length),
          firstPage: first,
          pages: new Uint8Array(Math.floor((blockEnd - 1) / ps) - first + 1).fill(Page.Unknown),
          updated: now,
          stale: false,
        };
        this.blocks.set(index, block);
      } else {
        this.blocks.delete(index); // most recently used
        this.blocks.set(index, block);
      }
      // Page by page over [from, to): compare where old and new both hold real bytes, then copy.
      for (let p = Math.floor(from / ps); p * ps < to; p++) {
        const a = Math.max(from, p * ps);
        const b = Math.min(to, (p + 1) * ps);
        const slot = p - block.firstPage;
        const before = block.pages[slot];
        const nowResident = isResident(p);
        const next = bytes.subarray(a - offset, b - offset);
        const target = block.bytes.subarray(a - block.start, b - block.start);
        if (before === Page.Resident && nowResident) {
          for (const o of changedOffsets(target, next, a)) changed.push(o);
        }
        target.set(next);
        const coversPage = a === Math.max(p * ps, block.start) && b === Math.min((p + 1) * ps, blockEnd);
        if (!nowResident) block.pages[slot] = Page.NotResident;
        else if (before === Page.Resident || coversPage) block.pages[slot] = Page.Resident;
        else block.pages[slot] = Page.Unknown;
      }
      block.stale = block.pages.includes(Page.Unknown);
      if (whole || !block.stale) block.updated = now;
    }
    this.evict();
    return changed;
  }

  /** Every block is to be read again (another moment of a recording), its bytes shown until then. */
  markAllStale(): void {
    for (const block of this.blocks.values()) block.stale = true;
  }

  /** Forgets blocks overlapping [offset, offset + length) so they are read again. */
  invalidate(offset: number, length: number): void {
    const first = Math.floor(offset / BLOCK_SIZE);
    const last = Math.floor((offset + Math.max(1, length) - 1) / BLOCK_SIZE);
    for (let i = first; i <= last; i++) this.blocks.delete(i);
    this.last = undefined;
  }

  clear(): void {
    this.blocks.clear();
    this.last = undefined;
  }

  /** Bytes held (for tests and the harness). */
  get heldBytes(): number {
    let n = 0;
    for (const block of this.blocks.values()) n += block.bytes.length;
    return n;
  }

  private evict(): void {
    if (this.blocks.size <= this.maxBlocks) return;
    for (const index of this.blocks.keys()) {
      if (this.blocks.size <= this.maxBlocks) break;
      this.blocks.delete(index);
    }
    this.last = undefined;
  }
}
