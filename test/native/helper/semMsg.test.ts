// The real helper (AddressSanitizer + UBSan build) on System V semaphore sets and message queues
// and on POSIX message queues, against the real kernel. Sets and queues are made the way users'
// programs make them (util-linux ipcmk, Python's sysv_ipc, native/bin/ipctool) and tracked through
// test/support/semMsg.ts, so they are removed (and their waiters killed) even when a test fails.
// POSIX queues are made only inside private IPC namespaces, which die with the helper.
// Every wait is on state (a process asleep in the system call, a line it printed), never on time.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { HelperError } from '../../../src/ipc/helperClient';
import { SnapshotSource } from '../../../src/ipc/snapshot';
import { msgTooltip } from '../../../src/ipc/sysvMsg/present';
import { semDescription, semTooltip } from '../../../src/ipc/sysvSem/present';
import { encodeRequest, FrameDecoder, MsgPeek, Op, packArgs } from '../../../src/ipc/helperProtocol';
import { helperBinary, isRoot, NOBODY, rejectsWith, TestHelper } from '../../support/helper';
import { waitFor } from '../../support/waitFor';
import { listPosixQueues } from '../../../src/ipc/posixMq/read';
import {
  cleanupSemMsg,
  freshIpcKey,
  haveSysvIpc,
  ipcmkMsg,
  ipcmkSem,
  ipctool,
  ipctoolPath,
  msgProc,
  python,
  semProc,
  startIpctool,
  SYSCALL,
  trackMsg,
  trackSem,
  waitBlocked,
} from '../../support/semMsg';

const NOBODY_UID = 65534;

/** Runs a fresh helper on exactly these request bytes and returns its replies (for frames the client refuses to build). */
function rawReplies(stream: Buffer, wrap: string[] = []): Array<{ status: number; name: string; message: string }> {
  const command = [...wrap, helperBinary('asan')];
  const run = spawnSync(command[0], command.slice(1), { input: stream });
  assert.equal(run.status, 0, `helper exited ${run.status}: ${run.stderr.toString()}`);
  assert.equal(run.stderr.toString(), '', 'no sanitizer report');
  return new FrameDecoder().push(run.stdout).map((r) => {
    const nameLength = r.status === 0 ? 0 : r.payload[0];
    return {
      status: r.status,
      name: r.status === 0 ? '' : r.payload.subarray(1, 1 + nameLength).toString('latin1'),
      message: r.status === 0 ? '' : r.payload.subarray(1 + nameLength).toString('utf8'),
    };
  });
}

const semWaiters = [SYSCALL.semtimedop, SYSCALL.semop];
const peekSummary = (peek: MsgPeek) => peek.messages.map((m) => [m.index, m.mtype, m.size, m.preview.toString('hex')]);
/** An argv prefix that runs the helper in a fresh IPC namespace and a private mount namespace. */
const PRIVATE_IPC = ['unshare', '--ipc', '--mount', '--propagation', 'private'];
/** What the helper in such a namespace sees as /dev/mqueue, from outside (through its root). */
const mqueueDir = (pid: number) => `/proc/${pid}/root/dev/mqueue`;
/** Runs a command in the helper's IPC namespace (nsenter, root). */
const inIpcNamespace = (pid: number, command: string[]) => execFileSync('nsenter', ['--target', String(pid), '--ipc', ...command], { encoding: 'utf8' });

describe('ipc-helper on semaphores and message queues against the real kernel', function () {
  let helper: TestHelper;
  let client: TestHelper['client'];
  const others: TestHelper[] = [];

  /** Another helper (as nobody, in a namespace, ...) checked and disposed like the main one. */
  function otherHelper(options: ConstructorParameters<typeof TestHelper>[0]): TestHelper {
    const other = new TestHelper(options);
    others.push(other);
    return other;
  }

  before(function () {
    if (!fs.existsSync(ipctoolPath)) throw new Error(`${ipctoolPath} is missing: run "npm run build:native"`);
  });

  beforeEach(function () {
    helper = new TestHelper();
    client = helper.client;
  });

  afterEach(async function () {
    const all = [helper, ...others.splice(0)];
    const reports = all.flatMap((h) => h.sanitizerReports());
    for (const h of all) h.dispose();
    await cleanupSemMsg();
    assert.deepEqual(reports, [], 'the sanitizers reported a problem in the helper');
  });

  describe('SEM_STAT and SEM_VALUES', function () {
    it('reads a set made by util-linux `ipcmk -S 4` as /proc/sysvipc/sem shows it, all values 0', async function () {
      const semid = ipcmkSem(4, 0o640);
      const row = semProc(semid)!;
      const { stat, semaphores } = await client.semValues(semid);
      assert.deepEqual(
        { key: stat.key, semid: stat.semid, mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid, nsems: stat.nsems, otime: stat.otime, ctime: stat.ctime },
        { key: row.key, semid, mode: 0o640, uid: row.uid, gid: row.gid, nsems: 4, otime: 0, ctime: row.ctime },
      );
      assert.deepEqual(semaphores, Array(4).fill({ value: 0, lastPid: 0, ncnt: 0, zcnt: 0 }));
      assert.deepEqual(await client.semStat(semid), stat);
    });

    it('reads the values Python sysv_ipc left, and GETPID names the last process that operated', async function () {
      if (!haveSysvIpc()) throw new Error('python3-sysv-ipc is missing for /usr/bin/python3: apt-get install python3-sysv-ipc');
      const made = python<{ sem: number[]; pid: number }>(`
import os
s = sysv_ipc.Semaphore(None, sysv_ipc.IPC_CREX, 0o600, 3)
s.release()
s.release()
print(json.dumps({"sem": [s.id], "pid": os.getpid()}))`);
      const semid = made.sem[0];
      let values = await client.semValues(semid);
      assert.equal(values.stat.nsems, 1, 'a sysv_ipc Semaphore is a set of one');
      assert.deepEqual(values.semaphores, [{ value: 5, lastPid: made.pid, ncnt: 0, zcnt: 0 }]);
      assert.ok(Math.abs(values.stat.otime - Date.now() / 1000) < 60, 'otime is the time of the releases');
      const done = ipctool(['semop', String(semid), '0', '-2']).trim();
      values = await client.semValues(semid);
      assert.deepEqual(values.semaphores, [{ value: 3, lastPid: Number(done.split(' ')[1]), ncnt: 0, zcnt: 0 }]);
      assert.notEqual(values.semaphores[0].lastPid, made.pid);
    });

    it('counts real waiters: ncnt for one blocked decrementing, zcnt for one waiting for zero', async function () {
      const { created, semid } = await client.semCreate(0, 3, 0o600, true, [0, 1, 2]);
      trackSem(semid);
      assert.equal(created, true);
      const decrementer = await startIpctool(['semwait', String(semid), '0']);
      const zeroWaiter = await startIpctool(['semzero', String(semid), '1']);
      assert.equal(decrementer.firstLine, `waiting ${decrementer.pid}`);
      const wchan = await waitBlocked(decrementer.pid, semWaiters, semid);
      assert.match(wchan, /sem/, 'asleep in the semaphore code');
      await waitBlocked(zeroWaiter.pid, semWaiters, semid);
      let values = await client.semValues(semid);
      assert.deepEqual(
        values.semaphores.map((s) => [s.value, s.ncnt, s.zcnt]),
        [
          [0, 1, 0],
          [1, 0, 1],
          [2, 0, 0],
        ],
      );
      // Looking changed nothing: both still asleep, the values as they were.
      await waitBlocked(decrementer.pid, semWaiters, semid);
      // Let the decrementer through: its semop is now the last on semaphore 0.
      ipctool(['semop', String(semid), '0', '1']);
      assert.equal(await decrementer.nextLine(), 'done');
      values = await client.semValues(semid);
      assert.deepEqual(
        values.semaphores.map((s) => [s.value, s.ncnt, s.zcnt]),
        [
          [0, 0, 0],
          [1, 0, 1],
          [2, 0, 0],
        ],
      );
      assert.equal(values.semaphores[0].lastPid, decrementer.pid);
      await zeroWaiter.stop();
      values = await client.semValues(semid);
      assert.equal(values.semaphores[1].zcnt, 0, 'the waiter is gone with its process');
    });

    it('shows a holder that died holding the semaphore: the value stays taken, GETPID names the dead process', async function () {
      const { semid } = await client.semCreate(0, 1, 0o600, true, [1]);
      trackSem(semid);
      const holder = await startIpctool(['semhold', String(semid), '0']);
      assert.equal(holder.firstLine, `holding ${holder.pid}`);
      assert.deepEqual((await client.semValues(semid)).semaphores, [{ value: 0, lastPid: holder.pid, ncnt: 0, zcnt: 0 }]);
      await holder.kill();
      assert.equal(fs.existsSync(`/proc/${holder.pid}`), false, 'the holder is gone');
      assert.deepEqual((await client.semValues(semid)).semaphores, [{ value: 0, lastPid: holder.pid, ncnt: 0, zcnt: 0 }], 'no SEM_UNDO: nothing gave it back');
    });

    it('fails in words for a set that is gone, also when it is removed while values are being read', async function () {
      const semid = ipcmkSem(8);
      execFileSync('ipcrm', ['-s', String(semid)]);
      await rejectsWith(client.semValues(semid), 'EINVAL', new RegExp(`no semaphore set with id ${semid} \\(removed\\?\\)`));
      await rejectsWith(client.semStat(semid), 'EINVAL', /removed\?/);
      // Pipelined reads with the removal in between: each one is whole or a worded error.
      const other = ipcmkSem(8);
      await client.hello();
      const reads = Array.from({ length: 300 }, () =>
        client.semValues(other).then(
          (v) => v,
          (e: unknown) => e,
        ),
      );
      execFileSync('ipcrm', ['-s', String(other)]);
      const outcomes = [...(await Promise.all(reads)), await client.semValues(other).catch((e: unknown) => e)];
      for (const outcome of outcomes) {
        if (outcome instanceof HelperError) {
          assert.ok(['EINVAL', 'EIDRM'].includes(outcome.code), outcome.message);
          assert.match(outcome.message, new RegExp(`no semaphore set with id ${other} \\(removed\\?\\)`));
        } else {
          assert.equal((outcome as { semaphores: unknown[] }).semaphores.length, 8);
        }
      }
      assert.ok(outcomes[outcomes.length - 1] instanceof HelperError, 'after the removal: an error');
    });
  });

  describe('SEM_CREATE, SEM_SET and SEM_REMOVE', function () {
    it('creates with initial values, refuses EEXIST when exclusive and otherwise opens the existing set untouched', async function () {
      const key = freshIpcKey();
      const first = await client.semCreate(key, 3, 0o640, true, [1, 2, 32767]);
      trackSem(first.semid);
      assert.equal(first.created, true);
      assert.deepEqual(
        { key: semProc(first.semid)!.key >>> 0, perms: semProc(first.semid)!.perms, nsems: semProc(first.semid)!.nsems },
        { key, perms: 0o640, nsems: 3 },
      );
      assert.deepEqual(
        (await client.semValues(first.semid)).semaphores.map((s) => s.value),
        [1, 2, 32767],
      );
      await rejectsWith(client.semCreate(key, 3, 0o640, true), 'EEXIST', /already exists \(exclusive create\)/);
      const again = await client.semCreate(key, 3, 0o640, false, [9, 9, 9]);
      assert.deepEqual(again, { created: false, semid: first.semid });
      assert.deepEqual(
        (await client.semValues(first.semid)).semaphores.map((s) => s.value),
        [1, 2, 32767],
        'values of an existing set are left alone',
      );
      assert.deepEqual(await client.semCreate(key, 2, 0o640, false), { created: false, semid: first.semid }, 'fewer than it has: fine');
      await rejectsWith(client.semCreate(key, 5, 0o640, false), 'EINVAL', /has only 3 semaphores, fewer than the 5 asked for/);
    });

    it('makes IPC_PRIVATE sets (key 0, a new one each time), and says why a size is refused', async function () {
      const a = await client.semCreate(0, 1, 0o600, false);
      const b = await client.semCreate(0, 1, 0o600, false);
      trackSem(a.semid);
      trackSem(b.semid);
      assert.ok(a.created && b.created);
      assert.notEqual(a.semid, b.semid);
      assert.equal(semProc(a.semid)!.key, 0);
      const semmsl = Number(fs.readFileSync('/proc/sys/kernel/sem', 'utf8').trim().split(/\s+/)[0]);
      await rejectsWith(client.semCreate(0, 0, 0o600, false), 'EINVAL', /outside the allowed 1 to SEMMSL/);
      await rejectsWith(client.semCreate(0, semmsl + 1, 0o600, false), 'EINVAL', new RegExp(`SEMMSL ${semmsl}`));
      await rejectsWith(client.semCreate(0, 2, 0o600, false, [1, 32768]), 'ERANGE', /SEMVMX.*nothing was created/);
    });

    it('gives a set with a mode its owner cannot write its initial values anyway, then exactly that mode', async function () {
      const { semid } = await client.semCreate(0, 2, 0o400, true, [4, 5]);
      trackSem(semid);
      assert.equal(semProc(semid)!.perms, 0o400);
      assert.deepEqual(
        (await client.semValues(semid)).semaphores.map((s) => s.value),
        [4, 5],
      );
    });

    it('changes the mode and the owner keeping what is not given, and removes the set', async function () {
      const semid = ipcmkSem(2, 0o600);
      assert.equal((await client.semSet(semid, { mode: 0o644 })).mode & 0o777, 0o644);
      assert.equal(semProc(semid)!.perms, 0o644);
      const after = await client.semSet(semid, { uid: NOBODY_UID });
      assert.deepEqual([after.uid, semProc(semid)!.uid, semProc(semid)!.perms], [NOBODY_UID, NOBODY_UID, 0o644]);
      await client.semRemove(semid);
      assert.equal(semProc(semid), undefined);
      await rejectsWith(client.semRemove(semid), 'EINVAL', /removed\?/);
    });
  });

  describe('MSG_STAT, MSG_PEEK and MSG_READ', function () {
    it('peeks at messages of several types (ipcmk -Q + ipctool) in order, true sizes and previews, consuming nothing', async function () {
      const msqid = ipcmkMsg(0o600);
      const big = randomBytes(5000);
      ipctool(['msgsend', String(msqid), '7', 'peek-me']);
      ipctool(['msgsend', String(msqid), '3', 'hex:00ff0010']);
      ipctool(['msgsend', String(msqid), String(2 ** 40), '-'], { input: big });
      ipctool(['msgsend', String(msqid), '1', '']);
      const before = msgProc(msqid)!;
      assert.deepEqual([before.qnum, before.cbytes], [4, 7 + 4 + 5000]);
      const all = await client.msgPeek(msqid, 0, 10, 16);
      assert.deepEqual(peekSummary(all), [
        [0, 7n, 7, Buffer.from('peek-me').toString('hex')],
        [1, 3n, 4, '00ff0010'],
        [2, 2n ** 40n, 5000, big.subarray(0, 16).toString('hex')],
        [3, 1n, 0, ''],
      ]);
      assert.equal(all.more, false);
      const middle = await client.msgPeek(msqid, 1, 2, 2);
      assert.deepEqual(peekSummary(middle), [
        [1, 3n, 4, '00ff'],
        [2, 2n ** 40n, 5000, big.subarray(0, 2).toString('hex')],
      ]);
      assert.equal(middle.more, true, 'message 3 follows');
      assert.deepEqual(await client.msgPeek(msqid, 4, 10), { messages: [], more: false });
      assert.deepEqual(await client.msgPeek(msqid, 0, 0), { messages: [], more: true }, 'count 0 only asks whether there are any');
      const stat = await client.msgStat(msqid);
      const after = msgProc(msqid)!;
      assert.deepEqual([stat.qnum, stat.cbytes, after.qnum, after.cbytes], [4, 5011, 4, 5011], 'nothing consumed');
      assert.deepEqual([after.lrpid, after.rtime], [before.lrpid, before.rtime], 'no receive recorded (lrpid, rtime)');
      assert.equal(before.lrpid, 0);
      assert.equal(stat.lspid, after.lspid, 'the last sender, as /proc says');
    });

    it('peeks at messages Python sysv_ipc sent', async function () {
      if (!haveSysvIpc()) throw new Error('python3-sysv-ipc is missing for /usr/bin/python3: apt-get install python3-sysv-ipc');
      const made = python<{ msg: number[] }>(`
q = sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX, 0o600)
q.send(b"first", type=5)
q.send(b"\\x00second", type=1)
q.send("third", type=5)
print(json.dumps({"msg": [q.id]}))`);
      const msqid = made.msg[0];
      const peek = await client.msgPeek(msqid, 0, 10, 100);
      assert.deepEqual(
        peek.messages.map((m) => [m.mtype, m.preview.toString('latin1')]),
        [
          [5n, 'first'],
          [1n, '\0second'],
          [5n, 'third'],
        ],
      );
      assert.equal(msgProc(msqid)!.qnum, 3);
    });

    it('reads one whole message byte for byte (MSG_READ), and says ENOMSG past the end', async function () {
      const msqid = ipcmkMsg();
      const msgmax = Number(fs.readFileSync('/proc/sys/kernel/msgmax', 'utf8'));
      const text = randomBytes(Math.min(msgmax, 8000));
      ipctool(['msgsend', String(msqid), '1', 'small']);
      ipctool(['msgsend', String(msqid), '42', '-'], { input: text });
      const message = await client.msgRead(msqid, 1);
      assert.equal(message.mtype, 42n);
      assert.ok(message.text.equals(text), 'the same bytes');
      assert.equal((await client.msgRead(msqid, 0)).text.toString(), 'small');
      await rejectsWith(client.msgRead(msqid, 2), 'ENOMSG', /no message at index 2 \(it holds 2 now\)/);
      assert.equal(msgProc(msqid)!.qnum, 2, 'nothing consumed');
    });

    it('sees a waiting receiver and a sender blocked on a full queue, and wakes neither', async function () {
      const msqid = ipcmkMsg();
      const receiver = await startIpctool(['msgwait', String(msqid), '99']);
      await waitBlocked(receiver.pid, [SYSCALL.msgrcv], msqid);
      const sender = await startIpctool(['msgfill', String(msqid)]);
      const [word, pid, count] = sender.firstLine.split(' ');
      assert.deepEqual([word, Number(pid)], ['blocked', sender.pid]);
      await waitBlocked(sender.pid, [SYSCALL.msgsnd], msqid);
      const stat = await client.msgStat(msqid);
      assert.equal(stat.qnum, Number(count));
      assert.equal(stat.cbytes, Number(count), '1-byte messages');
      assert.equal(stat.lspid, sender.pid);
      const first = await client.msgPeek(msqid, 0, 1000, 1);
      assert.equal(first.messages.length, Math.min(1000, stat.qnum));
      assert.ok(first.messages.every((m, i) => m.index === i && m.mtype === 1n && m.size === 1 && m.preview.toString() === 'x'));
      assert.equal(first.more, stat.qnum > 1000);
      // Still full, still blocked, still waiting: looking neither made room nor took a message.
      assert.equal((await client.msgStat(msqid)).qnum, stat.qnum);
      await waitBlocked(sender.pid, [SYSCALL.msgsnd], msqid);
      await waitBlocked(receiver.pid, [SYSCALL.msgrcv], msqid);
    });

    it('fails in words when the queue is removed while it is being read', async function () {
      const msqid = ipcmkMsg();
      for (let i = 0; i < 20; i++) ipctool(['msgsend', String(msqid), String(1 + i), `message ${i}`]);
      await client.hello();
      const peeks = Array.from({ length: 200 }, () =>
        client.msgPeek(msqid, 0, 20, 8).then(
          (v) => v,
          (e: unknown) => e,
        ),
      );
      execFileSync('ipcrm', ['-q', String(msqid)]);
      const outcomes = [...(await Promise.all(peeks)), await client.msgPeek(msqid).catch((e: unknown) => e)];
      for (const outcome of outcomes) {
        if (outcome instanceof HelperError) {
          assert.ok(['EINVAL', 'EIDRM'].includes(outcome.code), outcome.message);
          assert.match(outcome.message, new RegExp(`no message queue with id ${msqid} \\(removed\\?\\)`));
        } else {
          assert.equal((outcome as MsgPeek).messages.length, 20);
        }
      }
      assert.ok(outcomes[outcomes.length - 1] instanceof HelperError);
      await rejectsWith(client.msgRead(msqid, 0), 'EINVAL', /removed\?/);
      await rejectsWith(client.msgStat(msqid), 'EINVAL', /removed\?/);
    });

    it('refuses peeks beyond its bounds and a non-zero reserved field', async function () {
      const msqid = ipcmkMsg();
      await rejectsWith(client.msgPeek(msqid, 0, 1001), 'E2BIG', /at most 1000 messages and 4096 preview bytes/);
      await rejectsWith(client.msgPeek(msqid, 0, 10, 4097), 'E2BIG');
      const [peek, read, hello] = rawReplies(
        Buffer.concat([
          encodeRequest(1, Op.MsgPeek, packArgs(['i32', msqid], ['u32', 0], ['u32', 1], ['u32', 1], ['u32', 1])),
          encodeRequest(2, Op.MsgRead, packArgs(['i32', msqid], ['u32', 0], ['u32', 7])),
          encodeRequest(3, Op.Hello, packArgs(['u32', 3])),
        ]),
      );
      assert.deepEqual([peek.name, read.name, hello.status], ['EINVAL', 'EINVAL', 0]);
      assert.match(peek.message, /reserved field must be 0/);
    });
  });

  describe('MSG_CREATE, MSG_SET and MSG_REMOVE', function () {
    it('creates, refuses EEXIST when exclusive, opens an existing queue otherwise, and makes IPC_PRIVATE ones', async function () {
      const key = freshIpcKey();
      const made = await client.msgCreate(key, 0o640, true);
      trackMsg(made.msqid);
      assert.equal(made.created, true);
      assert.deepEqual([msgProc(made.msqid)!.key >>> 0, msgProc(made.msqid)!.perms], [key, 0o640]);
      await rejectsWith(client.msgCreate(key, 0o640, true), 'EEXIST', /message queue with key 0x[0-9a-f]{8} already exists/);
      assert.deepEqual(await client.msgCreate(key, 0o640, false), { created: false, msqid: made.msqid });
      const a = await client.msgCreate(0, 0o600, true);
      const b = await client.msgCreate(0, 0o600, true);
      trackMsg(a.msqid);
      trackMsg(b.msqid);
      assert.notEqual(a.msqid, b.msqid);
      assert.equal(msgProc(a.msqid)!.key, 0);
    });

    it('changes mode, owner and capacity keeping what is not given, and removes the queue', async function () {
      const msqid = ipcmkMsg(0o600);
      const qbytes = (await client.msgStat(msqid)).qbytes;
      assert.equal((await client.msgSet(msqid, { mode: 0o660 })).mode & 0o777, 0o660);
      const smaller = await client.msgSet(msqid, { qbytes: 4096 });
      assert.deepEqual([smaller.qbytes, smaller.mode & 0o777], [4096, 0o660]);
      const given = await client.msgSet(msqid, { uid: NOBODY_UID, gid: NOBODY_UID });
      assert.deepEqual([given.uid, given.gid, given.qbytes, msgProc(msqid)!.uid, msgProc(msqid)!.perms], [NOBODY_UID, NOBODY_UID, 4096, NOBODY_UID, 0o660]);
      assert.notEqual(qbytes, 4096);
      await client.msgRemove(msqid);
      assert.equal(msgProc(msqid), undefined);
      await rejectsWith(client.msgRemove(msqid), 'EINVAL', /no message queue with id \d+ \(removed\?\)/);
    });
  });

  describe('as an unprivileged user (nobody)', function () {
    before(function () {
      if (!isRoot) this.skip(); // switching to nobody needs root; CI runs as root
    });

    it("cannot read root's 0600 set or queue: EACCES in words, EPERM for removing", async function () {
      const semid = ipcmkSem(2, 0o600);
      const msqid = ipcmkMsg(0o600);
      ipctool(['msgsend', String(msqid), '1', 'secret']);
      const nobody = otherHelper({ asNobody: true }).client;
      assert.equal((await nobody.hello()).euid, NOBODY_UID);
      const denied =
        /permission denied .* (semaphore set|message queue) \d+ \(mode 0600, owner uid 0, group gid 0; this helper runs as uid 65534\): its owner can grant read access/;
      await rejectsWith(nobody.semValues(semid), 'EACCES', denied);
      await rejectsWith(nobody.semStat(semid), 'EACCES', denied);
      await rejectsWith(nobody.msgPeek(msqid), 'EACCES', denied);
      const error = await rejectsWith(nobody.msgRead(msqid, 0), 'EACCES', denied);
      assert.doesNotMatch(error.message, /secret/);
      await rejectsWith(nobody.semRemove(semid), 'EPERM', /owned by uid 0 \(created by uid 0\).*uid 65534; only the owner, the creator or root/);
      await rejectsWith(nobody.msgSet(msqid, { mode: 0o666 }), 'EPERM', /only the owner, the creator or root/);
      assert.deepEqual([semProc(semid)!.perms, msgProc(msqid)!.perms, msgProc(msqid)!.qnum], [0o600, 0o600, 1]);
    });

    it('the views say a set or queue this user may not read is not readable, and read it for root', async function () {
      const semid = ipcmkSem(2, 0o600);
      const msqid = ipcmkMsg(0o600);
      ipctool(['msgsend', String(msqid), '1', 'secret']);
      const nobody = otherHelper({ asNobody: true }).client;
      const needs = new Set(['semValues', 'messages'] as const);
      const asNobody = (await new SnapshotSource().refresh({ force: true, needs, helper: () => nobody })).snapshot;
      const set = asNobody.sem.sets.find((s) => s.set.semid === semid)!;
      assert.deepEqual([set.values.read, !set.values.read && set.values.why], [false, 'denied']);
      assert.match(semDescription(set), /values not readable/);
      assert.match(semTooltip(set), /\| Values \| not readable by this user \(EACCES\)/);
      const queue = asNobody.msg.queues.find((q) => q.queue.msqid === msqid)!;
      assert.deepEqual([queue.contents.read, !queue.contents.read && queue.contents.why], [false, 'denied']);
      assert.match(msgTooltip(queue), /\| Messages shown \| not readable by this user \(EACCES\)/);
      const asRoot = (await new SnapshotSource().refresh({ force: true, needs, helper: () => client })).snapshot;
      const rootSet = asRoot.sem.sets.find((s) => s.set.semid === semid)!;
      assert.deepEqual(rootSet.values.read && rootSet.values.semaphores.map((v) => v.value), [0, 0]);
      const rootQueue = asRoot.msg.queues.find((q) => q.queue.msqid === msqid)!;
      assert.deepEqual(rootQueue.contents.read && rootQueue.contents.messages.map((m) => [m.mtype, Buffer.from(m.preview).toString()]), [[1n, 'secret']]);
    });

    it('can create, read and remove its own set and queue', async function () {
      const nobody = otherHelper({ asNobody: true }).client;
      const { semid } = await nobody.semCreate(0, 2, 0o600, true, [3, 4]);
      trackSem(semid);
      const { msqid } = await nobody.msgCreate(0, 0o600, true);
      trackMsg(msqid);
      assert.deepEqual([semProc(semid)!.uid, msgProc(msqid)!.uid], [NOBODY_UID, NOBODY_UID]);
      assert.deepEqual(
        (await nobody.semValues(semid)).semaphores.map((s) => s.value),
        [3, 4],
      );
      assert.deepEqual((await nobody.msgPeek(msqid)).messages, []);
      await nobody.semRemove(semid);
      await nobody.msgRemove(msqid);
      assert.equal(semProc(semid), undefined);
      assert.equal(msgProc(msqid), undefined);
    });
  });

  describe('POSIX message queues (in private IPC namespaces)', function () {
    before(function () {
      if (!isRoot) this.skip(); // unshare --ipc, mount and nsenter need root
    });

    /** A helper in a new IPC namespace with an mqueue of its own at /dev/mqueue, on a private /dev (a tmpfs: the machine's /dev untouched). */
    async function mqueueNamespace() {
      const script =
        'mount -t tmpfs -o mode=755,size=64k ipcinsp-dev /dev && mknod -m 666 /dev/null c 1 3 && ' +
        'mkdir /dev/mqueue && mount -t mqueue none /dev/mqueue && exec "$@"';
      const ns = otherHelper({ wrap: [...PRIVATE_IPC, 'sh', '-c', script, 'mq-ns'] }).client;
      await ns.hello();
      return ns;
    }

    it('creates, reads the attributes of and unlinks a queue, as the /dev/mqueue mounted there shows it', async function () {
      const ns = await mqueueNamespace();
      const dir = mqueueDir(ns.pid!);
      assert.deepEqual(fs.readdirSync(dir), [], 'a fresh namespace has no queues');
      const name = '/ipcinsp-test-q';
      const { created, attr } = await ns.mqCreate(name, 0o640, true, 5, 128);
      assert.equal(created, true);
      assert.deepEqual(attr, { maxmsg: 5, msgsize: 128, curmsgs: 0, flags: 0o4000 });
      const file = `${dir}${name}`;
      assert.equal(fs.statSync(file).mode & 0o7777, 0o640, 'exactly the mode asked for');
      assert.match(fs.readFileSync(file, 'utf8'), /^QSIZE:0\s/);
      inIpcNamespace(ns.pid!, [ipctoolPath, 'mqsend', name, 'hello']);
      assert.deepEqual(await ns.mqAttr(name), { maxmsg: 5, msgsize: 128, curmsgs: 1, flags: 0o4000 });
      assert.deepEqual(await ns.mqAttr(name), { maxmsg: 5, msgsize: 128, curmsgs: 1, flags: 0o4000 }, 'looking received nothing');
      assert.match(fs.readFileSync(file, 'utf8'), /^QSIZE:5\s/);
      assert.deepEqual(await ns.mqCreate(name, 0o600, false), { created: false, attr: { maxmsg: 5, msgsize: 128, curmsgs: 1, flags: 0o4000 } });
      await rejectsWith(ns.mqCreate(name, 0o600, true), 'EEXIST', /already exists/);
      await ns.mqUnlink(name);
      assert.equal(fs.existsSync(file), false);
      await rejectsWith(ns.mqAttr(name), 'ENOENT', /no POSIX message queue \/ipcinsp-test-q in this IPC namespace/);
      await rejectsWith(ns.mqUnlink(name), 'ENOENT');
      assert.equal(spawnSync(ipctoolPath, ['mqattr', name]).status, 1, "nothing of it in the machine's own namespace");
    });

    it("reading a queue's file moves its ctime, not its mtime; a send moves its mtime (why unused-since rests on mtime)", async function () {
      const ns = await mqueueNamespace();
      const name = '/ipcinsp-test-times';
      await ns.mqCreate(name, 0o600, true, 5, 128);
      const file = `${mqueueDir(ns.pid!)}${name}`;
      const made = fs.statSync(file, { bigint: true });
      // The clock into a second after the time given (the mqueue file system keeps whole seconds here).
      const later = (then: bigint) => waitFor(() => BigInt(Date.now()) * 1_000_000n > then + 1_010_000_000n, 5000, 'the clock to move on a second');
      await later(made.ctimeNs);
      fs.readFileSync(file, 'utf8');
      const looked = fs.statSync(file, { bigint: true });
      assert.ok(looked.ctimeNs > made.ctimeNs, 'a read moves ctime');
      assert.strictEqual(looked.mtimeNs, made.mtimeNs, 'a read leaves mtime');
      await later(looked.ctimeNs);
      inIpcNamespace(ns.pid!, [ipctoolPath, 'mqsend', name, 'hello']);
      assert.ok(fs.statSync(file, { bigint: true }).mtimeNs > looked.mtimeNs, 'a send moves mtime');
    });

    it("lists another namespace's queues through its root, unless that is the same mqueue mount as this process's own", async function () {
      const ns = await mqueueNamespace();
      await ns.mqCreate('/ipcinsp-test-seen', 0o600, true, 5, 128);
      const dir = mqueueDir(ns.pid!);
      const theirs = listPosixQueues(dir, '/nonexistent/mqueue');
      assert.deepEqual(
        theirs.queues.map((q) => q.name),
        ['/ipcinsp-test-seen'],
      );
      // As if this process's own mount were that one (a namespace sharing its mount namespace).
      const own = listPosixQueues(dir, dir);
      assert.equal(own.mounted, false);
      assert.deepEqual(own.queues, []);
      assert.match(own.problem ?? '', /it shows these queues, not the namespace's, so they cannot be listed/);
    });

    it('works through mq_* without any mqueue mount: system defaults, and another process sees the same queue', async function () {
      const ns = otherHelper({ wrap: ['unshare', '--ipc'] }).client;
      await ns.hello();
      const pid = ns.pid!;
      assert.equal(fs.readFileSync(`/proc/${pid}/mounts`, 'utf8').includes('mqueue'), false, 'no mqueue file system mounted');
      const defaults = [
        inIpcNamespace(pid, ['cat', '/proc/sys/fs/mqueue/msg_default']),
        inIpcNamespace(pid, ['cat', '/proc/sys/fs/mqueue/msgsize_default']),
      ].map(Number);
      const name = '/ipcinsp-test-defaults';
      const made = await ns.mqCreate(name, 0o600, true);
      assert.deepEqual([made.created, made.attr.maxmsg, made.attr.msgsize, made.attr.curmsgs], [true, defaults[0], defaults[1], 0]);
      const halfDefault = await ns.mqCreate('/ipcinsp-test-half', 0o600, true, 3, 0);
      assert.deepEqual([halfDefault.attr.maxmsg, halfDefault.attr.msgsize], [3, defaults[1]], '0 in one field is its default');
      inIpcNamespace(pid, [ipctoolPath, 'mqsend', name, 'x']);
      assert.equal(inIpcNamespace(pid, [ipctoolPath, 'mqattr', name]).trim(), `${defaults[0]} ${defaults[1]} 1`);
      assert.equal((await ns.mqAttr(name)).curmsgs, 1);
      await ns.mqUnlink(name);
      assert.notEqual(spawnSync('nsenter', ['--target', String(pid), '--ipc', ipctoolPath, 'mqattr', name]).status, 0, 'unlinked for everyone');
      await rejectsWith(ns.mqCreate('/ipcinsp-test-big', 0o600, true, 1 << 20, 0), 'EINVAL', /msg_max/);
    });

    it('refuses names that are not /NAME with EINVAL, saying why', async function () {
      for (const name of ['x', '/', '/a/b', '/.', '/..', `/${'x'.repeat(256)}`, '//x', 'dev/mqueue/x']) {
        await rejectsWith(client.mqAttr(name), 'EINVAL', /not the name of a POSIX message queue/);
        await rejectsWith(client.mqUnlink(name), 'EINVAL', /not the name of a POSIX message queue/);
        await rejectsWith(client.mqCreate(name, 0o600, true), 'EINVAL', /not the name of a POSIX message queue/);
      }
      const [nul, empty, hello] = rawReplies(
        Buffer.concat([
          encodeRequest(1, Op.MqAttr, Buffer.from('/a\0b')),
          encodeRequest(2, Op.MqCreate, packArgs(['u32', 0o600], ['u32', 0], ['u64', 0], ['u64', 0])),
          encodeRequest(3, Op.Hello, packArgs(['u32', 3])),
        ]),
      );
      assert.deepEqual([nul.name, empty.name, hello.status], ['EINVAL', 'EINVAL', 0]);
      assert.match(nul.message, /NUL/);
      assert.match(empty.message, /path of 1 to 4000 bytes/);
    });

    it("as nobody, cannot open root's 0600 queue nor remove it: EACCES in words", async function () {
      const script = `"${ipctoolPath}" mqcreate /ipcinsp-test-root 4 64 600 && exec "$@"`;
      const nobody = otherHelper({ wrap: ['unshare', '--ipc', 'sh', '-c', script, 'mq-nobody', ...NOBODY] }).client;
      assert.equal((await nobody.hello()).euid, NOBODY_UID);
      await rejectsWith(nobody.mqAttr('/ipcinsp-test-root'), 'EACCES', /permission denied opening POSIX message queue \/ipcinsp-test-root.*uid 65534/);
      const error = await nobody.mqUnlink('/ipcinsp-test-root').then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof HelperError && ['EACCES', 'EPERM'].includes(error.code), String(error));
      assert.match(error.message, /uid 65534/);
      assert.equal(inIpcNamespace(nobody.pid!, [ipctoolPath, 'mqattr', '/ipcinsp-test-root']).trim(), '4 64 0', 'still there');
    });
  });
});
