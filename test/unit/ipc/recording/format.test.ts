// The recording file: written and read back to the same recording; every truncation, every flipped
// byte and thousands of random corruptions refused with a RecordingFileError whose message says what
// is wrong, never another exception, never a half-opened recording. Corruptions are also tried with
// their checksums made right again (resealed), so the reader's own checks of every length, offset
// and header field are what stands in the way, not only the CRCs.
import * as assert from 'node:assert/strict';
import { crc32 } from 'zlib';
import { decodeRecording, encodeRecording, MAGIC, RecordingFileError } from '../../../../src/ipc/recording/format';
import { fieldsCsv, seriesCsv } from '../../../../src/ipc/recording/csv';
import { Recording, SeriesRecording } from '../../../../src/ipc/recording/recording';
import type { CField, CLayout } from '../../../../src/shared/cLayout';
import { seededU32 } from '../../../support/random';

function layout(): CLayout {
  const root: CField = {
    name: 'r',
    type: 'struct r',
    kind: 'struct',
    offset: 0,
    size: 16,
    align: 8,
    members: [
      { name: 'seq', type: 'uint64_t', kind: 'int', offset: 0, size: 8, align: 8, signed: false },
      { name: 'head', type: 'uint32_t', kind: 'int', offset: 8, size: 4, align: 4, signed: false },
      { name: 'tail', type: 'uint32_t', kind: 'int', offset: 12, size: 4, align: 4, signed: false },
    ],
  };
  return { name: 'struct r', size: 16, align: 8, root, enums: [], file: 'r.h', line: 3 };
}

/** A recording of a 256-byte object over `count` samples, with keyframes and a watch that fired. */
function makeRecording(count: number, keyframeBytes = 64): Recording {
  const recording = new Recording({
    object: { kind: 'sysvShm', id: 'shm:5', title: '0x7e000001 · 5', size: 256 },
    samplePeriodMs: 10,
    startedAt: 1_765_000_000_000,
    layout: layout(),
    keyframeBytes,
    watches: [
      { id: 'w1', condition: { kind: 'equals', field: 'seq', value: 18446744073709551615n } },
      { id: 'w2', condition: { kind: 'leaves-range', field: 'head', min: 0, max: 5 } },
    ],
    end: { reason: 'stopped', time: 1_765_000_009_000 },
  });
  const bytes = Buffer.alloc(256);
  for (let i = 0; i < count; i++) {
    bytes.writeBigUInt64LE(i === count - 1 ? 18446744073709551615n : BigInt(i), 0);
    bytes.writeUInt32LE(i % 9, 8);
    bytes.writeUInt32LE(i % 7, 12);
    bytes[100 + (i % 50)] = i;
    recording.add(1_765_000_000_000 + i * 10.25, bytes);
  }
  return recording;
}

function sameRecording(a: Recording, b: Recording): void {
  assert.equal(b.store.count, a.store.count);
  assert.deepEqual(b.meta, a.meta);
  assert.deepEqual(b.regions, a.regions);
  assert.deepEqual(b.store.keyframes.length, a.store.keyframes.length);
  for (let i = a.store.firstIndex; i <= a.store.lastIndex; i++) {
    assert.equal(b.store.timeOf(i - a.store.firstIndex + b.store.firstIndex), a.store.timeOf(i));
    assert.ok(b.rebuild(i - a.store.firstIndex + b.store.firstIndex).equals(a.rebuild(i)), `sample ${i}`);
    assert.deepEqual(b.store.changes(i - a.store.firstIndex + b.store.firstIndex), a.store.changes(i));
  }
  assert.deepEqual(
    b.watches.hits.map((h) => [h.watchId, h.time, h.value]),
    a.watches.hits.map((h) => [h.watchId, h.time, h.value]),
  );
  assert.deepEqual(b.watches.watches, a.watches.watches);
}

/** Makes every checksum of a (changed) file right again, as far as its lengths let the records be found. */
function reseal(file: Buffer): Buffer {
  const out = Buffer.from(file);
  if (out.length < 16) return out;
  const headerLength = out.readUInt32LE(12);
  if (16 + headerLength + 4 > out.length) return out;
  out.writeUInt32LE(crc32(out.subarray(16, 16 + headerLength)), 16 + headerLength);
  let at = 16 + headerLength + 4;
  while (at + 13 <= out.length) {
    const end = at + 13 + out.readUInt32LE(at + 9);
    if (end + 4 > out.length) break;
    out.writeUInt32LE(crc32(out.subarray(at, end)), end);
    at = end + 4;
  }
  return out;
}

/** Opens `file` and expects a refusal; returns it. */
function refused(file: Buffer, what: string): RecordingFileError {
  try {
    decodeRecording(file);
  } catch (error) {
    assert.ok(error instanceof RecordingFileError, `${what}: ${(error as Error).stack}`);
    assert.match(error.message, /recording/i, what);
    return error;
  }
  assert.fail(`${what}: opened`);
}

describe('recording file: written and read back', function () {
  it('reads back the same recording: samples, times, changes, layout, watches, hits, end', function () {
    const recording = makeRecording(300);
    assert.ok(recording.store.keyframes.length > 5);
    assert.equal(recording.watches.hits.length > 2, true);
    const file = encodeRecording(recording);
    assert.ok(file.subarray(0, 8).equals(MAGIC));
    const back = decodeRecording(file) as Recording;
    assert.ok(back instanceof Recording);
    sameRecording(recording, back);
    assert.deepEqual(back.statistics(), recording.statistics());
    assert.ok(encodeRecording(back).equals(file), 'written again, the same bytes');
  });

  it('keeps what was dropped said, and starts at the kept keyframe', function () {
    const recording = new Recording({
      object: { kind: 'posixShm', id: 'p', title: '/p', size: 4096 },
      samplePeriodMs: 1,
      startedAt: 0,
      budgetBytes: 200 * 1024,
    });
    const next = seededU32(3);
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < 3000; i++) {
      for (let k = 0; k < 8; k++) bytes[next() % 4096] = next();
      recording.add(i, bytes);
    }
    assert.ok(recording.dropped.samples > 0);
    const back = decodeRecording(encodeRecording(recording)) as Recording;
    assert.deepEqual(back.dropped, recording.dropped);
    sameRecording(recording, back);
  });

  it('reads back a semaphore set series', function () {
    const series = new SeriesRecording(
      { object: { kind: 'sysvSem', id: 'sem:3', title: 'set 3', size: 0 }, samplePeriodMs: 5, startedAt: 10 },
      ['sem[0].value', 'sem[0].ncnt'],
      undefined,
      [{ id: 'z', condition: { kind: 'equals', field: 'sem[0].value', value: 0 } }],
    );
    for (let i = 0; i < 50; i++) series.add(10 + i * 5, [i % 4, i % 2]);
    const back = decodeRecording(encodeRecording(series)) as SeriesRecording;
    assert.ok(back instanceof SeriesRecording);
    assert.deepEqual(back.series(), series.series());
    assert.deepEqual(back.watches.hits, series.watches.hits);
    assert.equal(seriesCsv(back), seriesCsv(series));
  });

  it('writes fields as CSV, 64-bit values exactly', function () {
    const csv = fieldsCsv(makeRecording(4));
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'sample,time_ms,elapsed_s,seq,head,tail');
    assert.equal(lines[2], '1,1765000000010.250,0.010250,1,1,1');
    assert.equal(lines[4], '3,1765000000030.750,0.030750,18446744073709551615,3,3');
  });
});

describe('recording file: damaged, cut short or not a recording', function () {
  const file = encodeRecording(makeRecording(40, 512));

  it('refuses every truncation, saying it is cut short', function () {
    for (let length = 0; length < file.length; length++) {
      const error = refused(file.subarray(0, length), `cut at ${length}`);
      if (length >= 16) assert.equal(error.problem, 'truncated', `cut at ${length}: ${error.message}`);
    }
  });

  it('refuses every single flipped byte, naming the damage', function () {
    for (let at = 0; at < file.length; at++) {
      const bad = Buffer.from(file);
      bad[at] ^= 0x5a;
      const error = refused(bad, `byte ${at} flipped`);
      assert.ok(['damaged', 'truncated', 'not-a-recording', 'newer'].includes(error.problem));
    }
  });

  it('says plainly what a file that is no recording is, and one from a newer version', function () {
    assert.equal(refused(Buffer.from('{"format":"ipc-inspector-export"}'), 'json').problem, 'not-a-recording');
    assert.match(refused(Buffer.alloc(0), 'empty').message, /not an IPC Inspector recording/);
    const newer = Buffer.from(file);
    newer.writeUInt32LE(2, 8);
    assert.match(refused(newer, 'newer').message, /newer version of IPC Inspector \(format 2\)/);
    assert.match(refused(Buffer.concat([file, Buffer.from([0])]), 'trailing').message, /follow the end record/);
  });

  it('survives random corruptions, with and without their checksums made right: always a clear refusal', function () {
    const runs = Number(process.env.IPCINSP_RECORDING_FUZZ ?? 3000);
    const next = seededU32(20261206);
    const mutate = (source: Buffer): Buffer => {
      let bytes = Buffer.from(source);
      const edits = 1 + (next() % 4);
      for (let e = 0; e < edits; e++) {
        const at = next() % Math.max(1, bytes.length);
        switch (next() % 5) {
          case 0:
            bytes[at] = next() & 0xff;
            break;
          case 1:
            bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + (next() % 16))]);
            break;
          case 2:
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([next() & 0xff, next() & 0xff]), bytes.subarray(at)]);
            break;
          case 3:
            if (bytes.length >= 4) bytes.writeUInt32LE(next(), Math.min(at, bytes.length - 4)); // a length or count
            break;
          default:
            bytes = bytes.subarray(0, at);
        }
      }
      return bytes;
    };
    let opened = 0;
    for (let run = 0; run < runs; run++) {
      const bad = mutate(file);
      for (const candidate of [bad, reseal(bad)]) {
        try {
          decodeRecording(candidate);
          opened++; // a change the format cannot tell (a sample's byte, resealed): a valid recording
        } catch (error) {
          assert.ok(error instanceof RecordingFileError, `run ${run}: ${(error as Error).stack}`);
          assert.ok(error.message.length > 20 && /recording/i.test(error.message), error.message);
        }
      }
    }
    assert.ok(opened < runs, `${opened} of ${runs} resealed corruptions opened`);
  });

  it('refuses headers whose fields are wrong, checked one by one', function () {
    const headerLength = file.readUInt32LE(12);
    const header = JSON.parse(file.subarray(16, 16 + headerLength).toString()) as Record<string, unknown>;
    const withHeader = (change: (h: Record<string, unknown>) => void): Buffer => {
      const h = structuredClone(header);
      change(h);
      const json = Buffer.from(JSON.stringify(h));
      const head = Buffer.from(file.subarray(0, 16));
      head.writeUInt32LE(json.length, 12);
      return reseal(Buffer.concat([head, json, Buffer.alloc(4), file.subarray(16 + headerLength + 4)]));
    };
    const cases: Array<[string, (h: Record<string, unknown>) => void, RegExp]> = [
      ['image size', (h) => (h.imageSize = 1e12), /image size/],
      ['regions', (h) => (h.regions = [{ offset: 0, length: 300, at: 0 }]), /regions/],
      ['samples', (h) => (h.samples = 39), /more samples than the 39/],
      ['layout loop', (h) => ((h.layout as CLayout).root.members![0] = { name: 'x', kind: 'struct' } as CField), /C type field/],
      ['layout depth', (h) => deepen(h.layout as CLayout), /too deep/],
      ['watch kind', (h) => (h.watches = [{ id: 'q', condition: { kind: 'explodes' } }]), /watch q has an unknown kind/],
      ['period', (h) => (h.samplePeriodMs = -1), /sample period/],
      ['format', (h) => (h.format = 'something-else'), /not an IPC Inspector recording/],
      ['object size', (h) => ((h.object as { size: number }).size = 2 ** 50), /object/],
      // A header that claims 1 GiB samples in a small file: refused before 1 GiB is allocated for it.
      [
        'samples larger than the file',
        (h) => {
          h.imageSize = 2 ** 30;
          h.regions = [{ offset: 0, length: 2 ** 30, at: 0 }];
          (h.object as { size: number }).size = 2 ** 30;
          h.samples = 0;
          h.layout = null;
        },
        /cut short \(truncated\): its samples are 1073741824 bytes but the file has only/,
      ],
    ];
    for (const [what, change, expected] of cases) assert.match(refused(withHeader(change), what).message, expected, what);
  });
});

function deepen(layout: CLayout): void {
  let field = layout.root;
  for (let i = 0; i < 100; i++) {
    const inner: CField = { name: `d${i}`, type: 'struct d', kind: 'struct', offset: 0, size: 1, align: 1, members: [] };
    field.members = [inner];
    field = inner;
  }
}
