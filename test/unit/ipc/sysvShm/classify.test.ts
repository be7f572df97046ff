import * as assert from 'node:assert/strict';
import { classifySegment, Segment } from '../../../../src/ipc/sysvShm/classify';
import { ProcessInfo, ProcessStatus } from '../../../../src/ipc/processes';

const CTIME = 1795433416;

function segment(overrides: Partial<Segment> = {}): Segment {
  return { shmid: 7, cpid: 1234, lpid: 0, nattch: 0, dest: false, locked: false, ctime: CTIME, ...overrides };
}

function running(info: Partial<ProcessInfo>): (pid: number) => ProcessStatus {
  return (pid) => ({ kind: 'running', info: { pid, comm: 'writer', command: './writer', state: 'S', ppid: 1, startTime: CTIME - 10, ...info } });
}

const gone = (pid: number): ProcessStatus => ({ kind: 'gone', pid });
const hidden = (pid: number): ProcessStatus => ({ kind: 'hidden', pid });
const never = (): ProcessStatus => assert.fail('the creator does not matter here');

describe('segment classifier', function () {
  it('orphaned: nobody attached and the creator exited', function () {
    const c = classifySegment(segment(), gone);
    assert.equal(c.state, 'orphaned');
    assert.equal(c.creator, 'exited');
    assert.equal(c.reason, 'creator pid 1234 exited; no process attached');
  });

  it('names an exited creator when the caller remembers it', function () {
    const c = classifySegment(segment(), gone, { lastKnownCommand: (pid) => (pid === 1234 ? './writer' : undefined) });
    assert.equal(c.reason, 'creator pid 1234 (./writer) exited; no process attached');
  });

  it('unattached: the creator is still running', function () {
    const c = classifySegment(segment(), running({}));
    assert.equal(c.state, 'unattached');
    assert.equal(c.creator, 'alive');
    assert.equal(c.creatorProcess?.command, './writer');
    assert.equal(c.reason, 'creator pid 1234 (./writer) is running; no process attached');
  });

  it('orphaned: the creator pid now belongs to a process started after the segment', function () {
    const c = classifySegment(segment(), running({ command: 'bash', startTime: CTIME + 60 }));
    assert.equal(c.state, 'orphaned');
    assert.equal(c.creator, 'reused');
    assert.match(c.reason, /pid now belongs to a later process, bash/);
  });

  it('gives the start time a tolerance of whole seconds', function () {
    assert.equal(classifySegment(segment(), running({ startTime: CTIME + 0.99 })).state, 'unattached');
    assert.equal(classifySegment(segment(), running({ startTime: CTIME + 1.5 })).state, 'unattached');
    assert.equal(classifySegment(segment(), running({ startTime: CTIME + 2.5 })).state, 'orphaned');
    assert.equal(classifySegment(segment(), running({ startTime: CTIME + 2.5 }), { toleranceSeconds: 5 }).state, 'unattached');
  });

  it('orphaned: the creator is a zombie', function () {
    const c = classifySegment(segment(), running({ state: 'Z', command: '[writer]' }));
    assert.equal(c.state, 'orphaned');
    assert.equal(c.creator, 'zombie');
  });

  it('never orphaned when the creator cannot be checked', function () {
    const outside = classifySegment(segment({ cpid: 0 }), never);
    assert.equal(outside.state, 'unattached');
    assert.equal(outside.creator, 'unknown');
    assert.match(outside.reason, /outside this pid namespace/);
    const hid = classifySegment(segment(), hidden);
    assert.equal(hid.state, 'unattached');
    assert.match(hid.reason, /hidepid/);
  });

  it('attached whenever nattch > 0, whatever the creator', function () {
    const c = classifySegment(segment({ nattch: 2 }), never);
    assert.equal(c.state, 'attached');
    assert.equal(c.creator, 'unchecked');
    assert.equal(c.reason, '2 attachments');
  });

  it('removed-attached: DEST set and still attached', function () {
    const c = classifySegment(segment({ dest: true, nattch: 1 }), never);
    assert.equal(c.state, 'removed-attached');
    assert.match(c.reason, /stays until the last detach \(1 attachment left\)/);
    // Being destroyed right now: not a candidate for clean-up.
    assert.equal(classifySegment(segment({ dest: true, nattch: 0 }), never).state, 'unattached');
  });

  it('reports locked as a flag beside the state', function () {
    assert.deepEqual(
      [classifySegment(segment({ locked: true }), gone), classifySegment(segment({ locked: true, nattch: 1 }), never)].map((c) => [c.state, c.locked]),
      [
        ['orphaned', true],
        ['attached', true],
      ],
    );
  });
});
