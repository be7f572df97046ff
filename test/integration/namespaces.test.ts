// Another IPC namespace in the real extension host: a "container" made without an engine
// (`unshare --ipc --mount --pid --fork`, a private tmpfs on its /dev/shm) running real programs
// that own a System V segment and a POSIX object. Choose IPC Namespace… shows its objects with
// their holders and nothing of ours, Remove acts inside it, and the views fall back to this
// window's namespace, saying so, when its last process exits. Root only (unshare, setns).
import * as assert from 'assert';
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { IpcNamespace } from '../../src/ipc/namespaces';
import { freshName, posixtoolPath } from '../support/posixObjects';
import { ownSegment, shmtoolPath } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { childPids, getApi, groupRows, posixRowOrFail, refreshView, rowOrFail, run, type PosixNode, type SegmentNode } from './fixtures';
import { withPrompts } from './scriptedPrompts';

interface Container {
  /** unshare's pid: it is in the container's IPC and mount namespaces itself. */
  pid: number;
  inode: number;
  shmid: number;
  shmHolder: number;
  objectName: string;
  objectHolder: number;
  stop(): Promise<void>;
}

/**
 * Starts a container and waits for both programs in it to be ready (their first lines). With
 * `fillMiB`, that much of its 8 MiB /dev/shm is taken first by a file written in full.
 */
async function startContainer(fillMiB = 0): Promise<Container> {
  const objectName = freshName();
  // Both programs live until their stdin ends: the background one gets the container's stdin
  // through fd 3 (a background job's own stdin would be /dev/null, and it would exit at once).
  const fill = fillMiB > 0 ? `dd if=/dev/zero of=/dev/shm/${freshName()} bs=1M count=${fillMiB} status=none || exit 1\n` : '';
  const script = `mount -t tmpfs -o size=8m ipcinsp-container /dev/shm || exit 1\n${fill}exec 3<&0\n"$1" own "$3" 8192 600 <&3 &\nexec "$2" own private 12345 600`;
  const child: ChildProcessWithoutNullStreams = spawn('unshare', [
    '--ipc',
    '--mount',
    '--pid',
    '--kill-child',
    'sh',
    '-c',
    script,
    'container',
    posixtoolPath,
    shmtoolPath,
    objectName,
  ]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines: string[][] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => lines.push(line.split(' ')));
  const stop = async () => {
    child.kill('SIGKILL'); // --kill-child: its init goes, and with it every process of the container
    await exited;
  };
  try {
    await waitFor(() => lines.length >= 2 || child.exitCode !== null, 10_000, "the container's programs to be ready");
    assert.strictEqual(child.exitCode, null, `the container exited: ${stderr}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const shm = lines.find((l) => l.length === 3)!; // shmtool: ready SHMID ADDRESS
  // Their pids as this window sees them: the children of the container's init.
  const pids = (pid: number) => fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const init = pids(child.pid!)[0];
  const objectHolder = pids(init)[0];
  return { pid: child.pid!, inode: fs.statSync(`/proc/${child.pid}/ns/ipc`).ino, shmid: Number(shm[1]), shmHolder: init, objectName, objectHolder, stop };
}

describe('another IPC namespace (a container made with unshare)', function () {
  let api: IpcInspectorApi;
  let container: Container | undefined;

  before(async function () {
    if (process.getuid?.() !== 0 || spawnSync('unshare', ['--ipc', '--mount', '--pid', '--fork', 'true']).status !== 0) this.skip(); // entering a namespace needs root
    api = await getApi();
  });

  afterEach(async () => {
    if (api.context.namespace) await api.context.showNamespace(undefined);
    await container?.stop();
    container = undefined;
  });

  async function choose(inode: number): Promise<string[]> {
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => {
        assert.strictEqual(q.options.title, 'Choose IPC Namespace');
        const items = q.items as Array<{ label: string; ns: IpcNamespace }>;
        assert.match(items[0].label, /This window's namespace/, 'its own first');
        const item = items.find((i) => i.ns.inode === inode);
        assert.ok(item, `namespace ipc:[${inode}] is listed: ${items.map((i) => i.label).join(' | ')}`);
        return item;
      });
      await run('ipcInspector.chooseNamespace');
    });
    return prompts.notificationsOf('info');
  }

  it("Choose IPC Namespace… shows the container's segment and POSIX object with their holders, and nothing of ours", async () => {
    const ours = await ownSegment('private', 4096);
    container = await startContainer();
    const said = await choose(container.inode);
    assert.match(said[0] ?? '', new RegExp(`The views show IPC namespace ipc:\\[${container.inode}\\]`));
    assert.strictEqual(api.views.sharedMemory.treeView.description, `ipc:[${container.inode}]`, 'the view says which namespace it shows');
    await refreshView();
    const segments = groupRows(api, 'sysvShm').filter((n): n is SegmentNode => n.kind === 'object');
    assert.deepStrictEqual(
      segments.map((n) => [n.object.segment.shmid, n.object.segment.size]),
      [[container.shmid, 12345]],
      "exactly the container's one segment",
    );
    const segmentRow = rowOrFail(api, container.shmid);
    assert.deepStrictEqual(childPids(api, segmentRow), [container.shmHolder], 'its attacher, by the pid this window sees');
    const object = posixRowOrFail(api, '/' + container.objectName) as PosixNode;
    assert.deepStrictEqual([...new Set(object.object.holders.map((h) => h.pid))], [container.objectHolder], object.object.reason);
    assert.ok(!fs.existsSync(`/dev/shm/${container.objectName}`), "the premise: the object is only in the container's /dev/shm");
    await ours.stop();
  });

  it("Remove… acts inside the chosen namespace: the container's object goes from its /dev/shm", async () => {
    container = await startContainer();
    await choose(container.inode);
    await refreshView();
    const inside = `/proc/${container.pid}/root/dev/shm/${container.objectName}`;
    assert.ok(fs.existsSync(inside), 'the premise: it exists in the container');
    await withPrompts(api, async (p) => {
      p.confirmWith('Remove');
      assert.deepStrictEqual(await run('ipcInspector.remove', posixRowOrFail(api, '/' + container!.objectName)), ['/' + container!.objectName]);
    });
    assert.ok(!fs.existsSync(inside), 'unlinked in the container');
  });

  it("warns in the status bar when the shown namespace's /dev/shm is nearly full, and clicking opens its POSIX group", async () => {
    container = await startContainer(7);
    await choose(container.inode);
    await waitFor(
      async () => (await refreshView(), api.views.attention.current.nearLimits.some((n) => n.group === 'posixShm')),
      10_000,
      'the status bar to warn of /dev/shm',
    );
    const { item } = api.views.attention;
    assert.ok(api.views.attention.visible);
    assert.match(item.text, /POSIX objects \(\/dev\/shm\): /, item.text);
    assert.deepStrictEqual(item.backgroundColor, new vscode.ThemeColor('statusBarItem.warningBackground'), "a limit near: the theme's warning background");
    const containerLine = api.views.attention.current.nearLimits.find((n) => n.group === 'posixShm')!.description;
    assert.strictEqual(await run('ipcInspector.showAttention'), 'group:posixShm');
    // The selection reaches the extension host from the workbench a moment later: waited for.
    await waitFor(
      () => JSON.stringify(api.views.sharedMemory.treeView.selection) === JSON.stringify([{ kind: 'group', group: 'posixShm' }]),
      10_000,
      'the POSIX group row to be selected',
    );
    await api.context.showNamespace(undefined);
    // This machine's own /dev/shm may be full too: what must go is the container's line.
    await waitFor(
      async () => (await refreshView(), !api.views.attention.current.nearLimits.some((n) => n.description === containerLine)),
      10_000,
      "the warning to go with the container's namespace",
    );
  });

  it("falls back to this window's namespace, saying so, when the container's last process exits", async () => {
    container = await startContainer();
    await choose(container.inode);
    await refreshView();
    const prompts = await withPrompts(api, async () => {
      await container!.stop();
      container = undefined;
      await waitFor(async () => (await refreshView(), api.context.namespace === undefined), 10_000, 'the views to fall back');
    });
    assert.match(prompts.notificationsOf('warning').join(' '), /is gone: its last process exited\. The views show this window's namespace again/);
    assert.strictEqual(api.views.sharedMemory.treeView.description, undefined);
  });
});
