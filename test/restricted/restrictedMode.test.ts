// Restricted Mode in the real extension host: workspace trust is on and this folder is not trusted
// (runIntegration.js --untrusted). The views, contents and Clean Up work, because they look at the
// machine; nothing the folder names runs: its settings name a "compiler" that leaves a mark and a
// flag the compiler would refuse, and its compile_commands.json names the same compiler, yet View as
// C Type lays the folder's struct out with the user's own compiler and says why.
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { CLayout } from '../../src/shared/cLayout';
import { createSegment, freshKey, procLine, repoRoot, trackSegment } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { getApi, refreshView, row, run } from '../integration/fixtures';
import { openPanel } from '../integration/contentsPanelProbe';
import { withPrompts } from '../integration/scriptedPrompts';

const ctvalues = path.join(repoRoot, 'native', 'bin', 'ctvalues');

describe('Restricted Mode (workspace trust on, this folder not trusted)', function () {
  this.timeout(60_000);
  let api: IpcInspectorApi;
  let workspace: string;
  const children: ChildProcessWithoutNullStreams[] = [];

  before(async function () {
    api = await getApi();
    workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    assert.ok(workspace, 'the suite runs with a folder open');
  });

  after(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const panel of api.contentsPanels()) panel.dispose();
  });

  it('runs in Restricted Mode, with the extension active', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false);
    assert.ok(vscode.extensions.getExtension('ipc-inspector.ipc-inspector')?.isActive);
  });

  it('lists the objects of the machine and cleans up an orphan', async () => {
    const orphan = createSegment(freshKey(), 4096);
    await refreshView();
    assert.ok(row(api, orphan), 'the orphan has a row');
    await withPrompts(api, async (p) => {
      p.pickMany((q) => q.items.filter((i) => new RegExp(`\\(id ${orphan}\\)|id ${orphan}\\b`).test(`${i.label} ${i.description ?? ''}`))).confirmWith(
        'Remove',
      );
      await run('ipcInspector.cleanUpOrphans');
    });
    assert.strictEqual(procLine(orphan), undefined, 'Clean Up removed it');
  });

  it("lays out the folder's struct with the user's own compiler: the folder's compiler, flags and compile_commands.json never run", async function () {
    if (!fs.existsSync(ctvalues)) this.skip();
    const mark = path.join(workspace, 'the-folders-compiler-ran');
    const compiler = path.join(workspace, 'folder-cc');
    fs.writeFileSync(compiler, `#!/bin/sh\ntouch '${mark}'\nexec cc "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(
      path.join(workspace, 'types.c'),
      '#include <stdint.h>\nstruct from_folder { int8_t i8; uint8_t rest[23]; uint64_t u64; };\nint main(void) { return 0; }\n',
    );
    fs.writeFileSync(
      path.join(workspace, 'compile_commands.json'),
      JSON.stringify([{ directory: workspace, file: 'types.c', command: `${compiler} -fplugin=${workspace}/no-such-plugin.so -c types.c` }]),
    );
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({
        'ipcInspector.cTypes.compiler': compiler,
        'ipcInspector.cTypes.flags': [`-fplugin=${workspace}/no-such-plugin.so`],
        'ipcInspector.orphanGracePeriod': 61, // not restricted: shows when VS Code has read the file
      }),
    );
    // VS Code has read the folder's settings, and keeps the restricted ones from the extension.
    await waitFor(() => vscode.workspace.getConfiguration('ipcInspector').get('orphanGracePeriod') === 61, 20_000, "the folder's settings to be read");
    assert.strictEqual(vscode.workspace.getConfiguration('ipcInspector.cTypes').get('compiler'), '');
    assert.deepStrictEqual(vscode.workspace.getConfiguration('ipcInspector.cTypes').get('flags'), []);

    const child = spawn(ctvalues, ['sysv', `0x${freshKey().toString(16)}`]);
    children.push(child);
    const ready = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout }).once('line', resolve));
    const shmid = trackSegment(Number(ready.split(' ')[1]));
    await openPanel(api, shmid);
    let layout: CLayout | undefined;
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => q.items.find((i) => i.label.endsWith(' struct from_folder')));
      p.pick('At offset 0');
      layout = await run<CLayout>('ipcInspector.viewAsCType');
    });
    assert.strictEqual(layout?.name, 'struct from_folder', JSON.stringify(prompts.notifications));
    assert.strictEqual(layout.size, 32);
    assert.strictEqual(fs.existsSync(mark), false, "the folder's compiler was run");
    const said = prompts.notifications.find((n) => /Restricted Mode/.test(n.message));
    assert.ok(said, `Restricted Mode is explained: ${JSON.stringify(prompts.notifications)}`);
    assert.deepStrictEqual(said.buttons, ['Manage Workspace Trust']);
  });
});
