// Recording real shared memory with the real helper: a C program (test/programs/recwriter.c) writes
// a known sequence of states into a System V segment and a POSIX object and logs each one with its
// checksum; the recording must hold only states it logged (none invented), in order, every state
// the test waited for, and none of the states written while sampling was paused (a missed change is
// only ever between samples). Export -> open gives the same recording; watches fire at the sample
// where their condition became true; the field values decoded through the C type engine's layout
// of recwriter.h match each state's number. Python's multiprocessing.shared_memory writes a counter
// as a producer no one here wrote; a semaphore set and a queue are recorded as numbers. Objects that
// grow, shrink or vanish end the recording cleanly with what was kept.
//
// Everything waits on state (a line the writer printed, the recording reaching a state), never on time.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { LayoutCache } from '../../../../src/ctypes/layouts';
import type { ByteSource } from '../../../../src/ipc/byteSource';
import { PosixObjectSource } from '../../../../src/ipc/posixShm/source';
import { fieldsCsv } from '../../../../src/ipc/recording/csv';
import { fieldValue, numericFields } from '../../../../src/ipc/recording/fields';
import { decodeRecording, encodeRecording } from '../../../../src/ipc/recording/format';
import type { Recording, SeriesRecording } from '../../../../src/ipc/recording/recording';
import {
  ObjectSampler,
  QUEUE_COLUMNS,
  queueRow,
  semaphoreColumns,
  semaphoreRow,
  SeriesSampler,
  type ObjectSamplerOptions,
} from '../../../../src/ipc/recording/sampler';
import { SnapshotSource, type PosixObjectInfo } from '../../../../src/ipc/snapshot';
import { SegmentSource } from '../../../../src/ipc/sysvShm/source';
import type { CLayout } from '../../../../src/shared/cLayout';
import { TestHelper } from '../../../support/helper';
import { testParser } from '../../../support/parserFiles';
import { cleanupPosixObjects, freshName, shmPath } from '../../../support/posixObjects';
import { cleanupAll, repoRoot, trackSegment } from '../../../support/segments';
import { cleanupSemMsg, ipcmkMsg, ipcmkSem, ipctool, startIpctool } from '../../../support/semMsg';
import { waitFor, within } from '../../../support/waitFor';
import { testTemp } from '../../../support/tempDirs';

const SIZE = 4096;
const header = path.join(repoRoot, 'test', 'programs', 'recwriter.h');

/** FNV-1a 64, as recwriter.c computes it over the whole object. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** The writer, its log of states (checksum -> state number) and a way to wait for its next answer. */
class Writer {
  readonly logged = new Map<string, number>();
  private readonly lines: string[] = [];
  private waiting?: () => void;
  private stderr = '';
  shmid = 0;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const state = /^state (\d+) ([0-9a-f]{16})$/.exec(line);
      if (state) this.logged.set(state[2], Number(state[1]));
      else this.lines.push(line);
      this.waiting?.();
    });
    child.stderr.on('data', (d) => (this.stderr += d));
  }

  static async start(binary: string, args: string[]): Promise<Writer> {
    const writer = new Writer(spawn(binary, args));
    writers.add(writer);
    const ready = await writer.next(/^ready /);
    writer.shmid = Number(ready.split(' ')[1]);
    return writer;
  }

  /** The next line matching `pattern` (state lines are logged, not returned). */
  next(pattern: RegExp): Promise<string> {
    return within(
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const i = this.lines.findIndex((l) => pattern.test(l));
          if (i >= 0) return resolve(this.lines.splice(i, 1)[0]);
          if (this.child.exitCode !== null) return reject(new Error(`recwriter exited: ${this.stderr}`));
          this.waiting = look;
        };
        look();
      }),
      20_000,
      `recwriter's ${pattern}`,
    );
  }

  async command(line: string, answer: RegExp): Promise<string> {
    this.child.stdin.write(line + '\n');
    return this.next(answer);
  }
}

const writers = new Set<Writer>();

interface Kind {
  name: string;
  start(
    binary: string,
  ): Promise<{ writer: Writer; source: ByteSource & { refreshWhileRemoved?: boolean }; object: { kind: string; id: string; title: string } }>;
  /** Whether the helper takes the samples (SHM_SAMPLE_*), or each one is read from here. */
  helperSampling: boolean;
}

function sysvKind(helper: () => TestHelper, helperSampling = true): Kind {
  return {
    name: helperSampling ? 'a System V segment sampled by the helper' : 'a System V segment read at every sample',
    helperSampling,
    async start(binary) {
      const writer = await Writer.start(binary, ['sysv', String(SIZE)]);
      trackSegment(writer.shmid);
      const source = new SegmentSource(helper().client, await helper().client.shmStat(writer.shmid), 'private', () => false);
      return { writer, source, object: { kind: 'sysvShm', id: source.id, title: source.title } };
    },
  };
}

function posixKind(helper: () => TestHelper): Kind {
  return {
    name: 'a POSIX object',
    helperSampling: false,
    async start(binary) {
      const name = freshName();
      const writer = await Writer.start(binary, ['posix', '/' + name, String(SIZE)]);
      const snapshot = new SnapshotSource();
      await snapshot.refresh(true);
      const listed = () => snapshot.current?.posix.objects.find((o) => o.name === '/' + name);
      const info = listed() as PosixObjectInfo;
      assert.ok(info, `/${name} is listed`);
      const source = new PosixObjectSource(helper().client, info, () => listed());
      return { writer, source, object: { kind: 'posixShm', id: source.id, title: source.title } };
    },
  };
}

describe('recording real shared memory', function () {
  this.timeout(120_000);
  const dir = testTemp('ipcinsp-recording-');
  const binary = path.join(dir, 'recwriter');
  let layout: CLayout;
  let helper: TestHelper;
  let pageSize: number;

  before(async function () {
    execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-O2', '-o', binary, path.join(repoRoot, 'test', 'programs', 'recwriter.c')]);
    layout = await new LayoutCache(testParser).layout({ file: header, typeName: 'struct rec_state', setup: { compiler: 'cc', flags: [], cwd: dir } });
  });
  beforeEach(async function () {
    helper = new TestHelper();
    pageSize = (await helper.client.hello()).pageSize;
  });
  afterEach(async function () {
    for (const writer of writers) writer.child.kill('SIGKILL');
    writers.clear();
    const reports = helper.sanitizerReports();
    helper.dispose();
    await cleanupAll();
    await cleanupPosixObjects();
    await cleanupSemMsg();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const seqOf = (recording: Recording, index: number) =>
    Number(
      fieldValue(
        layout,
        recording.fields.find((f) => f.path === 'seq')!,
        recording.rebuild(index),
      ),
    );
  const offsetOf = (p: string) => numericFields(layout).find((f) => f.path === p)!.offset;
  /** Records what a kind started, at 200 Hz with recwriter's layout, sampled where the kind says. */
  const recordAt200 = (kind: Kind, started: Awaited<ReturnType<Kind['start']>>, more: Partial<ObjectSamplerOptions>) =>
    ObjectSampler.start({ source: started.source, object: started.object, pageSize, rateHz: 200, layout, helperSampling: kind.helperSampling, ...more });

  for (const kind of [sysvKind(() => helper), sysvKind(() => helper, false), posixKind(() => helper)]) {
    it(`${kind.name}: holds only logged states, in order, each awaited one, none written while paused; export -> open is the same; watches fire where they should`, async function () {
      const started = await kind.start(binary);
      const { writer, object } = started;
      const ringSlot10 = offsetOf('ring[10][0]');
      const sampler = await recordAt200(kind, started, {
        pauseOnWatch: false,
        watches: [
          { id: 'seq7', condition: { kind: 'equals', field: 'seq', value: 7 } },
          { id: 'mode', condition: { kind: 'changes', field: 'sensor.mode' } },
          { id: 'head', condition: { kind: 'leaves-range', field: 'head', min: 0, max: 40 } },
          { id: 'slot10', condition: { kind: 'bytes-change', offset: ringSlot10, length: 16 } },
        ],
      });
      assert.equal(sampler.inHelper, kind.helperSampling);
      const recording = sampler.recording;
      const newestIs = (seq: number) => {
        const want = [...writer.logged].find(([, s]) => s === seq)![0];
        return fnv1a(recording.rebuild(recording.store.lastIndex)) === want;
      };
      const awaited: number[] = [];
      const skipped: number[] = [];
      let seq = 0;
      for (let step = 1; step <= 30; step++) {
        // Every write happens while no read is in flight: a read racing a write would copy a state
        // half written, which is what memory held but no state the writer logged (the Python test
        // records a producer that never waits).
        await sampler.pause();
        if (step % 8 === 0) {
          // A burst: only its last state can be recorded.
          await writer.command('step 4', /^done /);
          skipped.push(seq + 1, seq + 2, seq + 3);
          seq += 4;
        } else {
          await writer.command('step 1', /^done /);
          seq += 1;
        }
        sampler.resume();
        awaited.push(seq);
        await waitFor(() => newestIs(seq), 10_000, `state ${seq} in the recording`);
      }
      await sampler.stop();
      assert.equal(recording.meta.end?.reason, 'stopped');

      // Every sample is a logged state; their numbers never go back; the awaited ones are all there.
      const store = recording.store;
      const seqs: number[] = [];
      let lastTime = -Infinity;
      for (let i = store.firstIndex; i <= store.lastIndex; i++) {
        const bytes = recording.rebuild(i);
        const logged = writer.logged.get(fnv1a(bytes));
        assert.ok(logged !== undefined, `sample ${i} is no state the writer logged`);
        assert.equal(seqOf(recording, i), logged, 'the seq field decodes to the state number');
        if (seqs.length) assert.ok(logged >= seqs[seqs.length - 1], `sample ${i} went back from ${seqs[seqs.length - 1]} to ${logged}`);
        assert.ok(store.timeOf(i) >= lastTime, 'samples in time order');
        lastTime = store.timeOf(i);
        seqs.push(logged);
      }
      assert.equal(seqs[0], 0);
      for (const s of awaited) assert.ok(seqs.includes(s), `state ${s} was awaited and must be recorded`);
      for (const s of skipped) assert.ok(!seqs.includes(s), `state ${s} was written while paused and cannot be recorded`);
      assert.ok(sampler.counts.samples >= seqs.length);

      // Watches: at the first sample of each condition, computed from the states themselves.
      const firstIndex = (predicate: (s: number, i: number) => boolean) => store.firstIndex + seqs.findIndex(predicate);
      const hitsOf = (id: string) => recording.watches.hits.filter((h) => h.watchId === id).map((h) => h.index);
      const mode = (s: number) => Math.floor(s / 10) % 4;
      assert.deepEqual(hitsOf('seq7'), [firstIndex((s) => s === 7)]);
      assert.deepEqual(hitsOf('head'), [firstIndex((s) => 2 * s > 40)]);
      assert.deepEqual(
        hitsOf('mode'),
        seqs.flatMap((s, i) => (i > 0 && mode(s) !== mode(seqs[i - 1]) ? [store.firstIndex + i] : [])),
      );
      const slotWriter = (s: number) => [...Array(s + 1).keys()].filter((k) => k > 0 && [2 * k - 1, 2 * k - 2].some((m) => m % 64 === 10)).pop() ?? 0;
      assert.deepEqual(
        hitsOf('slot10'),
        seqs.flatMap((s, i) => (i > 0 && slotWriter(s) !== slotWriter(seqs[i - 1]) ? [store.firstIndex + i] : [])),
      );
      const hit = recording.watches.hits.find((h) => h.watchId === 'seq7')!;
      assert.equal(hit.samplePeriodMs, 5, 'the hit says the sample period');
      assert.ok(hit.after !== undefined && hit.after < hit.time);

      // Statistics over the recording, from the states.
      const stats = new Map(recording.statistics().map((s) => [s.path, s]));
      assert.equal(stats.get('seq')!.changes, new Set(seqs).size - 1);
      assert.deepEqual([stats.get('seq')!.min, stats.get('seq')!.max], [0n, BigInt(seq)]);
      assert.equal(stats.get('sensor.level')!.min, BigInt(-Math.floor(seq / 3)));
      assert.equal(stats.get('sensor.temp')!.max, 20 + Math.floor(seq / 5) * 0.5);
      assert.deepEqual(recording.liveStatistics(), recording.statistics(), 'kept as samples arrived, the same');

      // Export -> open: the same samples, times and hits, without the object.
      const file = path.join(dir, `${object.kind}.ipcrec`);
      fs.writeFileSync(file, encodeRecording(recording));
      const back = decodeRecording(fs.readFileSync(file)) as Recording;
      assert.equal(back.store.count, store.count);
      for (let i = 0; i < store.count; i++) {
        assert.ok(back.rebuild(back.store.firstIndex + i).equals(recording.rebuild(store.firstIndex + i)), `sample ${i} read back`);
        assert.equal(back.store.timeOf(back.store.firstIndex + i), store.timeOf(store.firstIndex + i));
      }
      assert.deepEqual(back.watches.hits, recording.watches.hits);
      assert.equal(fieldsCsv(back), fieldsCsv(recording));
      assert.equal(fieldsCsv(back).trimEnd().split('\r\n').length, store.count + 1);
    });
  }

  it('a POSIX object that grows, and one that shrinks, ends the recording with what was kept', async function () {
    for (const change of ['grow', 'shrink']) {
      const { writer, source, object } = await posixKind(() => helper).start(binary);
      const sampler = await ObjectSampler.start({ source, object, pageSize, rateHz: 100 });
      await sampler.pause();
      await writer.command('step 3', /^done /);
      sampler.resume();
      await waitFor(() => writer.logged.get(fnv1a(sampler.recording.rebuild(sampler.recording.store.lastIndex))) === 3, 10_000, 'state 3 recorded');
      await writer.command(change, /^resized /);
      const end = await within(sampler.whenEnded, 10_000, 'the recording to end');
      assert.equal(end.reason, 'resized', end.message);
      assert.match(end.message!, change === 'grow' ? /grew from 4096 to 8192/ : /shrank from 4096 to 2048/);
      assert.ok(sampler.recording.store.count >= 2, 'what was kept stays');
      assert.equal(sampler.recording.meta.end, end);
    }
  });

  it('a segment marked for removal, and a POSIX object whose last holder goes, end the recording', async function () {
    const sysv = await sysvKind(() => helper).start(binary);
    const sysvSampler = await ObjectSampler.start({ source: sysv.source, object: sysv.object, pageSize, rateHz: 100 });
    await sysv.writer.command('remove', /^removed/);
    assert.equal((await within(sysvSampler.whenEnded, 10_000, 'the segment recording to end')).reason, 'vanished');

    const posix = await posixKind(() => helper).start(binary);
    const posixSampler = await ObjectSampler.start({ source: posix.source, object: posix.object, pageSize, rateHz: 100 });
    await posix.writer.command('remove', /^removed/); // unlinked, still mapped: read through the holder
    await posixSampler.pause();
    await posix.writer.command('step 2', /^done /);
    posixSampler.resume();
    await waitFor(
      () => posix.writer.logged.get(fnv1a(posixSampler.recording.rebuild(posixSampler.recording.store.lastIndex))) === 2,
      10_000,
      'state 2 after the unlink',
    );
    posix.writer.child.kill('SIGKILL');
    const end = await within(posixSampler.whenEnded, 10_000, 'the object recording to end');
    assert.equal(end.reason, 'vanished', end.message);
    assert.ok(posixSampler.recording.store.count >= 2);
  });

  for (const kind of [sysvKind(() => helper), posixKind(() => helper)]) {
    it(`${kind.name}: pauses at a watch and resumes`, async function () {
      const started = await kind.start(binary);
      const { writer } = started;
      const fired: number[] = [];
      const sampler = await recordAt200(kind, started, {
        watches: [{ id: 'alarm', condition: { kind: 'equals', field: 'sensor.alarm', value: 1 } }],
        onWatch: (hits) => fired.push(...hits.map((h) => h.index)),
      });
      assert.equal(sampler.inHelper, kind.helperSampling);
      await sampler.pause();
      await writer.command('step 12', /^done /);
      sampler.resume();
      await waitFor(() => sampler.state === 'paused', 10_000, 'the watch to pause the recording');
      assert.equal(fired.length, 1);
      assert.equal(seqOf(sampler.recording, fired[0]), 12);
      const count = sampler.recording.store.count;
      await writer.command('step 1', /^done /); // paused by the watch: no read races this write
      sampler.resume();
      await waitFor(() => writer.logged.get(fnv1a(sampler.recording.rebuild(sampler.recording.store.lastIndex))) === 13, 10_000, 'state 13 after resuming');
      assert.ok(sampler.recording.store.count > count);
      await sampler.stop();
    });
  }

  it('a System V segment sampled by the helper: the recording goes on when the helper is killed (a new helper samples)', async function () {
    const { writer, source, object } = await sysvKind(() => helper).start(binary);
    const sampler = await ObjectSampler.start({ source, object, pageSize, rateHz: 100 });
    assert.ok(sampler.inHelper);
    const killed = helper.client.pid!;
    process.kill(killed, 'SIGKILL');
    await writer.command('step 3', /^done /);
    const newest = () => writer.logged.get(fnv1a(sampler.recording.rebuild(sampler.recording.store.lastIndex)));
    await waitFor(() => newest() === 3, 10_000, 'state 3, sampled by the next helper');
    assert.notEqual(helper.client.pid, killed, 'another helper');
    assert.equal(sampler.state, 'recording', sampler.end?.message);
    await sampler.stop();
  });

  it("records Python's multiprocessing.shared_memory counter as it counts", async function () {
    const name = freshName();
    const script = [
      'import struct, sys, time',
      'from multiprocessing import shared_memory',
      `shm = shared_memory.SharedMemory(name=${JSON.stringify(name)}, create=True, size=4096)`,
      "words = shm.buf.cast('I')",
      'print("ready", flush=True)',
      'i = 0',
      'while shm.buf[4095] == 0:',
      '    i += 1',
      '    words[1] = 3 * i',
      '    words[0] = i',
      '    time.sleep(0.001)',
      'del words',
      'shm.close()',
      'shm.unlink()',
    ].join('\n');
    const python = spawn('/usr/bin/python3', ['-c', script]);
    try {
      await new Promise<void>((resolve, reject) => {
        readline.createInterface({ input: python.stdout }).once('line', () => resolve());
        python.once('exit', (code) => reject(new Error(`python exited ${code}`)));
      });
      const pyHeader = path.join(dir, 'py.h');
      fs.writeFileSync(pyHeader, '#include <stdint.h>\nstruct counter { uint32_t count; uint32_t triple; };\n');
      const pyLayout = await new LayoutCache(testParser).layout({ file: pyHeader, typeName: 'struct counter', setup: { compiler: 'cc', flags: [], cwd: dir } });
      const snapshot = new SnapshotSource();
      await snapshot.refresh(true);
      const listed = () => snapshot.current?.posix.objects.find((o) => o.name === '/' + name);
      const source = new PosixObjectSource(helper.client, listed()!, listed);
      const sampler = await ObjectSampler.start({
        source,
        object: { kind: 'posixShm', id: source.id, title: source.title },
        pageSize,
        rateHz: 100,
        layout: pyLayout,
      });
      const recording = sampler.recording;
      await waitFor(() => (recording.liveStatistics().find((s) => s.path === 'count')?.changes ?? 0) >= 20, 30_000, '20 changes of the counter recorded');
      const stop = fs.openSync(shmPath(name), 'r+');
      fs.writeSync(stop, Buffer.from([1]), 0, 1, 4095);
      fs.closeSync(stop);
      const end = await within(sampler.whenEnded, 10_000, 'the recording to end when Python unlinks and exits');
      assert.equal(end.reason, 'vanished', end.message);
      const { columns } = recording.series(['count', 'triple']);
      for (let i = 1; i < columns[0].length; i++) {
        const [count, triple] = [columns[0][i], columns[1][i]];
        assert.ok(count >= columns[0][i - 1], `the counter went back at sample ${i}`);
        // Python writes triple first, then count: a sample sees count c with triple 3c or the next one's.
        assert.ok(triple === 3 * count || triple === 3 * (count + 1), `sample ${i}: count ${count}, triple ${triple}`);
      }
    } finally {
      python.kill('SIGKILL');
    }
  });

  it('records a semaphore set (values, waiters) and a queue (messages, bytes) as numbers', async function () {
    const semid = ipcmkSem(2);
    const sems = await SeriesSampler.start({
      object: { kind: 'sysvSem', id: `sem:${semid}`, title: `set ${semid}`, size: 0 },
      columns: semaphoreColumns(2),
      readRow: semaphoreRow(helper.client, semid, 2),
      rateHz: 100,
      pauseOnWatch: false,
      watches: [{ id: 'three', condition: { kind: 'equals', field: 'sem[0].value', value: 3 } }],
    });
    const newest = (r: SeriesRecording) => Object.fromEntries(r.columns.map((c, i) => [c, r.row(r.firstIndex + r.count - 1)[i]]));
    ipctool(['semop', String(semid), '0', '3']);
    await waitFor(() => newest(sems.recording)['sem[0].value'] === 3, 10_000, 'the value 3 recorded');
    const waiter = await startIpctool(['semwait', String(semid), '1']);
    await waitFor(() => newest(sems.recording)['sem[1].ncnt'] === 1, 10_000, 'the waiter recorded');
    assert.equal(sems.recording.watches.hits.length, 1);
    execFileSync('ipcrm', ['-s', String(semid)]);
    assert.equal((await within(sems.whenEnded, 10_000, 'the set recording to end')).reason, 'vanished');
    await waiter.stop().catch(() => undefined);
    const back = decodeRecording(encodeRecording(sems.recording)) as SeriesRecording;
    assert.deepEqual(back.series(), sems.recording.series());

    const msqid = ipcmkMsg();
    const queue = await SeriesSampler.start({
      object: { kind: 'sysvMsg', id: `msg:${msqid}`, title: `queue ${msqid}`, size: 0 },
      columns: QUEUE_COLUMNS,
      readRow: queueRow(helper.client, msqid),
      rateHz: 100,
    });
    ipctool(['msgsend', String(msqid), '1', 'hello']);
    ipctool(['msgsend', String(msqid), '2', 'shared memory']);
    await waitFor(() => newest(queue.recording).messages === 2, 10_000, 'two messages recorded');
    assert.equal(newest(queue.recording).bytes, 'hello'.length + 'shared memory'.length);
    execFileSync('ipcrm', ['-q', String(msqid)]);
    assert.equal((await within(queue.whenEnded, 10_000, 'the queue recording to end')).reason, 'vanished');
  });
});
