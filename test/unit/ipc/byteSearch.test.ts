import * as assert from 'node:assert/strict';
import { ResidentRun, searchBytes, SearchOptions } from '../../../src/ipc/byteSearch';
import { seededRandom } from '../../support/random';

/** A fake segment: its bytes, which pages are resident, and a reader like the helper's. */
class FakeSegment {
  reads: Array<[number, number]> = [];
  constructor(
    readonly data: Uint8Array,
    readonly pageSize = 8,
    readonly resident: (page: number) => boolean = () => true,
    /** One run per page (contiguous runs are not merged), as a reader may well answer. */
    readonly runPerPage = false,
  ) {}

  isResident(offset: number): boolean {
    return this.resident(Math.floor(offset / this.pageSize));
  }

  readChunk = async (offset: number, length: number): Promise<ResidentRun[]> => {
    this.reads.push([offset, length]);
    assert.ok(offset >= 0 && length > 0 && offset + length <= this.data.length, `read ${offset}+${length} within ${this.data.length}`);
    const runs: ResidentRun[] = [];
    let start = -1;
    const flush = (end: number) => {
      if (start >= 0) runs.push({ offset: start, bytes: this.data.slice(start, end) });
      start = -1;
    };
    for (let i = offset; i < offset + length; i++) {
      const pageStart = i % this.pageSize === 0;
      if (!this.isResident(i)) flush(i);
      else {
        if (this.runPerPage && pageStart) flush(i);
        if (start < 0) start = i;
      }
    }
    flush(offset + length);
    return runs.reverse(); // in no particular order
  };

  nonResidentBytes(): number {
    let n = 0;
    for (let i = 0; i < this.data.length; i++) if (!this.isResident(i)) n++;
    return n;
  }
}

const fold = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b);

/** The reference answer: the first resident match at or after `from`, else the first before it. */
function naiveSearch(segment: FakeSegment, pattern: Uint8Array, from: number, caseInsensitive: boolean): number {
  const { data } = segment;
  const matchesAt = (s: number) => {
    for (let k = 0; k < pattern.length; k++) {
      if (!segment.isResident(s + k)) return false;
      const a = caseInsensitive ? fold(data[s + k]) : data[s + k];
      const b = caseInsensitive ? fold(pattern[k]) : pattern[k];
      if (a !== b) return false;
    }
    return true;
  };
  for (let s = from; s + pattern.length <= data.length; s++) if (matchesAt(s)) return s;
  for (let s = 0; s < from && s + pattern.length <= data.length; s++) if (matchesAt(s)) return s;
  return -1;
}

function search(segment: FakeSegment, pattern: Uint8Array | string, extra: Partial<SearchOptions> = {}) {
  return searchBytes({
    size: segment.data.length,
    pattern: typeof pattern === 'string' ? Buffer.from(pattern, 'latin1') : pattern,
    from: 0,
    readChunk: segment.readChunk,
    ...extra,
  });
}

/** Background bytes that never contain 0xff, so a pattern made with 0xff is found only where put. */
const background = (size: number) => new Uint8Array(size).map((_, i) => (i * 31 + 7) % 0xff);

describe('segment search', function () {
  it('finds a match at every position, including across every chunk boundary', async function () {
    const size = 64;
    for (const chunkSize of [1, 2, 3, 5, 7, 8, 16, 64, 1000]) {
      for (const m of [1, 2, 3, 4, 9]) {
        const pattern = new Uint8Array(m).map((_, i) => (i === 0 ? 0xff : 0xff - i));
        for (let at = 0; at + m <= size; at++) {
          const data = background(size);
          data.set(pattern, at);
          const result = await search(new FakeSegment(data), pattern, { chunkSize });
          assert.deepEqual(result, { offset: at, skipped: 0, cancelled: false }, `chunk ${chunkSize}, length ${m}, at ${at}`);
        }
      }
    }
  });

  it('finds a match across runs that the reader returned separately but that touch', async function () {
    const data = background(64);
    data.set([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa], 13); // pages of 8: straddles pages 1 and 2
    const segment = new FakeSegment(data, 8, () => true, true);
    const result = await search(segment, Uint8Array.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa]), { chunkSize: 64 });
    assert.equal(result.offset, 13);
  });

  it('keeps its own copy of the bytes carried over, for a reader that reuses one buffer', async function () {
    const data = background(64);
    data.set([0xff, 0xfe, 0xfd, 0xfc], 30);
    const shared = Buffer.alloc(16);
    const result = await searchBytes({
      size: 64,
      pattern: Uint8Array.from([0xff, 0xfe, 0xfd, 0xfc]),
      from: 0,
      chunkSize: 16,
      readChunk: async (offset, length) => {
        shared.set(data.subarray(offset, offset + length));
        return [{ offset, bytes: shared.subarray(0, length) }];
      },
    });
    assert.equal(result.offset, 30);
  });

  it('finds a pattern longer than a chunk that spans several chunks', async function () {
    const data = background(200);
    const pattern = new Uint8Array(40).map((_, i) => 0xff - (i % 3));
    data.set(pattern, 77);
    assert.equal((await search(new FakeSegment(data), pattern, { chunkSize: 6 })).offset, 77);
  });

  it('skips non-resident pages, counts them, and finds no match across a gap', async function () {
    const data = background(64);
    // Pages of 8 bytes; page 2 (16..23) and page 5 (40..47) are not resident.
    const segment = new FakeSegment(data, 8, (page) => page !== 2 && page !== 5);
    data.set([0xff, 0xfe, 0xfd, 0xfc], 14); // runs into the gap: not found
    let result = await search(segment, Uint8Array.from([0xff, 0xfe, 0xfd, 0xfc]), { chunkSize: 8 });
    assert.deepEqual(result, { offset: -1, skipped: 16, cancelled: false });
    // The same bytes on both sides of a gap do not join up either.
    data.set([0xfa, 0xf9], 14);
    data.set([0xf8, 0xf7], 24);
    result = await search(segment, Uint8Array.from([0xfa, 0xf9, 0xf8, 0xf7]), { chunkSize: 5 });
    assert.deepEqual(result, { offset: -1, skipped: 16, cancelled: false });
    // Inside a non-resident page: never read, so never found.
    data.set([0xf0, 0xf1], 41);
    assert.equal((await search(segment, Uint8Array.from([0xf0, 0xf1]))).offset, -1);
    // Just after a gap: found.
    data.set([0xf5, 0xf4], 48);
    result = await search(segment, Uint8Array.from([0xf5, 0xf4]), { chunkSize: 3 });
    assert.equal(result.offset, 48);
    assert.ok(result.skipped >= 8 && result.skipped <= 16, `${result.skipped} skipped before the match`);
  });

  it('counts a segment with nothing resident as all skipped', async function () {
    const segment = new FakeSegment(background(100), 10, () => false);
    assert.deepEqual(await search(segment, 'x', { from: 37, chunkSize: 16 }), { offset: -1, skipped: 100, cancelled: false });
  });

  it('wraps around to the start once', async function () {
    const data = background(100);
    data.set([0xff, 0xfe], 10);
    const segment = new FakeSegment(data);
    const pattern = Uint8Array.from([0xff, 0xfe]);
    assert.equal((await search(segment, pattern, { from: 50, chunkSize: 7 })).offset, 10);
    data.set([0xff, 0xfe], 60);
    assert.equal((await search(segment, pattern, { from: 50, chunkSize: 7 })).offset, 60, 'the match after from comes first');
    assert.equal((await search(segment, pattern, { from: 60, chunkSize: 7 })).offset, 60, 'a match at from itself');
    assert.equal((await search(segment, pattern, { from: 61, chunkSize: 7 })).offset, 10, 'just past a match: the next is after the wrap');
    assert.equal((await search(segment, pattern, { from: 100, chunkSize: 7 })).offset, 10, 'from the very end');
  });

  it('finds, last, a match that starts before `from` and runs over it', async function () {
    const data = background(100);
    data.set([0xff, 0xfe, 0xfd, 0xfc], 48);
    const segment = new FakeSegment(data);
    const result = await search(segment, Uint8Array.from([0xff, 0xfe, 0xfd, 0xfc]), { from: 50, chunkSize: 16 });
    assert.equal(result.offset, 48);
    // The wrapped pass reads no further than from + pattern.length - 1.
    assert.ok(
      segment.reads.every(([o, l]) => o >= 50 || o + l <= 53),
      JSON.stringify(segment.reads),
    );
  });

  it('folds ASCII case when asked, and only ASCII', async function () {
    const data = new Uint8Array(Buffer.from('....xHeLLo wOrLd! \xc9t\xe9 ....', 'latin1'));
    const segment = new FakeSegment(data);
    assert.equal((await search(segment, 'hello world', { caseInsensitive: true, chunkSize: 4 })).offset, 5);
    assert.equal((await search(segment, 'HELLO WORLD!', { caseInsensitive: true, chunkSize: 3 })).offset, 5);
    assert.equal((await search(segment, 'hello world')).offset, -1, 'case-sensitive by default');
    assert.equal((await search(segment, 'HeLLo')).offset, 5);
    assert.equal((await search(segment, '\xe9t\xe9', { caseInsensitive: true })).offset, -1, 'É and é are not folded');
    assert.equal((await search(segment, '\xc9t\xe9', { caseInsensitive: true })).offset, 18);
    assert.equal((await search(segment, '! ', { caseInsensitive: true })).offset, 16, 'a pattern with no letters');
    // '@' (0x40) and '`' (0x60) differ by 0x20 like letters do, but are not letters.
    const symbols = new FakeSegment(new Uint8Array(Buffer.from('a@b', 'latin1')));
    assert.equal((await search(symbols, '`', { caseInsensitive: true })).offset, -1);
    assert.equal((await search(symbols, '[', { caseInsensitive: true })).offset, -1);
  });

  it('stops when cancelled, reading nothing more', async function () {
    const segment = new FakeSegment(background(1000));
    let progressCalls = 0;
    const result = await search(segment, Uint8Array.from([0xff]), {
      chunkSize: 10,
      onProgress: () => progressCalls++,
      isCancelled: () => progressCalls >= 3,
    });
    assert.deepEqual(result, { offset: -1, skipped: 0, cancelled: true });
    assert.equal(segment.reads.length, 3);
  });

  it('notices a cancel made while a read was under way', async function () {
    const segment = new FakeSegment(background(100));
    segment.data[50] = 0xff;
    let cancelled = false;
    const result = await search(segment, Uint8Array.from([0xff]), {
      readChunk: async (offset, length) => {
        cancelled = true;
        return segment.readChunk(offset, length);
      },
      isCancelled: () => cancelled,
    });
    assert.equal(result.cancelled, true);
    assert.equal(result.offset, -1, 'the match is not reported after a cancel');
  });

  it('reports none found, after covering the whole segment', async function () {
    const segment = new FakeSegment(background(1000));
    const result = await search(segment, Uint8Array.from([0xff, 0xff]), { from: 333, chunkSize: 64 });
    assert.deepEqual(result, { offset: -1, skipped: 0, cancelled: false });
    assert.deepEqual(await search(new FakeSegment(new Uint8Array(0)), 'a'), { offset: -1, skipped: 0, cancelled: false });
    assert.deepEqual(await search(new FakeSegment(Uint8Array.from([1, 2])), Uint8Array.from([1, 2, 3])), { offset: -1, skipped: 0, cancelled: false });
  });

  it('reports progress after every chunk, rising to the segment size', async function () {
    const segment = new FakeSegment(background(1000), 8, (page) => page % 3 !== 0);
    const progress: Array<[number, number]> = [];
    await search(segment, Uint8Array.from([0xff, 0xff]), { from: 333, chunkSize: 64, onProgress: (s, t) => progress.push([s, t]) });
    assert.equal(progress.length, segment.reads.length);
    assert.ok(progress.every(([, total]) => total === 1000));
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] >= progress[i - 1][0], `progress went back at ${i}`);
    assert.equal(progress[progress.length - 1][0], 1000);
  });

  it('never blocks the event loop for the whole search', async function () {
    const segment = new FakeSegment(background(4096));
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await search(segment, Uint8Array.from([0xff]), { chunkSize: 256 });
    done = true;
    assert.ok(ticks >= 8, `other work ran ${ticks} times during 16 chunks`);
  });

  it('clips runs a reader returns outside what was asked', async function () {
    const data = background(64);
    data[5] = 0xff;
    data[40] = 0xff;
    const result = await searchBytes({
      size: 64,
      pattern: Uint8Array.from([0xff]),
      from: 20,
      chunkSize: 64,
      // Asked for [20, 64) then [0, 20): answers with the whole segment every time.
      readChunk: async () => [{ offset: 0, bytes: data }],
    });
    assert.equal(result.offset, 40);
  });

  it('refuses an empty pattern', async function () {
    await assert.rejects(search(new FakeSegment(background(10)), new Uint8Array(0)), RangeError);
  });

  it('agrees with a naive search on random segments', async function () {
    const seed = Number(process.env.SEARCH_SEED ?? Math.floor(Math.random() * 0xffffffff));
    const next = seededRandom(seed);
    const int = (n: number) => Math.floor(next() * n);
    for (let round = 0; round < 1500; round++) {
      const size = int(300);
      // Few distinct bytes, so that matches (and near misses) are frequent: a A b B z.
      const letters = [0x61, 0x41, 0x62, 0x42, 0x7a];
      const alphabet = 2 + int(4);
      const data = new Uint8Array(size).map(() => letters[int(alphabet)]);
      const pageSize = 1 + int(16);
      const residentPages = new Set<number>();
      const residency = next();
      for (let p = 0; p * pageSize < size; p++) if (next() < residency + 0.3) residentPages.add(p);
      const segment = new FakeSegment(data, pageSize, (p) => residentPages.has(p), next() < 0.5);
      const m = 1 + int(6);
      const pattern = new Uint8Array(m).map(() => letters[int(alphabet)]);
      const from = int(size + 1);
      const caseInsensitive = next() < 0.5;
      const chunkSize = 1 + int(40);
      const result = await search(segment, pattern, { from, caseInsensitive, chunkSize });
      const expected = naiveSearch(segment, pattern, from, caseInsensitive);
      const context = `seed ${seed} round ${round}: size ${size} page ${pageSize} from ${from} chunk ${chunkSize} pattern ${Buffer.from(pattern).toString('latin1')} ci ${caseInsensitive}`;
      assert.equal(result.offset, expected, context);
      if (expected < 0) assert.equal(result.skipped, segment.nonResidentBytes(), context);
      else assert.ok(result.skipped <= segment.nonResidentBytes(), context);
    }
  });

  it('searches 64 MiB in chunks quickly', async function () {
    const data = new Uint8Array(64 * 1024 * 1024).fill(0x61);
    data.set(Buffer.from('needle'), data.length - 10);
    const reader = async (offset: number, length: number) => [{ offset, bytes: data.subarray(offset, offset + length) }];
    for (const caseInsensitive of [false, true]) {
      const started = Date.now();
      const result = await searchBytes({ size: data.length, pattern: Buffer.from('NEEDLE'), caseInsensitive, from: 0, readChunk: reader });
      assert.equal(result.offset, caseInsensitive ? data.length - 10 : -1);
      assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
    }
  });
});
