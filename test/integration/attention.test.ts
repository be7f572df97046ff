// The status-bar item that appears when something needs attention, in the real extension host: an
// orphaned segment (made by a program that exited) is counted with its bytes and named in the
// tooltip, clicking shows its row selected in the Shared Memory view, the setting turns it off, and
// the segment's removal takes it out of the count.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import { createSegment, freshKey } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { getApi, hexKey, restoreSettings, run, setSetting } from './fixtures';

describe('the status bar when something needs attention', function () {
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
  });

  afterEach(async () => {
    await restoreSettings();
  });

  const ours = (shmid: number) => api.views.attention.current.orphans.some((o) => o.kind === 'sysvShm' && o.segment.shmid === shmid);
  const tooltip = () => (api.views.attention.item.tooltip as vscode.MarkdownString | undefined)?.value ?? '';

  it('counts an orphaned segment with its bytes, names it, and clicking selects its row', async () => {
    const key = freshKey();
    const shmid = createSegment(key, 3 * 4096, 0o600); // its creator exited: orphaned at once
    await api.context.refresh(true);
    await waitFor(() => ours(shmid) && api.views.attention.visible, 10_000, 'the status bar to count the orphaned segment');
    const { orphans } = api.views.attention.current;
    assert.match(api.views.attention.item.text, new RegExp(`^\\$\\(warning\\) ${orphans.length} orphaned \\(`), api.views.attention.item.text);
    assert.ok(orphans.length <= 8 ? tooltip().includes(hexKey(key)) : /and \d+ more/.test(tooltip()), tooltip());
    assert.strictEqual(api.views.attention.item.command, 'ipcInspector.showAttention');

    const shown = await run<string | undefined>('ipcInspector.showAttention');
    const first = api.views.attention.current.orphans[0];
    assert.ok(shown, 'a row was shown');
    // The selection reaches the extension host from the workbench a moment later: waited for.
    await waitFor(
      () =>
        [...api.views.sharedMemory.treeView.selection, ...api.views.semaphores.treeView.selection, ...api.views.messageQueues.treeView.selection].some(
          (node) => node.kind === 'object' && node.row.id === shown && node.object.kind === first.kind,
        ),
      10_000,
      `the first orphan's row ${shown} to be selected`,
    );
  });

  it('is turned off by ipcInspector.statusBar.enabled, and leaves the count when the orphan is removed', async () => {
    const shmid = createSegment(freshKey(), 4096, 0o600);
    await api.context.refresh(true);
    await waitFor(() => ours(shmid) && api.views.attention.visible, 10_000, 'the status bar to count the orphaned segment');
    await setSetting('statusBar.enabled', false);
    await waitFor(() => !api.views.attention.visible, 5000, 'the item to go');
    await api.context.refresh(true);
    assert.strictEqual(api.views.attention.visible, false, 'stays off after a refresh');
    await restoreSettings();
    await waitFor(() => api.views.attention.visible, 5000, 'the item to come back');
    execFileSync('ipcrm', ['-m', String(shmid)]); // as a user would, outside the extension
    await api.context.refresh(true);
    await waitFor(() => !ours(shmid), 10_000, 'the removed segment to leave the count');
  });
});
