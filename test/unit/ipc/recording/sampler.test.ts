// The recording's sampler when the helper takes the samples (SHM_SAMPLE_*): the order of takes, a
// pause's last take racing a resume, a watch in the middle of a collection, a helper lost between
// two takes, a sampler the helper cannot start. These are faults and interleavings the real helper
// cannot be made to produce on cue, so the helper's sampler is a fake here (HelperSampling is one
// small interface); test/native/ipc/recording/recording.test.ts records the real thing.
import * as assert from 'node:assert/strict';
import type { HelperSampling } from '../../../../src/ipc/byteSource';
import { HelperError, HelperExitedError } from '../../../../src/ipc/helperClient';
import type { Residency, SampledRecord, SampleTake } from '../../../../src/ipc/helperProtocol';
import { ObjectSampler, type SampledSource } from '../../../../src/ipc/recording/sampler';
import type { ContentsHeader } from '../../../../src/shared/contentsProtocol';
import { waitFor } from '../../../support/waitFor';

const SIZE = 64;

/** A sampler of the helper that the test feeds: what it "took" is queued, and a take may be held back. */
class FakeSampler implements HelperSampling {
  readonly pending: SampledRecord[] = [];
  takes = 0;
  stopped = false;
  end?: SampleTake['end'];
  failNext?: Error;
  gate?: Promise<void>;

  constructor(first: Buffer) {
    this.push([{ offset: 0, bytes: Buffer.from(first) }]);
  }

  push(changes: SampledRecord['changes']): void {
    this.pending.push({ monotonicNs: process.hrtime.bigint(), changes });
  }

  async take(): Promise<SampleTake> {
    this.takes++;
    await this.gate;
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    return { records: this.pending.splice(0), late: 0, skipped: 0, end: this.end };
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
}

/** An object of SIZE bytes whose helper samples through FakeSamplers, every one of them kept. */
class FakeSource implements SampledSource {
  readonly gaps = 'hole' as const;
  readonly bytes = Buffer.alloc(SIZE);
  readonly samplers: FakeSampler[] = [];
  startError?: Error;
  reads = 0;

  describe(): Promise<ContentsHeader> {
    return Promise.resolve({ id: 'fake', title: 'fake', subtitle: '', noun: 'segment', size: SIZE, facts: [], phase: 'live', gaps: 'hole', removedNotice: '' });
  }

  dataMap(): Promise<Residency> {
    return Promise.resolve({ firstPage: 0, pageCount: 1, pageSize: 4096, bitmap: Buffer.from([1]) });
  }

  read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    this.reads++;
    const out = into ?? Buffer.alloc(length);
    this.bytes.copy(out, 0, offset, offset + length);
    return Promise.resolve(out);
  }

  sampleInHelper(): Promise<HelperSampling> {
    if (this.startError) return Promise.reject(this.startError);
    const sampler = new FakeSampler(this.bytes);
    this.samplers.push(sampler);
    return Promise.resolve(sampler);
  }

  get latest(): FakeSampler {
    return this.samplers[this.samplers.length - 1];
  }
}

const byte = (offset: number, value: number) => ({ offset, bytes: Buffer.from([value]) });

describe('recording sampled by the helper (a fake helper sampler)', function () {
  const started: ObjectSampler[] = [];
  const start = async (source: FakeSource, more: Partial<Parameters<typeof ObjectSampler.start>[0]> = {}) => {
    const sampler = await ObjectSampler.start({ source, object: { kind: 'sysvShm', id: 'fake', title: 'fake' }, pageSize: 4096, rateHz: 100, ...more });
    started.push(sampler);
    return sampler;
  };
  afterEach(async () => {
    for (const sampler of started.splice(0)) await sampler.stop();
  });

  it('adds the first record whole and the others as changes; a watch pauses at the sample that fired, the records after it are let go and its sampler stopped', async function () {
    const source = new FakeSource();
    source.bytes.set([1, 2, 3]);
    const sampler = await start(source, { watches: [{ id: 'w', condition: { kind: 'bytes-change', offset: 10, length: 1 } }] });
    assert.ok(sampler.inHelper);
    const { store } = sampler.recording;
    assert.deepEqual([...sampler.recording.rebuild(0).subarray(0, 4)], [1, 2, 3, 0]);
    const first = source.latest;
    first.push([byte(5, 9)]);
    first.push([byte(10, 7)]); // the watch fires here
    first.push([byte(20, 8)]); // after it: not kept
    await waitFor(() => sampler.state === 'paused', 5000, 'the watch to pause the recording');
    assert.equal(store.count, 3);
    const last = sampler.recording.rebuild(store.lastIndex);
    assert.deepEqual([last[5], last[10], last[20]], [9, 7, 0]);
    assert.ok(first.stopped, "the helper's sampler is stopped");

    source.bytes[20] = 8;
    sampler.resume();
    await waitFor(() => source.samplers.length === 2 && store.count === 4, 5000, 'a new sampler, its first sample');
    assert.equal(sampler.recording.rebuild(store.lastIndex)[20], 8, 'the new sampler starts whole');
    assert.equal(sampler.counts.samples, store.count);
  });

  it('pausing while a take is out, and resuming before it returns: the records come in once, in order, and the next sampler waits for it', async function () {
    const source = new FakeSource();
    const sampler = await start(source);
    const first = source.latest;
    let open!: () => void;
    first.gate = new Promise((resolve) => (open = resolve));
    first.push([byte(1, 1)]);
    first.push([byte(2, 2)]);
    const takesBefore = first.takes;
    const paused = sampler.pause(); // its last take waits at the gate
    sampler.resume(); // a tick is due at once: it must not take from the same sampler meanwhile
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(source.samplers.length, 1, 'no new sampler before the last take is in');
    open();
    await paused;
    await waitFor(() => source.samplers.length === 2, 5000, 'the next sampler');
    assert.equal(first.takes, takesBefore + 1, 'one take of the paused sampler, the last');
    assert.ok(first.stopped);
    const { store } = sampler.recording;
    await waitFor(() => store.count === 4, 5000, "the next sampler's first sample");
    assert.deepEqual(
      [1, 2].map((i) => [...sampler.recording.rebuild(i).subarray(1, 3)]),
      [
        [1, 0],
        [1, 2],
      ],
    );
  });

  it('a sampler lost with its helper: the next tick starts another, whole, and the samples missed meanwhile count as late', async function () {
    const source = new FakeSource();
    const sampler = await start(source);
    const lateBefore = sampler.counts.late;
    source.latest.failNext = new HelperExitedError('The IPC helper was killed by SIGKILL.');
    await waitFor(() => source.samplers.length === 2, 5000, 'another sampler');
    await waitFor(() => sampler.recording.store.count === 2, 5000, 'its first sample');
    assert.equal(sampler.state, 'recording');
    assert.ok(sampler.counts.late > lateBefore, `missed samples counted (${sampler.counts.late})`);
    assert.ok(source.samplers[0].stopped === false, 'a lost sampler is not asked to stop: its helper is gone');
  });

  it('a sampler that ended while the recording paused ends the recording for its reason', async function () {
    const source = new FakeSource();
    const sampler = await start(source);
    source.latest.push([byte(3, 3)]);
    source.latest.end = { name: 'EIDRM', message: 'segment 5 was marked for removal' };
    await sampler.pause();
    assert.equal(sampler.state, 'ended');
    assert.equal(sampler.end?.reason, 'vanished');
    assert.match(sampler.end?.message ?? '', /marked for removal/);
    assert.equal(sampler.recording.rebuild(sampler.recording.store.lastIndex)[3], 3, 'what it took before is kept');
  });

  it('a helper that cannot take it (four samplers already, or no kernel copy) leaves the recording to read each sample itself', async function () {
    for (const code of ['EBUSY', 'ENOSYS']) {
      const source = new FakeSource();
      source.startError = new HelperError(code, 0, 'ShmSampleStart', 'not now');
      source.bytes[7] = 7;
      const sampler = await start(source);
      assert.equal(sampler.inHelper, false, code);
      assert.equal(sampler.recording.rebuild(0)[7], 7);
      assert.ok(source.reads > 0, 'read from here');
    }
  });

  it('a first take that fails leaves no sampler running in the helper', async function () {
    const source = new FakeSource();
    const failing = source.sampleInHelper.bind(source);
    source.sampleInHelper = async () => {
      const sampler = (await failing()) as FakeSampler;
      sampler.failNext = new Error('a broken reply');
      return sampler;
    };
    await assert.rejects(start(source), /a broken reply/);
    assert.ok(source.latest.stopped);
  });
});
