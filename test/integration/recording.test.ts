// Recording in the real extension host: a C program (test/programs/recwriter.c) writes a known
// sequence of states into a real System V segment and logs each with the FNV-1a checksum of the
// whole segment; the user records it through the contents view's own messages and commands (Record,
// Pause/Resume, Stop, scrub, Compare, plot, Add Watch…, Save Recording…, Open Recording…). Every
// moment scrubbed to is a state the program logged (checksums), in order, none invented; compare and
// plot give the field values of recwriter.h; a watch pauses the recording at the state it names; a
// saved recording opens again with the same bytes at every sample; a damaged file is refused in
// words; a segment removed while recorded ends the recording with what was kept.
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { ComparedMessage, MomentMessage, PlotDataMessage, RecordingStatusMessage } from '../../src/shared/contentsProtocol';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { repoRoot, trackSegment } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { getApi, run } from './fixtures';
import { openPanel, read, Recorder } from './contentsPanelProbe';
import { withPrompts } from './scriptedPrompts';

const recwriter = path.join(repoRoot, 'native', 'bin', 'recwriter');
const header = path.join(repoRoot, 'test', 'programs', 'recwriter.h');
const SIZE = 4096;

/** FNV-1a 64, as recwriter.c computes it over the whole object. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

interface Writer {
  shmid: number;
  /** Checksum of every state logged, by its number. */
  logged: Map<number, string>;
  /** Writes the next n states; resolves once the program says it is done. */
  step(n: number): Promise<void>;
  remove(): Promise<void>;
  child: ChildProcessWithoutNullStreams;
}

describe('Recording a contents view (real host, real segment, recwriter)', function () {
  this.timeout(90_000);
  let api: IpcInspectorApi;
  const children: ChildProcessWithoutNullStreams[] = [];
  const recorders: Recorder[] = [];
  const files: string[] = [];
  const config = () => vscode.workspace.getConfiguration('ipcInspector');

  before(async function () {
    api = await getApi();
    if (!fs.existsSync(recwriter)) this.skip();
    // Fast enough that a test waits little, slow enough for a loaded machine.
    await config().update('recording.sampleRate', 50, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('recording.sampleRate', undefined, vscode.ConfigurationTarget.Global);
  });

  afterEach(async () => {
    for (const rec of recorders.splice(0)) rec.dispose();
    for (const panel of api.contentsPanels()) panel.dispose();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const file of files.splice(0)) fs.rmSync(file, { force: true });
  });

  async function writer(): Promise<Writer> {
    const child = spawn(recwriter, ['sysv', String(SIZE)]);
    children.push(child);
    const lines = readline.createInterface({ input: child.stdout });
    const logged = new Map<number, string>();
    const waiting: Array<{ pattern: RegExp; resolve: () => void }> = [];
    let shmid = -1;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`recwriter exited with ${code}`)));
      lines.on('line', (line) => {
        const state = /^state (\d+) ([0-9a-f]{16})$/.exec(line);
        if (state) logged.set(Number(state[1]), state[2]);
        const readyLine = /^ready (\d+) /.exec(line);
        if (readyLine) {
          shmid = trackSegment(Number(readyLine[1]));
          resolve();
        }
        for (const w of waiting.splice(0)) {
          if (w.pattern.test(line)) w.resolve();
          else waiting.push(w);
        }
      });
    });
    await ready;
    const expect = (pattern: RegExp, command: string) =>
      new Promise<void>((resolve) => {
        waiting.push({ pattern, resolve });
        child.stdin.write(`${command}\n`);
      });
    return { shmid, logged, child, step: (n) => expect(/^done \d+$/, `step ${n}`), remove: () => expect(/^removed$/, 'remove') };
  }

  async function openWithType(shmid: number): Promise<{ panel: ContentsPanel; rec: Recorder }> {
    const panel = await openPanel(api, shmid);
    const rec = new Recorder(panel);
    recorders.push(rec);
    const layout = await api.context.cTypes.layoutOf({ file: header, typeName: 'struct rec_state' });
    await panel.setCType({ layout, placement: { offset: 0, count: 1 } });
    // The test is the page too: the real one may not have said ready yet (or run at all) in this host.
    await panel.receive({ type: 'ready' });
    return { panel, rec };
  }

  /** The value of field `path` at the recording's newest sample. */
  function newest(panel: ContentsPanel, path: string): string | undefined {
    const recording = panel.recording!.recording;
    const i = recording.fields.findIndex((f) => f.path === path);
    return String(recording.valuesAt(recording.store.lastIndex)[i]);
  }

  /** Pauses sampling, writes `n` states, resumes, and waits until a sample shows the last one. */
  async function stepSampled(panel: ContentsPanel, w: Writer, n: number, seq: number): Promise<void> {
    await panel.receive({ type: 'record', action: 'pause' });
    await w.step(n);
    await panel.receive({ type: 'record', action: 'resume' });
    await waitFor(() => newest(panel, 'seq') === String(seq), 10_000, `a sample of state ${seq}`);
  }

  async function seek(panel: ContentsPanel, rec: Recorder, index: number | null): Promise<MomentMessage> {
    const mark = rec.mark();
    await panel.receive({ type: 'seek', index });
    return (await rec.waitFor((m): m is MomentMessage => m.type === 'moment', `the moment ${index}`, 5000, mark)).message;
  }

  it('records what the program wrote: every moment scrubbed to is a logged state, in order; compare and plot give the fields; Stop ends it', async () => {
    const w = await writer();
    const { panel, rec } = await openWithType(w.shmid);
    await run('ipcInspector.startRecording', { panelId: panel.source.id });
    assert.ok(panel.recording, 'Record made a recording');
    assert.strictEqual(panel.recording.state, 'recording');
    for (let seq = 1; seq <= 12; seq++) await stepSampled(panel, w, 1, seq);
    await stepSampled(panel, w, 5, 17); // five states between two samples: 13 to 16 are never seen
    await panel.receive({ type: 'record', action: 'stop' });
    assert.strictEqual(panel.recording.state, 'ended');

    const status = (await rec.waitFor((m): m is RecordingStatusMessage => m.type === 'recording' && m.status?.state === 'ended', 'the ended status')).message
      .status!;
    assert.ok(status.count >= 14, `at least a sample per state awaited (${status.count})`);
    assert.strictEqual(status.fields.find((f) => f.path === 'seq')?.last, '17');
    assert.strictEqual(status.fields.find((f) => f.path === 'sensor.alarm')?.changes, 1, 'alarm went up once, at state 12');

    // Scrub through every sample: each is a whole logged state, never a torn or invented one, in order.
    const seen: number[] = [];
    for (let index = status.first; index <= status.last; index++) {
      const moment = await seek(panel, rec, index);
      assert.strictEqual(moment.moment?.index, index);
      const data = await read(panel, 0, SIZE);
      const checksum = fnv1a(data.bytes);
      const seq = Number(Buffer.from(data.bytes).readBigUInt64LE(0));
      assert.strictEqual(checksum, w.logged.get(seq), `sample ${index} is state ${seq} exactly as logged`);
      if (seen.length > 0) assert.ok(seq >= seen[seen.length - 1], `sample ${index} (state ${seq}) does not go back in time`);
      seen.push(seq);
      if (index > status.first && seq !== seen[seen.length - 2]) {
        assert.ok(moment.moment!.changed.length > 0, `sample ${index} says what changed`);
      }
    }
    for (let seq = 0; seq <= 12; seq++) assert.ok(seen.includes(seq), `state ${seq} was sampled (${seen.join(' ')})`);
    assert.ok(seen.includes(17));
    for (const missed of [13, 14, 15, 16]) assert.ok(!seen.includes(missed), `state ${missed} fell between two samples and is not invented`);

    // Compare the first sample with the last: the fields recwriter.h says changed, with both values.
    let mark = rec.mark();
    await panel.receive({ type: 'compare', a: status.first, b: status.last });
    const compared = (await rec.waitFor((m): m is ComparedMessage => m.type === 'compared', 'the comparison', 5000, mark)).message;
    const field = (p: string) => compared.fields.find((f) => f.path === p);
    assert.deepStrictEqual(field('seq'), { path: 'seq', a: '0', b: '17' });
    assert.deepStrictEqual(field('head'), { path: 'head', a: '0', b: '34' });
    assert.deepStrictEqual(field('sensor.alarm'), { path: 'sensor.alarm', a: '0', b: '1' });
    assert.ok(compared.bytes > 0 && compared.ranges.length > 0);

    // Plot seq and head: one value per sample, head = 2 * seq.
    mark = rec.mark();
    await panel.receive({ type: 'plot', paths: ['seq', 'head'] });
    const plot = (await rec.waitFor((m): m is PlotDataMessage => m.type === 'plotData', 'the plot data', 5000, mark)).message;
    assert.strictEqual(plot.times.length, status.count);
    assert.deepStrictEqual(Array.from(plot.columns[0]), seen);
    assert.deepStrictEqual(
      Array.from(plot.columns[1]),
      seen.map((s) => 2 * s),
    );

    // A sample that is not kept is refused in words; the page hears it.
    mark = rec.mark();
    await panel.receive({ type: 'seek', index: status.last + 1000 });
    assert.match(rec.errors(mark)[0]?.message ?? '', /not kept: the recording holds samples/);
  });

  it('a watch pauses the recording at the state it names and says so, with the sample period', async () => {
    const w = await writer();
    const { panel } = await openWithType(w.shmid);
    await run('ipcInspector.startRecording', { panelId: panel.source.id });
    const prompts = await withPrompts(api, async (p) => {
      p.pick('Field equals a value').pick('seq').input('5');
      await run('ipcInspector.addRecordingWatch', { panelId: panel.source.id });
    });
    assert.deepStrictEqual(prompts.notifications, []);
    const seen = await withPrompts(api, async (p) => {
      for (let seq = 1; seq <= 4; seq++) await stepSampled(panel, w, 1, seq);
      assert.strictEqual(panel.recording!.state, 'recording');
      await w.step(1); // state 5, sampled while recording
      await waitFor(() => panel.recording!.state === 'paused', 10_000, 'the recording paused at the watch');
      await p.waitForNotification('info', /Watch fired at sample \d+: seq == 5 \(now 5, was 4\)\. Sampled every 20\.0 ms/);
    });
    assert.strictEqual(newest(panel, 'seq'), '5', 'paused at the sample that showed state 5');
    const hit = panel.recording!.recording.watches.hits[0];
    assert.strictEqual(hit.value, '5');
    assert.ok(seen.notifications.length >= 1);
    await panel.receive({ type: 'record', action: 'stop' });
  });

  it('Save Recording… writes a file Open Recording… shows again, the same at every sample; a damaged one is refused in words', async () => {
    const w = await writer();
    const { panel, rec } = await openWithType(w.shmid);
    await run('ipcInspector.startRecording', { panelId: panel.source.id });
    for (let seq = 1; seq <= 6; seq++) await stepSampled(panel, w, 1, seq);
    await panel.receive({ type: 'record', action: 'stop' });
    const original = panel.recording!.recording;

    const file = path.join(os.tmpdir(), `ipcinsp recording ${process.pid}.ipcrec`);
    files.push(file);
    await withPrompts(api, async (p) => {
      p.saveWith((q) => {
        assert.match(q.options.defaultUri?.fsPath ?? '', /\.ipcrec$/);
        return vscode.Uri.file(file);
      });
      await panel.receive({ type: 'record', action: 'save' });
      await p.waitForNotification('info', /^Saved \d+ samples/);
    });
    assert.ok(fs.statSync(file).size > 0);

    const opened = (await run<ContentsPanel>('ipcInspector.openRecording', vscode.Uri.file(file)))!;
    assert.ok(opened, 'Open Recording… opened a view');
    assert.strictEqual(opened.source.id, `recording:${file}`);
    const openedRec = new Recorder(opened);
    recorders.push(openedRec);
    await opened.receive({ type: 'ready' });
    const status = (await openedRec.waitFor((m): m is RecordingStatusMessage => m.type === 'recording' && m.status !== null, 'the opened status')).message
      .status!;
    assert.strictEqual(status.fromFile, true);
    assert.strictEqual(status.count, original.store.count);
    assert.strictEqual(opened.cType?.layout.name, 'struct rec_state', 'the C type recorded with it is shown');
    for (let index = status.first; index <= status.last; index++) {
      await seek(opened, openedRec, index);
      await seek(panel, rec, index);
      const a = await read(opened, 0, SIZE);
      const b = await read(panel, 0, SIZE);
      assert.strictEqual(fnv1a(a.bytes), fnv1a(b.bytes), `sample ${index} is the same opened from the file`);
    }
    // Live on a recording from a file stays on its samples (there is no object behind it).
    const moment = await seek(opened, openedRec, null);
    assert.strictEqual(moment.moment?.index, status.last);

    const damaged = path.join(os.tmpdir(), `ipcinsp damaged ${process.pid}.ipcrec`);
    files.push(damaged);
    fs.writeFileSync(damaged, fs.readFileSync(file).subarray(0, Math.floor(fs.statSync(file).size / 2)));
    const before = api.contentsPanels().length;
    const refused = await withPrompts(api, async (p) => {
      await run('ipcInspector.openRecording', vscode.Uri.file(damaged));
      await p.waitForNotification('error', /cut short \(truncated\).*Nothing of it was opened/);
    });
    assert.ok(refused.notifications.length >= 1);
    assert.strictEqual(api.contentsPanels().length, before, 'no view opened for the damaged file');
  });

  it('Compare with Snapshot File… marks what differs between a saved snapshot and the object shown; a file of another size is refused in words', async () => {
    const w = await writer();
    const { panel, rec } = await openWithType(w.shmid);
    const snapshot = path.join(os.tmpdir(), `ipcinsp snapshot ${process.pid}.bin`);
    files.push(snapshot);
    fs.writeFileSync(snapshot, (await read(panel, 0, SIZE)).bytes); // state 0
    await w.step(3);
    const mark = rec.mark();
    await withPrompts(api, async (p) => {
      p.openWith([vscode.Uri.file(snapshot)]);
      await run('ipcInspector.compareWithSnapshot', { panelId: panel.source.id });
    });
    const compared = (await rec.waitFor((m): m is ComparedMessage => m.type === 'compared', 'the comparison', 5000, mark)).message;
    assert.deepStrictEqual(compared.labels, [path.basename(snapshot), 'now']);
    const field = (p: string) => compared.fields.find((f) => f.path === p);
    assert.deepStrictEqual(field('seq'), { path: 'seq', a: '0', b: '3' });
    assert.deepStrictEqual(field('head'), { path: 'head', a: '0', b: '6' });
    assert.strictEqual(field('sensor.alarm'), undefined, 'a field that did not change is not listed');
    assert.ok(
      compared.ranges.some(([offset]) => offset === 0),
      'the bytes of seq are marked',
    );

    const short = path.join(os.tmpdir(), `ipcinsp short snapshot ${process.pid}.bin`);
    files.push(short);
    fs.writeFileSync(short, Buffer.alloc(100));
    await withPrompts(api, async (p) => {
      p.openWith([vscode.Uri.file(short)]);
      await run('ipcInspector.compareWithSnapshot', { panelId: panel.source.id });
      await p.waitForNotification('error', /is 100 bytes and .* is 4096: only a snapshot of the same size can be compared/);
    });
  });

  it('Record pressed twice at once starts one recording; closing the view while it records ends it cleanly', async () => {
    const w = await writer();
    const { panel } = await openWithType(w.shmid);
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const [first, second] = await Promise.all([
        run('ipcInspector.startRecording', { panelId: panel.source.id }),
        run('ipcInspector.startRecording', { panelId: panel.source.id }),
      ]);
      assert.ok(first, 'a recording started');
      assert.strictEqual(first, second, 'the second press got the same recording, not a second sampler');
      const recording = panel.recording!;
      await waitFor(() => recording.samples >= 2, 10_000, 'two samples');
      panel.dispose();
      await recording.whenEnded; // ends, never left hanging
      assert.strictEqual(recording.state, 'ended');
      await new Promise((resolve) => setTimeout(resolve, 100)); // a rejection is reported on a later turn
      assert.deepStrictEqual(rejections.map(String), [], 'closing the view rejects nothing');
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('a recording of a segment that is gone (its program exited after removing it) still scrubs to every moment kept', async () => {
    const w = await writer();
    const { panel, rec } = await openWithType(w.shmid);
    await run('ipcInspector.startRecording', { panelId: panel.source.id });
    for (let seq = 1; seq <= 2; seq++) await stepSampled(panel, w, 1, seq);
    await w.remove();
    w.child.kill('SIGKILL');
    await waitFor(() => panel.phase === 'gone' && panel.recording!.state === 'ended', 15_000, 'the segment gone and the recording ended');
    const status = panel.recording!.status();
    for (const index of [status.first, status.last]) {
      await seek(panel, rec, index);
      const data = await read(panel, 0, SIZE);
      const seq = Number(Buffer.from(data.bytes).readBigUInt64LE(0));
      assert.strictEqual(fnv1a(data.bytes), w.logged.get(seq), `sample ${index} is state ${seq} as logged, read after the segment went`);
    }
    // Live again: there is nothing to read now, and the page hears that.
    await seek(panel, rec, null);
    const mark = rec.mark();
    await panel.receive({ type: 'read', requestId: 999_999_001, offset: 0, length: SIZE, includeNonResident: false });
    assert.match(rec.errors(mark)[0]?.message ?? '', /was removed/);
  });

  it("an object over the size limit records the bytes selected, or the C type's fields (asked which when both could be); with neither it says what to do", async () => {
    await config().update('recording.sizeLimit', 0.002, vscode.ConfigurationTarget.Global); // 2 KiB: under the 4 KiB segment
    try {
      const w = await writer();
      const panel = await openPanel(api, w.shmid);
      const rec = new Recorder(panel);
      recorders.push(rec);
      await panel.receive({ type: 'ready' });
      const told = await withPrompts(api, async () => {
        await panel.receive({ type: 'record', action: 'start' });
      });
      assert.strictEqual(panel.recording, undefined, 'nothing recorded');
      assert.match(
        told.notificationsOf('warning').join('\n'),
        /over the recording limit of 2\.05 KiB\. Select the bytes to record .* then press Record in the view's toolbar/,
      );

      // Record on the view's toolbar sends the bytes selected.
      await panel.receive({ type: 'record', action: 'start', selection: { offset: 16, length: 64 } });
      const recording = panel.recording!.recording;
      assert.deepStrictEqual(
        recording.regions.map((r) => [r.offset, r.length]),
        [[16, 64]],
      );
      await panel.receive({ type: 'record', action: 'pause' });
      await w.step(3);
      await panel.receive({ type: 'record', action: 'resume' });
      const now = Buffer.from((await read(panel, 16, 64)).bytes);
      await waitFor(() => recording.rebuild(recording.store.lastIndex).equals(now), 10_000, 'the bytes selected as they are now');
      await panel.receive({ type: 'record', action: 'stop' });

      // Compared with a file at a moment of the part: only what was recorded can differ.
      await seek(panel, rec, recording.store.lastIndex);
      const file = path.join(os.tmpdir(), `ipcinsp part snapshot ${process.pid}.bin`);
      files.push(file);
      fs.writeFileSync(file, Buffer.alloc(SIZE, 0xee)); // differs from the object everywhere
      const mark = rec.mark();
      await withPrompts(api, async (p) => {
        p.openWith([vscode.Uri.file(file)]);
        await run('ipcInspector.compareWithSnapshot', { panelId: panel.source.id });
      });
      const compared = (await rec.waitFor((m): m is ComparedMessage => m.type === 'compared', 'the comparison', 5000, mark)).message;
      assert.ok(compared.ranges.length > 0, 'the recorded bytes differ');
      assert.ok(
        compared.ranges.every(([offset, length]) => offset >= 16 && offset + length <= 80),
        `only bytes of the part are marked: ${JSON.stringify(compared.ranges)}`,
      );
      panel.dispose();

      // With a C type shown too, the user is asked which part.
      const typed = await openWithType(w.shmid);
      const size = typed.panel.cType!.layout.size;
      assert.ok(size <= 2097, `struct rec_state (${size} bytes) fits the limit`);
      await withPrompts(api, async (p) => {
        p.pick('The fields of struct rec_state');
        await typed.panel.receive({ type: 'record', action: 'start', selection: { offset: 100, length: 8 } });
      });
      assert.deepStrictEqual(
        typed.panel.recording!.recording.regions.map((r) => [r.offset, r.length]),
        [[0, size]],
      );
      await typed.panel.receive({ type: 'record', action: 'stop' });
    } finally {
      await config().update('recording.sizeLimit', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a segment removed while recorded ends the recording with what was kept, said in the timeline', async () => {
    const w = await writer();
    const { panel, rec } = await openWithType(w.shmid);
    await run('ipcInspector.startRecording', { panelId: panel.source.id });
    for (let seq = 1; seq <= 3; seq++) await stepSampled(panel, w, 1, seq);
    await w.remove();
    const ended = await rec.waitFor((m): m is RecordingStatusMessage => m.type === 'recording' && m.status?.state === 'ended', 'the recording ended', 10_000);
    assert.match(ended.message.status!.endMessage ?? '', /marked for removal; the recording ends with what was kept/);
    assert.ok(ended.message.status!.count >= 4);
    // What was kept is still there to scrub.
    await seek(panel, rec, ended.message.status!.first);
    const data = await read(panel, 0, SIZE);
    assert.strictEqual(fnv1a(data.bytes), w.logged.get(0));
  });
});
