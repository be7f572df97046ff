// Export as JSON… and Copy as Table in the real extension host, over real objects: a segment a
// program holds and a POSIX object it maps. The JSON is read back as a script would (typed values:
// the key, size and pids are numbers), and the table is what lands on the clipboard.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import { freshName, memfdObject, ownObject } from '../support/posixObjects';
import { freshKey, ownSegment } from '../support/segments';
import { getApi, hexKey, posixRowOrFail, refreshView, rowOrFail, run } from './fixtures';
import { withPrompts } from './scriptedPrompts';

type JsonObject = { [key: string]: unknown };

describe('Export as JSON… and Copy as Table', function () {
  let api: IpcInspectorApi;
  let dir: string;

  before(async function () {
    api = await getApi();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-export-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every kind as typed JSON: the segment and the POSIX object with their numbers and holders', async () => {
    const key = freshKey();
    const holder = await ownSegment(key, 12345, 0o640);
    const name = freshName();
    const owner = await ownObject(name, 8192, 0o600);
    const file = path.join(dir, 'picture.json');
    // A memfd shared by two processes: the command then asks whether to export the memfds.
    await memfdObject(freshName(), 4096);
    const prompts = await withPrompts(api, async (p) => {
      p.pick((q) => {
        assert.match(q.options.title ?? '', /which objects/);
        return q.items.find((item) => item.label === 'Everything');
      }).saveWith((q) => {
        assert.strictEqual(q.options.title, 'Export IPC Objects as JSON');
        assert.match(q.options.defaultUri?.fsPath ?? '', /ipc-.+-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.json$/);
        return vscode.Uri.file(file);
      });
      assert.strictEqual(await run('ipcInspector.exportJson'), file);
    });
    assert.match(prompts.notificationsOf('info').join(' '), new RegExp(`Exported \\d+ IPC objects? to ${file.replace(/[.]/g, '\\.')}`));
    const document = JSON.parse(fs.readFileSync(file, 'utf8')) as JsonObject & { objects: JsonObject[] };
    assert.strictEqual(document.format, 'ipc-inspector-export');
    assert.strictEqual(document.version, 1);
    assert.strictEqual((document.host as JsonObject).kernel, os.release());
    const limits = document.limits as JsonObject;
    // A number, a u64 beyond 2^53 as its digits, or "unlimited" for the kernel's no-limit values.
    assert.ok(typeof limits.shmmni === 'number' && /^(\d+|unlimited)$/.test(String(limits.shmmax)), `limits are typed: ${JSON.stringify(limits)}`);
    const segment = document.objects.find((o) => o.kind === 'sysvShm' && (o.kernel as JsonObject).key === key) as JsonObject | undefined;
    assert.ok(segment, 'our segment is exported');
    const kernel = segment.kernel as JsonObject;
    assert.deepStrictEqual([kernel.shmid, kernel.size, (kernel.perms as number) & 0o777, kernel.nattch], [holder.shmid, 12345, 0o640, 1]);
    assert.strictEqual(segment.state, 'attached');
    assert.deepStrictEqual(
      (segment.attachments as JsonObject[]).map((a) => a.pid),
      [holder.pid],
    );
    const object = document.objects.find((o) => o.kind === 'posixShm' && o.name === `/${name}`) as JsonObject | undefined;
    assert.ok(object, 'our POSIX object is exported');
    const stat = object.file as JsonObject;
    assert.deepStrictEqual([stat.size, (stat.mode as number) & 0o777, object.state], [8192, 0o600, 'in-use']);
    assert.ok(
      (object.holders as JsonObject[]).every((h) => h.pid === owner.pid),
      JSON.stringify(object.holders),
    );
    await holder.stop();
    await owner.stop();
  });

  it('copies the selected rows as a Markdown table, one line per object', async () => {
    const me = os.userInfo().username; // the owner: root, or nobody in the unprivileged run
    const key = freshKey();
    const holder = await ownSegment(key, 4096, 0o600);
    const name = freshName();
    const owner = await ownObject(name, 4096, 0o644);
    await refreshView();
    const segmentRow = rowOrFail(api, holder.shmid);
    const objectRow = posixRowOrFail(api, `/${name}`);
    const table = await run<string>('ipcInspector.copyAsTable', segmentRow, [segmentRow, objectRow]);
    assert.strictEqual(await vscode.env.clipboard.readText(), table);
    const lines = table.trim().split('\n');
    assert.deepStrictEqual(lines.slice(0, 2), ['| Kind | Object | Size | Owner | Mode | Holders | State |', '| --- | --- | --- | --- | --- | --- | --- |']);
    assert.strictEqual(lines.length, 4, table);
    assert.match(lines[2], new RegExp(`^\\| System V segment \\| ${hexKey(key)}.* \\| 4 KiB \\| ${me} \\| 600 \\| 1 \\| `));
    assert.match(lines[3], new RegExp(`^\\| POSIX object \\| /${name} \\| 4 KiB \\| ${me} \\| 644 \\| 1 \\| `));
    await holder.stop();
    await owner.stop();
  });
});
