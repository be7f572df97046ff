// View as C Type… in the real extension host: a user's program (test/programs/ctvalues.c) writes
// known values into a real segment, the user picks `struct known` from a header of the workspace,
// and the panel shows it; the choice survives closing the view; a compile error lands in Problems.
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { CField, CLayout } from '../../src/shared/cLayout';
import { valueOf } from '../../src/shared/cValues';
import type { CTypeMessage, DataMessage } from '../../src/shared/contentsProtocol';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { freshKey, repoRoot, trackSegment } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { getApi, refreshView, run } from './fixtures';
import { openPanel, Recorder } from './contentsPanelProbe';
import { withPrompts } from './scriptedPrompts';

const ctvalues = path.join(repoRoot, 'native', 'bin', 'ctvalues');

describe('View as C Type (real compiler, real segment)', function () {
  this.timeout(60_000);
  let api: IpcInspectorApi;
  let workspace: string;
  const children: ChildProcessWithoutNullStreams[] = [];
  const recorders: Recorder[] = [];
  const written: string[] = [];

  before(async function () {
    api = await getApi();
    workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    if (!workspace || !fs.existsSync(ctvalues)) this.skip();
  });

  afterEach(async () => {
    for (const rec of recorders.splice(0)) rec.dispose();
    for (const panel of api.contentsPanels()) panel.dispose();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const file of written.splice(0)) fs.rmSync(file, { force: true });
    api.context.cTypes.diagnostics.clear();
  });

  /** A file in the workspace (removed after the test). */
  function write(name: string, text: string): string {
    const file = path.join(workspace, name);
    fs.writeFileSync(file, text);
    written.push(file);
    return file;
  }

  /** Starts ctvalues on a fresh key; resolves with its segment and a way to make it change a value. */
  async function program(): Promise<{ shmid: number; bump: () => Promise<void> }> {
    const child = spawn(ctvalues, ['sysv', `0x${freshKey().toString(16)}`]);
    children.push(child);
    const lines = readline.createInterface({ input: child.stdout });
    const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
    const ready = await next();
    const shmid = trackSegment(Number(ready.split(' ')[1]));
    return {
      shmid,
      bump: async () => {
        const bumped = next();
        child.stdin.write('bump\n');
        await bumped;
      },
    };
  }

  async function open(shmid: number): Promise<{ panel: ContentsPanel; rec: Recorder }> {
    const panel = await openPanel(api, shmid);
    const rec = new Recorder(panel);
    recorders.push(rec);
    return { panel, rec };
  }

  const ctypes = (rec: Recorder) => rec.posted.map((p) => p.message).filter((m): m is CTypeMessage => m.type === 'ctype');

  function member(layout: CLayout, name: string): CField {
    const found = layout.root.members?.find((m) => m.name === name);
    assert.ok(found, `no member ${name}`);
    return found;
  }

  it('shows struct known from a workspace header over a live segment, follows a change, and remembers the choice', async () => {
    write('ctvalues.h', fs.readFileSync(path.join(repoRoot, 'test', 'programs', 'ctvalues.h'), 'utf8'));
    const { shmid, bump } = await program();
    const { panel, rec } = await open(shmid);

    let layout: CLayout | undefined;
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => {
        const item = q.items.find((i) => i.label.endsWith(' struct known'));
        assert.ok(item, `struct known is offered: ${q.items.map((i) => `${i.label} ${i.description ?? ''}`).join(', ')}`);
        assert.match(item.description ?? '', /^ctvalues\.h:\d+$/);
        return item;
      });
      p.pick('At offset 0');
      layout = await run<CLayout>('ipcInspector.viewAsCType');
    });
    assert.ok(layout, 'the command returns the layout');
    assert.strictEqual(prompts.notifications.length, 0, JSON.stringify(prompts.notifications));
    const shown = await waitFor(() => ctypes(rec).find((m) => m.view), 10_000, 'the panel to show the type');
    assert.strictEqual(shown.view!.layout.name, 'struct known');
    assert.deepStrictEqual(shown.view!.placement, { offset: 0, count: 1 });

    // The page asks for the fields' bytes; values decoded from what the panel sends are the program's.
    const counter = member(layout!, 'counter');
    await panel.receive({ type: 'viewport', window: 'fields', offset: 0, length: layout!.size });
    const bytes = new Uint8Array(layout!.size).fill(0);
    const known = new Uint8Array(layout!.size);
    const take = (m: DataMessage) => {
      for (let i = 0; i < m.bytes.length && m.offset + i < bytes.length; i++) {
        bytes[m.offset + i] = m.bytes[i];
        known[m.offset + i] = 1;
      }
    };
    await panel.receive({ type: 'read', requestId: 9001, offset: 0, length: layout!.size, includeNonResident: false });
    for (const p of rec.posted) if (p.message.type === 'data') take(p.message);
    const text = (name: string) => valueOf(layout!, member(layout!, name), 0, (o) => (known[o] ? bytes[o] : -1), bytes.length).text;
    assert.strictEqual(text('name'), '"sensor-7"');
    assert.strictEqual(text('mode'), 'MODE_FAULT (-1)');
    assert.strictEqual(text('level'), '-9');
    assert.strictEqual(text('counter'), '41');
    const mark = rec.mark();
    await bump();
    await waitFor(
      () => {
        for (const m of rec.since(mark)) if (m.type === 'data' && m.requestId === 0) take(m);
        return text('counter') === '42';
      },
      10_000,
      `the live refresh of the fields' bytes to show counter 42 (at ${counter.offset})`,
    );

    // Closed and opened again: the remembered type is shown without asking.
    panel.dispose();
    const again = await open(shmid);
    const restored = await waitFor(() => ctypes(again.rec).find((m) => m.view), 15_000, 'the remembered type to be shown again');
    assert.strictEqual(restored.view!.layout.name, 'struct known');

    // Cleared: the panel shows none, and the next opening asks nothing and shows none.
    await run('ipcInspector.clearCType', { panelId: again.panel.source.id });
    assert.strictEqual(ctypes(again.rec).at(-1)?.view, null);
    assert.strictEqual(api.context.cTypes.remembered(again.panel.source.memoryKey), undefined);
  });

  it("shows a compile error in Problems at the line of the user's file, and says so", async () => {
    const file = write('broken.h', '#include <stdint.h>\nstruct fine { int a; };\n\nstruct broken {\n  uint32_t a;\n  no_such_type b;\n};\n');
    const { shmid } = await program();
    await open(shmid);
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => q.items.find((i) => i.label.endsWith(' struct broken')));
      p.pick('At offset 0');
      await run('ipcInspector.viewAsCType');
    });
    const error = prompts.notifications.find((n) => n.kind === 'error');
    assert.ok(error, 'an error is shown');
    assert.match(error.message, /struct broken could not be laid out: the compiler said broken\.h:6: .*no_such_type/);
    assert.deepStrictEqual(error.buttons, ['Show Problems', 'Show Log']);
    const diagnostics = await waitFor(
      () => {
        const found = vscode.languages.getDiagnostics(vscode.Uri.file(file));
        return found.length > 0 ? found : undefined;
      },
      5000,
      'a diagnostic on broken.h',
    );
    assert.strictEqual(diagnostics[0].range.start.line, 5);
    assert.match(diagnostics[0].message, /no_such_type/);
  });

  it('lays out a declaration typed in, as an array of as many as fit', async () => {
    const { shmid } = await program();
    const { panel, rec } = await open(shmid);
    await withPrompts(api, async (p) => {
      p.pick((q) => q.items.find((i) => i.label.includes('Type or paste')));
      p.input('struct pair { int32_t first; int8_t second; };');
      p.pick('As an array…');
      p.input('0x8');
      p.input('');
      await run('ipcInspector.viewAsCType');
    });
    const shown = await waitFor(() => ctypes(rec).find((m) => m.view), 10_000, 'the typed type to be shown');
    assert.strictEqual(shown.view!.layout.name, 'struct pair');
    assert.strictEqual(shown.view!.layout.size, 8);
    assert.deepStrictEqual(shown.view!.placement, { offset: 8, count: -1 });
    assert.ok(panel.cType, 'the panel keeps it');
    // The compiler read it from a file in the extension's own storage, where a killed window leaves
    // it to be reused, not from a folder of its own in /tmp that nothing would ever remove.
    const declarations = path.join(api.context.storagePath, 'declarations');
    const typedIn = fs.readdirSync(declarations).filter((name) => fs.readFileSync(path.join(declarations, name), 'utf8').includes('struct pair {'));
    assert.strictEqual(typedIn.length, 1, `one file in ${declarations} holds the declaration`);
    assert.strictEqual(fs.statSync(declarations).mode & 0o777, 0o700, 'only its owner may open the folder');
    await refreshView();
  });
});
