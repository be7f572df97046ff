// The wait-for graph's page alone in chromium (the built dist/waitGraph.js; waitsView.test.ts draws
// a real deadlock with the installed extension): graphs larger and odder than a test can make
// processes wait for. A person checks that every node is drawn, none over another, every arrow
// goes from its source to its target without running through another node, and a deadlock's
// arrows are in the error colour; the list beside the drawing names every node.
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { host } from '../support/testHost';
import { awkwardGraph, drawGraph, drawing, drawingProblems, openGraphPage, syntheticGraph, wideGraph } from '../support/waitGraphPage';

describe('the wait-for graph page alone in chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;
  let close: () => Promise<void>;

  before(async function () {
    browser = await host.launchChromium();
    ({ page, close } = await openGraphPage(browser));
  });

  after(async function () {
    await close?.();
    await browser?.close();
  });

  it('draws 1,000 nodes in parts, no node over another, every arrow from its source to its target around the others', async function () {
    const model = syntheticGraph(250, 2, 'big');
    await drawGraph(page, model);
    const drawn = await drawing(page);
    assert.equal(drawn.boxes.length, 1000);
    assert.deepEqual(drawingProblems(model, drawn), []);
    // Holders right of their locks, locks right of their waiters: "waits for" and "held by" point right.
    const boxes = new Map(drawn.boxes.map((b) => [b.id, b]));
    for (const e of model.edges) assert.ok(boxes.get(e.from)!.x < boxes.get(e.to)!.x, `${e.id} points right`);
    // Packed, not one long row or column: the picture is at most a few times wider than tall.
    const shape = drawn.width / drawn.height;
    assert.ok(shape > 0.25 && shape < 4, `the picture is ${drawn.width} by ${drawn.height}`);
    assert.equal(await page.locator('.items .item').count(), 1000);
  });

  it('draws a deadlock ring, a lock held by two readers, a thread waiting for two locks and an object without holder', async function () {
    const model = awkwardGraph(6, 'awkward');
    await drawGraph(page, model);
    assert.deepEqual(drawingProblems(model, await drawing(page)), []);
    const cycle = await page.locator('path.edge.cycle').count();
    assert.equal(cycle, 12, "the ring's six waits and six holds are drawn as the cycle");
  });

  it('draws a lock held by two readers with 1,000 writers waiting: one wide part that is not a tree', async function () {
    const model = wideGraph(1000, 'wide');
    await drawGraph(page, model);
    assert.deepEqual(drawingProblems(model, await drawing(page)), []);
  });

  it('draws a two-thread deadlock (no thread in it waits for nothing) and redraws a changed graph in place', async function () {
    const model = awkwardGraph(2, 'two');
    await drawGraph(page, model);
    assert.deepEqual(drawingProblems(model, await drawing(page)), []);
    const smaller = syntheticGraph(3, 1, 'three');
    await drawGraph(page, smaller);
    const drawn = await drawing(page);
    assert.deepEqual(drawingProblems(smaller, drawn), []);
    assert.equal(drawn.boxes.length, smaller.nodes.length, 'the last graph only');
  });
});
