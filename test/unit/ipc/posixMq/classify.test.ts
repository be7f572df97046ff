// POSIX message queues classified: how long one has been unused rests on its last send or receive
// (mtime), not on its ctime, which every look at the queue's file moves (pinned against the kernel
// in test/native/helper/semMsg.test.ts).
import * as assert from 'assert';
import { classifyPosixQueues, type PosixMqContext } from '../../../../src/ipc/posixMq/classify';
import type { PosixQueue } from '../../../../src/ipc/posixMq/types';
import { fileKey } from '../../../../src/ipc/maps';
import { GRACE, names, NOW } from '../classifyFixtures';

function queue(overrides: Partial<PosixQueue> = {}): PosixQueue {
  return {
    name: '/q',
    path: '/dev/mqueue/q',
    key: fileKey(0, 30, 5),
    qsize: 0,
    mode: 0o600,
    uid: 0,
    gid: 0,
    mtimeMs: NOW - 7_200_000,
    ctimeMs: NOW,
    ...overrides,
  };
}

function context(): PosixMqContext {
  return { scan: { files: new Map(), unreadable: 0 }, names, attrs: new Map(), nowMs: NOW, graceMs: GRACE, lastHeldMs: new Map() };
}

describe('POSIX message queues: classify', () => {
  it('calls a queue unheld and untouched for two hours orphaned, though it was looked at a moment ago (ctime now)', () => {
    const [info] = classifyPosixQueues([queue()], context());
    assert.strictEqual(info.state, 'orphaned', info.reason);
  });

  it('calls one sent to within the grace period unused', () => {
    const [info] = classifyPosixQueues([queue({ mtimeMs: NOW - 1000 })], context());
    assert.strictEqual(info.state, 'unused', info.reason);
  });
});
