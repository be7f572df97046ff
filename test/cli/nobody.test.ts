// Every command as the unprivileged user nobody (setpriv), beside objects root made: what nobody
// cannot see is counted, what it may not read or remove is refused in the extension's words.
import * as assert from 'assert';
import { createObject, freshName, shmPath } from '../support/posixObjects';
import { createSegment, freshKey, procLine } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { cli, freePort, get, IS_ROOT, start, stop } from './run';
import { NOBODY } from '../support/helper';
import { BIN } from './run';
import * as fs from 'fs';

describe('ipc-inspector as nobody', function () {
  let shmid: number;
  let name: string;
  before(function () {
    if (!IS_ROOT) {
      console.log('      (skipped: switching to nobody needs root)');
      this.skip();
    }
    shmid = createSegment(freshKey(), 4096, 0o600);
    name = freshName();
    createObject(name, 4096, 0o600);
  });
  const asNobody = { asNobody: true };

  it('list and show work, and say how many processes could not be read', function () {
    const list = cli(['list', '--kind', 'sysvShm', '--kind', 'posixShm'], asNobody);
    assert.strictEqual(list.status, 0, list.stderr);
    assert.ok(list.stdout.includes(`(id ${shmid})`) && list.stdout.includes(`/${name} `), list.stdout);
    assert.match(list.stderr, /(1 process|\d+ processes) could not be read/);
    const show = cli(['show', String(shmid), '--kind', 'sysvShm'], asNobody);
    assert.strictEqual(show.status, 0, show.stderr);
    assert.match(show.stdout, /Owner:\s+root/);
  });

  it("dump of root's 0600 objects is refused in the extension's words (EACCES), naming the object and its owner, exit 3", function () {
    const segment = cli(['dump', String(shmid), '--kind', 'sysvShm'], asNobody);
    assert.strictEqual(segment.status, 3);
    assert.match(
      segment.stderr,
      new RegExp(
        `Could not dump segment 0x[0-9a-f]+ \\(id ${shmid}\\): permission denied \\(EACCES\\)\\. Segment 0x[0-9a-f]+ \\(id ${shmid}\\) belongs to root .*ask its owner to change its permissions, or run the command as root\\.`,
      ),
    );
    assert.doesNotMatch(segment.stderr, /VS Code|view/, 'words of the command line, not of the editor');
    assert.strictEqual(segment.stdout, '');
    const file = cli(['dump', shmPath(name)], asNobody);
    assert.strictEqual(file.status, 3);
    assert.match(file.stderr, new RegExp(`Could not dump object /${name}: permission denied \\(EACCES\\)\\. Object /${name} belongs to root`));
  });

  it("clean --orphans --yes offers nobody root's orphans: they are counted, not removed", function () {
    const done = cli(['clean', '--orphans', '--yes', '--grace', '0', '--kind', 'sysvShm', '--kind', 'posixShm'], asNobody);
    assert.strictEqual(done.status, 0, done.stderr);
    assert.match(
      done.stdout,
      /^Nothing orphaned that you may remove\. (1 orphaned object of another user is not offered: only its owner or root may remove it|\d+ orphaned objects of other users are not offered: only their owners or root may remove them)\./,
    );
    assert.ok(procLine(shmid), 'the segment is still there');
    assert.ok(fs.existsSync(shmPath(name)), 'the object is still there');
  });

  it('check and metrics work', function () {
    const check = cli(['check', '--', 'true'], asNobody);
    assert.strictEqual(check.status, 0, check.stderr);
    const metrics = cli(['metrics'], asNobody);
    assert.strictEqual(metrics.status, 0, metrics.stderr);
    const unreadable = Number(/^ipc_inspector_processes_unreadable (\d+)$/m.exec(metrics.stdout)![1]);
    assert.ok(unreadable > 0, "root's processes are counted as unreadable");
    assert.match(metrics.stdout, /^ipc_inspector_orphans\{kind="sysvShm"\} [1-9]\d*$/m);
  });

  it('serve answers /metrics', async function () {
    const port = await freePort();
    const server = start([...NOBODY, process.execPath, BIN, 'serve', '--listen', `127.0.0.1:${port}`]);
    try {
      const reply = await waitFor(() => get(`http://127.0.0.1:${port}/metrics`), 20_000, 'serve to answer');
      assert.strictEqual(reply.status, 200);
      assert.match(reply.body, /^ipc_inspector_objects\{kind="sysvShm",state="orphaned"\} \d+$/m);
    } finally {
      await stop(server);
    }
  });

  it("--namespace of another user's process is refused, exit 2", function () {
    const result = cli(['list', '--namespace', '1'], asNobody);
    assert.strictEqual(result.status, 2, result.stderr);
    assert.match(result.stderr, /Cannot see process 1's IPC namespace \(EACCES\): only its owner or root may\./);
  });
});
