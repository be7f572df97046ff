// The recording store and what is built on it, checked against the plainest oracle there is: every
// sample kept whole in an array. Random changes (seeded: a failure names its seed), budgets that
// force drops, keyframes, comparisons, statistics, series and watches.
import * as assert from 'node:assert/strict';
import { applyDelta, changedRanges, deltaLength, writeDelta } from '../../../../src/ipc/recording/ranges';
import { RecordingStore } from '../../../../src/ipc/recording/store';
import { Recording, layRegions, SeriesRecording } from '../../../../src/ipc/recording/recording';
import type { CField, CLayout } from '../../../../src/shared/cLayout';
import { seededU32 } from '../../../support/random';

/** A sequence of samples: each changes a few runs of random bytes of the one before. */
function samples(seed: number, size: number, count: number, maxRuns = 4): Buffer[] {
  const next = seededU32(seed);
  const out: Buffer[] = [];
  let current = Buffer.alloc(size);
  for (let i = 0; i < size; i++) current[i] = next() & 0xff;
  for (let k = 0; k < count; k++) {
    current = Buffer.from(current);
    const runs = next() % (maxRuns + 1); // sometimes nothing changes
    for (let r = 0; r < runs; r++) {
      const at = next() % size;
      const length = Math.min(size - at, 1 + (next() % 24));
      for (let i = 0; i < length; i++) current[at + i] = next() & 0xff;
    }
    out.push(current);
  }
  return out;
}

describe('recording: changed ranges', function () {
  it('finds exactly the bytes that differ, merging gaps up to the limit', function () {
    const a = Buffer.alloc(1000);
    const b = Buffer.from(a);
    b[10] = 1;
    b[13] = 1; // gap of 2: merged
    b[500] = 1;
    b[999] = 7; // the last byte
    const { ranges, changedBytes } = changedRanges(a, b, 4);
    assert.deepEqual(ranges, [
      { offset: 10, length: 4 },
      { offset: 500, length: 1 },
      { offset: 999, length: 1 },
    ]);
    assert.equal(changedBytes, 4);
    assert.deepEqual(changedRanges(a, b, 0).ranges.length, 4);
    assert.deepEqual(changedRanges(a, a).ranges, []);
  });

  it('encodes a delta that applies back to the same bytes, for random changes', function () {
    for (let seed = 1; seed <= 50; seed++) {
      const [before, after] = samples(seed, 700, 2, 8);
      const { ranges } = changedRanges(before, after);
      const record = Buffer.alloc(deltaLength(ranges));
      assert.equal(writeDelta(record, 0, ranges, after), record.length);
      const rebuilt = Buffer.from(before);
      assert.equal(applyDelta(record, 0, record.length, rebuilt), record.length);
      assert.ok(rebuilt.equals(after), `seed ${seed}`);
    }
  });

  it('refuses a delta that reaches outside the object or the record', function () {
    const ranges = [{ offset: 90, length: 10 }];
    const record = Buffer.alloc(deltaLength(ranges));
    writeDelta(record, 0, ranges, Buffer.alloc(100, 1));
    assert.throws(() => applyDelta(record, 0, record.length, Buffer.alloc(95)), /outside the 95-byte object/);
    assert.throws(() => applyDelta(record, 0, record.length - 1, Buffer.alloc(100)), /past the end of the record/);
  });
});

describe('recording: the store', function () {
  it('rebuilds every sample exactly, in any order, with keyframes along the way', function () {
    for (const seed of [1, 2, 3]) {
      const all = samples(seed, 4096, 400);
      const store = new RecordingStore({ size: 4096, keyframeBytes: 2048 });
      all.forEach((bytes, i) => store.add(1000 + i * 10, bytes));
      assert.equal(store.count, 400);
      assert.ok(store.keyframes.length > 3, `keyframes ${store.keyframes.join(',')}`);
      const order = [...all.keys()].sort(() => (seededU32(seed)() & 1 ? 1 : -1));
      for (const i of [...all.keys(), ...order, 399, 0, 398, 1]) assert.ok(store.rebuild(i).equals(all[i]), `seed ${seed} sample ${i}`);
    }
  });

  it('tells each sample its changes, and compares any two moments', function () {
    const all = samples(7, 2048, 100);
    const store = new RecordingStore({ size: 2048 });
    all.forEach((bytes, i) => {
      const result = store.add(i, bytes);
      assert.equal(result.changedBytes, i === 0 ? 0 : changedRanges(all[i - 1], bytes).changedBytes);
    });
    for (let i = 1; i < 100; i++) assert.deepEqual(store.changes(i), changedRanges(all[i - 1], all[i]).ranges, `sample ${i}`);
    assert.deepEqual(store.changes(0), []);
    const compared = store.compare(10, 90);
    assert.deepEqual(compared, changedRanges(all[10], all[90]));
    assert.equal(store.indexAt(42.5), 42);
    assert.equal(store.indexAt(-5), 0);
    assert.equal(store.indexAt(1e9), 99);
    const strip = store.strip(10);
    const stored = [...all.keys()].slice(1).reduce((sum, i) => sum + store.changes(i).reduce((s, r) => s + r.length, 0), 0);
    assert.equal(
      strip.reduce((a, b) => a + b, 0),
      stored,
    );
  });

  it('stays within its budget by dropping the oldest samples, starting at a keyframe, and says so', function () {
    const all = samples(11, 8192, 2000, 6);
    const budget = 96 * 1024;
    const store = new RecordingStore({ size: 8192, budgetBytes: budget });
    all.forEach((bytes, i) => {
      store.add(i, bytes);
      assert.ok(store.memoryBytes <= budget, `${store.memoryBytes} bytes after sample ${i}`);
    });
    assert.ok(store.dropped.samples > 0, 'something was dropped');
    assert.equal(store.firstIndex, store.dropped.samples);
    assert.equal(store.dropped.throughTime, store.firstIndex - 1);
    assert.ok(store.isKeyframe(store.firstIndex));
    for (let i = store.firstIndex; i <= store.lastIndex; i += 37) assert.ok(store.rebuild(i).equals(all[i]), `sample ${i}`);
    assert.throws(() => store.rebuild(store.firstIndex - 1), /not in the recording/);
  });

  it('keeps memory within twice the changed bytes plus the index', function () {
    const size = 64 * 1024;
    const all = samples(5, size, 1200, 3);
    const store = new RecordingStore({ size });
    all.forEach((bytes, i) => store.add(i, bytes));
    // The first sample is all new (size bytes); every chunk may be part empty (64 KiB each at most).
    const allowed = (store.changedBytesTotal + size) * 2 + 32 * store.count + 64 * 1024 * (store.keyframes.length + 1);
    assert.ok(store.memoryBytes <= allowed, `${store.memoryBytes} > ${allowed}`);
  });

  it('cuts a single segment over the budget down to its newest sample, kept whole', function () {
    // No keyframe but the first: the one segment grows until it is over the budget.
    const store = new RecordingStore({ size: 1000, budgetBytes: 4096, keyframeBytes: 1e9 });
    const all = samples(3, 1000, 300);
    all.forEach((bytes, i) => {
      store.add(i, bytes);
      assert.ok(store.memoryBytes <= 4096 || store.count === 1, `${store.memoryBytes} bytes, ${store.count} samples after ${i}`);
    });
    assert.ok(store.dropped.samples > 0 && store.count < 300);
    assert.ok(store.isKeyframe(store.firstIndex));
    for (let i = store.firstIndex; i <= store.lastIndex; i++) assert.ok(store.rebuild(i).equals(all[i]), `sample ${i}`);
  });

  it('takes changes given as ranges as if the bytes were given', function () {
    const a = new RecordingStore({ size: 64 });
    const b = new RecordingStore({ size: 64 });
    const base = Buffer.alloc(64, 3);
    a.add(0, base);
    b.add(0, base);
    const changed = Buffer.from(base);
    changed.fill(9, 10, 14);
    changed.fill(8, 40, 41);
    a.add(1, changed);
    b.addChanges(1, [
      { offset: 40, bytes: Buffer.from([8]) },
      { offset: 10, bytes: Buffer.from([9, 9, 9, 9, 3]) },
    ]);
    assert.ok(b.rebuild(1).equals(a.rebuild(1)));
    assert.equal(b.changedBytesTotal, 5);
    assert.throws(() => b.addChanges(2, [{ offset: 63, bytes: Buffer.from([1, 2]) }]), /outside/);
    assert.throws(() => b.add(0.5, changed), /before the previous one/);
  });
});

/** struct s { uint32_t counter; int16_t level; float temp; uint8_t ring[4]; } on a little-endian machine. */
function layout(): CLayout {
  const int = (name: string, offset: number, size: number, signed: boolean): CField => ({ name, type: 'int', kind: 'int', offset, size, align: size, signed });
  const root: CField = {
    name: 's',
    type: 'struct s',
    kind: 'struct',
    offset: 0,
    size: 16,
    align: 4,
    members: [
      int('counter', 0, 4, false),
      int('level', 4, 2, true),
      { name: 'temp', type: 'float', kind: 'float', offset: 8, size: 4, align: 4, mantissa: 24 },
      { name: 'ring', type: 'uint8_t[4]', kind: 'array', offset: 12, size: 4, align: 1, count: 4, element: int('[0]', 12, 1, false) },
    ],
  };
  return { name: 'struct s', size: 16, align: 4, root, enums: [], file: 's.h', line: 1 };
}

function state(counter: number, level: number, temp: number, ring: number[]): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(counter, 0);
  b.writeInt16LE(level, 4);
  b.writeFloatLE(temp, 8);
  Buffer.from(ring).copy(b, 12);
  return b;
}

describe('recording: fields, statistics, series and watches', function () {
  const states = [
    state(0, 5, 20.5, [0, 0, 0, 0]),
    state(1, 5, 20.5, [1, 0, 0, 0]),
    state(2, -3, 20.5, [1, 2, 0, 0]),
    state(2, -3, 21.25, [1, 2, 0, 0]),
    state(7, 12, 21.25, [1, 2, 3, 0]),
    state(8, 12, 19, [1, 2, 3, 4]),
  ];
  const make = (watches: ConstructorParameters<typeof Recording>[0]['watches'] = []) =>
    new Recording({ object: { kind: 'posixShm', id: 'x', title: '/x', size: 16 }, samplePeriodMs: 10, startedAt: 0, layout: layout(), watches });

  it('lists the scalar fields by path and keeps their statistics', function () {
    const recording = make();
    assert.deepEqual(
      recording.fields.map((f) => f.path),
      ['counter', 'level', 'temp', 'ring[0]', 'ring[1]', 'ring[2]', 'ring[3]'],
    );
    states.forEach((s, i) => recording.add(100 + i * 10, s));
    const stats = recording.liveStatistics();
    const counter = stats.find((s) => s.path === 'counter')!;
    assert.deepEqual([counter.changes, counter.min, counter.max, counter.last, counter.lastChangeTime], [4, 0n, 8n, 8n, 150]);
    const level = stats.find((s) => s.path === 'level')!;
    assert.deepEqual([level.changes, level.min, level.max, level.lastChangeTime], [2, -3n, 12n, 140]);
    const temp = stats.find((s) => s.path === 'temp')!;
    assert.deepEqual([temp.changes, temp.min, temp.max], [2, 19, 21.25]);
    assert.deepEqual(
      stats.map((s) => s.changes),
      [4, 2, 2, 1, 1, 1, 1],
    );
    assert.deepEqual(recording.statistics(), stats, 'recomputed over the samples kept, the same');
    const { times, columns } = recording.series(['counter', 'temp']);
    assert.deepEqual([...times], [100, 110, 120, 130, 140, 150]);
    assert.deepEqual([...columns[0]], [0, 1, 2, 2, 7, 8]);
    assert.deepEqual([...columns[1]], [20.5, 20.5, 20.5, 21.25, 21.25, 19]);
  });

  it('fires watches at the sample where their condition became true, saying the sample period', function () {
    const recording = make([
      { id: 'eq', condition: { kind: 'equals', field: 'counter', value: 7 } },
      { id: 'ch', condition: { kind: 'changes', field: 'level' } },
      { id: 'out', condition: { kind: 'leaves-range', field: 'temp', min: 20, max: 22 } },
      { id: 'bytes', condition: { kind: 'bytes-change', offset: 14, length: 2 } },
    ]);
    const fired = states.map((s, i) => recording.add(100 + i * 10, s).hits.map((h) => h.watchId));
    assert.deepEqual(fired, [[], [], ['ch'], [], ['eq', 'ch', 'bytes'], ['out', 'bytes']]);
    const hit = recording.watches.hits.find((h) => h.watchId === 'eq')!;
    assert.deepEqual([hit.index, hit.time, hit.after, hit.value, hit.previous, hit.samplePeriodMs], [4, 140, 130, '7', '2', 10]);
    assert.deepEqual(
      recording.findHits(recording.watches.watches).map((h) => [h.watchId, h.index]),
      recording.watches.hits.map((h) => [h.watchId, h.index]),
      'found again over the recording, the same',
    );
  });

  it('reads fields of marked regions where they were recorded', function () {
    const regions = layRegions(16, [
      { offset: 12, length: 4 },
      { offset: 0, length: 4 },
    ]);
    assert.deepEqual(regions, [
      { offset: 0, length: 4, at: 0 },
      { offset: 12, length: 4, at: 4 },
    ]);
    const recording = new Recording({
      object: { kind: 'posixShm', id: 'x', title: '/x', size: 16 },
      samplePeriodMs: 10,
      startedAt: 0,
      layout: layout(),
      regions,
    });
    assert.deepEqual(
      recording.fields.map((f) => f.path),
      ['counter', 'ring[0]', 'ring[1]', 'ring[2]', 'ring[3]'],
    );
    for (const [i, s] of states.entries()) recording.add(i, Buffer.concat([s.subarray(0, 4), s.subarray(12, 16)]));
    assert.deepEqual([...recording.series(['ring[3]', 'counter']).columns[1]], [0, 1, 2, 2, 7, 8]);
    assert.throws(() => layRegions(16, [{ offset: 10, length: 10 }]), /outside the 16-byte object/);
  });

  it('records numeric columns (a semaphore set), with statistics and a budget', function () {
    const series = new SeriesRecording(
      { object: { kind: 'sysvSem', id: 's', title: 'set', size: 0 }, samplePeriodMs: 10, startedAt: 0 },
      ['sem[0].value', 'sem[0].ncnt'],
      8 * 3 * 600,
      [{ id: 'zero', condition: { kind: 'equals', field: 'sem[0].value', value: 0 } }],
    );
    const hits: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const { index, hits: h } = series.add(i, [i % 3, i % 2]);
      if (h.length) hits.push(index);
    }
    assert.ok(series.memoryBytes <= 8 * 3 * 600);
    assert.ok(series.dropped.samples > 0);
    assert.equal(series.firstIndex + series.count, 1000);
    assert.deepEqual(series.row(999), [0, 1]);
    assert.deepEqual(hits.slice(0, 3), [0, 3, 6]);
    const [value] = series.statistics();
    assert.deepEqual([value.min, value.max, value.changes], [0, 2, series.count - 1]);
  });
});
