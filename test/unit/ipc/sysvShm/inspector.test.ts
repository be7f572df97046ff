// The inspector's own traces (its helper attached to read a segment, holding a POSIX object open,
// setting a new set's values) are never a user's: not a holder, not a use, not "attached".
import * as assert from 'node:assert/strict';
import { INSPECTOR_WORDS, withoutInspector } from '../../../../src/ipc/inspector';
import type { Attachment } from '../../../../src/ipc/maps';
import type { Names } from '../../../../src/ipc/names';
import type { FileHold } from '../../../../src/ipc/procScan';
import type { ProcessStatus } from '../../../../src/ipc/processes';
import type { ShmSegment, SemSet } from '../../../../src/ipc/family/sysvTables';
import { classifySegments } from '../../../../src/ipc/sysvShm/classify';
import { sysvShmKind } from '../../../../src/ipc/sysvShm/kind';
import { segmentDescription } from '../../../../src/ipc/sysvShm/present';
import { classifySemSets } from '../../../../src/ipc/sysvSem/classify';
import { sysvSemKind } from '../../../../src/ipc/sysvSem/kind';
import { semRow } from '../../../../src/ipc/sysvSem/present';

const HELPER = 4242;
const USER = 100;
const NOW = 1_800_000_000_000;
const ALIVE = new Set([HELPER, USER]);

const names: Names = {
  process: (pid): ProcessStatus =>
    ALIVE.has(pid)
      ? { kind: 'running', info: { pid, comm: 'p', command: pid === HELPER ? 'ipc-helper-static' : './user', state: 'S', ppid: 1, startTime: 0 } }
      : { kind: 'gone', pid },
  command: (pid) => (pid === HELPER ? 'ipc-helper-static' : ALIVE.has(pid) ? './user' : undefined),
  lastKnownCommand: () => undefined,
  user: String,
  group: String,
};

function attachment(pid: number, shmid: number): Attachment {
  return { pid, shmid, key: 0x7e000001, access: 'ro', perms: 'r--s', start: '7f0000000000', end: '7f0000001000', length: 4096 } as Attachment;
}

function segment(nattch: number, cpid = 999): ShmSegment {
  return {
    key: 0x7e000001,
    shmid: 5,
    perms: 0o600,
    mode: 0o600,
    dest: false,
    locked: false,
    size: 4096,
    cpid,
    lpid: HELPER,
    nattch,
    uid: 0,
    gid: 0,
    cuid: 0,
    cgid: 0,
    atime: 0,
    dtime: 0,
    ctime: 1,
    rss: 0,
    swap: 0,
  } as ShmSegment;
}

describe("the inspector's own traces", function () {
  it('leaves the helper out of the scan, and counts its attachments apart', function () {
    const holds = [{ via: 'fd', pid: HELPER, fd: 3 } as FileHold, { via: 'fd', pid: USER, fd: 4 } as FileHold];
    const scan = {
      attachments: new Map([[5, [attachment(HELPER, 5), attachment(USER, 5)]]]),
      files: new Map([
        ['0:27:9', holds],
        ['0:27:10', [holds[0]]],
      ]),
    };
    const { scan: users, ownAttachments } = withoutInspector(scan, new Set([HELPER]));
    assert.deepEqual(
      users.attachments.get(5)?.map((a) => a.pid),
      [USER],
    );
    assert.deepEqual(
      users.files.get('0:27:9')?.map((h) => h.pid),
      [USER],
    );
    assert.equal(users.files.has('0:27:10'), false, 'held by the helper alone: held by nobody');
    assert.equal(ownAttachments.get(5), 1);
    assert.equal(scan.attachments.get(5)?.length, 2, 'the scan itself is left as it was');
  });

  it('a segment only the helper has attached is not attached: orphaned when its creator is gone, never "in use"', function () {
    const full = { attachments: new Map([[5, [attachment(HELPER, 5)]]]), files: new Map() };
    const { scan, ownAttachments } = withoutInspector(full, new Set([HELPER]));
    const [info] = classifySegments([segment(1)], scan, names, undefined, { pids: new Set([HELPER]), ownAttachments });
    assert.equal(info.classification.state, 'orphaned');
    assert.equal(info.attachments.length, 0, 'no child row for the helper');
    assert.equal(info.hiddenAttachments, 0, 'nor an attachment "not visible"');
    assert.equal(sysvShmKind.holders(info), 0);
    assert.equal(sysvShmKind.inUse(info), false);
    assert.match(segmentDescription(info, false), /not attached/);
    assert.equal(info.lastCommand, INSPECTOR_WORDS, 'the last attach was the inspector');
  });

  it("counts a user's attachment beside the helper's once", function () {
    const full = { attachments: new Map([[5, [attachment(HELPER, 5), attachment(USER, 5)]]]), files: new Map() };
    const { scan, ownAttachments } = withoutInspector(full, new Set([HELPER]));
    const [info] = classifySegments([segment(2)], scan, names, undefined, { pids: new Set([HELPER]), ownAttachments });
    assert.equal(info.classification.state, 'attached');
    assert.equal(sysvShmKind.holders(info), 1);
    assert.equal(sysvShmKind.useWords(info), '1 attached');
  });

  it('a set whose values only the helper set (creating it) is not in use, and says who set them', function () {
    const set: SemSet = {
      key: 0x7e000002,
      semid: 7,
      perms: 0o600,
      mode: 0o600,
      nsems: 1,
      uid: 0,
      gid: 0,
      cuid: 0,
      cgid: 0,
      otime: 0,
      ctime: NOW / 1000 - 10,
    } as SemSet;
    const values = { read: true as const, semaphores: [{ value: 1, lastPid: HELPER, ncnt: 0, zcnt: 0 }] };
    const context = { names, waiters: new Map(), nowMs: NOW, graceMs: 60_000 };
    const before = classifySemSets([set], () => values, context)[0];
    assert.equal(before.state, 'in-use', 'without knowing the helper, its pid looks like a running user');
    const info = classifySemSets([set], () => values, { ...context, inspector: new Set([HELPER]) })[0];
    assert.notEqual(info.state, 'in-use');
    assert.equal(sysvSemKind.inUse(info), false);
    const child = semRow(info, { held: false, uid: 0 }).children[0];
    assert.doesNotMatch(String(child.description), /ipc-helper/);
    assert.match(String(child.description), /IPC Inspector/);
  });
});

describe('a process in a row', function () {
  it('is named by its executable, an interpreter by its script too; the full line is left for the tooltip', async function () {
    const { executableName, formatCommand } = await import('../../../../src/ipc/processes');
    assert.equal(executableName('/home/alice/projects/demo/build/bin/writer --rate 10'), 'writer');
    assert.equal(executableName('/usr/bin/python3 -u /srv/app/producer.py --fast'), 'python3 producer.py');
    assert.equal(executableName('node'), 'node');
    assert.equal(
      executableName(formatCommand(Buffer.from('/home/alice/my projects/bin/shmtool\0own\0'), 'shmtool')),
      'shmtool',
      'a program under a folder with a space',
    );
    assert.equal(executableName('[kworker/0:1]'), '[kworker/0:1]');
    // A process title set by the program itself (PostgreSQL's children, sshd, nginx): its name before the colon.
    assert.equal(executableName('postgres: checkpointer '), 'postgres');
    assert.equal(executableName('nginx: worker process'), 'nginx');
  });
});

describe('counting holders, one way for every kind', function () {
  it('counts a segment attached twice by one process as one process, and says how many attachments', function () {
    const scan = { attachments: new Map([[5, [attachment(USER, 5), { ...attachment(USER, 5), start: '7f0000002000', end: '7f0000003000' }]]]) };
    const [info] = classifySegments([segment(2)], scan, names);
    assert.equal(sysvShmKind.holders(info), 1);
    assert.match(segmentDescription(info, false), / 1 attached /);
    assert.equal(sysvShmKind.useWords(info), '1 attached');
  });
});
