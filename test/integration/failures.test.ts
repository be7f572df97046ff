// Failure modes a user meets: segments that vanish under the view or between a pick and the
// confirmation, a helper that is killed or missing, refreshes that overlap. Each must leave the
// extension working and the user told what happened.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import { createSegment, freshKey } from '../support/segments';
import { isRunning, waitFor, within } from '../support/waitFor';
import { descriptionOf, getApi, hexKey, item, proc, procOrFail, refreshView, restoreSettings, rowOrFail, setSetting, SHM_LOCKED, run } from './fixtures';
import { ScriptedPrompts, withPrompts } from './scriptedPrompts';

describe('failure modes', function () {
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
  });

  afterEach(async () => {
    await restoreSettings();
  });

  it('a forced refresh asked for while another refresh runs completes (the Refresh button during polling)', async () => {
    createSegment('private', 4096);
    const polling = api.context.refresh();
    const forced = api.context.refresh(true);
    await within(polling, 5000, 'the running refresh');
    const snapshot = await within(forced, 5000, 'the forced refresh queued behind it');
    assert.ok(snapshot && snapshot.segments.length > 0);
    // And the view settles: no refresh keeps running in a loop afterwards.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const settled = api.context.refresh(true);
    await within(settled, 5000, 'a later forced refresh');
  });

  it('a question nobody scripted ends the command with an error instead of waiting forever (the test seam itself)', async () => {
    const prompts = new ScriptedPrompts();
    const restore = api.usePrompts(prompts);
    try {
      prompts.pick('IPC_PRIVATE'); // and nothing for the size box
      assert.strictEqual(await within(run('ipcInspector.createSegment'), 5000, 'the create command'), undefined);
    } finally {
      restore();
    }
    assert.deepStrictEqual(prompts.problems, [
      'no scripted answer for: input box "Create Shared Memory Segment (3/4): size" (Size: bytes or with a unit (4096, 4 KiB, 1 MiB))',
    ]);
    assert.throws(() => prompts.assertDone(), /the scripted user had problems/);
    const [error] = prompts.notificationsOf('error');
    assert.match(error ?? '', /^Could not create the segment: \[scripted user\] no scripted answer/);
  });

  it('Remove: a segment that vanished after it was picked and before the confirmation is reported as gone, not as an error', async () => {
    const key = freshKey();
    const id = createSegment(key, 4096);
    await refreshView();
    let removed: unknown;
    const prompts = await withPrompts(api, async (p) => {
      p.confirmWith(() => {
        execFileSync('ipcrm', ['-m', String(id)]); // another process removes it while the dialog is open
        return 'Remove';
      });
      removed = await run('ipcInspector.remove', rowOrFail(api, id));
    });
    assert.deepStrictEqual(removed, []);
    assert.deepStrictEqual(prompts.notificationsOf('error'), []);
    assert.deepStrictEqual(prompts.notificationsOf('warning'), [`Not removed: segment ${hexKey(key)} (id ${id}) no longer exists.`]);
  });

  it('a helper killed while this window holds a segment: the user is warned the hold is lost, and the next command works', async () => {
    const id = createSegment(freshKey(), 4096);
    await refreshView();
    await withPrompts(api, async (p) => {
      await run('ipcInspector.attach', rowOrFail(api, id));
      assert.strictEqual(procOrFail(id).nattch, 1);
      const pid = api.context.helper().pid;
      assert.ok(pid && isRunning(pid), 'the helper runs');

      process.kill(pid, 'SIGKILL');
      const warning = await p.waitForNotification('warning', new RegExp(`no longer holds segment ${id}\\b`));
      assert.match(warning.message, /SIGKILL/);
      assert.match(warning.message, /attach again/);
      await waitFor(() => proc(id)?.nattch === 0, 5000, "the dead helper's attachment to go");
      await waitFor(() => !descriptionOf(item(api, rowOrFail(api, id))).includes('held by this window'), 5000, 'the row to stop saying "held"');

      // The next command starts a new helper.
      assert.deepStrictEqual(await run('ipcInspector.attach', rowOrFail(api, id)), [id]);
      assert.strictEqual(procOrFail(id).nattch, 1);
      const newPid = api.context.helper().pid;
      assert.ok(newPid && newPid !== pid && isRunning(newPid), `a new helper runs (was ${pid}, now ${newPid})`);
      assert.ok(descriptionOf(item(api, rowOrFail(api, id))).includes('held by this window'));
      assert.deepStrictEqual(await run('ipcInspector.detach', rowOrFail(api, id)), [id]);
      assert.strictEqual(procOrFail(id).nattch, 0);
      assert.deepStrictEqual(p.notificationsOf('error'), []);
    });
  });

  it('a helper killed while idle: the next command starts a new one without bothering the user', async () => {
    const id = createSegment(freshKey(), 4096);
    await refreshView();
    const prompts = await withPrompts(api, async () => {
      await api.context.helper().hello();
      const pid = api.context.helper().pid!;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !isRunning(pid) && api.context.helper().pid !== pid, 5000, 'the client to notice the helper died');
      assert.deepStrictEqual(await run('ipcInspector.lock', rowOrFail(api, id)), [id]);
    });
    assert.ok(procOrFail(id).perms & SHM_LOCKED);
    assert.deepStrictEqual(prompts.notifications, []);
  });

  it('a missing helper (bad ipcInspector.helperPath): the command fails with an error naming the setting; fixing the setting fixes it', async () => {
    const id = createSegment(freshKey(), 4096);
    await refreshView();
    const missing = '/nonexistent/ipc-helper';
    await setSetting('helperPath', missing);
    const prompts = await withPrompts(api, async () => {
      assert.strictEqual(await run('ipcInspector.lock', rowOrFail(api, id)), undefined);
    });
    const [error, ...more] = prompts.notifications;
    assert.deepStrictEqual(more, []);
    assert.strictEqual(error?.kind, 'error');
    assert.match(error.message, /"ipcInspector\.helperPath"/);
    assert.ok(error.message.includes(missing), error.message);
    assert.deepStrictEqual(error.buttons, ['Open Settings']);
    assert.strictEqual(procOrFail(id).perms & SHM_LOCKED, 0, 'nothing was done');

    await restoreSettings();
    await waitFor(() => !vscode.workspace.getConfiguration('ipcInspector').get<string>('helperPath'), 5000, 'the setting to be cleared');
    await withPrompts(api, async () => {
      assert.deepStrictEqual(await run('ipcInspector.lock', rowOrFail(api, id)), [id]);
    });
    assert.ok(procOrFail(id).perms & SHM_LOCKED);
  });
});
