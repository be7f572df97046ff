// The Waits view in the real extension host, as root and (npm test's integration-user stage) as
// nobody: real processes blocked on glibc's locks in anonymous shared memory (test/programs/
// locktool, started by the host's own user, so both see them), each diagnosis as a row in words with
// its severity's colour, Copy as Text for a bug report, the lock's object opened at the lock, and
// what the user could not check counted, never dropped. Each test kills what it started, pass or fail.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { WaitRow } from '../../src/ipc/waits/present';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { repoRoot } from '../support/segments';
import { killSpawned, spawnReady } from '../support/spawned';
import { waitFor } from '../support/waitFor';
import { getApi, labelOf, refreshView, run } from './fixtures';
import { read } from './contentsPanelProbe';

const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');
const isRoot = process.getuid?.() === 0;

describe('the Waits view', function () {
  this.timeout(60_000);
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
    await vscode.commands.executeCommand('ipcInspector.waits.focus'); // visible: its refreshes read waits
  });

  afterEach(async () => {
    for (const panel of api.contentsPanels()) panel.dispose();
    await killSpawned();
  });

  /** Refreshes until the view shows a row that `match` picks. */
  async function rowWhere<T extends WaitRow>(what: string, match: (row: WaitRow) => row is T): Promise<T> {
    return waitFor(
      async () => {
        await refreshView();
        return api.views.waits.getChildren().find(match);
      },
      20_000,
      what,
    );
  }

  const diagnosis =
    (label: string, pid: number) =>
    (row: WaitRow): row is Extract<WaitRow, { kind: 'diagnosis' }> =>
      row.kind === 'diagnosis' && row.label === label && row.description.includes(String(pid));

  it('says the deadlock first, as an error, copies it as text, and opens the lock in its object', async () => {
    const run1 = await spawnReady(locktool, ['anon', 'deadlock']);
    const [, , , a, b] = run1.firstLine.split(' ').map(Number);
    const row = await rowWhere('the deadlock row', diagnosis('Deadlock', a));
    assert.strictEqual(api.views.waits.getChildren()[0], row, 'diagnoses come first');
    assert.match(row.description, new RegExp(`^deadlock: (${a}|${b}) holds anonymous shared memory \\(inode \\d+\\)\\+(8|48) and waits for`));
    const item = api.views.waits.getTreeItem(row);
    assert.deepStrictEqual(
      [(item.iconPath as vscode.ThemeIcon).id, ((item.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id],
      ['error', 'list.errorForeground'],
    );
    assert.strictEqual(item.accessibilityInformation?.label, `Deadlock: ${row.description}`);
    await vscode.env.clipboard.writeText('');
    await run('ipcInspector.copyDiagnosis', row);
    const copied = await vscode.env.clipboard.readText();
    assert.ok(
      copied.startsWith(`- Deadlock: ${row.description}. `) && /same order\.\n+\(IPC Inspector, /.test(copied),
      JSON.stringify([copied, row.description]),
    );
    // The lock a waits for, opened at its offset, when this user may read the object (root: map_files).
    const lock = api.views.waits
      .getChildren()
      .find((r) => r.kind === 'target' && r.lock !== undefined && r.children.some((c) => c.kind === 'thread' && c.node === `t:${a}`));
    assert.ok(lock && lock.kind === 'target' && lock.lock, 'the lock A waits for is a row');
    if (!isRoot) return;
    await run('ipcInspector.openLockContents', lock);
    const panel: ContentsPanel | undefined = api.contentsPanels()[0];
    assert.ok(panel, 'the contents view opened');
    const mutex = await read(panel, Number(lock.lock.offset), 16);
    assert.strictEqual(Buffer.from(mutex.bytes).readInt32LE(8), b, 'the mutex A waits for is held by B: its bytes say so');
    // With the board's C type shown over it, the Waits view names each lock by its field.
    const layout = await api.context.cTypes.layoutOf({ file: path.join(repoRoot, 'test', 'programs', 'board.h'), typeName: 'struct board' });
    await panel.setCType({ layout, placement: { offset: 0, count: 1 } });
    const named = api.views.waits
      .getChildren()
      .filter((r) => r.kind === 'target' && r.lock !== undefined)
      .map((r) => r.label.replace(/^.*\+/, '+'));
    assert.deepStrictEqual(named.sort(), ['+48 (mutex2)', '+8 (mutex1)']);
    await panel.setCType(null);
    assert.ok(
      api.views.waits.getChildren().every((r) => !r.label.includes('(mutex')),
      'without the type, no field names',
    );
  });

  it('says a semaphore nobody is left to post, as a warning', async () => {
    const started = await spawnReady(locktool, ['anon', 'semalone']);
    const b = Number(started.firstLine.split(' ')[4]);
    const row = await rowWhere('the nobody-left-to-post row', diagnosis('Nobody left to post', b));
    assert.match(row.description, /\+88 is at 0, and no process but the one\(s\) waiting on it \(process \d+\) maps/);
    const item = api.views.waits.getTreeItem(row);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(item.tooltip), /Start the producer again/);
  });

  it("counts the threads it could not check (other users' processes), and says so in a row", async function () {
    if (isRoot) this.skip(); // root reads nearly everything; nobody cannot read root's processes
    const note = await rowWhere(
      'the unreadable threads note',
      (r): r is Extract<WaitRow, { kind: 'note' }> => r.kind === 'note' && /could not be checked/.test(r.label),
    );
    const item = api.views.waits.getTreeItem(note);
    assert.match(labelOf(item), /^[1-9]\d* threads? of [1-9]\d* process(es)? could not be checked$/);
    // A screen reader reads the count, not only the tooltip's explanation.
    assert.equal(item.accessibilityInformation?.label, labelOf(item));
  });
});
