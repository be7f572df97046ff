import * as assert from 'node:assert/strict';
import { removalRefusal } from '../../../src/ipc/kinds';
import { CAP_FOWNER, CAP_SYS_ADMIN, parseCredentials, type Credentials } from '../../../src/ipc/permissions';
import type { IpcObject } from '../../../src/ipc/snapshot';

const ROOT_STATUS = 'Name:\tnode\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n';
const NOBODY: Credentials = { uid: 65534, capabilities: 0n };
const ALICE: Credentials = { uid: 1000, capabilities: 0n };

// Only the fields the rules read: the owner and creator of System V objects, the owner of files.
const segment = (uid: number, cuid: number) => ({ kind: 'sysvShm', segment: { uid, cuid } }) as unknown as IpcObject;
const set = (uid: number, cuid: number) => ({ kind: 'sysvSem', set: { uid, cuid } }) as unknown as IpcObject;
const file = (uid: number | undefined) => ({ kind: 'posixShm', file: uid === undefined ? undefined : { uid } }) as unknown as IpcObject;
const queue = (uid: number) => ({ kind: 'posixMq', queue: { uid } }) as unknown as IpcObject;

describe('who may remove what', function () {
  it('reads the effective uid and capabilities from /proc/self/status', function () {
    assert.deepEqual(parseCredentials(ROOT_STATUS), { uid: 0, capabilities: 0x1ffffffffffn });
    assert.deepEqual(
      parseCredentials('Uid:\t1000\t65534\t1000\t1000\nCapEff:\t0000000000000000\n'),
      { uid: 65534, capabilities: 0n },
      'the effective uid, not the real one',
    );
    assert.equal(parseCredentials('Name:\tx\n'), undefined);
  });

  it('System V: the owner or the creator, or CAP_SYS_ADMIN', function () {
    assert.equal(removalRefusal(segment(1000, 0), ALICE), undefined, 'owner');
    assert.equal(removalRefusal(set(0, 1000), ALICE), undefined, 'creator');
    assert.match(removalRefusal(segment(0, 0), ALICE) ?? '', /only its owner, its creator or a process with CAP_SYS_ADMIN/);
    assert.equal(removalRefusal(segment(0, 0), { uid: 1000, capabilities: 1n << BigInt(CAP_SYS_ADMIN) }), undefined);
    assert.ok(removalRefusal(segment(0, 0), { uid: 1000, capabilities: 1n << BigInt(CAP_FOWNER) }), 'CAP_FOWNER is not enough');
  });

  it("/dev/shm and queues: sticky directories, so the file's owner, root or CAP_FOWNER", function () {
    assert.equal(removalRefusal(file(65534), NOBODY), undefined);
    assert.match(removalRefusal(file(0), NOBODY) ?? '', /\/dev\/shm is sticky: only its owner or a process with CAP_FOWNER/);
    assert.match(removalRefusal(queue(1000), NOBODY) ?? '', /queue directory is sticky/);
    assert.equal(removalRefusal(queue(1000), { uid: 0, capabilities: 0n }), undefined, "the directories are root's");
    assert.equal(removalRefusal(file(0), { uid: 1000, capabilities: 1n << BigInt(CAP_FOWNER) }), undefined);
    assert.equal(removalRefusal(file(undefined), NOBODY), undefined, 'unknown owner: the kernel decides');
  });
});
