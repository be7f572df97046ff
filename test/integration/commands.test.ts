// Every command, run through vscode.commands.executeCommand with its questions answered by a
// scripted user; the outcome is checked where a user would check it: /proc/sysvipc/shm (what
// `ipcs -m` shows), the view's rows, the clipboard, and what the user was asked and told.
import * as assert from 'assert';
import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import { formatBytes } from '../../src/ipc/format';
import type { IpcObject } from '../../src/ipc/snapshot';
import { createSegment, freshKey, holdSegment, ownSegment, shmtoolPath, trackSegment } from '../support/segments';
import { waitFor } from '../support/waitFor';
import {
  descriptionOf,
  getApi,
  hexKey,
  iconOf,
  item,
  labelOf,
  me,
  proc,
  procAll,
  procOrFail,
  refreshView,
  restoreSettings,
  rowOrFail,
  setSetting,
  SHM_DEST,
  SHM_LOCKED,
  tooltipOf,
  waitForItem,
  run,
  row,
  tree,
} from './fixtures';
import { withPrompts } from './scriptedPrompts';

/** The shmid a pick-list item or confirmation line names: "0x7e001234 (id 5)". */
function idIn(text: string): number | undefined {
  const match = /\(id (\d+)\)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Runs Create Segment (the prompts are scripted by the caller); whatever it made is removed after the test. */
async function createThroughCommand(): Promise<number | undefined> {
  const shmid = await run<number | undefined>('ipcInspector.createSegment');
  if (typeof shmid === 'number') trackSegment(shmid);
  return shmid;
}

describe('commands', function () {
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
  });

  afterEach(async () => {
    await restoreSettings();
  });

  describe('Create Shared Memory Segment', () => {
    it('creates a segment with a chosen hex key, size "8 KiB", mode 640, exclusive, and selects its row', async () => {
      const key = freshKey();
      let shmid: number | undefined;
      const prompts = await withPrompts(api, async (p) => {
        p.pick('Chosen key')
          .input((q) => {
            // What the user is told about bad keys before anything is created.
            assert.ok(q.options.validateInput, 'the key box validates');
            assert.match(String(q.options.validateInput('0')), /IPC_PRIVATE/);
            assert.ok(q.options.validateInput('not a key'), 'a non-number is refused');
            return hexKey(key);
          })
          .input((q) => {
            assert.match(q.options.prompt ?? '', /4 KiB/, 'the size box shows how to write units');
            assert.ok(q.options.validateInput?.('lots'), 'a size that is not a size is refused');
            return '8 KiB';
          })
          .input('640');
        shmid = await createThroughCommand();
      });
      assert.ok(typeof shmid === 'number', `the command returned ${shmid}`);

      const line = procOrFail(shmid);
      assert.strictEqual(line.key, key);
      assert.strictEqual(line.size, 8192);
      assert.strictEqual(line.perms & 0o777, 0o640);
      assert.strictEqual(line.nattch, 0, 'create must not attach');
      assert.deepStrictEqual(
        prompts.questions.map((q) => (q.kind === 'confirm' ? q.message : q.options.title)),
        [
          'Create Shared Memory Segment (1/4): key',
          'Create Shared Memory Segment (2/4): key',
          'Create Shared Memory Segment (3/4): size',
          'Create Shared Memory Segment (4/4): permissions',
        ],
        'a free key asks nothing more (it is created exclusive)',
      );
      assert.deepStrictEqual(prompts.notificationsOf('info'), [`Created segment ${hexKey(key)} (id ${shmid}, 8 KiB).`]);
      await waitFor(
        () => api.views.sharedMemory.treeView.selection.some((n) => n.kind === 'object' && n.object.kind === 'sysvShm' && n.object.segment.shmid === shmid),
        5000,
        `the new segment ${shmid} to be selected in the view`,
      );
      assert.strictEqual(labelOf(item(api, rowOrFail(api, shmid))), `${hexKey(key)} · ${shmid}`);
    });

    it('creates an IPC_PRIVATE segment without asking about exclusivity', async () => {
      let shmid: number | undefined;
      await withPrompts(api, async (p) => {
        p.pick('IPC_PRIVATE').input('4096').input('rw-------');
        shmid = await createThroughCommand();
      });
      assert.ok(typeof shmid === 'number');
      const line = procOrFail(shmid);
      assert.deepStrictEqual([line.key, line.size, line.perms & 0o777], [0, 4096, 0o600]);
      assert.strictEqual(labelOf(item(api, rowOrFail(api, shmid))), `private · ${shmid}`);
    });

    it('creates a segment whose key is ftok(file, project id), the same key the C library computes', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-ftok-'));
      const file = path.join(dir, 'channel');
      fs.writeFileSync(file, 'x');
      try {
        const expected = parseInt(execFileSync(shmtoolPath, ['ftok', file, '7'], { encoding: 'utf8' }).trim(), 16) >>> 0;
        assert.ok(!procAll().some((s) => s.key === expected), `key ${hexKey(expected)} is in use already; rerun`);
        let shmid: number | undefined;
        await withPrompts(api, async (p) => {
          p.pick('ftok(file, project id)')
            .openWith([vscode.Uri.file(file)])
            .input((q) => {
              assert.ok(q.options.prompt?.includes(file), q.options.prompt);
              return '7';
            })
            .input('4 KiB')
            .input('600');
          shmid = await createThroughCommand();
        });
        assert.ok(typeof shmid === 'number');
        assert.strictEqual(procOrFail(shmid).key, expected, `ftok("${file}", 7) is ${hexKey(expected)} per the C library`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('asks before opening a key that exists, naming what has it; Cancel creates nothing', async () => {
      const key = freshKey();
      const existing = createSegment(key, 4096);
      let result: unknown = 'not run';
      const prompts = await withPrompts(api, async (p) => {
        p.pick('Chosen key').input(hexKey(key)).input('4096').input('600').pick('Cancel');
        result = await run('ipcInspector.createSegment');
      });
      assert.strictEqual(result, undefined);
      const last = prompts.questions[prompts.questions.length - 1];
      assert.strictEqual(last.kind === 'confirm' ? last.message : last.options.title, `Key ${hexKey(key)} is taken already: the segment with id ${existing}`);
      assert.deepStrictEqual(prompts.notificationsOf('error'), []);
      assert.deepStrictEqual(
        procAll()
          .filter((s) => s.key === key)
          .map((s) => s.shmid),
        [existing],
      );
    });

    it('opens the existing segment when "Open or create" is chosen for a key that exists', async () => {
      const key = freshKey();
      const existing = createSegment(key, 4096);
      let result: unknown;
      await withPrompts(api, async (p) => {
        p.pick('Chosen key').input(hexKey(key)).input('4096').input('600').pick('Open it');
        result = await run('ipcInspector.createSegment');
      });
      assert.strictEqual(result, existing);
      assert.deepStrictEqual(
        procAll()
          .filter((s) => s.key === key)
          .map((s) => s.shmid),
        [existing],
      );
    });

    it('creates nothing when the user presses Escape halfway', async () => {
      const helperPid = (await api.context.helper().hello(), api.context.helper().pid);
      const before = new Set(procAll().map((s) => s.shmid));
      let result: unknown = 'not run';
      const prompts = await withPrompts(api, async (p) => {
        p.pick('IPC_PRIVATE').input(undefined);
        result = await run('ipcInspector.createSegment');
      });
      assert.strictEqual(result, undefined);
      assert.strictEqual(prompts.questions.length, 2, 'no question after the cancelled one');
      assert.deepStrictEqual(prompts.notifications, []);
      // Others may create segments on this machine meanwhile: look for ones our helper created.
      const made = procAll().filter((s) => !before.has(s.shmid) && s.cpid === helperPid);
      assert.deepStrictEqual(made, []);
    });
  });

  describe('Attach / Detach', () => {
    it('keeps the segment attached from this window (nattch 0 → 1 → 0) and says so on its row', async () => {
      const key = freshKey();
      const id = createSegment(key, 4096);
      await refreshView();
      assert.strictEqual(procOrFail(id).nattch, 0);

      await withPrompts(api, async () => {
        assert.deepStrictEqual(await run('ipcInspector.attach', rowOrFail(api, id)), [id]);
      });
      assert.strictEqual(procOrFail(id).nattch, 1);
      const held = item(api, rowOrFail(api, id));
      assert.deepStrictEqual(descriptionOf(held).split(' · '), ['4 KiB', '1 attached', me, 'held by this window']);
      assert.ok(held.contextValue?.split(';').includes('held'), held.contextValue);
      assert.match(held.accessibilityInformation?.label ?? '', /held by this window/);
      // The attached process is the extension's helper, read-only by construction.
      const helperPid = api.context.helper().pid;
      const children = tree(api).children(rowOrFail(api, id));
      assert.deepStrictEqual(
        children.map((c) => c.kind === 'child' && [c.row.pid, c.row.description?.split(' · ')[0]]),
        [[helperPid, 'read-only']],
      );
      assert.match(descriptionOf(item(api, children[0])), /^read-only · /);

      // Detach from the palette: the pick list offers only what this window holds.
      await withPrompts(api, async (p) => {
        p.pickMany((q) => {
          assert.ok(q.items.length >= 1 && q.items.every((i) => api.context.holds.has(idIn(i.label) ?? -1)), q.items.map((i) => i.label).join(', '));
          return q.items.filter((i) => idIn(i.label) === id);
        });
        assert.deepStrictEqual(await run('ipcInspector.detach'), [id]);
      });
      assert.strictEqual(procOrFail(id).nattch, 0);
      const released = item(api, rowOrFail(api, id));
      assert.ok(!descriptionOf(released).includes('held by this window'), descriptionOf(released));
      assert.ok(!released.contextValue?.split(';').includes('held'), released.contextValue);
    });
  });

  describe('Remove Segment', () => {
    it('asks once, naming every selected segment and explaining that an attached one is only marked; then removes them', async () => {
      const keyA = freshKey();
      const a = createSegment(keyA, 4096);
      const keyB = freshKey();
      const owner = await ownSegment(keyB, 8192);
      const b = owner.shmid;
      await refreshView();
      const nodes = [rowOrFail(api, a), rowOrFail(api, b)];
      let removed: unknown;
      await withPrompts(api, async (p) => {
        p.confirmWith((q) => {
          assert.strictEqual(q.message, 'Remove 2 segments?');
          assert.deepStrictEqual(q.buttons, ['Remove']);
          assert.match(q.detail, new RegExp(`${hexKey(keyA)} \\(id ${a}\\), 4 KiB, owner ${me}, 0 attached`));
          assert.match(q.detail, new RegExp(`${hexKey(keyB)} \\(id ${b}\\), 8 KiB, owner ${me}, 1 attached`));
          assert.match(q.detail, /One segment is still attached: an attached segment is only marked for removal/);
          assert.match(q.detail, /disappears when its last process detaches/);
          return 'Remove';
        });
        removed = await run('ipcInspector.remove', nodes[0], nodes);
      });
      assert.deepStrictEqual(removed, [a, b]);
      assert.strictEqual(proc(a), undefined, 'the unattached segment is gone');
      const marked = procOrFail(b);
      assert.ok(marked.perms & SHM_DEST, 'the attached one is marked (DEST)');
      assert.strictEqual(marked.key, 0, 'and its key is freed');
      assert.strictEqual(marked.nattch, 1);
      assert.match(labelOf(item(api, rowOrFail(api, b))), new RegExp(`^${hexKey(keyB)} \\(removed\\) · ${b}$`));
      await owner.stop();
      assert.strictEqual(proc(b), undefined, 'gone at the last detach');
    });

    it('removes nothing when the confirmation is cancelled', async () => {
      const a = createSegment(freshKey(), 4096);
      const owner = await ownSegment(freshKey(), 4096);
      await refreshView();
      const nodes = [rowOrFail(api, a), rowOrFail(api, owner.shmid)];
      const prompts = await withPrompts(api, async (p) => {
        p.confirmWith(undefined);
        assert.deepStrictEqual(await run('ipcInspector.remove', nodes[0], nodes), []);
      });
      assert.strictEqual(prompts.ofKind('confirm').length, 1);
      for (const id of [a, owner.shmid]) {
        const line = procOrFail(id);
        assert.strictEqual(line.perms & SHM_DEST, 0, `segment ${id} was marked removed`);
      }
      assert.deepStrictEqual(prompts.notifications, []);
    });

    it('from the palette, offers a pick list without removed segments', async () => {
      const id = createSegment(freshKey(), 4096);
      const gone = createSegment(freshKey(), 4096);
      const holder = await holdSegment(gone, 'ro');
      execFileSync('ipcrm', ['-m', String(gone)]);
      await refreshView();
      await withPrompts(api, async (p) => {
        p.pickMany((q) => {
          const ids = q.items.map((i) => idIn(i.label));
          assert.ok(ids.includes(id), `${id} is offered`);
          assert.ok(!ids.includes(gone), `removed segment ${gone} is offered again`);
          return q.items.filter((i) => idIn(i.label) === id);
        }).confirmWith((q) => {
          assert.match(q.message, new RegExp(`^Remove segment 0x[0-9a-f]{8} \\(id ${id}\\)\\?$`));
          assert.match(q.detail, /contents are lost/);
          return 'Remove';
        });
        assert.deepStrictEqual(await run('ipcInspector.remove', undefined, []), [id]);
      });
      assert.strictEqual(proc(id), undefined);
      await holder.stop();
    });
  });

  describe('Clean Up Orphaned Objects', () => {
    async function setUp() {
      const orphans = [createSegment(freshKey(), 8192), createSegment('private', 4096), createSegment(freshKey(), 12288)];
      const attached = await ownSegment(freshKey(), 4096); // creator alive and attached
      const alive = await ownSegment(freshKey(), 4096); // creator alive, detached
      assert.strictEqual(await alive.command('detach'), 'ok');
      const exitedButAttached = createSegment(freshKey(), 4096); // creator gone, someone attached
      const reader = await holdSegment(exitedButAttached, 'ro');
      const kept = [attached.shmid, alive.shmid, exitedButAttached];
      const nattch = new Map(kept.map((id) => [id, procOrFail(id).nattch]));
      assert.deepStrictEqual([...nattch.values()], [1, 0, 1]);
      return { orphans, kept, nattch, reader };
    }

    it('previews exactly the orphaned segments, all ticked, with the reason; after one confirmation removes them and nothing else', async () => {
      const { orphans, kept, nattch } = await setUp();
      let result: { removed: number[]; bytesFreed: number; skipped: string[] } | undefined;
      const prompts = await withPrompts(api, async (p) => {
        p.pickMany((q) => {
          assert.strictEqual(q.options.title, 'Clean Up Orphaned Objects');
          const offered = q.items.map((i) => idIn(i.label));
          for (const id of orphans) assert.ok(offered.includes(id), `orphan ${id} is not offered: ${offered.join(', ')}`);
          for (const id of kept) assert.ok(!offered.includes(id), `segment ${id} is offered but is attached or its creator runs`);
          for (const i of q.items) {
            const object = (i as { object?: IpcObject }).object;
            if (object?.kind !== 'sysvShm') continue; // other people's POSIX leftovers on this machine
            if (orphans.includes(object.segment.shmid)) {
              assert.strictEqual(i.picked, true, `${i.label} is not pre-selected`);
              assert.match(i.detail ?? '', /^creator pid \d+.* exited.*; no process attached$/, `${i.label}: ${i.detail}`);
            } else {
              // Anyone else's segment offered was unattached when it was read: /proc now may differ,
              // another program on this machine may have attached it since.
              assert.strictEqual(object.segment.nattch, 0, `${i.label} is offered but was attached`);
            }
          }
          // Only ours are removed: other people's leftovers on this machine are not ours to clean.
          return q.items.filter((i) => orphans.includes(idIn(i.label)!));
        }).confirmWith((q) => {
          assert.strictEqual(q.message, 'Remove 3 orphaned objects, 24 KiB?');
          const lines = q.detail.split('\n').filter((l) => l.startsWith('• '));
          assert.deepStrictEqual(lines.map(idIn).sort(), [...orphans].sort());
          assert.match(q.detail, /checked again right before removal/);
          return 'Remove';
        });
        result = await run('ipcInspector.cleanUpOrphans');
      });
      assert.ok(result);
      assert.deepStrictEqual([...result.removed].sort(), [...orphans].sort());
      assert.strictEqual(result.bytesFreed, 8192 + 4096 + 12288);
      assert.deepStrictEqual(result.skipped, []);
      assert.deepStrictEqual(prompts.notificationsOf('info'), ['Removed 3 orphaned objects, freed 24 KiB.']);
      for (const id of orphans) assert.strictEqual(proc(id), undefined, `orphan ${id} is still there`);
      for (const id of kept) {
        const line = procOrFail(id);
        assert.strictEqual(line.nattch, nattch.get(id), `segment ${id} changed`);
        assert.strictEqual(line.perms & SHM_DEST, 0, `segment ${id} was marked removed`);
      }
    });

    it('keeps an orphan that a process attached between the preview and the confirmation, and says why', async () => {
      const { orphans } = await setUp();
      const [late, ...rest] = orphans;
      let result: { removed: number[]; skipped: string[] } | undefined;
      const prompts = await withPrompts(api, async (p) => {
        p.pickMany((q) => q.items.filter((i) => orphans.includes(idIn(i.label)!))).confirmWith(async () => {
          await holdSegment(late, 'ro');
          return 'Remove';
        });
        result = await run('ipcInspector.cleanUpOrphans');
      });
      assert.ok(result);
      assert.deepStrictEqual([...result.removed].sort(), [...rest].sort());
      assert.strictEqual(procOrFail(late).nattch, 1, 'the segment attached meanwhile is kept');
      const [warning] = prompts.notificationsOf('warning');
      assert.match(warning ?? '', new RegExp(`^Removed 2 orphaned objects, freed 16 KiB\\. Kept: .*\\(id ${late}\\) is no longer orphaned`));
    });

    it('removes nothing when the preview is dismissed', async () => {
      const { orphans } = await setUp();
      await withPrompts(api, async (p) => {
        p.pickMany(() => undefined);
        assert.strictEqual(await run('ipcInspector.cleanUpOrphans'), undefined);
      });
      for (const id of orphans) procOrFail(id);
    });
  });

  describe('Copy Key / Copy Id / Copy Remove Command', () => {
    it('puts the key, the id and a working ipcrm command on the clipboard', async () => {
      const key = freshKey();
      const id = createSegment(key, 4096);
      const other = createSegment(freshKey(), 4096);
      await refreshView();
      const node = rowOrFail(api, id);
      await withPrompts(api, async () => {
        await run('ipcInspector.copyKey', node);
        assert.strictEqual(await vscode.env.clipboard.readText(), hexKey(key));
        await run('ipcInspector.copyId', node);
        assert.strictEqual(await vscode.env.clipboard.readText(), String(id));
        // Several selected rows: one line each.
        await run('ipcInspector.copyId', node, [node, rowOrFail(api, other)]);
        assert.strictEqual(await vscode.env.clipboard.readText(), `${id}\n${other}`);
        await run('ipcInspector.copyRemoveCommand', node);
      });
      const command = await vscode.env.clipboard.readText();
      assert.strictEqual(command, `ipcrm -m ${id}`);
      execSync(command); // what the user does with it
      assert.strictEqual(proc(id), undefined);
    });
  });

  describe('Change Permissions', () => {
    it('changes the mode from 600 to 644', async () => {
      const id = createSegment(freshKey(), 4096, 0o600);
      await refreshView();
      const prompts = await withPrompts(api, async (p) => {
        if (process.getuid?.() === 0) p.pick('Mode'); // root may also change owner and group
        p.input((q) => {
          assert.match(q.options.prompt ?? '', /now 600 \(rw-------\)/);
          assert.strictEqual(q.options.value, '600');
          assert.ok(q.options.validateInput?.('999'), 'an invalid mode is refused');
          return '644';
        });
        await run('ipcInspector.changePermissions', rowOrFail(api, id));
      });
      assert.strictEqual(procOrFail(id).perms & 0o777, 0o644);
      assert.match(tooltipOf(item(api, rowOrFail(api, id))), /rw-r--r-- \(0644\)/);
      assert.deepStrictEqual(prompts.notificationsOf('error'), []);
    });
  });

  describe('Lock / Unlock', () => {
    it('sets and clears SHM_LOCKED, shown by a lock icon', async () => {
      const id = createSegment(freshKey(), 4096);
      await refreshView();
      await withPrompts(api, async () => {
        assert.deepStrictEqual(await run('ipcInspector.lock', rowOrFail(api, id)), [id]);
      });
      assert.ok(procOrFail(id).perms & SHM_LOCKED, 'SHM_LOCKED is set in /proc');
      const locked = item(api, rowOrFail(api, id));
      assert.deepStrictEqual(iconOf(locked), { id: 'lock', color: 'charts.purple' });
      assert.ok(descriptionOf(locked).split(' · ').includes('locked'), descriptionOf(locked));
      assert.ok(locked.contextValue?.split(';').includes('locked'), locked.contextValue);
      assert.match(locked.accessibilityInformation?.label ?? '', /locked in memory/);

      await withPrompts(api, async () => {
        assert.deepStrictEqual(await run('ipcInspector.unlock', rowOrFail(api, id)), [id]);
      });
      assert.strictEqual(procOrFail(id).perms & SHM_LOCKED, 0, 'SHM_LOCKED is cleared');
      const unlocked = item(api, rowOrFail(api, id));
      assert.notStrictEqual(iconOf(unlocked).id, 'lock');
      assert.ok(!unlocked.contextValue?.split(';').includes('locked'), unlocked.contextValue);
    });
  });

  describe('Show Limits', () => {
    it("shows the kernel's limits (shmmni, shmall, shmmax)", async () => {
      const shmmni = fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8').trim();
      const shmall = fs.readFileSync('/proc/sys/kernel/shmall', 'utf8').trim();
      const prompts = await withPrompts(api, async (p) => {
        p.confirmWith(undefined);
        await run('ipcInspector.showLimits');
      });
      const [shown] = prompts.ofKind('confirm');
      assert.strictEqual(shown.message, 'IPC limits');
      assert.match(shown.detail, new RegExp(`^Segments: \\d+ of ${shmmni} \\(shmmni\\)`, 'm'));
      // The kernel's default shmall (ULONG_MAX - 2^24 pages) means "no limit" and is shown so.
      const huge = BigInt(shmall) >= 2n ** 63n;
      assert.match(shown.detail, new RegExp(`shmall = ${huge ? 'unlimited' : shmall} pages`));
      assert.match(shown.detail, /\(shmmax\)/);
      // And how full /dev/shm is, as statfs says (what df shows).
      const df = execFileSync('df', ['--output=size', '-B1', '/dev/shm'], { encoding: 'utf8' }).trim().split('\n')[1].trim();
      assert.match(shown.detail, /^POSIX shared memory \(\/dev\/shm\): \d+ objects?, .* of .* used \(\d+\.\d%\)/m);
      assert.ok(shown.detail.includes(formatBytes(Number(df))), `the size of /dev/shm (${df} bytes) is in: ${shown.detail}`);
      // Semaphores and queues against the kernel's own numbers (kernel.sem: semmsl semmns semopm semmni).
      const [semmsl, semmns, semopm, semmni] = fs.readFileSync('/proc/sys/kernel/sem', 'utf8').trim().split(/\s+/);
      const sets = fs.readFileSync('/proc/sysvipc/sem', 'utf8').trim().split('\n').length - 1;
      assert.match(shown.detail, new RegExp(`^Semaphore sets: ${sets} of ${semmni} \\(semmni\\)`, 'm'));
      assert.match(shown.detail, new RegExp(`of ${semmns} \\(semmns\\)`));
      assert.match(shown.detail, new RegExp(`${semmsl} \\(semmsl;.*${semopm} \\(semopm\\)`));
      const msgmni = fs.readFileSync('/proc/sys/kernel/msgmni', 'utf8').trim();
      assert.match(shown.detail, new RegExp(`^Message queues: \\d+ of ${msgmni} \\(msgmni\\)`, 'm'));
      const queuesMax = fs.readFileSync('/proc/sys/fs/mqueue/queues_max', 'utf8').trim();
      assert.match(shown.detail, new RegExp(`^POSIX message queues: at most ${queuesMax} \\(fs.mqueue.queues_max\\)`, 'm'));
    });
  });

  describe('Refresh', () => {
    it('with automatic refresh off, shows a new segment and drops one removed by another process only when asked', async () => {
      await setSetting('refreshInterval', 0);
      await refreshView();
      const id = createSegment(freshKey(), 4096);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(!row(api, id), 'listed without a refresh');
      await refreshView();
      rowOrFail(api, id);

      execFileSync('ipcrm', ['-m', String(id)]); // another process removes it
      await refreshView();
      assert.ok(!row(api, id), 'the removed segment is still listed');
    });

    it('while the view is visible, polls /proc and shows changes by itself', async () => {
      await setSetting('refreshInterval', 250);
      const id = createSegment(freshKey(), 4096);
      await waitForItem(api, id, () => true, `segment ${id} to appear without a manual refresh`, 5000);
      const holder = await holdSegment(id, 'ro');
      await waitForItem(api, id, (i) => descriptionOf(i).includes('1 attached'), `segment ${id} to show 1 attached`, 5000);
      await holder.stop();
      execFileSync('ipcrm', ['-m', String(id)]);
      await waitFor(() => !row(api, id), 5000, `segment ${id} to disappear`);
    });
  });
});
