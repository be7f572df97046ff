// The Shared Memory view as the tree data provider hands it to VS Code, for real segments in each
// state, made by separate processes the way users' programs make them.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import { createSegment, freshKey, holdSegment, ownSegment } from '../support/segments';
import {
  descriptionOf,
  getApi,
  hexKey,
  iconOf,
  item,
  labelOf,
  me,
  proc,
  procOrFail,
  refreshView,
  row as segmentRow,
  rowOrFail,
  SHM_DEST,
  tooltipOf,
  tree,
  childPids,
} from './fixtures';

const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());

function flags(treeItem: vscode.TreeItem): string[] {
  return (treeItem.contextValue ?? '').split(';');
}

function parts(treeItem: vscode.TreeItem): string[] {
  return descriptionOf(treeItem).split(' · ');
}

function a11y(treeItem: vscode.TreeItem): string {
  return treeItem.accessibilityInformation?.label ?? '';
}

describe('Shared Memory view: rows', function () {
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
  });

  it('shows an orphaned segment (creator exited, nobody attached) with key, id, size, owner and a warning', async () => {
    const key = freshKey();
    const id = createSegment(key, 8192, 0o640);
    const { cpid } = procOrFail(id);
    await refreshView();
    const node = rowOrFail(api, id);
    const row = item(api, node);

    assert.strictEqual(labelOf(row), `${hexKey(key)} · ${id}`);
    assert.deepStrictEqual(parts(row), ['orphaned', '8 KiB', 'not attached', me]);
    assert.deepStrictEqual(iconOf(row), { id: 'warning', color: 'list.warningForeground' });
    assert.strictEqual(row.collapsibleState, vscode.TreeItemCollapsibleState.None);
    assert.deepStrictEqual(tree(api).children(node), []);
    const tooltip = tooltipOf(row);
    assert.match(tooltip, new RegExp(`Shared memory segment ${hexKey(key)}`));
    assert.match(tooltip, /orphaned/);
    assert.match(tooltip, new RegExp(`creator pid ${cpid}\\b.*exited`));
    assert.match(tooltip, /rw-r-----/);
    assert.match(tooltip, /8,192 bytes/);
    assert.match(a11y(row), new RegExp(`key ${hexKey(key)}, id ${id}`));
    assert.match(a11y(row), /state: orphaned/);
    const f = flags(row);
    for (const flag of ['segment', 'state=orphaned', 'live', 'mine']) assert.ok(f.includes(flag), `${row.contextValue} lacks ${flag}`);
    for (const flag of ['held', 'dest', 'locked']) assert.ok(!f.includes(flag), `${row.contextValue} has ${flag}`);
    assert.strictEqual(row.id, `shm:${id}`);
  });

  it('shows a segment attached read-write by its creator and read-only by another process, with one child per process', async () => {
    const key = freshKey();
    const owner = await ownSegment(key, 12345, 0o600);
    const reader = await holdSegment(owner.shmid, 'ro');
    assert.strictEqual(procOrFail(owner.shmid).nattch, 2);
    await refreshView();
    const node = rowOrFail(api, owner.shmid);
    const row = item(api, node);

    assert.strictEqual(labelOf(row), `${hexKey(key)} · ${owner.shmid}`);
    assert.deepStrictEqual(parts(row), ['12.1 KiB', '2 attached', me]);
    assert.deepStrictEqual(iconOf(row), { id: 'pass-filled', color: 'charts.green' });
    assert.strictEqual(row.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.match(a11y(row), /state: attached/);
    assert.match(a11y(row), /2 processes attached/);
    // The creator's command line as the scan read its head (in a clone at a long path the head ends
    // before "shmtool own"): what is shown is where the real one starts.
    const creator = new RegExp(`Creator \\| ${me} \\(uid \\d+\\), pid ${owner.pid} \\(\`([^\`]*)\``).exec(tooltipOf(row));
    assert.ok(creator, tooltipOf(row));
    // (arguments with white space, such as a clone's path, are shown in single quotes)
    const realCommand = fs
      .readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8')
      .replace(/\0+$/, '')
      .split('\0')
      .map((arg) => (/\s/.test(arg) ? `'${arg}'` : arg))
      .join(' ');
    assert.ok(creator[1].length > 0 && realCommand.startsWith(creator[1]), `${creator[1]} begins ${realCommand}`);
    assert.ok(flags(row).includes('state=attached'));

    const children = tree(api).children(node);
    assert.deepStrictEqual(
      childPids(api, node),
      [owner.pid, reader.pid].sort((a, b) => a - b),
    );
    const mapped = Math.ceil(12345 / PAGE) * PAGE;
    for (const [holder, access, command] of [
      [owner, 'read-write', 'shmtool'],
      [reader, 'read-only', 'shmtool'],
    ] as const) {
      const child = children.find((c) => c.kind === 'child' && c.row.pid === holder.pid)!;
      const childItem = item(api, child);
      assert.ok(labelOf(childItem).startsWith(`${holder.pid} `), labelOf(childItem));
      assert.match(labelOf(childItem), new RegExp(command));
      const [accessText, range] = descriptionOf(childItem).split(' · ');
      assert.strictEqual(accessText, access);
      const [start, end] = range.split('-').map((hex) => BigInt('0x' + hex));
      assert.strictEqual(start, BigInt(holder.address), `${holder.pid} attached at ${holder.address}, row says ${range}`);
      assert.strictEqual(end - start, BigInt(mapped));
      assert.match(tooltipOf(childItem), new RegExp(`${access} at`));
    }
  });

  it('labels an IPC_PRIVATE segment "private"', async () => {
    const id = createSegment('private', 4096);
    await refreshView();
    const row = item(api, rowOrFail(api, id));
    assert.strictEqual(labelOf(row), `private · ${id}`);
    assert.match(tooltipOf(row), /0x00000000 \(IPC_PRIVATE\)/);
    assert.match(a11y(row), new RegExp(`private key, id ${id}`));
  });

  it('shows a segment removed while attached with its original key, "(removed)", a trash icon and no remove action', async () => {
    const key = freshKey();
    const id = createSegment(key, 4096, 0o600);
    const holder = await holdSegment(id, 'rw');
    execFileSync('ipcrm', ['-m', String(id)]);
    const line = procOrFail(id);
    assert.strictEqual(line.key, 0, 'the kernel resets the key of a removed segment');
    assert.ok(line.perms & SHM_DEST);
    await refreshView();
    const node = rowOrFail(api, id);
    const row = item(api, node);

    assert.strictEqual(labelOf(row), `${hexKey(key)} (removed) · ${id}`);
    assert.deepStrictEqual(parts(row), ['removed', '4 KiB', '1 attached', me]);
    assert.deepStrictEqual(iconOf(row), { id: 'trash', color: 'list.errorForeground' });
    assert.match(a11y(row), /state: removed, still attached/);
    assert.match(tooltipOf(row), /stays until the last detach/);
    const f = flags(row);
    assert.ok(f.includes('dest') && f.includes('state=removed-attached'), row.contextValue);
    assert.ok(!f.includes('live'), `${row.contextValue}: a removed segment cannot be attached by this window`);
    assert.deepStrictEqual(childPids(api, node), [holder.pid]);

    // The last detach destroys it; the row goes with it.
    await holder.stop();
    assert.strictEqual(proc(id), undefined);
    await refreshView();
    assert.strictEqual(segmentRow(api, id), undefined);
  });

  it('shows a segment whose creator still runs, detached, as "not attached" rather than orphaned', async () => {
    const key = freshKey();
    const owner = await ownSegment(key, 4096, 0o600);
    assert.strictEqual(await owner.command('detach'), 'ok');
    assert.strictEqual(procOrFail(owner.shmid).nattch, 0);
    await refreshView();
    const row = item(api, rowOrFail(api, owner.shmid));
    assert.deepStrictEqual(parts(row), ['4 KiB', 'not attached', me]);
    assert.strictEqual(iconOf(row).id, 'circle-large-outline');
    assert.match(a11y(row), /state: not attached/);
    assert.match(tooltipOf(row), new RegExp(`creator pid ${owner.pid} \\([^)]*shmtool'? own[^)]*\\) is running`));
    assert.ok(flags(row).includes('state=unattached'), row.contextValue);
  });

  it("shows the kernel's segment limit on the System V group, apart from the POSIX group", async () => {
    createSegment('private', 4096);
    await refreshView();
    const shmmni = fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim();
    const groups = tree(api).children();
    assert.deepStrictEqual(
      groups.slice(0, 2).map((g) => labelOf(item(api, g))),
      ['System V segments', 'POSIX objects (/dev/shm)'],
    );
    const sysv = item(api, groups[0]);
    assert.match(descriptionOf(sysv), new RegExp(`^\\d+/${shmmni} segments · `));
    assert.strictEqual(sysv.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    assert.match(descriptionOf(item(api, groups[1])), /^\d+ objects? · .* of .* used \(\d+%\)/);
  });
});
