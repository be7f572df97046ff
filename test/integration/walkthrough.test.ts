// The Get Started walkthrough in the real extension host: its five steps are declared with the
// events that complete them, and each completes on the real action done the way a user does it:
// the demo started (its programs build and run in a terminal, their segments appear), a segment's
// contents opened, viewed as `struct sensor_table` from the demo's sensors.c, the demo's leaked segment
// cleaned up. The demo is stopped and its leaks removed afterwards, pass or fail.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { CLayout } from '../../src/shared/cLayout';
import { waitFor } from '../support/waitFor';
import { getApi, hexKey, run } from './fixtures';
import { openPanel } from './contentsPanelProbe';
import { withPrompts } from './scriptedPrompts';

const SENSORS_KEY = 0x5e450001;
const LEAK_KEY = 0x1eaced00;

describe('the Get Started walkthrough', function () {
  this.timeout(180_000);
  let api: IpcInspectorApi;
  let terminal: vscode.Terminal | undefined;

  before(async function () {
    if (spawnSync('cc', ['--version'], { stdio: 'ignore' }).status !== 0) this.skip(); // the demo is built from C
    api = await getApi();
  });

  after(async () => {
    for (const panel of api?.contentsPanels() ?? []) panel.dispose();
    terminal?.dispose();
    const demo = path.join(api?.context.storagePath ?? '', 'demo', 'run.js');
    // Stops a runner still going and removes every demo object, the leaks included.
    if (fs.existsSync(demo)) {
      execFileSync(process.execPath, [demo, '--cleanup'], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore', timeout: 60_000 });
    }
  });

  const WALKTHROUGH_IN_FRONT = 'activeEditor == gettingStartedPage';

  it('declares five steps, each completed by the event of its own action', () => {
    const manifest = vscode.extensions.all.find((e) => e.packageJSON?.name === 'ipc-inspector')!.packageJSON;
    const [walkthrough] = manifest.contributes.walkthroughs as Array<{
      id: string;
      steps: Array<{ id: string; completionEvents: string[]; description: string }>;
    }>;
    assert.deepStrictEqual(
      walkthrough.steps.map((s) => [s.id, s.completionEvents]),
      // Each context key only together with the walkthrough in front: VS Code creates its
      // walkthrough service when first used, and a key already true then never completes a step.
      [
        ['openView', ['onView:ipcInspector.sharedMemory', `onContext:ipcInspector.walkthrough.viewOpened && ${WALKTHROUGH_IN_FRONT}`]],
        ['startDemo', [`onContext:ipcInspector.walkthrough.demoStarted && ${WALKTHROUGH_IN_FRONT}`]],
        ['openContents', [`onContext:ipcInspector.walkthrough.contentsOpened && ${WALKTHROUGH_IN_FRONT}`]],
        ['viewAsCType', [`onContext:ipcInspector.walkthrough.cTypeShown && ${WALKTHROUGH_IN_FRONT}`]],
        ['cleanUp', [`onContext:ipcInspector.walkthrough.cleanedUp && ${WALKTHROUGH_IN_FRONT}`]],
      ],
    );
    const commands = new Set((manifest.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    for (const step of walkthrough.steps) {
      for (const link of step.description.matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok(commands.has(link[1]) || link[1].endsWith('.focus'), `${step.id} links to ${link[1]}, a command of ours`);
      }
    }
  });

  it('completes each step on the real action: the demo runs, contents open, a C type shows, a leak goes', async () => {
    api.walkthrough.reset();
    terminal = await run<vscode.Terminal>('ipcInspector.startDemo');
    assert.ok(terminal, 'the demo runs in a terminal');
    assert.deepStrictEqual(api.walkthrough.completed(), ['demoStarted']);
    // Built and started: the sensors segment is attached by its program, the leak left behind.
    const sensors = await waitFor(
      async () => {
        const snapshot = await api.context.refresh(true);
        const found = snapshot?.segments.find((s) => s.segment.key === SENSORS_KEY && s.segment.nattch > 0);
        return found && snapshot?.segments.some((s) => s.segment.key === LEAK_KEY && s.classification.state === 'orphaned') ? found : undefined;
      },
      120_000,
      "the demo's segments",
    );

    await openPanel(api, sensors.segment.shmid);
    assert.ok(api.walkthrough.completed().includes('contentsOpened'));

    let layout: CLayout | undefined;
    await withPrompts(api, async (p) => {
      p.pick((q) => {
        const item = q.items.find((i) => i.label.endsWith(' struct sensor_table') && /sensors\.c:\d+$/.test(i.description ?? ''));
        assert.ok(item, `struct sensor_table of the demo's sensors.c is offered: ${q.items.map((i) => `${i.label} ${i.description ?? ''}`).join(', ')}`);
        return item;
      });
      p.pick('At offset 0');
      layout = await run<CLayout>('ipcInspector.viewAsCType');
    });
    assert.strictEqual(layout?.name, 'struct sensor_table');
    assert.ok(api.walkthrough.completed().includes('cTypeShown'));

    await withPrompts(api, async (p) => {
      // Only the demo's leak: other orphans on this machine are not this test's to remove.
      p.pickMany((q) => q.items.filter((i) => i.label.includes(hexKey(LEAK_KEY)))).confirmWith('Remove');
      const result = await run<{ removed: unknown[] }>('ipcInspector.cleanUpOrphans');
      assert.strictEqual(result?.removed.length, 1);
    });
    assert.ok(api.walkthrough.completed().includes('cleanedUp'));
  });
});
