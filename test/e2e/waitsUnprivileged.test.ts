// The Waits view and the wait-for graph as a user who is not root, in chromium: the host runs as
// nobody (its own HOME). Two locktool deadlocks on process-shared mutexes in /dev/shm objects, one
// of nobody's processes and one of root's. Nobody sees its own deadlock said in one sentence, the
// status bar warns of it and Show Wait Graph draws it; root's processes are counted as not checked,
// never shown. Screenshots go to test-results/e2e/.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { NOBODY as AS_NOBODY } from '../support/helper';
import { freshName } from '../support/posixObjects';
import { repoRoot } from '../support/segments';
import { killSpawned, spawnReady } from '../support/spawned';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { drawing, drawingProblems, modelOfDrawing, showWaitGraph } from '../support/waitGraphPage';
import { collapsePanes, paneHeader, untilStatusBarSays, widenSideBar } from '../support/workbenchUi';

const shots = path.join(repoRoot, 'test-results', 'e2e');
const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');
const NOBODY = { uid: 65534, gid: 65534 };

// What runs inside the page (the test's tsconfig has no DOM).
type El = { getAttribute(n: string): string | null };

describe('the Waits view and the wait-for graph as an unprivileged user, in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let ours: { name: string; a: number; b: number };
  let roots: { a: number; b: number };

  /** A deadlock of two locktool processes on two mutexes in /dev/shm/NAME, started behind `prefix`. */
  async function deadlock(program: string, prefix: string[]): Promise<{ name: string; a: number; b: number }> {
    // Unlinked by the root hooks (cleanupPosixObjects), pass or fail; the processes by killSpawned.
    const name = freshName();
    const [command, ...args] = [...prefix, program, `shm:/${name}`, 'deadlock'];
    const run = await spawnReady(command, args);
    const [a, b] = run.firstLine.split(' ').slice(3).map(Number);
    return { name, a, b };
  }

  before(async function () {
    if (process.getuid?.() !== 0) this.skip(); // another user's host and processes need root
    if (!fs.existsSync(locktool)) throw new Error(`${locktool} is missing: node native/build.js`);
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-waits-nobody-e2e-'));
    fs.chmodSync(temp, 0o755);
    // nobody's copy: the checkout may sit where nobody cannot reach (under /root).
    const ownLocktool = path.join(temp, 'locktool');
    fs.copyFileSync(locktool, ownLocktool);
    fs.chmodSync(ownLocktool, 0o755);
    ours = await deadlock(ownLocktool, AS_NOBODY);
    roots = await deadlock(locktool, []);
    const workspace = path.join(temp, 'workspace');
    fs.mkdirSync(workspace);
    fs.chownSync(workspace, NOBODY.uid, NOBODY.gid);
    server = await startHost({ workspace, user: NOBODY });
    ({ browser, page } = await openIpcView(server, { width: 1600, height: 950 }));
  });

  after(async function () {
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'waits-nobody-failure.png'), page, browser, server });
    await killSpawned();
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  });

  const rows = () => page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label]');
  const labels = () => rows().evaluateAll((found) => found.map((r) => (r as unknown as El).getAttribute('aria-label') ?? ''));

  it("says nobody's own deadlock in one sentence and counts root's processes as not checked, never showing them", async function () {
    await collapsePanes(page, ['Shared Memory', 'Semaphores', 'Message Queues']);
    const header = paneHeader(page, 'Waits');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await widenSideBar(page, 600);
    const { name, a, b } = ours;
    const sentence = `deadlock: ${a} holds /${name}+8 and waits for /${name}+48; ${b} holds /${name}+48 and waits for /${name}+8`;
    await page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label="Deadlock: ${sentence}"]`).waitFor({ timeout: 30_000 });
    // Read out as its words (a screen reader once heard only its tooltip).
    await page.locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label*="could not be checked"]').first().waitFor({ timeout: 10_000 });
    const shown = await labels();
    const mentions = (pid: number) => shown.filter((l) => new RegExp(`(^|\\D)${pid}(\\D|$)`).test(l));
    assert.deepEqual([...mentions(roots.a), ...mentions(roots.b)], [], "root's deadlocked processes are not shown");
    assert.ok(
      shown.some((l) => /^\d+ threads? of \d+ process(es)? could not be checked/.test(l)),
      shown.join(' | '),
    );
    await page.screenshot({ path: path.join(shots, 'waits-nobody.png') });
  });

  it('warns of the deadlock in the status bar', async function () {
    await untilStatusBarSays(page, /\d+ deadlock/);
  });

  it("draws nobody's deadlock in the wait-for graph, and nothing of root's", async function () {
    const frame = await showWaitGraph(page);
    await frame.waitForSelector(`g.node[data-node="t:${ours.a}"]`);
    const drawn = await drawing(frame);
    const ends = drawn.edges.flatMap((e) => e.id.split('>'));
    assert.equal(drawn.edges.filter((e) => e.id.split('>').some((end) => end === `t:${ours.a}` || end === `t:${ours.b}`)).length, 4);
    assert.ok(!ends.includes(`t:${roots.a}`) && !ends.includes(`t:${roots.b}`), "root's threads are not drawn");
    assert.deepEqual(drawingProblems(modelOfDrawing(drawn), drawn), []);
    const cycle = (
      await frame.locator('path.edge.cycle').evaluateAll((paths) => paths.map((p) => (p as unknown as El).getAttribute('data-edge') ?? ''))
    ).filter((id) => id.split('>').some((end) => end === `t:${ours.a}` || end === `t:${ours.b}`));
    assert.equal(cycle.length, 4, 'both waits and both holds of our deadlock are on the cycle');
  });
});
