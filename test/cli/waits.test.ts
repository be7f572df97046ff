// `ipc-inspector waits` against real blocked processes: a deadlock of two processes on two
// process-shared mutexes in anonymous shared memory (test/programs/locktool), said in the Waits
// view's words with what to do, exit status 1; --json the export's `waits` with the cycle; the same
// deadlock counted by `metrics`; and as nobody, its own deadlock found while root's threads are
// counted, never dropped. Every process is killed after each test, pass or fail.
import * as assert from 'assert';
import * as path from 'path';
import { NOBODY } from '../support/helper';
import { repoRoot } from '../support/segments';
import { killSpawned, spawnReady } from '../support/spawned';
import { waitFor } from '../support/waitFor';
import { cli, cliJson, IS_ROOT } from './run';

const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');

/** locktool's deadlock (as the user the prefix makes): its two children's pids. */
async function deadlock(prefix: string[] = []): Promise<[number, number]> {
  const command = [...prefix, locktool, 'anon', 'deadlock'];
  const run = await spawnReady(command[0], command.slice(1));
  const [, , , a, b] = run.firstLine.split(' ').map(Number);
  return [a, b];
}

/** Runs `waits` until it reports a deadlock between a and b (they block a moment after locktool says ready). */
function waitsUntilDeadlock(a: number, b: number, options = {}) {
  return waitFor(
    () => {
      const result = cli(['waits'], options);
      return result.status === 1 && result.stdout.includes(`${a} holds`) && result.stdout.includes(`${b} holds`) ? result : undefined;
    },
    20_000,
    `waits to report the deadlock of ${a} and ${b}`,
  );
}

describe('ipc-inspector waits', function () {
  this.timeout(60_000);
  afterEach(() => killSpawned());

  it('says the deadlock first with what to do, then each lock with its holder and waiter, and exits 1', async function () {
    const [a, b] = await deadlock();
    const { stdout } = await waitsUntilDeadlock(a, b);
    const lines = stdout.split('\n');
    assert.match(lines[0], new RegExp(`^Deadlock: deadlock: (${a}|${b}) holds anonymous shared memory \\(inode \\d+\\)\\+(8|48) and waits for`));
    assert.match(lines[1], /^ {2}Each thread waits for a lock the next one holds: none can go on\. Make every process take these locks in the same order\.$/);
    for (const [holder, waiter] of [
      [a, b],
      [b, a],
    ]) {
      const at = lines.findIndex((l) => new RegExp(`^anonymous shared memory \\(inode \\d+\\)\\+\\d+ {2}mutex, held by ${holder} · 1 waiting$`).test(l));
      assert.ok(at > 1, `a lock held by ${holder}:\n${stdout}`);
      assert.match(lines[at + 1], new RegExp(`^ {2}held by ${holder} locktool$`));
      assert.match(lines[at + 2], new RegExp(`^ {2}${waiter} locktool {2}FUTEX_WAIT, waiting since `));
    }
  });

  it("--json is the export document's waits: the blocked threads, the cycle and the diagnosis", async function () {
    const [a, b] = await deadlock();
    await waitsUntilDeadlock(a, b);
    const waits = cliJson<{
      read: boolean;
      blocked: Array<{ pid: number; call: string }>;
      graph: { cycles: number[][] };
      diagnoses: Array<{ kind: string; text: string }>;
    }>(['waits'], {}, 1);
    assert.strictEqual(waits.read, true);
    const mine = waits.blocked.filter((t) => t.pid === a || t.pid === b);
    assert.deepStrictEqual(
      mine.map((t) => t.call),
      ['futex', 'futex'],
    );
    assert.ok(
      waits.graph.cycles.some((c) => [...c].sort().join() === [a, b].sort().join()),
      JSON.stringify(waits.graph.cycles),
    );
    assert.ok(
      waits.diagnoses.some((d) => d.kind === 'deadlock' && d.text.includes(`${a} holds`)),
      JSON.stringify(waits.diagnoses),
    );
  });

  it('metrics counts the blocked threads and the deadlock', async function () {
    const [a, b] = await deadlock();
    await waitsUntilDeadlock(a, b);
    const metrics = cli(['metrics']);
    assert.strictEqual(metrics.status, 0, metrics.stderr);
    assert.ok(Number(/^ipc_inspector_blocked_threads (\d+)$/m.exec(metrics.stdout)?.[1]) >= 2, metrics.stdout);
    assert.match(metrics.stdout, /^ipc_inspector_wait_diagnoses\{kind="deadlock"\} [1-9]\d*$/m);
    assert.match(metrics.stdout, /^ipc_inspector_wait_diagnoses\{kind="noReceiver"\} \d+$/m, 'every kind is given, zeros included');
  });

  it("as nobody: its own deadlock is found, root's threads are counted as not checked", async function () {
    if (!IS_ROOT) this.skip(); // switching to nobody needs root
    const [a, b] = await deadlock(NOBODY);
    const { stdout } = await waitsUntilDeadlock(a, b, { asNobody: true });
    assert.match(stdout, /^[1-9]\d* threads? of [1-9]\d* process(es)? could not be checked$/m);
  });
});
