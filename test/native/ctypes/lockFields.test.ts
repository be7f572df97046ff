// glibc's locks as C fields, against live locks: test/programs/board.h (locktool's board as a C
// type) laid out by the real compiler, over the bytes of a board in /dev/shm whose locks locktool's
// processes hold and wait on. Each lock field must read as the lock it is, as the fields panel
// shows it (src/shared/cValues.ts). The processes are killed and the object removed after each test.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LayoutCache } from '../../../src/ctypes/layouts';
import type { CLayout } from '../../../src/shared/cLayout';
import { valueOf } from '../../../src/shared/cValues';
import { testParser } from '../../support/parserFiles';
import { cleanupPosixObjects, freshName, shmPath, trackName } from '../../support/posixObjects';
import { repoRoot } from '../../support/segments';
import { killSpawned, spawnReady } from '../../support/spawned';
import { waitFor } from '../../support/waitFor';

const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');
const header = path.join(repoRoot, 'test', 'programs', 'board.h');

describe('glibc locks in a C type over live shared memory (locktool, board.h)', function () {
  this.timeout(60_000);
  let layout: CLayout;

  before(async function () {
    if (process.arch !== 'x64') this.skip(); // locktool's offsets are x86-64's (board.h checks them there)
    layout = await new LayoutCache(testParser).layout({ file: header, typeName: 'struct board', setup: { compiler: 'cc', flags: [], cwd: os.tmpdir() } });
  });

  afterEach(async () => {
    await killSpawned();
    await cleanupPosixObjects();
  });

  /** Runs a scenario on a board in /dev/shm and returns its children and a reader of each field's words. */
  async function scenario(name: string): Promise<{ a: number; b: number; words: () => Record<string, string> }> {
    const object = trackName(freshName());
    const run = await spawnReady(locktool, [`shm:/${object}`, name]);
    const [, , , a, b] = run.firstLine.split(' ').map(Number);
    const words = () => {
      const bytes = fs.readFileSync(shmPath(object));
      const out: Record<string, string> = {};
      for (const field of layout.root.members!) {
        if (field.name !== 'unused') out[field.name] = valueOf(layout, field, 0, (at) => bytes[at], bytes.length).text;
      }
      return out;
    };
    return { a, b, words };
  }

  it('lays the locks out with their glibc types and sizes', function () {
    assert.deepStrictEqual(
      layout.root.members!.map((m) => [m.name, m.type, m.offset, m.size]),
      [
        ['unused', 'char[8]', 0, 8],
        ['mutex1', 'pthread_mutex_t', 8, 40],
        ['mutex2', 'pthread_mutex_t', 48, 40],
        ['sem', 'sem_t', 88, 32],
        ['cond', 'pthread_cond_t', 120, 48],
        ['condmutex', 'pthread_mutex_t', 168, 40],
        ['rwlock', 'pthread_rwlock_t', 208, 56],
        ['robust', 'pthread_mutex_t', 264, 40],
      ],
    );
  });

  it('a mutex held by A with B waiting, and every other lock free, in words', async function () {
    const { a, words } = await scenario('wait');
    const now = await waitFor(() => (words().mutex1.endsWith('threads waiting') ? words() : undefined), 20_000, 'B waiting on mutex1');
    assert.deepStrictEqual(now, {
      mutex1: `mutex, held by ${a}, threads waiting`,
      mutex2: 'mutex, free',
      sem: 'semaphore, value 0, 0 waiting',
      cond: 'condition variable, 0 waiting',
      condmutex: 'mutex, free',
      rwlock: 'rwlock, free',
      robust: 'robust mutex, free',
    });
  });

  it('an rwlock held for writing with a writer waiting, a semaphore and a condition variable waited on', async function () {
    const rw = await scenario('rwlock');
    assert.strictEqual(
      await waitFor(() => (rw.words().rwlock.endsWith('a writer waiting') ? rw.words().rwlock : undefined), 20_000, 'B waiting to write'),
      `rwlock, held by ${rw.a} (writer), a writer waiting`,
    );
    const sem = await scenario('sem');
    assert.strictEqual(
      await waitFor(() => (sem.words().sem.endsWith('1 waiting') ? sem.words().sem : undefined), 20_000, 'B in sem_wait'),
      'semaphore, value 0, 1 waiting',
    );
    const cond = await scenario('cond');
    assert.strictEqual(
      await waitFor(() => (cond.words().cond.endsWith('1 waiting') ? cond.words().cond : undefined), 20_000, 'B in pthread_cond_wait'),
      'condition variable, 1 waiting',
    );
  });

  it('a robust mutex held by A', async function () {
    const { a, words } = await scenario('robust');
    assert.strictEqual(words().robust.startsWith(`robust mutex, held by ${a}`), true, words().robust);
  });
});
