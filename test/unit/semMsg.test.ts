import * as assert from 'node:assert/strict';
import type { Names } from '../../src/ipc/names';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listPosixQueues, parseQueueFile } from '../../src/ipc/posixMq/read';
import { classifyPosixSemaphores, semaphoreName } from '../../src/ipc/posixSem/classify';
import { decodeGlibcSemaphore } from '../../src/ipc/posixSem/read';
import type { FileHold, ProcScan } from '../../src/ipc/procScan';
import type { PosixObject } from '../../src/ipc/family/devShm';
import type { ProcessStatus } from '../../src/ipc/processes';
import { classifySemSets } from '../../src/ipc/sysvSem/classify';
import { type SetValues } from '../../src/ipc/sysvSem/types';
import { semDescription, semRow } from '../../src/ipc/sysvSem/present';
import { classifyMsgQueues } from '../../src/ipc/sysvMsg/classify';
import { type QueueContents } from '../../src/ipc/sysvMsg/types';
import { msgDescription, msgRow, previewText } from '../../src/ipc/sysvMsg/present';
import type { MsgQueue, SemSet } from '../../src/ipc/family/sysvTables';
import { parseSembufs, parseSyscall, waitCalls, type Waiter } from '../../src/ipc/waiters';

const NOW = 1_800_000_000_000;
const GRACE = 60_000;
const ALIVE = new Set([100, 101]);

const names: Names = {
  process: (pid): ProcessStatus =>
    ALIVE.has(pid) ? { kind: 'running', info: { pid, comm: 'prog', command: `./prog${pid}`, state: 'S', ppid: 1, startTime: 0 } } : { kind: 'gone', pid },
  command: (pid) => (ALIVE.has(pid) ? `./prog${pid}` : undefined),
  lastKnownCommand: () => undefined,
  user: (uid) => (uid === 0 ? 'root' : String(uid)),
  group: (gid) => (gid === 0 ? 'root' : String(gid)),
};

function set(overrides: Partial<SemSet> = {}): SemSet {
  return {
    key: 0x7e000001,
    semid: 7,
    perms: 0o600,
    mode: 0o600,
    nsems: 2,
    uid: 0,
    gid: 0,
    cuid: 0,
    cgid: 0,
    otime: NOW / 1000 - 3600,
    ctime: NOW / 1000 - 7200,
    ...overrides,
  };
}

function values(...vs: Array<[number, number, number?, number?]>): SetValues {
  return { read: true, semaphores: vs.map(([value, lastPid, ncnt = 0, zcnt = 0]) => ({ value, lastPid, ncnt, zcnt })) };
}

function classifySets(s: SemSet, v: SetValues, waiters: Waiter[] = []) {
  return classifySemSets([s], () => v, { names, waiters: new Map([[s.semid, waiters]]), nowMs: NOW, graceMs: GRACE })[0];
}

function queue(overrides: Partial<MsgQueue> = {}): MsgQueue {
  return {
    key: 0x7e000002,
    msqid: 9,
    perms: 0o600,
    mode: 0o600,
    cbytes: 0,
    qnum: 0,
    lspid: 0,
    lrpid: 0,
    uid: 0,
    gid: 0,
    cuid: 0,
    cgid: 0,
    stime: 0,
    rtime: 0,
    ctime: NOW / 1000 - 7200,
    ...overrides,
  };
}

function classifyQueue(q: MsgQueue, contents: QueueContents, waiters: Waiter[] = []) {
  return classifyMsgQueues([q], () => contents, { names, waiters: new Map([[q.msqid, waiters]]), nowMs: NOW, graceMs: GRACE })[0];
}

describe('waiters', function () {
  it('parses /proc/PID/task/TID/syscall lines, and nothing else', function () {
    assert.deepEqual(parseSyscall('220 0x3 0x7ffcde8f2942 0x1 0x0 0x0 0x64 0x7ffcde8f2938 0x7fc1fa21b5da\n'), {
      nr: 220,
      args: [3n, 0x7ffcde8f2942n, 1n, 0n, 0n, 0x64n],
    });
    assert.equal(parseSyscall('running\n'), undefined);
    assert.equal(parseSyscall('-1 0x7ffc 0x7f00\n'), undefined);
    assert.equal(parseSyscall(''), undefined);
  });

  it('knows the waiting syscalls of x86-64, arm64 and arm', function () {
    assert.deepEqual([waitCalls('x64')?.[220], waitCalls('x64')?.[65], waitCalls('x64')?.[69], waitCalls('x64')?.[70]], ['semop', 'semop', 'msgsnd', 'msgrcv']);
    assert.deepEqual([waitCalls('arm64')?.[192], waitCalls('arm64')?.[188]], ['semop', 'msgrcv']);
    assert.equal(waitCalls('riscv64'), undefined, 'an unknown architecture finds nothing rather than guessing');
  });

  it('decodes sembuf arrays', function () {
    const bytes = Buffer.alloc(12);
    bytes.writeUInt16LE(1, 0);
    bytes.writeInt16LE(-1, 2);
    bytes.writeInt16LE(0x1000, 4); // SEM_UNDO
    bytes.writeUInt16LE(0, 6);
    bytes.writeInt16LE(0, 8);
    bytes.writeInt16LE(0, 10);
    assert.deepEqual(parseSembufs(bytes), [
      { semnum: 1, op: -1, flags: 0x1000 },
      { semnum: 0, op: 0, flags: 0 },
    ]);
  });
});

describe('System V semaphore sets', function () {
  it('diagnoses a semaphore at 0 with waiters whose last operator exited: held without SEM_UNDO', function () {
    const waiter: Waiter = { pid: 100, tid: 100, call: 'semop', id: 7, ops: [{ semnum: 1, op: -1, flags: 0 }] };
    const info = classifySets(set(), values([1, 101], [0, 555, 1]), [waiter]);
    assert.equal(info.state, 'stuck');
    assert.match(info.reason, /^semaphore 1 at 0 with 1 process waiting; its last operator, pid 555, exited: held by a process that exited without SEM_UNDO$/);
    assert.deepEqual(
      info.semaphores[1].waiters.map((w) => [w.pid, w.wants]),
      [[100, 'increase']],
    );
    const row = semRow(info, { held: false, uid: 0 });
    assert.equal(row.icon, 'problem');
    const [sem0, sem1] = row.children;
    assert.equal(sem0.label, 'sem 0 = 1');
    assert.match(sem0.description ?? '', /^last op by 101 \.\/prog101 \(running\)$/);
    assert.equal(sem1.label, 'sem 1 = 0');
    assert.equal(sem1.codicon, 'error');
    assert.deepEqual(
      sem1.children?.map((c) => [c.pid, c.description]),
      [[100, 'waits for an increase']],
    );
    assert.match(semDescription(info), /^stuck · 2 semaphores · = 1, 0 · 1 waiting · root$/);
  });

  it('is in use while someone waits or its last operator runs', function () {
    assert.equal(classifySets(set(), values([0, 0, 0, 1])).state, 'in-use', 'zcnt counts');
    const byRunning = classifySets(set(), values([3, 100]));
    assert.equal(byRunning.state, 'in-use');
    assert.match(byRunning.reason, /last used by pid 100 \(\.\/prog100\), which is running/);
  });

  it('is orphaned (for sure) when every last operator exited and the grace period passed, unused before', function () {
    const gone = classifySets(set(), values([1, 555], [1, 556]));
    assert.deepEqual([gone.state, gone.certain], ['orphaned', true]);
    assert.match(gone.reason, /every process that last used it has exited \(pid 555, pid 556\)/);
    const recent = classifySets(set({ otime: NOW / 1000 - 5 }), values([1, 555]));
    assert.equal(recent.state, 'unused');
  });

  it('calls a never-used set orphaned after the grace period, but not for sure', function () {
    const never = classifySets(set({ otime: 0 }), values([0, 0], [0, 0]));
    assert.deepEqual([never.state, never.certain], ['orphaned', false]);
    assert.match(never.reason, /never used since it was made .*the kernel does not record who made a set/);
  });

  it('says why values are missing, and never calls such a set orphaned', function () {
    const denied = classifySets(set({ otime: 0 }), { read: false, why: 'denied', message: 'permission denied (EACCES)' });
    assert.equal(denied.state, 'unused');
    assert.match(semDescription(denied), /values not readable/);
    assert.equal(semRow(denied, { held: false, uid: 0 }).children[0].label, 'sem 0 = ?');
  });

  it('keeps a waiter whose sembuf could not be read under the set', function () {
    const info = classifySets(set(), values([0, 100, 1], [0, 100]), [{ pid: 101, tid: 102, call: 'semop', id: 7 }]);
    assert.deepEqual(
      info.setWaiters.map((w) => w.tid),
      [102],
    );
    const row = semRow(info, { held: false, uid: 0 });
    assert.match(row.children[2].description ?? '', /blocked in semop \(thread 102\)/);
  });
});

describe('System V message queues', function () {
  const message = (index: number, mtype: bigint, text: string) => ({ index, mtype, size: Buffer.byteLength(text), preview: Buffer.from(text) });

  it('lists messages with type, size and first bytes, and says when more are not shown', function () {
    const contents: QueueContents = { read: true, qbytes: 16384, messages: [message(0, 7n, 'peek-me'), message(1, 2n, 'second\x01')], more: true };
    const info = classifyQueue(queue({ qnum: 5, cbytes: 70, lspid: 100 }), contents);
    assert.equal(info.state, 'in-use');
    const row = msgRow(info, { held: false, uid: 0 });
    assert.deepEqual(
      row.children.map((c) => [c.label, c.description]),
      [
        ['#0 type 7', '7 B · "peek-me"'],
        ['#1 type 2', '7 B · "second."'],
        ['3 more messages not shown', undefined],
      ],
    );
    assert.deepEqual(row.children[0].command?.arguments, [9, 0]);
    assert.equal(msgDescription(info), '5 messages · 70 B of 16 KiB · root');
  });

  it('is full when cbytes reaches qbytes, with blocked senders', function () {
    const sender: Waiter = { pid: 100, tid: 100, call: 'msgsnd', id: 9, size: 512 };
    const info = classifyQueue(queue({ qnum: 32, cbytes: 16384, lspid: 100 }), { read: true, qbytes: 16384, messages: [], more: true }, [sender]);
    assert.equal(info.state, 'full');
    assert.match(info.reason, /^full: 16384 of 16384 bytes queued \(qbytes\); 1 sender blocked/);
    assert.equal(msgRow(info, { held: false, uid: 0 }).icon, 'problem');
    assert.match(msgRow(info, { held: false, uid: 0 }).children[0].description ?? '', /blocked sending 512 bytes/);
  });

  it('shows receivers waiting for a type', function () {
    const receiver: Waiter = { pid: 101, tid: 101, call: 'msgrcv', id: 9, msgtype: 3n };
    const info = classifyQueue(queue(), { read: true, qbytes: 16384, messages: [], more: false }, [receiver]);
    assert.equal(info.state, 'in-use');
    assert.equal(msgRow(info, { held: false, uid: 0 }).children[0].description, 'waiting to receive type 3');
  });

  it('is orphaned when its last sender and receiver exited, and says what is left in it', function () {
    const info = classifyQueue(queue({ qnum: 2, cbytes: 10, lspid: 555, lrpid: 556, stime: NOW / 1000 - 600 }), {
      read: true,
      qbytes: 16384,
      messages: [],
      more: true,
    });
    assert.deepEqual([info.state, info.certain], ['orphaned', true]);
    assert.match(info.reason, /last sender and receiver have exited; 2 messages \(10 bytes\) left in it that nobody is reading/);
  });

  it('says a queue cannot be read without consuming it where MSG_COPY is missing', function () {
    const info = classifyQueue(queue({ qnum: 3, lspid: 100 }), {
      read: false,
      why: 'unsupported',
      message: 'this kernel cannot read a queue without consuming it (no MSG_COPY)',
    });
    assert.match(msgRow(info, { held: false, uid: 0 }).children[0].label, /3 messages: cannot be read without consuming them/);
  });

  it('turns a preview into text', function () {
    assert.equal(previewText({ index: 0, mtype: 1n, size: 40, preview: Buffer.from('hello\0world') }, 11), 'hello.world…');
  });
});

describe('POSIX named semaphores and queues', function () {
  function glibcSem(value: number, waiters: number, priv = 0): Buffer {
    const bytes = Buffer.alloc(32);
    bytes.writeBigUInt64LE((BigInt(waiters) << 32n) | BigInt(value), 0);
    bytes.writeInt32LE(priv, 8);
    return bytes;
  }

  it("reads value and waiters from glibc's 64-bit sem_t", function () {
    assert.deepEqual(decodeGlibcSemaphore(glibcSem(3, 0), 'x64'), { read: true, layout: 'glibc', value: 3, waiters: 0 });
    assert.deepEqual(decodeGlibcSemaphore(glibcSem(0, 2), 'arm64'), { read: true, layout: 'glibc', value: 0, waiters: 2 });
  });

  it('says "unknown layout" rather than a wrong number', function () {
    assert.equal((decodeGlibcSemaphore(Buffer.alloc(16), 'x64') as { layout: string }).layout, 'unknown');
    const junk = glibcSem(1, 0);
    junk[20] = 0x55;
    assert.equal((decodeGlibcSemaphore(junk, 'x64') as { layout: string }).layout, 'unknown');
    assert.equal((decodeGlibcSemaphore(glibcSem(0x80000000, 0), 'x64') as { layout: string }).layout, 'unknown', 'beyond SEM_VALUE_MAX');
    assert.equal((decodeGlibcSemaphore(glibcSem(1, 0), 'arm') as { layout: string }).layout, 'unknown', 'the 32-bit layout differs');
  });

  it('names semaphores as sem_open does', function () {
    assert.equal(semaphoreName('sem.mp-1a2b'), '/mp-1a2b');
    assert.equal(semaphoreName('/dev/shm/sem.lock'), '/lock');
  });

  it("names a removed semaphore as it was named while linked, not by glibc's temporary name in its mapping", function () {
    // sem_open creates sem.XXXXXX and links it to sem.NAME: the holder's maps show the temporary name.
    const key = '0:27:4242';
    const mapping: FileHold = {
      via: 'map',
      pid: 100,
      access: 'rw',
      perms: 'rw-s',
      start: '7f0000000000',
      end: '7f0000001000',
      length: 4096,
      key,
      path: '/dev/shm/sem.AbCdEf',
      deleted: true,
    };
    const scan = {
      readBy: 'extension',
      attachments: new Map(),
      files: new Map([[key, [mapping]]]),
      processes: 1,
      scanned: 1,
      unreadable: 0,
      unreadablePids: [],
      vanished: 0,
      otherNamespace: 0,
      signature: '',
    } as ProcScan;
    const file: PosixObject = {
      name: 'sem.lock',
      path: '/dev/shm/sem.lock',
      key,
      devMajor: 0,
      devMinor: 27,
      ino: 4242,
      size: 32,
      allocated: 4096,
      mode: 0o600,
      uid: 0,
      gid: 0,
      mtimeMs: NOW,
      ctimeMs: NOW,
    };
    const knownNames = new Map<string, string>();
    const context = { scan, names, nowMs: NOW, graceMs: GRACE, lastHeldMs: new Map<string, number>(), devicePrefix: '0:27:', readings: new Map(), knownNames };
    const linked = classifyPosixSemaphores([file], context);
    assert.deepEqual(
      linked.map((s) => [s.name, s.nameFrom, s.state]),
      [['/lock', 'file', 'in-use']],
    );
    const removed = classifyPosixSemaphores([], context);
    assert.deepEqual(
      removed.map((s) => [s.name, s.nameFrom, s.state]),
      [['/lock', 'earlier', 'removed-held']],
    );
    const neverSeen = classifyPosixSemaphores([], { ...context, knownNames: new Map() });
    assert.deepEqual(
      neverSeen.map((s) => [s.name, s.nameFrom]),
      [['/AbCdEf', 'mapping']],
      "only the mapping's name is known",
    );
    scan.files.clear();
    classifyPosixSemaphores([], context);
    assert.equal(knownNames.size, 0, 'names of semaphores gone for good are forgotten');
  });

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
