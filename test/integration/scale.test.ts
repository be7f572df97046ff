// 4,000 segments (the default shmmni is 4,096): the view still lists them all, fast.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import { createManySegments, manySegmentIds, removeManySegments } from '../support/manySegments';
import { getApi, groupRows, procAll, tree } from './fixtures';

const TARGET = 4000;

describe('4,000 segments', function () {
  this.timeout(60_000);
  let api: IpcInspectorApi;
  let ours: number[] = [];

  before(async function () {
    api = await getApi();
    const shmmni = Number(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8'));
    const existing = procAll().length;
    const want = Math.max(0, TARGET - existing);
    assert.ok(existing + want <= shmmni - 16, `shmmni is ${shmmni} and ${existing} segments exist: no room for ${TARGET}`);
    ours = await createManySegments(want);
  });

  // Removed before any other test counts things (the root hook would do it too, at the very end).
  after(async () => {
    await removeManySegments();
  });

  // How fast is bench/'s business (against ipcs in the same run): a timed assertion fails on a busy machine.
  it('a forced refresh lists every segment', async () => {
    await vscode.commands.executeCommand('ipcInspector.refresh');
    const rows = groupRows(api, 'sysvShm');
    assert.ok(rows.length >= TARGET, `${rows.length} rows`);
    const listed = new Set(rows.map((n) => n.kind === 'object' && n.object.kind === 'sysvShm' && n.object.segment.shmid));
    assert.deepStrictEqual(
      ours.filter((id) => !listed.has(id)),
      [],
      'segments missing from the view',
    );
  });

  it('every row renders (tree item), each with its own id', async () => {
    const rows = groupRows(api, 'sysvShm');
    const items = rows.map((node) => tree(api).getTreeItem(node));
    assert.strictEqual(new Set(items.map((i) => i.id)).size, rows.length, 'row ids are unique');
  });

  it('after they are removed, the view lists none of them', async () => {
    await removeManySegments();
    assert.deepStrictEqual(manySegmentIds(), []);
    const left = new Set(procAll().map((s) => s.shmid));
    assert.deepStrictEqual(
      ours.filter((id) => left.has(id)),
      [],
      'segments left in /proc',
    );
    await vscode.commands.executeCommand('ipcInspector.refresh');
    const listed = new Set(groupRows(api, 'sysvShm').map((n) => n.kind === 'object' && n.object.kind === 'sysvShm' && n.object.segment.shmid));
    assert.deepStrictEqual(
      ours.filter((id) => listed.has(id)),
      [],
    );
  });
});
