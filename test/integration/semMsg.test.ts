// The Semaphores and Message Queues views in the real extension host, over real sets and queues
// made by programs no one here wrote (util-linux ipcmk, Python's sysv_ipc and multiprocessing, glibc
// sem_open through ctypes) and by ipctool (waiters, a holder that dies holding, a full queue): rows,
// values, waiters and their diagnosis, messages peeked without being consumed, and the commands.
import * as assert from 'assert';
import { execFileSync, execSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { shmPath, trackName } from '../support/posixObjects';
import {
  cleanupSemMsg,
  ipcmkMsg,
  ipcmkSem,
  ipctool,
  msgProc,
  PYTHON,
  semProc,
  startIpctool,
  SYSCALL,
  trackMq,
  trackMsg,
  trackSem,
  waitBlocked,
} from '../support/semMsg';
import { waitFor } from '../support/waitFor';
import {
  descendants,
  descriptionOf,
  getApi,
  groupRows,
  iconOf,
  item,
  labelOf,
  me,
  queueRow,
  refreshView,
  restoreSettings,
  run,
  semRow,
  setSetting,
  tooltipOf,
} from './fixtures';
import { withPrompts } from './scriptedPrompts';

const SEMOPS = [SYSCALL.semtimedop, SYSCALL.semop];

function flags(treeItem: vscode.TreeItem): string[] {
  return (treeItem.contextValue ?? '').split(';');
}

/** The values the kernel has for a set, read by util-linux (not by the code under test). */
function ipcsValues(semid: number): number[] {
  const out = execFileSync('ipcs', ['-s', '-i', String(semid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => Number(m[2]));
}

describe('Semaphores and Message Queues', function () {
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
    await vscode.commands.executeCommand('ipcInspector.semaphores.focus');
    await vscode.commands.executeCommand('ipcInspector.messageQueues.focus');
    await waitFor(
      () => api.views.semaphores.treeView.visible && api.views.messageQueues.treeView.visible,
      10_000,
      'the Semaphores and Message Queues views to be visible',
    );
  });

  afterEach(async () => {
    for (const panel of api.contentsPanels()) panel.dispose();
    await cleanupSemMsg();
    await restoreSettings();
  });

  describe('Semaphores', () => {
    it('lists a set made by ipcmk with its values and a semaphore per child', async () => {
      const semid = ipcmkSem(3, 0o640);
      await refreshView();
      const node = semRow(api, semid);
      assert.ok(node, `set ${semid} has no row`);
      const row = item(api, node);
      assert.match(labelOf(row), new RegExp(` · ${semid}$`));
      assert.deepStrictEqual(descriptionOf(row).split(' · ').slice(0, 2), ['3 semaphores', '= 0, 0, 0']);
      assert.match(tooltipOf(row), /\| Permissions \| rw-r----- \(0640\) \|/);
      assert.match(tooltipOf(row), /the kernel keeps no creator pid for a set/);
      const children = descendants(api, node, 'sysvSem').map((c) => labelOf(item(api, c)));
      assert.deepStrictEqual(children, ['sem 0 = 0', 'sem 1 = 0', 'sem 2 = 0']);
      assert.match(row.accessibilityInformation?.label ?? '', new RegExp(`^Semaphore set key 0x[0-9a-f]{8}, id ${semid}, 3 semaphores`));
    });

    it("reads the value Python's sysv_ipc gave its semaphore", async () => {
      const semid = trackSem(
        Number(
          execFileSync(PYTHON, ['-c', 'import sysv_ipc; s = sysv_ipc.Semaphore(None, sysv_ipc.IPC_CREX, 0o600, 5); print(s.id)'], { encoding: 'utf8' }).trim(),
        ),
      );
      await refreshView();
      assert.strictEqual(labelOf(item(api, descendants(api, semRow(api, semid)!, 'sysvSem')[0])), 'sem 0 = 5');
      assert.deepStrictEqual(ipcsValues(semid), [5], 'the test premise, as ipcs reads it');
    });

    it('shows a process waiting for an increase under the semaphore it waits on', async () => {
      const semid = ipcmkSem(2);
      const waiter = await startIpctool(['semwait', String(semid), '1']);
      await waitBlocked(waiter.pid, SEMOPS, semid);
      await refreshView();
      const node = semRow(api, semid)!;
      const all = descendants(api, node, 'sysvSem');
      const sem1 = all.find((c) => labelOf(item(api, c)) === 'sem 1 = 0')!;
      assert.match(descriptionOf(item(api, sem1)), /1 wait for increase/);
      const waiterRow = all.find((c) => c.kind === 'child' && c.row.pid === waiter.pid);
      assert.ok(waiterRow, 'the waiter is listed');
      assert.match(descriptionOf(item(api, waiterRow)), /^waits for an increase/);
      assert.ok(flags(item(api, node)).includes('state=in-use'));
    });

    it('diagnoses a semaphore held at 0 by a process that died without SEM_UNDO, with its waiter', async () => {
      const semid = ipcmkSem(1);
      ipctool(['semop', String(semid), '0', '1']); // a free lock: value 1
      const holder = await startIpctool(['semhold', String(semid), '0']);
      const waiter = await startIpctool(['semwait', String(semid), '0']);
      await waitBlocked(waiter.pid, SEMOPS, semid);
      await holder.kill();
      await refreshView();
      const row = item(api, semRow(api, semid)!);
      assert.deepStrictEqual(iconOf(row), { id: 'error', color: 'list.errorForeground' });
      assert.ok(flags(row).includes('state=stuck'), row.contextValue);
      assert.match(tooltipOf(row), new RegExp(`pid ${holder.pid}.*exited: held by a process that exited without SEM_UNDO`));
    });

    it('Create Semaphore Set…: IPC_PRIVATE, two semaphores with their initial values, then Copy Remove Command removes it', async () => {
      let semid: unknown;
      await withPrompts(api, async (p) => {
        p.pick('IPC_PRIVATE')
          .input('2')
          .input((q) => {
            assert.ok(q.options.validateInput?.('1, 2, 3'), 'three values for two semaphores are refused');
            return '1, 0';
          })
          .input('600');
        semid = await run('ipcInspector.createSemaphoreSet');
      });
      assert.strictEqual(typeof semid, 'number');
      trackSem(semid as number);
      assert.deepStrictEqual(ipcsValues(semid as number), [1, 0]);
      assert.ok(semProc(semid as number), 'the set is in /proc/sysvipc/sem');
      await withPrompts(api, async () => {
        await run('ipcInspector.copyRemoveCommand', semRow(api, semid as number));
      });
      const command = await vscode.env.clipboard.readText();
      assert.strictEqual(command, `ipcrm -s ${semid}`);
      execSync(command);
      assert.strictEqual(semProc(semid as number), undefined);
    });

    it('Remove…: says waiters wake with EIDRM, and the waiter does', async () => {
      const semid = ipcmkSem(1);
      const waiter = await startIpctool(['semwait', String(semid), '0']);
      await waitBlocked(waiter.pid, SEMOPS, semid);
      await refreshView();
      await withPrompts(api, async (p) => {
        p.confirmWith((q) => {
          assert.match(q.message, /^Remove semaphore set 0x[0-9a-f]{8} \(id \d+\)\?$/);
          assert.match(q.detail, /processes waiting on it wake up with EIDRM/);
          return 'Remove';
        });
        assert.deepStrictEqual(await run('ipcInspector.remove', semRow(api, semid)), [semid]);
      });
      assert.strictEqual(semProc(semid), undefined);
      // The waiter's semop fails with EIDRM: ipctool says so and exits.
      await assert.rejects(waiter.nextLine(), /semop: Identifier removed/);
    });

    it('Clean Up Orphaned Objects…: offers a set whose last user exited, ticked, and a never-used one, unticked', async () => {
      await setSetting('orphanGracePeriod', 0);
      const used = ipcmkSem(1);
      ipctool(['semop', String(used), '0', '1']); // used once by a process that exits at once
      const never = ipcmkSem(1);
      await refreshView();
      let result: { removed: Array<number | string> } | undefined;
      await withPrompts(api, async (p) => {
        p.pickMany((q) => {
          const usedItem = q.items.find((i) => i.label.endsWith(`(id ${used})`));
          const neverItem = q.items.find((i) => i.label.endsWith(`(id ${never})`));
          assert.ok(usedItem && neverItem, `both are offered: ${q.items.map((i) => i.label).join(', ')}`);
          assert.strictEqual(usedItem.picked, true);
          assert.strictEqual(neverItem.picked, false, 'never used: its maker may not need it yet');
          assert.match(neverItem.detail ?? '', /never used since it was made/);
          return [usedItem];
        }).confirmWith('Remove');
        result = await run('ipcInspector.cleanUpOrphans');
      });
      assert.deepStrictEqual(result?.removed, [used]);
      assert.strictEqual(semProc(used), undefined);
      assert.ok(semProc(never), 'the one not ticked is kept');
    });

    it('Change Permissions…: the mode of a set, as IPC_SET leaves it in /proc/sysvipc/sem', async () => {
      const semid = ipcmkSem(1, 0o600);
      await refreshView();
      await withPrompts(api, async (p) => {
        if (process.getuid?.() === 0) p.pick('Mode'); // root may also change owner and group
        p.input((q) => {
          assert.match(q.options.prompt ?? '', /now 600 \(rw-------\)/);
          return '640';
        });
        await run('ipcInspector.changePermissions', semRow(api, semid));
      });
      assert.strictEqual(semProc(semid)!.perms, 0o640);
      await waitFor(() => /rw-r----- \(0640\)/.test(tooltipOf(item(api, semRow(api, semid)!))), 5000, 'the row to show the new mode');
    });

    it('Remove…: a named semaphore loses its name (sem_unlink) while its holder keeps it', async () => {
      const name = `ipcinsp-test-rmsem${process.pid}`;
      trackName(`sem.${name}`);
      const python = spawn(PYTHON, [
        '-c',
        [
          'import ctypes, os, sys',
          'libc = ctypes.CDLL("libc.so.6", use_errno=True)',
          'libc.sem_open.restype = ctypes.c_void_p',
          `s = libc.sem_open(b"/${name}", os.O_CREAT | os.O_EXCL, ctypes.c_uint(0o600), ctypes.c_uint(1))`,
          'assert s, os.strerror(ctypes.get_errno())',
          'print("ready", flush=True)',
          'sys.stdin.read()',
        ].join('\n'),
      ]);
      try {
        await new Promise<void>((resolve, reject) => {
          readline.createInterface({ input: python.stdout }).once('line', () => resolve());
          python.once('exit', (code) => reject(new Error(`python exited ${code}`)));
        });
        await refreshView();
        const semNode = () => groupRows(api, 'posixSem').find((n) => n.kind === 'object' && n.object.kind === 'posixSem' && n.object.name === `/${name}`);
        await withPrompts(api, async (p) => {
          p.confirmWith((q) => {
            assert.strictEqual(q.message, `Remove semaphore /${name}?`);
            return 'Remove';
          });
          assert.deepStrictEqual(await run('ipcInspector.remove', semNode()), [`/${name}`]);
        });
        assert.strictEqual(fs.existsSync(shmPath(`sem.${name}`)), false, 'the name is gone from /dev/shm');
        await refreshView();
        const after = semNode();
        assert.ok(after, 'still listed: its holder still maps it');
        assert.match(descriptionOf(item(api, after)), /removed/);
      } finally {
        python.stdin.end();
      }
    });

    it('lists a POSIX named semaphore made with sem_open, with its value read from the file', async () => {
      const name = `ipcinsp-test-sem${process.pid}`;
      trackName(`sem.${name}`);
      const script = [
        'import ctypes, os, sys',
        'libc = ctypes.CDLL("libc.so.6", use_errno=True)',
        'libc.sem_open.restype = ctypes.c_void_p',
        `s = libc.sem_open(b"/${name}", os.O_CREAT | os.O_EXCL, ctypes.c_uint(0o600), ctypes.c_uint(2))`,
        'assert s, os.strerror(ctypes.get_errno())',
        'print("ready", flush=True)',
        'sys.stdin.read()',
      ].join('\n');
      const python = spawn(PYTHON, ['-c', script]);
      try {
        await new Promise<void>((resolve, reject) => {
          readline.createInterface({ input: python.stdout }).once('line', () => resolve());
          python.once('exit', (code) => reject(new Error(`python exited ${code}`)));
        });
        assert.ok(fs.existsSync(shmPath(`sem.${name}`)));
        await refreshView();
        const node = groupRows(api, 'posixSem').find((n) => n.kind === 'object' && n.object.kind === 'posixSem' && n.object.name === `/${name}`);
        assert.ok(node, 'the semaphore has a row');
        const row = item(api, node);
        assert.match(descriptionOf(row), /^value 2 · 1 holder · /);
        assert.match(tooltipOf(row), /read from the file in glibc's layout/);
      } finally {
        python.stdin.end();
      }
    });
  });

  describe('Message Queues', () => {
    it('peeks the messages of a queue in order, with type, size and first bytes, and leaves them queued', async () => {
      const msqid = ipcmkMsg(0o600);
      for (const [type, text] of [
        ['7', 'peek-me'],
        ['2', 'second message'],
        ['7', 'third'],
      ]) {
        ipctool(['msgsend', String(msqid), type, text]);
      }
      const before = msgProc(msqid)!;
      await refreshView();
      const node = queueRow(api, msqid);
      assert.ok(node, `queue ${msqid} has no row`);
      const row = item(api, node);
      assert.match(descriptionOf(row), /^3 messages · 26 B of 16 KiB · /);
      const messages = descendants(api, node, 'sysvMsg').map((c) => [labelOf(item(api, c)), descriptionOf(item(api, c))]);
      assert.deepStrictEqual(messages, [
        ['#0 type 7', '7 B · "peek-me"'],
        ['#1 type 2', '14 B · "second message"'],
        ['#2 type 7', '5 B · "third"'],
      ]);
      const after = msgProc(msqid)!;
      assert.deepStrictEqual([after.qnum, after.cbytes, after.lrpid], [before.qnum, before.cbytes, before.lrpid], 'nothing was received');
    });

    it('opens one message in the contents view, byte for byte, still queued', async () => {
      const msqid = ipcmkMsg(0o600);
      ipctool(['msgsend', String(msqid), '5', 'hex:00010203fffe']);
      await refreshView();
      const panel = await run<ContentsPanel>('ipcInspector.openMessage', msqid, 0);
      assert.ok(panel, 'the command returned the panel');
      assert.strictEqual(panel.source.header.size, 6);
      const bytes = await panel.source.read(0, 6);
      assert.deepStrictEqual([...bytes], [0, 1, 2, 3, 0xff, 0xfe]);
      assert.strictEqual(msgProc(msqid)!.qnum, 1, 'still in the queue');
    });

    it('Clean Up Orphaned Objects… with the views hidden never offers a queue a receiver is blocked on, after its last sender exited', async () => {
      await setSetting('orphanGracePeriod', 0);
      const waitedOn = trackMsg(Number(ipctool(['msgcreate', 'private', '600', '1:job']).trim())); // its sender exits at once
      const orphan = trackMsg(Number(ipctool(['msgcreate', 'private', '600', '1:job']).trim()));
      const receiver = await startIpctool(['msgwait', String(waitedOn), '9']);
      await waitBlocked(receiver.pid, [SYSCALL.msgrcv], waitedOn);
      // No view that reads waiters is visible: Clean Up reads them all the same.
      await vscode.commands.executeCommand('workbench.view.explorer');
      try {
        await waitFor(() => !api.views.semaphores.treeView.visible && !api.views.messageQueues.treeView.visible, 10_000, 'the views to be hidden');
        await withPrompts(api, async (p) => {
          p.pickMany((q) => {
            const labels = q.items.map((i) => i.label);
            assert.ok(
              labels.some((l) => l.endsWith(`(id ${orphan})`)),
              `the orphan is offered: ${labels.join(', ')}`,
            );
            assert.ok(!labels.some((l) => l.endsWith(`(id ${waitedOn})`)), `the queue waited on is not: ${labels.join(', ')}`);
            return undefined;
          });
          await run('ipcInspector.cleanUpOrphans');
        });
        assert.ok(msgProc(waitedOn), 'the queue waited on is still there');
      } finally {
        await vscode.commands.executeCommand('ipcInspector.semaphores.focus');
        await vscode.commands.executeCommand('ipcInspector.messageQueues.focus');
      }
    });

    it('shows a full queue with its blocked sender, and a receiver waiting for a type', async () => {
      const msqid = trackMsg(Number(ipctool(['msgcreate', 'private', '600']).trim()));
      const receiver = await startIpctool(['msgwait', String(msqid), '9']);
      await waitBlocked(receiver.pid, [SYSCALL.msgrcv], msqid);
      const filler = await startIpctool(['msgfill', String(msqid)]);
      await waitBlocked(filler.pid, [SYSCALL.msgsnd], msqid);
      await refreshView();
      const node = queueRow(api, msqid)!;
      const row = item(api, node);
      assert.deepStrictEqual(iconOf(row), { id: 'error', color: 'list.errorForeground' });
      assert.ok(flags(row).includes('state=full'), row.contextValue);
      const waiting = descendants(api, node, 'sysvMsg')
        .filter((c) => c.kind === 'child' && c.row.pid !== undefined)
        .map((c) => [(c as { row: { pid: number } }).row.pid, descriptionOf(item(api, c))]);
      assert.deepStrictEqual(
        waiting.sort(),
        [
          [filler.pid, 'blocked sending 1 bytes'],
          [receiver.pid, 'waiting to receive type 9'],
        ].sort(),
      );
    });
  });

  describe('POSIX message queues', () => {
    // This machine has no mqueue file system mounted: the tests mount one (root only) in a
    // directory of their own. The test host runs in a private mount namespace (runIntegration.js),
    // so the mount never outlives it, whatever happens here.
    let mountPoint = '';

    before(function () {
      if (process.getuid?.() !== 0) this.skip(); // mounting needs root
      mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-mqueue-'));
      execFileSync('mount', ['-t', 'mqueue', 'none', mountPoint]);
    });

    after(() => {
      if (!mountPoint) return;
      execFileSync('umount', [mountPoint]);
      fs.rmdirSync(mountPoint);
    });

    beforeEach(async () => {
      await setSetting('messageQueues.mqueueDirectory', mountPoint);
    });

    function pmqRow(name: string) {
      return groupRows(api, 'posixMq').find((n) => n.kind === 'object' && n.object.kind === 'posixMq' && n.object.name === name);
    }

    it('says how to mount the mqueue file system where none is mounted', async () => {
      const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-no-mqueue-'));
      try {
        await setSetting('messageQueues.mqueueDirectory', plain);
        await refreshView();
        const [note] = groupRows(api, 'posixMq');
        assert.strictEqual(note.kind, 'note');
        assert.strictEqual(labelOf(item(api, note)), `${plain} is not mounted`);
        assert.match(tooltipOf(item(api, note)), /mount -t mqueue none \/dev\/mqueue/);
      } finally {
        fs.rmdirSync(plain);
      }
    });

    it('lists a queue with its messages of its capacity and the process holding it, never its messages', async () => {
      const name = trackMq(`/ipcinsp-test-mq${process.pid}`);
      ipctool(['mqcreate', name, '4', '128', '640']);
      ipctool(['mqsend', name, 'first']);
      ipctool(['mqsend', name, 'second']);
      const holder = await startIpctool(['mqhold', name]);
      const fd = Number(holder.firstLine.split(' ')[2]);
      await refreshView();
      const node = pmqRow(name);
      assert.ok(
        node,
        `${name} has no row: ${groupRows(api, 'posixMq')
          .map((n) => labelOf(item(api, n)))
          .join(', ')}`,
      );
      const row = item(api, node);
      assert.strictEqual(descriptionOf(row), `2/4 messages · ≤ 128 B each · 1 holder · ${me}`);
      assert.match(tooltipOf(row), /\| Permissions \| rw-r----- \(0640\) \|/);
      assert.match(tooltipOf(row), /\| Queued bytes \| \d+ \(QSIZE\) \|/);
      const children = descendants(api, node, 'posixMq').map((c) => [labelOf(item(api, c)), descriptionOf(item(api, c))]);
      assert.match(children[0][0], new RegExp(`^${holder.pid} ipctool$`));
      assert.strictEqual(children[0][1], `fd ${fd}, sends and receives`);
      assert.match(children[1][0], /^2 messages: not shown \(reading would consume them\)$/);
      assert.strictEqual(ipctool(['mqattr', name]).trim(), '4 128 2', 'looking consumed nothing');
    });

    it('Change Permissions…: the mode of a POSIX queue, on the queue shown', async () => {
      const name = trackMq(`/ipcinsp-test-chmod${process.pid}`);
      ipctool(['mqcreate', name, '2', '32', '600']);
      await refreshView();
      await withPrompts(api, async (p) => {
        if (process.getuid?.() === 0) p.pick('Mode');
        p.input('660');
        await run('ipcInspector.changePermissions', pmqRow(name));
      });
      assert.strictEqual(fs.statSync(path.join(mountPoint, name.slice(1))).mode & 0o777, 0o660);
    });

    it('Create Message Queue… (POSIX) makes the queue with the capacity asked for; Remove… unlinks it', async () => {
      const name = trackMq(`/ipcinsp-test-made${process.pid}`);
      await withPrompts(api, async (p) => {
        p.pick('POSIX queue').input(name).input('3').input('64').input('600');
        assert.strictEqual(await run('ipcInspector.createMessageQueue'), name);
      });
      assert.strictEqual(ipctool(['mqattr', name]).trim(), '3 64 0');
      assert.ok(fs.existsSync(path.join(mountPoint, name.slice(1))), 'the queue is in the mqueue file system');
      const node = pmqRow(name);
      assert.ok(node, 'the new queue is listed');
      await withPrompts(api, async (p) => {
        p.confirmWith((q) => {
          assert.match(q.message, new RegExp(`^Remove POSIX queue ${name}\\?$`));
          return 'Remove';
        });
        await run('ipcInspector.remove', node);
      });
      assert.strictEqual(fs.existsSync(path.join(mountPoint, name.slice(1))), false, 'unlinked');
      await refreshView();
      assert.strictEqual(pmqRow(name), undefined, 'and gone from the view');
    });
  });
});
