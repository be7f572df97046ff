// POSIX shared memory in the real extension host: the POSIX group of the Shared Memory view with
// real objects in /dev/shm made and held by separate processes (posixtool, and Python's
// multiprocessing.shared_memory, a producer no one here wrote), memfds and anonymous shared memory
// shared between processes, every state, the commands driven
// with scripted answers and checked in /dev/shm, and the contents view reading through pread.
import * as assert from 'assert';
import { execFileSync, execSync, spawn } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as readline from 'readline';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import type { DataMessage } from '../../src/shared/contentsProtocol';
import { createObject, freshName, mapObject, memfdObject, openObject, ownObject, shmPath, trackName, writeObject } from '../support/posixObjects';
import { createSegment, freshKey, repoRoot } from '../support/segments';
import { killSpawned, spawnReady } from '../support/spawned';
import { isRoot } from '../support/helper';
import * as path from 'path';
import { waitFor } from '../support/waitFor';
import {
  childPids,
  descriptionOf,
  getApi,
  iconOf,
  item,
  labelOf,
  me,
  groupRows,
  type PosixNode,
  posixRow,
  posixRowOrFail,
  refreshView,
  restoreSettings,
  run,
  setSetting,
  tooltipOf,
  tree,
} from './fixtures';
import { fact, read, Recorder, residentBit, settle } from './contentsPanelProbe';
import { withPrompts } from './scriptedPrompts';

const PAGE = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
const KiB = 1024;
const MiB = 1024 * KiB;
/** Debian's own Python (not a pyenv or venv one): its multiprocessing is the producer under test. */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const blocks = (name: string) => fs.statSync(shmPath(name)).blocks;

function flags(treeItem: vscode.TreeItem): string[] {
  return (treeItem.contextValue ?? '').split(';');
}

/** A Python process holding a multiprocessing.shared_memory block until its stdin closes. */
async function pythonHolder(size: number, text: string): Promise<{ pid: number; name: string; stop(): Promise<void> }> {
  const script = [
    'import sys',
    'from multiprocessing import shared_memory',
    `shm = shared_memory.SharedMemory(create=True, size=${size})`,
    `shm.buf[:${Buffer.byteLength(text)}] = ${JSON.stringify(text)}.encode()`,
    'print(shm.name, flush=True)',
    'sys.stdin.read()',
    'shm.close()',
    'shm.unlink()',
  ].join('\n');
  const child = spawn(PYTHON, ['-c', script]);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const name = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`python exited (${code})`)));
  });
  trackName(name);
  return { pid: child.pid!, name, stop: async () => (child.stdin.end(), await exited) };
}

/** A block Python's multiprocessing leaves behind: unregistered from its resource tracker, then the interpreter exits. */
function pythonLeak(size: number): string {
  const script = [
    'from multiprocessing import shared_memory, resource_tracker',
    `shm = shared_memory.SharedMemory(create=True, size=${size})`,
    "resource_tracker.unregister(shm._name, 'shared_memory')",
    'shm.close()',
    'print(shm.name)',
  ].join('\n');
  return trackName(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' }).trim());
}

describe('POSIX shared memory', function () {
  let api: IpcInspectorApi;

  before(async function () {
    api = await getApi();
  });

  afterEach(async () => {
    for (const panel of api.contentsPanels()) panel.dispose();
    await restoreSettings();
    await killSpawned();
  });

  describe('rows', () => {
    it('lists an object nobody holds as unused, then orphaned once the grace period is over, with its facts', async () => {
      const name = freshName();
      const id = createObject(name, 3 * PAGE, 0o640);
      writeObject(name, 0, Buffer.from('hello'));
      await setSetting('orphanGracePeriod', 3600);
      await refreshView();
      let node = posixRowOrFail(api, '/' + name);
      let row = item(api, node);
      assert.strictEqual(labelOf(row), '/' + name);
      assert.strictEqual(row.id, `posix:${id.devMajor}:${id.devMinor}:${id.ino}`);
      assert.deepStrictEqual(descriptionOf(row).split(' · '), ['12 KiB', '4 KiB allocated', 'no holder', me]);
      assert.strictEqual(iconOf(row).id, 'circle-large-outline');
      assert.match(tooltipOf(row), /called orphaned after 60 min unused/);

      await setSetting('orphanGracePeriod', 0);
      await waitFor(() => flags(item(api, posixRowOrFail(api, '/' + name))).includes('state=orphaned'), 5000, 'the object to turn orphaned');
      node = posixRowOrFail(api, '/' + name);
      row = item(api, node);
      // State first; "(uncertain)" where a process could not be checked (a sandbox's pid 1, say).
      const [state, ...rest] = descriptionOf(row).split(' · ');
      assert.match(state, /^orphaned( \(uncertain\))?$/);
      assert.deepStrictEqual(rest, ['12 KiB', '4 KiB allocated', 'no holder', me]);
      assert.deepStrictEqual(iconOf(row), { id: 'warning', color: 'list.warningForeground' });
      const tooltip = tooltipOf(row);
      assert.match(tooltip, new RegExp(`POSIX shared memory object /${name}`));
      assert.match(tooltip, new RegExp(`\\| Path \\| /dev/shm/${name} \\|`));
      assert.match(tooltip, /\| Permissions \| rw-r----- \(0640\) \|/);
      assert.match(tooltip, /12,288 bytes/);
      assert.match(tooltip, /(nobody|no process this user can read) has it mapped or open/);
      assert.match(row.accessibilityInformation?.label ?? '', new RegExp(`^POSIX shared memory object /${name}, 12 KiB, state: orphaned`));
      for (const flag of ['posixObject', 'state=orphaned', 'linked', 'readable', 'mine']) {
        assert.ok(flags(row).includes(flag), `${row.contextValue} lacks ${flag}`);
      }
      assert.deepStrictEqual(tree(api).children(node), []);
    });

    it('shows who maps it (read-write, read-only, with the range) and who only holds it open (fd, access), matched by inode', async () => {
      const name = freshName();
      const owner = await ownObject(name, 5 * PAGE, 0o644);
      const reader = await mapObject(name, 'ro');
      const opener = await openObject(name, 'ro');
      await refreshView();
      const node = posixRowOrFail(api, '/' + name);
      const row = item(api, node);
      assert.deepStrictEqual(iconOf(row), { id: 'pass-filled', color: 'charts.green' });
      assert.strictEqual(row.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      assert.ok(descriptionOf(row).includes('3 holders'), descriptionOf(row));
      assert.match(tooltipOf(row), /mapped by 2 processes, open in 2 processes/, 'the owner maps it and keeps its descriptor');
      const children = tree(api)
        .children(node)
        .map((c) => item(api, c));
      const of = (pid: number) => children.filter((c) => labelOf(c).startsWith(`${pid} `)).map((c) => descriptionOf(c));
      const ownerRows = of(owner.pid);
      assert.ok(
        ownerRows.some((d) => new RegExp(`^maps read-write · ${owner.address!.replace(/^0x/, '')}-[0-9a-f]+$`).test(d)),
        ownerRows.join(' | '),
      );
      assert.ok(
        ownerRows.some((d) => /^fd \d+, read-write$/.test(d)),
        ownerRows.join(' | '),
      );
      assert.deepStrictEqual(
        of(reader.pid).map((d) => d.split(' · ')[0]),
        ['maps read-only'],
      );
      assert.deepStrictEqual(of(opener.pid), [`fd ${opener.fd}, read-only`]);
      const range = of(reader.pid)[0]
        .split(' · ')[1]
        .split('-')
        .map((hex) => BigInt('0x' + hex));
      assert.strictEqual(range[1] - range[0], BigInt(5 * PAGE), 'the whole object is mapped');
      assert.match(labelOf(children.find((c) => labelOf(c).startsWith(`${reader.pid} `))!), /^\d+ posixtool$/);
    });

    it('shows an object removed (shm_unlink) while still mapped and open, with its holders, until they let go', async () => {
      const name = freshName();
      const owner = await ownObject(name, PAGE);
      assert.strictEqual(await owner.command('unlink'), 'ok');
      assert.ok(!fs.existsSync(shmPath(name)), 'the name is gone from /dev/shm');
      await refreshView();
      const node = posixRowOrFail(api, '/' + name);
      const row = item(api, node);
      assert.strictEqual(labelOf(row), `/${name} (removed)`);
      assert.deepStrictEqual(iconOf(row), { id: 'trash', color: 'list.errorForeground' });
      assert.match(row.accessibilityInformation?.label ?? '', /state: removed, still mapped\/open by 1/);
      assert.ok(flags(row).includes('removed') && flags(row).includes('state=removed-held'), row.contextValue);
      assert.ok(!flags(row).includes('linked'), 'no Remove, Copy Name or Change Permissions for it');
      assert.deepStrictEqual(childPids(api, node), [owner.pid, owner.pid]);
      await owner.stop();
      await refreshView();
      assert.strictEqual(posixRow(api, '/' + name), undefined, 'gone with its last holder');
    });

    it('shows a memfd shared by two processes in its own group', async () => {
      const holder = await memfdObject('ipcinsp-test-ring', 2 * PAGE);
      await refreshView();
      const group = tree(api)
        .children()
        .find((g) => g.kind === 'group' && g.group === 'memfd');
      assert.ok(group, 'a memfd group is shown');
      assert.strictEqual(labelOf(item(api, group)), 'memfd objects (shared)');
      const node = posixRowOrFail(api, 'memfd:ipcinsp-test-ring', 'memfd');
      assert.strictEqual(labelOf(item(api, node)), `memfd:ipcinsp-test-ring (inode ${holder.id.ino})`);
      const pids = childPids(api, node);
      assert.ok(pids.includes(holder.pid) && pids.includes(holder.childPid!), `holders ${pids.join(', ')}`);
    });

    it('shows anonymous shared memory shared over fork in its own group, with its holders, and reads the lock in it (root)', async () => {
      // locktool anon wait: a parent maps MAP_SHARED | MAP_ANONYMOUS and forks A (holding the
      // mutex at 8) and B (waiting for it).
      const board = await spawnReady(path.join(repoRoot, 'native', 'bin', 'locktool'), ['anon', 'wait']);
      const [parent, a, b] = [1, 3, 4].map((i) => Number(board.firstLine.split(' ')[i]));
      await refreshView();
      const group = tree(api)
        .children()
        .find((g) => g.kind === 'group' && g.group === 'anonShm');
      assert.ok(group, 'an anonymous shared memory group is shown');
      assert.strictEqual(labelOf(item(api, group)), 'Anonymous shared memory');
      const node = groupRows(api, 'anonShm').find(
        (n): n is PosixNode => n.kind === 'object' && n.object.kind === 'posixShm' && n.object.holders.some((h) => h.pid === parent),
      );
      assert.ok(node, 'the board is a row of the group');
      const row = item(api, node);
      assert.strictEqual(labelOf(row), `anonymous shared memory (inode ${node.object.ino})`);
      const words = descriptionOf(row).split(' · ');
      assert.ok(words.indexOf('locktool') === words.indexOf('3 holders') + 1, `holders, then the program that holds it: ${words.join(' · ')}`);
      assert.ok(!words.includes('removed'), 'it never had a name to remove');
      assert.deepStrictEqual(
        [...new Set(childPids(api, node))],
        [parent, a, b].sort((x, y) => x - y),
      );
      assert.match(tooltipOf(row), /^\*\*anonymous shared memory \(inode \d+\)\*\*/);
      assert.match(tooltipOf(row), /MAP_SHARED and MAP_ANONYMOUS/);
      assert.match(tooltipOf(row), /\| Why \| no name: lives while mapped by 3 processes \|/);
      assert.ok(flags(row)[0] === 'anonShm', row.contextValue);
      if (!isRoot) {
        assert.ok(!flags(row).includes('readable'), 'only root reads it (map_files)');
        return;
      }
      assert.ok(flags(row).includes('readable'), row.contextValue);
      const panel = await run<ContentsPanel>('ipcInspector.openContents', node);
      assert.ok(panel, 'the contents view opened');
      assert.strictEqual(panel.source.header.size, PAGE);
      const mutex = await read(panel, 8, 16);
      assert.strictEqual(Buffer.from(mutex.bytes).readInt32LE(8), a, "the mutex's owner is A: the bytes are the board's");
    });

    it("recognises Python's multiprocessing.shared_memory: the one it holds is in use, the one it left behind is orphaned", async () => {
      await setSetting('orphanGracePeriod', 0);
      const held = await pythonHolder(8192, 'from python');
      const leaked = pythonLeak(4096);
      await refreshView();
      const heldRow = item(api, posixRowOrFail(api, '/' + held.name));
      assert.ok(held.name.startsWith('psm_'), held.name);
      assert.ok(flags(heldRow).includes('state=in-use'), heldRow.contextValue);
      const pids = childPids(api, posixRowOrFail(api, '/' + held.name));
      assert.deepStrictEqual([...new Set(pids)], [held.pid], 'held by the Python process only');
      assert.match(tooltipOf(heldRow), /mapped by 1 process, open in 1 process/, 'Python maps it and keeps its descriptor');
      assert.match(tooltipOf(heldRow), /probably Python multiprocessing\.shared_memory \(a hint from the name, not a proof\)/);
      const leakedRow = item(api, posixRowOrFail(api, '/' + leaked));
      assert.ok(flags(leakedRow).includes('state=orphaned'), leakedRow.contextValue);
      await held.stop();
      await refreshView();
      assert.strictEqual(posixRow(api, '/' + held.name), undefined, 'unlinked by Python when it was done');
    });

    it('notices a new holder without any change in /dev/shm or /proc/sysvipc (the one scan covers every kind)', async () => {
      const name = freshName();
      createObject(name, PAGE);
      await refreshView();
      assert.deepStrictEqual(childPids(api, posixRowOrFail(api, '/' + name)), []);
      const reader = await mapObject(name, 'ro');
      await waitFor(() => childPids(api, posixRowOrFail(api, '/' + name)).includes(reader.pid), 8000, 'polling to show the new holder');
    });
  });

  describe('commands', () => {
    it('Create POSIX Shared Memory Object…: makes the object with the size and mode asked, allocating nothing, and shows it', async () => {
      const name = freshName();
      let result: unknown;
      const prompts = await withPrompts(api, async (p) => {
        p.input((q) => {
          assert.ok(q.options.validateInput?.('a/b'), 'a name with a slash is refused');
          assert.ok(q.options.validateInput?.('sem.x'), 'a semaphore name is refused');
          return '/' + name;
        })
          .input('2 MiB')
          .input('640');
        result = await run('ipcInspector.createPosixObject');
      });
      assert.strictEqual(result, '/' + name);
      const st = fs.statSync(shmPath(name));
      assert.strictEqual(st.size, 2 * MiB);
      assert.strictEqual(st.mode & 0o777, 0o640);
      assert.strictEqual(st.blocks, 0, 'nothing allocated');
      assert.match(prompts.notificationsOf('info')[0] ?? '', new RegExp(`Created POSIX object /${name} \\(2 MiB, mode 640\\b`));
      await waitFor(
        () => api.views.sharedMemory.treeView.selection.some((n) => n.kind === 'object' && n.object.kind === 'posixShm' && n.object.name === '/' + name),
        5000,
        'the new row to be selected',
      );

      // The name again: only now it asks, naming the object; Cancel makes nothing, Open it opens it as it is.
      for (const answer of ['Cancel', 'Open it']) {
        const again = await withPrompts(api, async (p) => {
          p.input('/' + name)
            .input('4 KiB')
            .input('600')
            .pick((q) => {
              assert.strictEqual(q.options.title, `/${name} exists already`);
              return q.items.find((item) => item.label === answer);
            });
          await run('ipcInspector.createPosixObject');
        });
        assert.deepStrictEqual(again.notificationsOf('error'), []);
        if (answer === 'Cancel') assert.deepStrictEqual(again.notificationsOf('info'), [], 'Cancel makes nothing and says nothing');
        else assert.match(again.notificationsOf('info')[0] ?? '', new RegExp(`Found an existing POSIX object /${name} \\(not created\\)`));
      }
      assert.strictEqual(fs.statSync(shmPath(name)).size, 2 * MiB, 'the existing object is untouched');
    });

    it('Remove…: says mappers keep it, unlinks it (checking the inode), and the memory stays with its holder', async () => {
      const name = freshName();
      const owner = await ownObject(name, PAGE);
      assert.strictEqual(await owner.command('write 0 6869'), 'ok');
      const idle = freshName();
      createObject(idle, PAGE);
      await refreshView();
      const nodes = [posixRowOrFail(api, '/' + name), posixRowOrFail(api, '/' + idle)];
      let removed: unknown;
      await withPrompts(api, async (p) => {
        p.confirmWith((q) => {
          assert.strictEqual(q.message, 'Remove 2 POSIX objects?');
          assert.match(q.detail, new RegExp(`object /${name}, 4 KiB, owner ${me}, mapped by 1 process, open in 1 process`));
          assert.match(
            q.detail,
            /One object is still mapped or open: the name goes at once, but the processes that map or hold it keep its memory until they unmap and close it/,
          );
          assert.match(q.detail, /The contents of the others are lost/);
          return 'Remove';
        });
        removed = await run('ipcInspector.remove', nodes[0], nodes);
      });
      assert.deepStrictEqual(removed, ['/' + name, '/' + idle]);
      assert.ok(!fs.existsSync(shmPath(name)) && !fs.existsSync(shmPath(idle)));
      assert.strictEqual(await owner.command('write 1 21'), 'ok', 'the holder still has its memory');
      assert.match(labelOf(item(api, posixRowOrFail(api, '/' + name))), /\(removed\)$/);
    });

    it('Remove…: leaves alone an object whose name was taken by another one after the confirmation was asked', async () => {
      const name = freshName();
      createObject(name, PAGE);
      await refreshView();
      const node = posixRowOrFail(api, '/' + name);
      let replacement = 0;
      const prompts = await withPrompts(api, async (p) => {
        p.confirmWith(() => {
          fs.rmSync(shmPath(name));
          replacement = createObject(name, 2 * PAGE).ino; // same name, another object
          return 'Remove';
        });
        assert.deepStrictEqual(await run('ipcInspector.remove', node), []);
      });
      assert.strictEqual(fs.statSync(shmPath(name)).ino, replacement, 'the new object is untouched');
      assert.deepStrictEqual(prompts.notificationsOf('warning'), [`Not removed: object /${name} no longer exists.`]);
    });

    it('Clean Up Orphaned Objects…: offers POSIX orphans beside System V ones, keeps one opened meanwhile, removes the rest', async () => {
      await setSetting('orphanGracePeriod', 0);
      const orphans = [freshName(), freshName(), freshName()];
      for (const name of orphans) createObject(name, 2 * PAGE);
      writeObject(orphans[0], 0, Buffer.alloc(PAGE, 1));
      const busy = freshName();
      await ownObject(busy, PAGE);
      const segment = createSegment(freshKey(), 4096);
      await refreshView();
      const late = orphans[2];
      let result: { removed: Array<number | string>; bytesFreed: number; skipped: string[] } | undefined;
      const prompts = await withPrompts(api, async (p) => {
        p.pickMany((q) => {
          const labels = q.items.map((i) => i.label);
          for (const name of orphans) assert.ok(labels.includes('/' + name), `/${name} is not offered: ${labels.join(', ')}`);
          assert.ok(!labels.includes('/' + busy), 'an object in use is offered');
          assert.ok(
            labels.some((l) => l.endsWith(`(id ${segment})`)),
            'System V orphans are offered in the same preview',
          );
          const posix = q.items.find((i) => i.label === '/' + orphans[0])!;
          assert.match(posix.description ?? '', new RegExp(`^(orphaned \\(uncertain\\) · )?POSIX object · 8 KiB · owner ${me}$`));
          assert.match(posix.detail ?? '', /^(orphaned \(uncertain\): )?(nobody|no process this user can read) has it mapped or open \(unused since /);
          // Ticked only when every process could be checked (pid 1 of some sandboxes cannot be, even by root).
          for (const i of q.items) assert.strictEqual(i.picked, !/could not be checked/.test(i.detail ?? ''), `${i.label}: ${i.detail}`);
          return q.items.filter((i) => orphans.includes(i.label.slice(1)) || i.label.endsWith(`(id ${segment})`));
        }).confirmWith(async () => {
          await openObject(late, 'ro');
          return 'Remove';
        });
        result = await run('ipcInspector.cleanUpOrphans');
      });
      assert.ok(result);
      assert.deepStrictEqual([...result.removed].map(String).sort(), ['/' + orphans[0], '/' + orphans[1], String(segment)].sort());
      assert.strictEqual(result.bytesFreed, PAGE + 4096, 'the allocated bytes of the POSIX objects plus the segment size');
      assert.ok(fs.existsSync(shmPath(late)), 'the object opened meanwhile is kept');
      assert.ok(fs.existsSync(shmPath(busy)));
      for (const name of orphans.slice(0, 2)) assert.ok(!fs.existsSync(shmPath(name)), `/${name} is still there`);
      assert.match(prompts.notificationsOf('warning')[0] ?? '', new RegExp(`Kept: object /${late} is no longer orphaned \\(open in 1 process\\)`));
    });

    it('Copy Name / Copy Path / Copy Remove Command: the rm command works in a shell', async () => {
      const name = freshName();
      createObject(name, PAGE);
      await refreshView();
      const node = posixRowOrFail(api, '/' + name);
      await withPrompts(api, async () => {
        await run('ipcInspector.copyName', node);
        assert.strictEqual(await vscode.env.clipboard.readText(), '/' + name);
        await run('ipcInspector.copyPath', node);
        assert.strictEqual(await vscode.env.clipboard.readText(), shmPath(name));
        await run('ipcInspector.copyRemoveCommand', node);
      });
      const command = await vscode.env.clipboard.readText();
      assert.strictEqual(command, `rm /dev/shm/${name}`);
      execSync(command);
      assert.ok(!fs.existsSync(shmPath(name)));
    });

    it('Change Permissions…: changes the mode of the object with that inode', async () => {
      const name = freshName();
      createObject(name, PAGE, 0o600);
      await refreshView();
      await withPrompts(api, async (p) => {
        if (process.getuid?.() === 0) p.pick('Mode');
        p.input((q) => {
          assert.match(q.options.prompt ?? '', /now 600 \(rw-------\)/);
          return '644';
        });
        await run('ipcInspector.changePermissions', posixRowOrFail(api, '/' + name));
      });
      assert.strictEqual(fs.statSync(shmPath(name)).mode & 0o777, 0o644);
    });
  });

  describe('contents', () => {
    async function open(name: string): Promise<{ panel: ContentsPanel; rec: Recorder }> {
      await refreshView();
      const node = posixRowOrFail(api, name);
      const panel = await run<ContentsPanel>('ipcInspector.openContents', node);
      assert.ok(panel, 'the command returned the panel');
      await waitFor(() => panel.panel.visible, 5000, 'the contents view to be visible');
      const rec = new Recorder(panel);
      return { panel, rec };
    }

    it('reads what another program wrote, only the pages with data, and allocates nothing and changes nothing', async () => {
      const name = freshName();
      createObject(name, MiB, 0o644);
      const bytes = Buffer.from('pread, never mmap');
      writeObject(name, 5 * PAGE, bytes);
      const before = { blocks: blocks(name), sum: sha256(fs.readFileSync(shmPath(name))) };
      const { panel, rec } = await open('/' + name);
      await settle(rec);
      assert.strictEqual(panel.source.header.gaps, 'hole');
      const all = await read(panel, 0, MiB);
      for (let page = 0; page < MiB / PAGE; page++) assert.strictEqual(residentBit(all, page), page === 5, `page ${page}`);
      assert.strictEqual(Buffer.from(all.bytes.subarray(5 * PAGE, 5 * PAGE + bytes.length)).toString(), bytes.toString());
      const holes = await read(panel, 0, 64 * KiB, true); // asked for: a hole reads as zeros
      assert.ok(holes.bytes.subarray(0, 5 * PAGE).every((b) => b === 0));
      assert.strictEqual(blocks(name), before.blocks, 'reading allocated pages');
      assert.strictEqual(sha256(fs.readFileSync(shmPath(name))), before.sum, 'reading changed bytes');
    });

    it('opens from a double click on the row (a single click only selects)', async () => {
      const name = freshName();
      createObject(name, PAGE);
      await refreshView();
      const node = posixRowOrFail(api, '/' + name);
      assert.strictEqual(await run('ipcInspector.rowClicked', node), undefined, 'one click opens nothing');
      assert.deepStrictEqual(api.contentsPanels(), []);
      const panel = await run<ContentsPanel>('ipcInspector.rowClicked', node);
      assert.ok(panel && api.contentsPanels().includes(panel), 'the second click of a double click opens the contents');
    });

    it('follows the object: live changes, growing (ftruncate), unlinked while held (read through the holder), gone', async function () {
      this.timeout(40_000);
      await setSetting('hexView.refreshRate', 10);
      const name = freshName();
      const owner = await ownObject(name, PAGE);
      assert.strictEqual(await owner.command('write 0 6162'), 'ok');
      const { panel, rec } = await open('/' + name);
      await settle(rec);
      await panel.receive({ type: 'viewport', offset: 0, length: 16 });
      await panel.receive({ type: 'live', live: true });
      assert.strictEqual(await owner.command('write 2 63'), 'ok');
      await rec.waitFor((m): m is DataMessage => m.type === 'data' && m.requestId === 0 && m.bytes[2] === 0x63, 'the live change', 5000);

      assert.strictEqual(await owner.command(`truncate ${3 * PAGE}`), 'ok');
      const grown = await rec.waitFor(
        (m): m is Extract<typeof m, { type: 'header' }> => m.type === 'header' && m.header.size === 3 * PAGE,
        'a header with the new size',
        5000,
      );
      assert.strictEqual(grown.message.header.phase, 'live');

      assert.strictEqual(await owner.command('unlink'), 'ok');
      await refreshView();
      const removed = await rec.waitFor(
        (m): m is Extract<typeof m, { type: 'header' }> => m.type === 'header' && m.header.phase === 'removed-held',
        'a header saying removed, still held',
        5000,
      );
      assert.match(fact(removed.message.header, 'State') ?? '', /removed, still mapped\/open by 1/);
      assert.strictEqual(await owner.command('write 3 64'), 'ok');
      await rec.waitFor(
        (m): m is DataMessage => m.type === 'data' && m.requestId === 0 && m.bytes[3] === 0x64,
        'live changes after the unlink, through the holder',
        5000,
      );
      assert.match(String((panel.source as { readPath?: string }).readPath), new RegExp(`^/proc/${owner.pid}/(fd|map_files)/`));

      await owner.stop();
      await rec.waitFor((m): m is Extract<typeof m, { type: 'header' }> => m.type === 'header' && m.header.phase === 'gone', 'a header saying gone', 5000);
      assert.strictEqual(panel.phase, 'gone');
      assert.deepStrictEqual(rec.errors(), [], 'errors were posted while following it');
    });
  });
});
