// View as C Type with types from the programs themselves, in the real extension host: a C++ program
// (test/programs/dwarfvalues.cpp) holds a POSIX object and a Rust one (dwarfvalues.rs) a System V
// segment, each built with -g into a folder outside the workspace. View as C Type on the object
// offers their types, found through the holders' pids and their executables' own DWARF; the picked
// type shows the values the programs wrote, is remembered with its debug file's build-id, and comes
// back when the view is opened again. Bad input: a stripped program and a corrupt file, opened
// through "Open ELF file…", say what is wrong and how to get debug information.
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { CLayout } from '../../src/shared/cLayout';
import type { CTypeMessage, DataMessage } from '../../src/shared/contentsProtocol';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { CPP_EXPECTED, RUST_EXPECTED, shownValues } from '../support/dwarfValues';
import { cleanupPosixObjects, freshName, trackName } from '../support/posixObjects';
import { cleanupAll, freshKey, repoRoot, trackSegment } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { getApi, posixRowOrFail, refreshView, run } from './fixtures';
import { openPanel, Recorder } from './contentsPanelProbe';
import { Question, withPrompts } from './scriptedPrompts';
import { testTemp } from '../support/tempDirs';

type QuickPick = Extract<Question, { kind: 'quickPick' }>;

describe('View as C Type: types from the programs’ own debug information (C++, Rust)', function () {
  this.timeout(240_000);
  const dir = testTemp('ipcinsp-dwarf-ui-');
  const cpp = path.join(dir, 'dwarfvalues-cpp');
  const rust = path.join(dir, 'dwarfvalues-rust');
  let api: IpcInspectorApi;
  let hasRust = false;
  const children: ChildProcessWithoutNullStreams[] = [];
  const recorders: Recorder[] = [];

  before(async () => {
    api = await getApi();
    execFileSync('g++', ['-g', '-O1', '-o', cpp, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.cpp'), '-lrt']);
    hasRust = spawnSync('sh', ['-c', 'command -v rustc'], { stdio: 'ignore' }).status === 0;
    if (hasRust) execFileSync('rustc', ['-g', '-C', 'opt-level=1', '-o', rust, path.join(repoRoot, 'test', 'programs', 'dwarfvalues.rs')]);
  });

  afterEach(async () => {
    for (const rec of recorders.splice(0)) rec.dispose();
    for (const panel of api.contentsPanels()) panel.dispose();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await cleanupAll();
    await cleanupPosixObjects();
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts a program and waits for its "ready ID" line. */
  async function start(program: string, args: string[]): Promise<{ pid: number; id: number }> {
    const child = spawn(program, args);
    children.push(child);
    const lines = readline.createInterface({ input: child.stdout });
    const ready = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`${program} exited (${code})`)));
    });
    return { pid: child.pid!, id: Number(ready.split(' ')[1]) };
  }

  async function openPosix(name: string): Promise<ContentsPanel> {
    await refreshView();
    const node = await waitFor(
      () => {
        try {
          return posixRowOrFail(api, '/' + name);
        } catch {
          return undefined;
        }
      },
      10_000,
      `/${name} to have a row`,
    );
    await run('ipcInspector.openContents', node);
    return waitFor(() => api.contentsPanels().find((p) => p.source.id === `posix:${node.object.key}` && p.panel.visible), 10_000, 'its contents view');
  }

  const ctypes = (rec: Recorder) => rec.posted.map((p) => p.message).filter((m): m is CTypeMessage => m.type === 'ctype');

  /** The values the fields panel shows, from the bytes the panel sends its page. */
  async function panelValues(panel: ContentsPanel, rec: Recorder, layout: CLayout, paths: string[]): Promise<Record<string, string>> {
    const bytes = new Uint8Array(layout.size);
    const known = new Uint8Array(layout.size);
    await panel.receive({ type: 'viewport', window: 'fields', offset: 0, length: layout.size });
    const mark = rec.mark();
    await panel.receive({ type: 'read', requestId: 9101, offset: 0, length: layout.size, includeNonResident: false });
    for (const m of rec.since(mark)) {
      if (m.type !== 'data') continue;
      const data = m as DataMessage;
      for (let i = 0; i < data.bytes.length && data.offset + i < bytes.length; i++) {
        bytes[data.offset + i] = data.bytes[i];
        known[data.offset + i] = 1;
      }
    }
    return shownValues(layout, (o) => (known[o] ? bytes[o] : -1), layout.size, paths);
  }

  /** The pick list's item for `typeName` from `program` run by `pid`, checking how the list presents it. */
  function typeItem(q: QuickPick, typeName: string, program: string, pid: number): vscode.QuickPickItem {
    const item = q.items.find((i) => i.label.endsWith(` ${typeName}`) && (i.description ?? '').includes(path.basename(program)));
    assert.ok(item, `${typeName} from ${program} is offered: ${q.items.map((i) => `${i.label} [${i.description ?? ''}]`).join(', ')}`);
    assert.strictEqual(item.description, `from ${program} (pid ${pid})`);
    const separator = q.items.find((i) => i.kind === vscode.QuickPickItemKind.Separator && i.label === `${program} (pid ${pid})`);
    assert.ok(separator, 'the program has its own section of the list');
    assert.ok(q.items.indexOf(separator) < q.items.indexOf(item));
    assert.ok(
      q.items.some((i) => i.label.includes('Open ELF file')),
      'any ELF file can be opened',
    );
    assert.ok(!q.items.some((i) => i.label.endsWith(' std::atomic<long unsigned int>')), "the toolchain's types are not listed, only the program's own");
    return item;
  }

  async function viewAs(typeName: string, program: string, pid: number): Promise<CLayout | undefined> {
    let layout: CLayout | undefined;
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => typeItem(q, typeName, program, pid));
      p.pick('At offset 0');
      layout = await run<CLayout>('ipcInspector.viewAsCType');
    });
    assert.deepStrictEqual(prompts.notifications, []);
    return layout;
  }

  it('C++: a POSIX object held by the program offers ring::Slot<ring::Msg> from its executable and shows the values it wrote; the choice comes back', async () => {
    const name = trackName(freshName());
    const program = await start(cpp, ['posix', name]);
    const panel = await openPosix(name);
    const rec = new Recorder(panel);
    recorders.push(rec);
    const layout = await viewAs('ring::Slot<ring::Msg>', cpp, program.pid);
    assert.ok(layout, 'the command returns the layout');
    const shown = await waitFor(() => ctypes(rec).find((m) => m.view), 10_000, 'the panel to show the type');
    assert.strictEqual(shown.view!.layout.name, 'ring::Slot<ring::Msg>');
    assert.deepStrictEqual(await panelValues(panel, rec, layout!, Object.keys(CPP_EXPECTED)), CPP_EXPECTED);

    const remembered = api.context.cTypes.remembered(panel.source.memoryKey);
    const buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', cpp], { encoding: 'utf8' }))![1];
    assert.deepStrictEqual(remembered?.debug, { elf: cpp, path: cpp, buildId }, 'remembered by the debug file path and build-id');

    panel.dispose();
    const again = await openPosix(name);
    const restored = await waitFor(() => again.cType, 15_000, 'the remembered type to be shown again');
    assert.strictEqual(restored.layout.name, 'ring::Slot<ring::Msg>');
    assert.deepStrictEqual(restored.layout, layout, 'the same layout, read again from the program');
  });

  it('Rust: a System V segment held by the program offers dwarfvalues::shm::Frame and shows the values it wrote', async function () {
    if (!hasRust) this.skip();
    const program = await start(rust, ['sysv', `0x${freshKey().toString(16)}`]);
    const shmid = trackSegment(program.id);
    const panel = await openPanel(api, shmid);
    const rec = new Recorder(panel);
    recorders.push(rec);
    const layout = await viewAs('dwarfvalues::shm::Frame', rust, program.pid);
    await waitFor(() => ctypes(rec).find((m) => m.view), 10_000, 'the panel to show the type');
    assert.deepStrictEqual(await panelValues(panel, rec, layout!, Object.keys(RUST_EXPECTED)), RUST_EXPECTED);
  });

  it('a program without debug information is said in the list, with how to get it; a library is read from its separate debug file when chosen', async () => {
    const stripped = path.join(dir, 'dwarfvalues-stripped');
    execFileSync('objcopy', ['--strip-debug', cpp, stripped]);
    const program = await start(stripped, ['sysv', `0x${freshKey().toString(16)}`]);
    const shmid = trackSegment(program.id);
    const panel = await openPanel(api, shmid);
    let libc: vscode.QuickPickItem | undefined;
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => {
        const warning = q.items.find((i) => i.label.includes(`${stripped} has no debug information`));
        assert.ok(warning, q.items.map((i) => i.label).join(', '));
        assert.match(warning.detail ?? '', /no debug information.*(-dbgsym|-g)/);
        libc = q.items.find((i) => /Types of libc\.so\.6/.test(i.label));
        return warning;
      });
      assert.strictEqual(await run('ipcInspector.viewAsCType'), undefined);
    });
    assert.strictEqual(prompts.notifications.length, 1);
    assert.match(prompts.notifications[0].message, /has no debug information.*rebuild it with -g/);
    if (!libc) return; // no separate debug file of libc here (libc6-dbg)
    let layout: CLayout | undefined;
    await withPrompts(api, async (p) => {
      p.pick((q) => q.items.find((i) => i.label === libc!.label));
      p.pick((q) => {
        assert.match(q.options.title ?? '', /types of .*libc\.so\.6/);
        const file = q.items.find((i) => i.label.endsWith(' struct _IO_FILE'));
        assert.ok(
          file,
          q.items
            .slice(0, 30)
            .map((i) => i.label)
            .join(', '),
        );
        return file;
      });
      p.pick('At offset 0');
      layout = await run<CLayout>('ipcInspector.viewAsCType');
    });
    assert.ok(layout, 'struct _IO_FILE laid out from libc');
    const shown = await waitFor(() => panel.cType, 10_000, 'the panel to show libc’s struct');
    assert.strictEqual(shown.layout.name, 'struct _IO_FILE');
    assert.ok(shown.layout.root.members?.some((m) => m.name === '_flags'));
  });

  it('Open ELF file…: a stripped program and a corrupt file say what is wrong and how to get debug information', async () => {
    const program = await start(cpp, ['sysv', `0x${freshKey().toString(16)}`]);
    const shmid = trackSegment(program.id);
    await openPanel(api, shmid);
    const stripped = path.join(dir, 'stripped');
    execFileSync('objcopy', ['--strip-debug', cpp, stripped]);
    const corrupt = path.join(dir, 'corrupt');
    const bytes = fs.readFileSync(cpp);
    bytes.fill(0xff, 0x28, 0x40); // the section header table's place and sizes: nonsense
    fs.writeFileSync(corrupt, bytes);
    for (const [file, expected] of [
      [stripped, /No types from .*stripped: .*has no debug information.*(rebuild it with -g|-dbgsym)/],
      [corrupt, /No types from .*corrupt: /],
    ] as const) {
      const prompts = await withPrompts(api, async (p) => {
        p.pick((q) => q.items.find((i) => i.label.includes('Open ELF file')));
        p.openWith([vscode.Uri.file(file)]);
        assert.strictEqual(await run('ipcInspector.viewAsCType'), undefined);
      });
      assert.strictEqual(prompts.notifications.length, 1, JSON.stringify(prompts.notifications));
      assert.strictEqual(prompts.notifications[0].kind, 'error');
      assert.match(prompts.notifications[0].message, expected);
    }
  });
});
