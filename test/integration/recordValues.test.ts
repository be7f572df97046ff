// Record Values Over Time in the real extension host: a semaphore set made by util-linux's ipcmk and
// changed by semop (test/programs/ipctool.c), and a queue filled by msgsnd, recorded from their rows;
// the view's statistics and plot data say the values they went through; Stop ends it; Save
// Recording… and Open Recording… give the same numbers back in a view of their own; the set
// removed while recorded ends the recording with what was kept.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { PlotDataMessage, RecordingStatusMessage, ToWebview } from '../../src/shared/contentsProtocol';
import type { SeriesPanel } from '../../src/views/seriesPanel';
import { cleanupSemMsg, haveSysvIpc, ipcmkMsg, ipcmkSem, ipctool, requireIpctool } from '../support/semMsg';
import { waitFor } from '../support/waitFor';
import { getApi, queueRow, refreshView, run, semRow } from './fixtures';
import { withPrompts } from './scriptedPrompts';

describe('Record Values Over Time (real host, ipcmk, semop, msgsnd)', function () {
  this.timeout(60_000);
  let api: IpcInspectorApi;
  const panels: SeriesPanel[] = [];
  const files: string[] = [];
  const config = () => vscode.workspace.getConfiguration('ipcInspector');

  before(async function () {
    api = await getApi();
    if (!haveSysvIpc()) this.skip();
    requireIpctool();
    await config().update('recording.sampleRate', 50, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('recording.sampleRate', undefined, vscode.ConfigurationTarget.Global);
  });

  afterEach(async () => {
    for (const panel of panels.splice(0)) panel.dispose();
    for (const file of files.splice(0)) fs.rmSync(file, { force: true });
    await cleanupSemMsg();
  });

  /** Every message the view posts from now on. */
  function watch(panel: SeriesPanel): ToWebview[] {
    const posted: ToWebview[] = [];
    panel.onDidPost((m) => posted.push(m));
    return posted;
  }

  const last = (panel: SeriesPanel, column: string) => {
    const r = panel.recording;
    return r.row(r.firstIndex + r.count - 1)[r.columns.indexOf(column)];
  };

  it("records a set's values as semop changes them; Stop; the statistics and the plot say what they went through; Save and Open give them back", async () => {
    const semid = ipcmkSem(2);
    await refreshView();
    const panel = await run<SeriesPanel>('ipcInspector.recordValues', semRow(api, semid));
    assert.ok(panel, 'a view records the set');
    panels.push(panel);
    const posted = watch(panel);
    assert.deepStrictEqual(panel.recording.columns, ['sem[0].value', 'sem[0].ncnt', 'sem[0].zcnt', 'sem[1].value', 'sem[1].ncnt', 'sem[1].zcnt']);
    for (const value of [1, 2, 3]) {
      ipctool(['semop', String(semid), '0', '1']);
      await waitFor(() => last(panel, 'sem[0].value') === value, 10_000, `a sample with sem 0 = ${value}`);
    }
    ipctool(['semop', String(semid), '1', '5']);
    await waitFor(() => last(panel, 'sem[1].value') === 5, 10_000, 'a sample with sem 1 = 5');
    await panel.receive({ type: 'record', action: 'stop' });
    assert.strictEqual(panel.state, 'ended');

    await panel.receive({ type: 'ready' });
    await waitFor(() => posted.find((m): m is RecordingStatusMessage => m.type === 'recording' && m.status?.state === 'ended'), 5000, 'the ended status');
    const status = posted.filter((m): m is RecordingStatusMessage => m.type === 'recording').pop()!.status!;
    const stats = (p: string) => status.fields.find((f) => f.path === p)!;
    assert.deepStrictEqual([stats('sem[0].value').changes, stats('sem[0].value').min, stats('sem[0].value').max], [3, '0', '3']);
    assert.deepStrictEqual([stats('sem[1].value').changes, stats('sem[1].value').last], [1, '5']);
    assert.strictEqual(stats('sem[0].ncnt').changes, 0, 'nobody waited');

    await panel.receive({ type: 'plot', paths: ['sem[0].value'] });
    const plot = await waitFor(() => posted.find((m): m is PlotDataMessage => m.type === 'plotData'), 5000, 'the plot data');
    const values = Array.from(plot.columns[0]);
    assert.strictEqual(values.length, status.count);
    assert.deepStrictEqual([...new Set(values)], [0, 1, 2, 3], 'the values in the order they were');

    const file = path.join(os.tmpdir(), `ipcinsp values ${process.pid}.ipcrec`);
    files.push(file);
    await withPrompts(api, async (p) => {
      p.saveWith(vscode.Uri.file(file));
      await panel.receive({ type: 'record', action: 'save' });
      await p.waitForNotification('info', /^Saved \d+ samples/);
    });
    const opened = (await run<SeriesPanel>('ipcInspector.openRecording', vscode.Uri.file(file)))!;
    panels.push(opened);
    assert.strictEqual(opened.status().fromFile, true);
    assert.strictEqual(opened.recording.count, panel.recording.count);
    assert.deepStrictEqual(Array.from(opened.recording.series().columns[0]), Array.from(panel.recording.series().columns[0]));
  });

  it("records a queue's depth as messages arrive, and a set removed while recorded ends the recording", async () => {
    const msqid = ipcmkMsg();
    await refreshView();
    const queue = await run<SeriesPanel>('ipcInspector.recordValues', queueRow(api, msqid));
    panels.push(queue);
    assert.deepStrictEqual(queue.recording.columns, ['messages', 'bytes']);
    for (let n = 1; n <= 3; n++) {
      ipctool(['msgsend', String(msqid), '1', `message ${n}`]);
      await waitFor(() => last(queue, 'messages') === n, 10_000, `a sample with ${n} messages`);
    }
    assert.strictEqual(last(queue, 'bytes'), 27, 'three 9-byte messages');

    const semid = ipcmkSem(1);
    await refreshView();
    const set = await run<SeriesPanel>('ipcInspector.recordValues', semRow(api, semid));
    panels.push(set);
    const kept = set.recording.count;
    execFileSync('ipcrm', ['-s', String(semid)]);
    await waitFor(() => set.state === 'ended', 10_000, 'the recording ended');
    assert.match(set.status().endMessage ?? '', /The set was removed; the recording ends with what was kept/);
    assert.ok(set.recording.count >= kept, 'what was kept stays');
  });
});
