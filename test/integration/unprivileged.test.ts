// What a user who is not root sees and may do, next to root's objects: runs when the suite runs as
// an unprivileged user (npm test's integration-user stage: the host as nobody, root's objects made
// by ./rootFixture.ts). Rows of root's objects with what this user cannot see of them, the
// show-only-mine filter, EACCES on contents it may not read, Remove and Clean Up refusing what only
// root or the owner may remove (before any confirmation), and the contents of what it may read.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { IpcObject } from '../../src/ipc/snapshot';
import { createObject, freshName, shmPath } from '../support/posixObjects';
import { createSegment, freshKey, ownSegment } from '../support/segments';
import { cleanupSemMsg, ipcmkSem } from '../support/semMsg';
import { waitFor } from '../support/waitFor';
import {
  descendants,
  descriptionOf,
  getApi,
  groupRows,
  item,
  labelOf,
  posixRowOrFail,
  procOrFail,
  refreshView,
  restoreSettings,
  rowOrFail,
  run,
  semRow,
  setSetting,
  tooltipOf,
} from './fixtures';
import { byteAt, openPanel, read } from './contentsPanelProbe';
import { ROOT_BYTES, rootFixture, type RootFixture } from './rootFixture';
import { withPrompts } from './scriptedPrompts';

describe("as an unprivileged user, beside root's objects", function () {
  let api: IpcInspectorApi;
  let root: RootFixture;

  before(async function () {
    const fixture = rootFixture();
    if (process.getuid?.() === 0 || !fixture) this.skip(); // the integration-user stage runs these
    root = fixture!;
    api = await getApi();
  });

  afterEach(async () => {
    for (const panel of api.contentsPanels()) panel.dispose();
    await cleanupSemMsg();
    await restoreSettings();
  });

  it('shows root\'s segment attached by a process it cannot see as "1 attached process not visible"', async () => {
    await refreshView();
    const node = rowOrFail(api, root.privateSegment);
    assert.strictEqual(procOrFail(root.privateSegment).nattch, 1, "the premise: root's process is attached");
    assert.match(tooltipOf(item(api, node)), /\| Attached \| 1 \(1 not visible to this user\) \|/);
    const children = descendants(api, node, 'sysvShm').map((c) => labelOf(item(api, c)));
    assert.deepStrictEqual(children, ['1 attached process not visible']);
    assert.match(descriptionOf(item(api, node)), /root/);
  });

  it('"Show Only My Segments" hides root\'s objects and says how many, and shows this user\'s own', async () => {
    const own = await ownSegment(freshKey(), 4096);
    await setSetting('showOnlyMySegments', true);
    await refreshView();
    await waitFor(() => api.views.sharedMemory.tree.segmentNode(root.privateSegment) === undefined, 5000, "root's segment to be hidden");
    assert.ok(api.views.sharedMemory.tree.segmentNode(own.shmid), "this user's segment is still shown");
    const note = groupRows(api, 'posixShm').find((n) => n.kind === 'note');
    assert.ok(note && note.kind === 'note' && /of other users hidden/.test(note.text), "the POSIX group says root's objects are hidden");
    await own.stop();
  });

  it("says EACCES in words for contents it may not read; holds and shows root's readable segment byte for byte", async () => {
    await refreshView();
    for (const node of [rowOrFail(api, root.privateSegment), posixRowOrFail(api, '/' + root.privateObject)]) {
      const prompts = await withPrompts(api, async () => {
        await run('ipcInspector.openContents', node);
      });
      assert.match(prompts.notificationsOf('error')[0] ?? '', /permission denied \(EACCES\).*belongs to root and its mode does not let you read it/);
    }
    assert.deepStrictEqual(
      await run('ipcInspector.attach', rowOrFail(api, root.readableSegment)),
      [root.readableSegment],
      'held read-only from this window: read permission is enough',
    );
    await waitFor(() => procOrFail(root.readableSegment).nattch === 2, 5000, "nattch to count this window's hold");
    await run('ipcInspector.detach', rowOrFail(api, root.readableSegment));
    await waitFor(() => procOrFail(root.readableSegment).nattch === 1, 5000, 'the hold to be let go');
    const panel = await openPanel(api, root.readableSegment);
    const data = await read(panel, 0, ROOT_BYTES.length);
    assert.deepStrictEqual(Buffer.from(Array.from({ length: ROOT_BYTES.length }, (_, i) => byteAt(data, i) ?? -1)), ROOT_BYTES);
  });

  it("Remove… of root's segment and POSIX object says who may remove them, asks nothing and leaves them", async () => {
    await refreshView();
    const prompts = await withPrompts(api, async () => {
      assert.deepStrictEqual(await run('ipcInspector.remove', rowOrFail(api, root.privateSegment)), []);
      assert.deepStrictEqual(await run('ipcInspector.remove', posixRowOrFail(api, '/' + root.privateObject)), []);
    });
    const [segmentError, objectError] = prompts.notificationsOf('error');
    assert.match(
      segmentError ?? '',
      /Cannot remove segment .* is owned by root: only its owner, its creator or a process with CAP_SYS_ADMIN \(root\) may remove it/,
    );
    assert.match(objectError ?? '', /is owned by root: \/dev\/shm is sticky: only its owner or a process with CAP_FOWNER \(root\) may remove it/);
    assert.strictEqual(prompts.questions.length, 0, 'no confirmation for what cannot be done');
    assert.ok(procOrFail(root.privateSegment), "root's segment is still there");
    assert.ok(fs.existsSync(shmPath(root.privateObject)), "root's object is still there");
  });

  it("Clean Up offers this user's orphans but not root's, and says so", async () => {
    const mine = createSegment(freshKey(), 4096); // its creator exits at once: orphaned
    const mineObject = freshName();
    createObject(mineObject, 4096);
    await setSetting('orphanGracePeriod', 0);
    await refreshView();
    assert.strictEqual(rowOrFail(api, root.orphanSegment).object.classification.state, 'orphaned', "the premise: root's segment is orphaned");
    await withPrompts(api, async (p) => {
      p.pickMany((q) => {
        const shmids = q.items.map((i) => (i as { object?: IpcObject }).object).map((o) => (o?.kind === 'sysvShm' ? o.segment.shmid : undefined));
        const names = q.items.map((i) => (i as { object?: IpcObject }).object).map((o) => (o?.kind === 'posixShm' ? o.name : undefined));
        assert.ok(shmids.includes(mine), `this user's orphaned segment is offered: ${q.items.map((i) => i.label).join(' | ')}`);
        assert.ok(names.includes('/' + mineObject), "this user's orphaned POSIX object is offered");
        assert.ok(!shmids.includes(root.orphanSegment), "root's orphan is not offered");
        assert.match(
          q.options.placeHolder ?? '',
          /(1 orphaned object of another user is|\d+ orphaned objects of other users are) not offered: only (its owner|their owners) or root may remove (it|them)/,
        );
        return undefined; // Escape: nothing is removed
      });
      await run('ipcInspector.cleanUpOrphans');
    });
    assert.ok(procOrFail(root.orphanSegment), "root's orphan is still there");
  });

  it("reads the values of its own semaphore set, and says root's 0600 set is not readable", async () => {
    await vscode.commands.executeCommand('ipcInspector.semaphores.focus');
    await waitFor(() => api.views.semaphores.treeView.visible, 10_000, 'the Semaphores view to be visible');
    const own = ipcmkSem(2, 0o600);
    await refreshView();
    await waitFor(() => semRow(api, own) && semRow(api, root.privateSet), 5000, 'both sets to have rows');
    assert.deepStrictEqual(
      descriptionOf(item(api, semRow(api, own)!))
        .split(' · ')
        .slice(0, 2),
      ['2 semaphores', '= 0, 0'],
    );
    assert.match(descriptionOf(item(api, semRow(api, root.privateSet)!)), /values not readable/);
    assert.match(tooltipOf(item(api, semRow(api, root.privateSet)!)), /not readable by this user \(EACCES\)/);
  });

  it("Choose IPC Namespace… says that other users' processes could not be looked at, so more namespaces may exist", async () => {
    await withPrompts(api, async (p) => {
      p.pick((q) => {
        assert.match(
          q.options.placeHolder ?? '',
          /(1 process|\d+ processes) could not be looked at \((another user's|other users')\): more namespaces may exist/,
        );
        assert.match(q.items[0].label, /This window's namespace/);
        return undefined; // Escape: the views stay where they are
      });
      assert.strictEqual(await run('ipcInspector.chooseNamespace'), undefined);
    });
    assert.strictEqual(api.context.namespace, undefined);
  });
});
