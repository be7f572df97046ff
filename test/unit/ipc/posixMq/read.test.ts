import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listPosixQueues, parseQueueFile } from '../../../../src/ipc/posixMq/read';

describe('POSIX message queues', function () {
  it('parses a /dev/mqueue file', function () {
    assert.deepEqual(parseQueueFile('QSIZE:5          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n'), { qsize: 5, notify: 0, signo: 0, notifyPid: 0 });
    assert.deepEqual(parseQueueFile('QSIZE:129 NOTIFY:2 SIGNO:0 NOTIFY_PID:4321\n'), { qsize: 129, notify: 2, signo: 0, notifyPid: 4321 });
    assert.equal(parseQueueFile('garbage'), undefined);
  });

  it('lists nothing from a directory that is not an mqueue file system, and says how to mount one', function () {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-unit-mq-'));
    try {
      fs.writeFileSync(path.join(plain, 'looks-like-a-queue'), 'QSIZE:5 NOTIFY:0 SIGNO:0 NOTIFY_PID:0\n');
      const listing = listPosixQueues(plain);
      assert.equal(listing.mounted, false);
      assert.deepEqual(listing.queues, [], 'a file that merely looks like a queue is not one');
      assert.match(listing.problem ?? '', new RegExp(`^${plain} is not mounted: .*mount -t mqueue none /dev/mqueue`));
      const absent = listPosixQueues(path.join(plain, 'absent'));
      assert.match(absent.problem ?? '', /does not exist/);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});
