// The Waits view and the wait-for graph in chromium, with real producers: test/programs/locktool
// makes two processes deadlock on two process-shared mutexes in a /dev/shm object. The view says
// the deadlock in one sentence and lists both threads under the locks; the status bar warns; Show
// Wait Graph draws the graph with the cycle in the theme's error colour, no node over another and
// no arrow through a node (waitGraphPage.test.ts: larger and odder graphs), and a text list beside
// it; a click on a node (or Enter on its list item) reveals its row; a semaphore nobody is left to
// post (locktool semalone) is said as a warning after it. Screenshots go to test-results/e2e/ (the
// README shows the graph's).
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { untilContentsView } from '../support/contentsUi';
import { killSpawned, spawnReady } from '../support/spawned';
import { freshName } from '../support/posixObjects';
import { repoRoot } from '../support/segments';
import { closeUi, openIpcView, Server, startHost } from '../support/testHost';
import { drawing, drawingProblems, graphFrame, modelOfDrawing, showWaitGraph } from '../support/waitGraphPage';
import { collapsePanes, paneHeader, untilStatusBarSays, widenSideBar } from '../support/workbenchUi';

const shots = path.join(repoRoot, 'test-results', 'e2e');
const locktool = path.join(repoRoot, 'native', 'bin', 'locktool');

// What runs inside the page (the test's tsconfig has no DOM).
type El = { getAttribute(n: string): string | null; textContent: string | null };
declare const document: {
  querySelectorAll(s: string): El[];
  createElement(tag: string): El & { style: Record<string, string> };
  body: { appendChild(e: unknown): void };
};
declare function getComputedStyle(e: unknown): { stroke: string; color: string };

describe('the Waits view and the wait-for graph in chromium', function () {
  this.timeout(240_000);
  let temp: string;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let name: string;
  let a: number;
  let b: number;

  before(async function () {
    if (!fs.existsSync(locktool)) throw new Error(`${locktool} is missing: node native/build.js`);
    fs.mkdirSync(shots, { recursive: true });
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-waits-e2e-'));
    // Unlinked by the root hooks (cleanupPosixObjects), pass or fail; the processes by killSpawned.
    name = freshName();
    const run = await spawnReady(locktool, [`shm:/${name}`, 'deadlock']);
    [a, b] = run.firstLine.split(' ').slice(3).map(Number);
    server = await startHost({ workspace: temp });
    ({ browser, page } = await openIpcView(server, { width: 1600, height: 950 }));
  });

  after(async function () {
    await closeUi({ failed: this.currentTest?.state === 'failed', shot: path.join(shots, 'waits-failure.png'), page, browser, server });
    await killSpawned();
    fs.rmSync(temp, { recursive: true, force: true });
  });

  const sentence = () => `deadlock: ${a} holds /${name}+8 and waits for /${name}+48; ${b} holds /${name}+48 and waits for /${name}+8`;
  const threadRow = (pid: number) => page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="${pid} locktool waits: "]`);

  it('names the deadlock in one sentence and lists both threads under the locks they wait on', async function () {
    await collapsePanes(page, ['Shared Memory', 'Semaphores', 'Message Queues']);
    // Closed until opened (the other views keep their room): opened as a person would.
    const header = paneHeader(page, 'Waits');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await widenSideBar(page, 600);
    const diagnosis = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label="Deadlock: ${sentence()}"]`);
    await diagnosis.waitFor({ timeout: 30_000 });
    assert.equal(await diagnosis.locator('.codicon-error').count(), 1, 'the deadlock row has the error icon');
    await threadRow(a).waitFor({ timeout: 10_000 });
    await threadRow(b).waitFor({ timeout: 10_000 });
    const lock8 = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="/${name}+8: mutex, held by ${a}, 1 waiting"]`);
    await lock8.waitFor({ timeout: 10_000 });
    await page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="/${name}+48: mutex, held by ${b}, 1 waiting"]`).waitFor({ timeout: 10_000 });
    assert.match((await threadRow(b).getAttribute('aria-label'))!, /FUTEX_WAIT, waiting since /);
    await page.screenshot({ path: path.join(shots, 'waits-view.png') });
  });

  it('warns of the deadlock in the status bar', async function () {
    const item = await untilStatusBarSays(page, /\d+ deadlock/);
    assert.match(await item.innerText(), /\d+ deadlocks?\b/);
  });

  it('draws the graph with the cycle in the theme error colour, the sentence and a text list', async function () {
    // The view's title button, as a person would.
    const frame = await showWaitGraph(page);
    await frame.waitForSelector(`g.node[data-node="t:${a}"]`);
    // Other programs on the machine may deadlock too (other suites' producers): only our two threads' edges count.
    const colours = await frame.evaluate(
      (ours) => {
        const probe = document.createElement('div');
        probe.style.color = 'var(--vscode-errorForeground)';
        document.body.appendChild(probe);
        const mine = (p: El) => ours.some((id) => (p.getAttribute('data-edge') ?? '').split('>').includes(id));
        return {
          error: getComputedStyle(probe).color,
          cycle: [...document.querySelectorAll('path.edge.cycle')].filter(mine).map((p) => getComputedStyle(p).stroke),
        };
      },
      [`t:${a}`, `t:${b}`],
    );
    assert.equal(colours.cycle.length, 4, 'both waits and both holds are on the cycle');
    assert.ok(/^rgb/.test(colours.error), `the theme's error colour is set: ${colours.error}`);
    for (const stroke of colours.cycle) assert.equal(stroke, colours.error);
    assert.match((await frame.textContent('.diagnoses'))!, new RegExp(sentence().replace(/[+.]/g, '\\$&')));
    const items = await frame.evaluate(() => [...document.querySelectorAll('.items .item')].map((i) => i.getAttribute('aria-label') ?? ''));
    assert.ok(
      items.some((label) => label.startsWith(`${a} locktool, futex, waits for /${name}+48`)),
      items.join(' | '),
    );
    assert.ok(items.some((label) => label.startsWith(`/${name}+8, mutex, held by ${a}`)));
    // Drawn so it can be read: every node of the list drawn, our four edges, no node over another,
    // every arrow from its source to its target around the others.
    const drawn = await drawing(frame);
    assert.equal(drawn.boxes.length, items.length, 'a box for every item of the list');
    const ours = drawn.edges.filter((e) => e.id.split('>').some((end) => end === `t:${a}` || end === `t:${b}`));
    assert.equal(ours.length, 4, ours.map((e) => e.id).join(', '));
    assert.deepEqual(drawingProblems(modelOfDrawing(drawn), drawn), []);
    // The README's picture: the graph given the room, the view still beside it.
    await widenSideBar(page, -420);
    await frame.waitForFunction(() => [...document.querySelectorAll('svg.graph')].length === 1);
    await page.screenshot({ path: path.join(shots, 'wait-graph.png') });
  });

  it("reveals a thread's row when its node is clicked, and a lock's row on Enter in the list", async function () {
    const frame = await graphFrame(page);
    const selected = (row: ReturnType<typeof threadRow>) => row.and(page.locator('[aria-selected="true"]'));
    for (let attempt = 0; attempt < 10 && (await selected(threadRow(b)).count()) === 0; attempt++) {
      await frame.click(`g.node[data-node="t:${b}"]`);
      await selected(threadRow(b))
        .first()
        .waitFor({ timeout: 3000 })
        .catch(() => undefined);
    }
    assert.equal(await selected(threadRow(b)).count(), 1, "the thread's row is selected");
    const lockRow = page.locator(`.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="/${name}+48: mutex"]`);
    const item = frame.locator(`.items .item[aria-label^="/${name}+48,"]`);
    for (let attempt = 0; attempt < 10 && (await selected(lockRow).count()) === 0; attempt++) {
      await item.focus();
      await item.press('Enter');
      await selected(lockRow)
        .first()
        .waitFor({ timeout: 3000 })
        .catch(() => undefined);
    }
    assert.equal(await selected(lockRow).count(), 1, "the lock's row is selected");
  });

  it("opens a lock's object at the lock's offset from the list's button", async function () {
    const frame = await graphFrame(page);
    const button = frame.locator(`.items .item[aria-label^="/${name}+48,"] button.open`);
    const hex = await untilContentsView(page, () => button.click(), new RegExp(`/${name}`));
    await hex.waitForFunction(() => /Went to 0x30 \(48\)/.test(document.querySelectorAll('body')[0]?.textContent ?? ''), undefined, { timeout: 15_000 });
  });

  it('says a semaphore nobody is left to post, as a warning under the deadlock', async function () {
    // locktool anon semalone: its child waits on a sem_t at 0 that only it still maps.
    const run = await spawnReady(locktool, ['anon', 'semalone']);
    const waiter = Number(run.firstLine.split(' ')[4]);
    const row = page.locator(
      `.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label^="Nobody left to post: anonymous shared memory (inode "][aria-label*="(process ${waiter}) maps"]`,
    );
    await paneHeader(page, 'Waits').scrollIntoViewIfNeeded();
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.locator('.codicon-warning').count(), 1, 'the row has the warning icon');
    const labels = await page
      .locator('.monaco-list-row:not(.monaco-tree-sticky-row)[aria-label]')
      .evaluateAll((rows) => rows.map((r) => (r as unknown as El).getAttribute('aria-label') ?? ''));
    const at = (prefix: string) => labels.findIndex((l) => l.startsWith(prefix));
    assert.ok(at('Deadlock: ') >= 0 && at('Deadlock: ') < at('Nobody left to post: '), 'the error comes before the warning');
  });
});
