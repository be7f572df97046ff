// Harness only: checks of the view's pure modules (scroll mapping, byte cache, cursor moves,
// offset parsing, message parsing), bundled by run.js with esbuild and run in Node.
import assert from 'node:assert/strict';
import { BLOCK_SIZE, ByteCache, NOT_LOADED, NOT_RESIDENT } from '../../src/webview/byteCache';
import { groupDigits, humanSize, parseOffset } from '../../src/webview/format';
import { parseHostMessage } from '../../src/webview/incoming';
import { Marks } from '../../src/webview/marks';
import { MAX_SCROLL_PX, ScrollMap } from '../../src/webview/scrollMap';
import { moveCursor } from '../../src/webview/selection';

let count = 0;
function test(name, fn) {
  fn();
  count++;
}

test('scroll map: both ends exact, monotonic, for many sizes and heights', () => {
  const sizes = [1, 27, 4096, 65536, 1 << 20, 123456789, 1 << 30, 2 ** 36];
  for (const size of sizes) {
    for (const bpr of [8, 16, 32]) {
      for (const [rowHeight, clientHeight] of [
        [20, 653],
        [19, 400],
        [21, 1080],
        [17, 37],
      ]) {
        const totalRows = Math.ceil(size / bpr);
        const areaHeight = clientHeight - rowHeight;
        const map = new ScrollMap({ rowHeight, totalRows, areaHeight, clientHeight });
        assert.ok(map.maxScrollTop + clientHeight <= MAX_SCROLL_PX || !map.scaled);
        assert.equal(map.virtualFromScroll(0), 0);
        // The end of the scrollbar puts the last row's bottom on the area's bottom.
        const end = map.virtualFromScroll(map.maxScrollTop);
        assert.equal(end, map.maxVirtualTop);
        if (totalRows * rowHeight > areaHeight) assert.equal(end + areaHeight, totalRows * rowHeight);
        assert.equal(map.lastRow(end), totalRows - 1);
        assert.equal(map.virtualFromScroll(map.maxScrollTop - 0.4), map.maxVirtualTop);
        // Round trips land on the same scrollTop.
        let previous = -1;
        for (let i = 0; i <= 100; i++) {
          const st = Math.round((map.maxScrollTop * i) / 100);
          const v = map.virtualFromScroll(st);
          assert.ok(v >= previous, 'monotonic');
          previous = v;
          assert.ok(Math.abs(map.scrollFromVirtual(v) - st) <= 1);
        }
        // Revealing any row makes it fully visible.
        for (const row of [0, 1, Math.floor(totalRows / 2), totalRows - 1].filter((r) => r < totalRows)) {
          const v = map.revealRow(map.maxVirtualTop / 3, row);
          assert.ok(
            row * rowHeight >= v - 1e-6 && (row + 1) * rowHeight <= v + areaHeight + 1e-6,
            `reveal ${row} of ${totalRows} (${rowHeight}/${clientHeight})`,
          );
        }
      }
    }
  }
});

test('scroll map: 1 GiB at 16 bytes/row is scaled under the limit', () => {
  const map = new ScrollMap({ rowHeight: 20, totalRows: 2 ** 26, areaHeight: 633, clientHeight: 653 });
  assert.ok(map.scaled);
  assert.equal(map.maxScrollTop + 653, MAX_SCROLL_PX);
  assert.equal(map.firstRow(map.virtualFromScroll(map.maxScrollTop / 2)).row >> 20, 31); // about the middle
});

test('byte cache: residency per page, NOT_LOADED outside blocks, change detection', () => {
  const cache = new ByteCache(3 * BLOCK_SIZE + 100, 4096, 2 * BLOCK_SIZE);
  const bytes = new Uint8Array(BLOCK_SIZE).map((_, i) => i & 0xff);
  const resident = new Uint8Array(2).fill(0xff);
  resident[0] = 0b11111101; // page 1 not resident
  bytes.fill(0, 4096, 8192);
  assert.deepEqual(cache.apply({ offset: 0, bytes, firstPage: 0, resident }, 1), []);
  assert.equal(cache.byteAt(5), 5);
  assert.equal(cache.byteAt(4096 + 5), NOT_RESIDENT);
  assert.equal(cache.byteAt(BLOCK_SIZE), NOT_LOADED);
  // A live update of 16 bytes: two changed.
  const live = bytes.slice(16, 32);
  live[3] ^= 0xff;
  live[9] ^= 0x01;
  assert.deepEqual(cache.apply({ offset: 16, bytes: live, firstPage: 0, resident: Uint8Array.of(1) }, 2), [19, 25]);
  // A partial update that makes page 1 resident: the rest of that page is unknown until re-read.
  const part = new Uint8Array(16).fill(7);
  cache.apply({ offset: 4096 + 32, bytes: part, firstPage: 1, resident: Uint8Array.of(1) }, 3);
  assert.equal(cache.byteAt(4096 + 5), NOT_LOADED);
  assert.ok(cache.isStale(0));
});

test('byte cache: LRU bound holds', () => {
  const cache = new ByteCache(64 * BLOCK_SIZE, 4096, 8 * BLOCK_SIZE);
  const resident = new Uint8Array(2).fill(0xff);
  for (let b = 0; b < 64; b++) cache.apply({ offset: b * BLOCK_SIZE, bytes: new Uint8Array(BLOCK_SIZE), firstPage: b * 16, resident }, b);
  assert.equal(cache.heldBytes, 8 * BLOCK_SIZE);
  assert.ok(cache.has(63) && !cache.has(0));
});

test('byte cache: a huge page (2 MiB) larger than a block', () => {
  const cache = new ByteCache(8 << 20, 2 << 20);
  cache.apply({ offset: BLOCK_SIZE, bytes: new Uint8Array(BLOCK_SIZE).fill(9), firstPage: 0, resident: Uint8Array.of(1) }, 1);
  assert.equal(cache.byteAt(BLOCK_SIZE + 1), 9);
  cache.apply({ offset: 3 * BLOCK_SIZE, bytes: new Uint8Array(BLOCK_SIZE), firstPage: 0, resident: Uint8Array.of(0) }, 1);
  assert.equal(cache.byteAt(3 * BLOCK_SIZE), NOT_RESIDENT);
});

test('cursor moves', () => {
  const ctx = { size: 27, bytesPerRow: 16, pageRows: 10 };
  assert.equal(moveCursor(20, 'ArrowUp', false, ctx), 4);
  assert.equal(moveCursor(4, 'ArrowUp', false, ctx), 4);
  assert.equal(moveCursor(14, 'ArrowDown', false, ctx), 26); // short last row: to the last byte
  assert.equal(moveCursor(3, 'End', false, ctx), 15);
  assert.equal(moveCursor(20, 'End', false, ctx), 26);
  assert.equal(moveCursor(20, 'Home', true, ctx), 0);
  assert.equal(moveCursor(2, 'End', true, ctx), 26);
  assert.equal(moveCursor(20, 'PageUp', false, ctx), 4);
  assert.equal(moveCursor(0, 'x', false, ctx), undefined);
});

test('offsets, sizes', () => {
  assert.deepEqual(parseOffset('0x1F', 100), { ok: true, offset: 31 });
  assert.deepEqual(parseOffset(' 4,096 ', 5000), { ok: true, offset: 4096 });
  assert.deepEqual(parseOffset('0x_10', 100), { ok: true, offset: 16 });
  assert.equal(parseOffset('100', 100).ok, false);
  assert.equal(parseOffset('-1', 100).ok, false);
  assert.equal(parseOffset('1e3', 5000).ok, false);
  assert.equal(humanSize(27), '27 bytes');
  assert.equal(humanSize(1 << 30), '1 GiB');
  assert.equal(humanSize(1536 * 1024), '1.5 MiB');
  assert.equal(groupDigits(1073741824), '1,073,741,824');
});

test('host messages: shapes checked, byte arrays normalised', () => {
  assert.equal(parseHostMessage(null), undefined);
  assert.equal(parseHostMessage({ type: 'data', requestId: 1 }), undefined);
  const m = parseHostMessage({ type: 'data', requestId: 0, offset: 2, bytes: { 0: 1, 1: 2 }, firstPage: 0, resident: [1] });
  assert.ok(m && m.type === 'data' && m.bytes instanceof Uint8Array && m.bytes[1] === 2);
  const buf = parseHostMessage({
    type: 'data',
    requestId: 3,
    offset: 0,
    bytes: { type: 'Buffer', data: [7, 8, 9] },
    firstPage: 0,
    resident: { type: 'Buffer', data: [1] },
  });
  assert.ok(buf && buf.type === 'data' && buf.bytes.length === 3 && buf.bytes[2] === 9 && buf.resident[0] === 1);
  const init = parseHostMessage({ type: 'init', header: { size: 5, phase: 'bogus' }, settings: { bytesPerRow: 0, grouping: 3 } });
  assert.ok(init && init.type === 'init' && init.header.phase === 'live' && init.settings.bytesPerRow === 16 && init.settings.grouping === 1);
});

test('marks: merged ranges, every byte in one and no byte outside, in any order of asking', () => {
  const marks = new Marks();
  assert.equal(marks.at(0), false);
  marks.set([
    [100, 4],
    [10, 5],
    [12, 10],
    [200, 0],
    [104, 1],
  ]);
  const inside = new Set();
  for (const [o, l] of [
    [10, 12],
    [100, 5],
  ]) {
    for (let i = o; i < o + l; i++) inside.add(i);
  }
  for (const order of [1, -1]) {
    for (let k = 0; k < 300; k++) {
      const o = order > 0 ? k : 299 - k;
      assert.equal(marks.at(o), inside.has(o), `byte ${o}`);
    }
  }
  assert.equal(marks.total, 17);
  marks.clear();
  assert.equal(marks.any, false);
});

test('byte cache: markAllStale keeps the bytes shown and asks for every block again', () => {
  const cache = new ByteCache(BLOCK_SIZE * 2, 4096);
  cache.apply({ offset: 0, bytes: new Uint8Array(BLOCK_SIZE).fill(7), firstPage: 0, resident: new Uint8Array(BLOCK_SIZE / 4096 / 8).fill(255) }, 0);
  assert.equal(cache.isStale(0), false);
  cache.markAllStale();
  assert.equal(cache.isStale(0), true);
  assert.equal(cache.byteAt(5), 7);
});

test("host messages: the timeline's (recording, moment, compared, plotData) checked, typed arrays taken in every form", () => {
  const status = {
    state: 'recording',
    fromFile: false,
    count: 3,
    first: 0,
    last: 2,
    startedAt: 1,
    firstTime: 0,
    lastTime: 20,
    samplePeriodMs: 10,
    droppedSamples: 0,
    memoryBytes: 100,
    budgetBytes: 1000,
    late: 0,
    strip: [0, 4],
    watches: [{ id: 'w1', text: 'seq == 5', hits: [2] }],
    fields: [{ path: 'seq', changes: 2, min: '0', max: '2', last: '2', lastChange: 20 }],
  };
  assert.equal(parseHostMessage({ type: 'recording', status })?.type, 'recording');
  assert.equal(parseHostMessage({ type: 'recording', status: { ...status, state: 'exploded' } }), undefined);
  assert.equal(parseHostMessage({ type: 'recording', status: { ...status, strip: 'x' } }), undefined);
  assert.deepEqual(parseHostMessage({ type: 'recording', status: null }), { type: 'recording', status: null });
  const moment = parseHostMessage({ type: 'moment', moment: { index: 4, time: 40, changed: [[0, 8]] } });
  assert.ok(moment && moment.type === 'moment' && moment.moment.index === 4);
  assert.equal(parseHostMessage({ type: 'moment', moment: { index: -1, time: 0, changed: [] } }), undefined);
  assert.equal(parseHostMessage({ type: 'moment', moment: { index: 1, time: 0, changed: [[0]] } }), undefined);
  for (const times of [Float64Array.of(1, 2), [1, 2], { 0: 1, 1: 2 }, Float64Array.of(1, 2).buffer]) {
    const plot = parseHostMessage({ type: 'plotData', paths: ['seq'], first: 0, times, columns: [[5, null]] });
    assert.ok(plot && plot.type === 'plotData' && plot.times[1] === 2 && Number.isNaN(plot.columns[0][1]), JSON.stringify(times));
  }
  assert.equal(parseHostMessage({ type: 'plotData', paths: ['seq', 'head'], first: 0, times: [1], columns: [[1]] }), undefined);
  const compared = parseHostMessage({ type: 'compared', a: 0, b: 3, bytes: 8, ranges: [[0, 8]], fields: [{ path: 'seq', a: '0', b: '3' }, { bogus: 1 }] });
  assert.ok(compared && compared.type === 'compared' && compared.fields.length === 1);
});

console.log(`  ok   ${count} unit checks of the pure modules`);
