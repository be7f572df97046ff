// The wait-for graph's page (dist/waitGraph.js) alone in chromium, as the bench and the UI suite
// use it: synthetic graphs shaped like real ones, the page loaded with a stand-in for VS Code's
// webview API, and what a person checks in a drawing read back from its SVG: every node drawn,
// none over another, every arrow from its source's box to its target's and through no other box.
// Page code is text: the tests' tsconfig has no DOM types.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Frame, Page } from 'playwright-core';
import type { GraphModel, ModelEdge, ModelNode } from '../../src/shared/waitGraphProtocol';
import { repoRoot } from './segments';
import { paneAction } from './workbenchUi';

const WORDS: GraphModel['words'] = {
  title: 'Wait-for graph',
  drawingLabel: 'the graph',
  listLabel: 'the graph as a list',
  waitsFor: 'waits for',
  heldBy: 'held by',
  open: 'Open',
  laidOutFailed: 'could not lay out: {0}',
};

/** A graph of `locks` locks, each held by one thread and waited on by `waiters`, every tenth holder waiting for the next lock. */
export function syntheticGraph(locks: number, waiters: number, key: string): GraphModel {
  const nodes: ModelNode[] = [];
  const edges: ModelEdge[] = [];
  const edge = (from: string, to: string, kind: ModelEdge['kind']) => edges.push({ id: `${from}>${to}`, from, to, kind, cycle: false });
  for (let l = 0; l < locks; l++) {
    const pid = 4000 + l;
    nodes.push({ id: `l:${l}`, kind: 'lock', label: `/board+${8 + 40 * l}`, detail: `mutex, held by ${pid}`, openable: true });
    nodes.push({ id: `t:${pid}`, kind: 'thread', label: `${pid} worker`, detail: 'holds it' });
    edge(`l:${l}`, `t:${pid}`, 'heldBy');
    for (let w = 0; w < waiters; w++) {
      const tid = 100_000 + l * waiters + w;
      nodes.push({ id: `t:${tid}`, kind: 'thread', label: `${pid + 1} (thread ${tid}) worker`, detail: 'futex · waiting 2 min' });
      edge(`t:${tid}`, `l:${l}`, 'waits');
    }
    if (l % 10 === 0 && l + 1 < locks) edge(`t:${pid}`, `l:${l + 1}`, 'waits');
  }
  return { key, nodes, edges, diagnoses: [], words: WORDS };
}

/**
 * Shapes a real graph has beyond the synthetic one: `length` threads each holding one lock and
 * waiting for the next one's, round (a deadlock cycle, no thread waiting for nothing), with a
 * waiter on the first lock; an rwlock held by two readers; a thread waiting for two locks at once
 * (futex_waitv); an object with a waiter and no holder.
 */
export function awkwardGraph(length: number, key: string): GraphModel {
  if (length < 2) throw new Error('awkwardGraph: a ring needs two threads at least');
  const nodes: ModelNode[] = [];
  const edges: ModelEdge[] = [];
  const thread = (id: string, label: string) => nodes.push({ id, kind: 'thread', label, detail: 'futex' });
  const lock = (id: string, label: string) => nodes.push({ id, kind: 'lock', label, detail: 'mutex', openable: true });
  const edge = (from: string, to: string, kind: ModelEdge['kind'], cycle = false) => edges.push({ id: `${from}>${to}`, from, to, kind, cycle });
  for (let i = 0; i < length; i++) {
    thread(`t:c${i}`, `${5000 + i} ring`);
    lock(`l:c${i}`, `/ring+${8 + 40 * i}`);
  }
  for (let i = 0; i < length; i++) {
    edge(`l:c${i}`, `t:c${i}`, 'heldBy', true);
    edge(`t:c${i}`, `l:c${(i + 1) % length}`, 'waits', true);
  }
  thread('t:late', '5999 late');
  edge('t:late', 'l:c0', 'waits');
  lock('l:rw', '/rw+0');
  thread('t:r1', '6001 reader');
  thread('t:r2', '6002 reader');
  thread('t:writer', '6003 writer');
  edge('l:rw', 't:r1', 'heldBy');
  edge('l:rw', 't:r2', 'heldBy');
  edge('t:writer', 'l:rw', 'waits');
  thread('t:both', '6004 waitv');
  edge('t:both', 'l:rw', 'waits');
  edge('t:both', 'l:c1', 'waits');
  nodes.push({ id: 'o:set', kind: 'object', label: 'semaphore set 7', detail: 'semop' });
  thread('t:sem', '6005 sem');
  edge('t:sem', 'o:set', 'waits');
  return { key, nodes, edges, diagnoses: [], words: WORDS };
}

/** `rings` deadlocks, each of `length` threads holding a lock and waiting for the next one's, round, with one more waiter on every other lock: no part is a tree. */
export function ringsGraph(rings: number, length: number, key: string): GraphModel {
  const nodes: ModelNode[] = [];
  const edges: ModelEdge[] = [];
  const edge = (from: string, to: string, kind: ModelEdge['kind'], cycle: boolean) => edges.push({ id: `${from}>${to}`, from, to, kind, cycle });
  for (let r = 0; r < rings; r++) {
    for (let i = 0; i < length; i++) {
      const pid = 10_000 + r * length + i;
      nodes.push({ id: `t:${pid}`, kind: 'thread', label: `${pid} worker`, detail: 'futex · waiting 2 min' });
      nodes.push({ id: `l:${r}:${i}`, kind: 'lock', label: `/ring${r}+${8 + 40 * i}`, detail: `mutex, held by ${pid}`, openable: true });
      edge(`l:${r}:${i}`, `t:${pid}`, 'heldBy', true);
      edge(`t:${pid}`, `l:${r}:${(i + 1) % length}`, 'waits', true);
      if (i % 2 === 0) {
        nodes.push({ id: `t:${pid}:late`, kind: 'thread', label: `${pid} (thread ${pid + 1}) worker`, detail: 'futex · waiting 1 min' });
        edge(`t:${pid}:late`, `l:${r}:${i}`, 'waits', false);
      }
    }
  }
  return { key, nodes, edges, diagnoses: [], words: WORDS };
}

/** One lock held by two readers (an rwlock) with `waiters` writers waiting: a part that is not a tree, and wide. */
export function wideGraph(waiters: number, key: string): GraphModel {
  const nodes: ModelNode[] = [{ id: 'l:rw', kind: 'lock', label: '/table+0', detail: 'rwlock, read by 2', openable: true }];
  const edges: ModelEdge[] = [];
  for (const reader of ['t:r1', 't:r2']) {
    nodes.push({ id: reader, kind: 'thread', label: `${reader} reader`, detail: 'holds it' });
    edges.push({ id: `l:rw>${reader}`, from: 'l:rw', to: reader, kind: 'heldBy', cycle: false });
  }
  for (let w = 0; w < waiters; w++) {
    nodes.push({ id: `t:w${w}`, kind: 'thread', label: `${7000 + w} writer`, detail: 'futex · waiting 5 s' });
    edges.push({ id: `t:w${w}>l:rw`, from: `t:w${w}`, to: 'l:rw', kind: 'waits', cycle: false });
  }
  return { key, nodes, edges, diagnoses: [], words: WORDS };
}

/** A page showing the built graph page, VS Code's webview API stood in for (what it posts is kept in `window.posted`). */
export async function openGraphPage(browser: Browser, viewport = { width: 1600, height: 1000 }): Promise<{ page: Page; close(): Promise<void> }> {
  const script = path.join(repoRoot, 'dist', 'waitGraph.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: node esbuild.js`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-graph-page-'));
  const html = path.join(dir, 'graph.html');
  fs.writeFileSync(
    html,
    `<!DOCTYPE html><html><body><div id="root"></div><script>window.posted = []; window.acquireVsCodeApi = () => ({ postMessage(m) { window.posted.push(m); } });</script><script src="${new URL(`file://${script}`).href}"></script></body></html>`,
  );
  const page = await browser.newPage({ viewport });
  await page.goto(new URL(`file://${html}`).href);
  return {
    page,
    close: async () => {
      await page.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts a graph as the extension does and waits until the page has drawn it; its time (ms, the page's clock) and the layout's. */
export async function drawGraph(page: Page, model: GraphModel): Promise<{ total: number; layout: number }> {
  const DRAW = `async (m) => {
    document.getElementById('root').replaceChildren(); // the drawing waited for is this graph's, not the last one's
    const start = performance.now();
    window.postMessage({ type: 'graph', model: m }, '*');
    await new Promise((resolve) => {
      const drawn = () => document.querySelectorAll('svg.graph g.node').length === m.nodes.length;
      const check = () => (drawn() ? resolve() : requestAnimationFrame(check));
      check();
    });
    const total = performance.now() - start;
    const layouts = performance.getEntriesByName('wait graph layout');
    return { total, layout: layouts[layouts.length - 1].duration };
  }`;
  return (await page.evaluate(`(${DRAW})(${JSON.stringify(model)})`)) as { total: number; layout: number };
}

export interface DrawnBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface DrawnEdge {
  id: string;
  points: { x: number; y: number }[];
}
export interface Drawing {
  width: number;
  height: number;
  boxes: DrawnBox[];
  edges: DrawnEdge[];
}

/** In the workbench: the frame of the graph's webview once it drew an SVG. */
export async function graphFrame(page: Page, timeoutMs = 30_000): Promise<Frame> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const frame of page.frames()) {
      if (await frame.$('svg.graph').catch(() => null)) return frame;
    }
    await page.waitForTimeout(200);
  }
  throw new Error('no wait-for graph was drawn');
}

/** Show Wait Graph from the Waits view's title bar, as a person would (again while no graph comes), and the graph's frame. */
export async function showWaitGraph(page: Page): Promise<Frame> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const button = await paneAction(page, 'Waits', 'Show Wait Graph');
    await button.click().catch(() => undefined);
    if (await graphFrame(page, 8000).catch(() => undefined)) break;
  }
  return graphFrame(page);
}

/** The drawing's geometry as its SVG has it. */
export async function drawing(page: Page | Frame): Promise<Drawing> {
  const READ = `(() => {
    const svg = document.querySelector('svg.graph');
    const boxes = [...svg.querySelectorAll('g.node')].map((g) => {
      const [x, y] = g.getAttribute('transform').match(/-?[\\d.]+/g).map(Number);
      const rect = g.querySelector('rect');
      return { id: g.getAttribute('data-node'), x, y, width: Number(rect.getAttribute('width')), height: Number(rect.getAttribute('height')) };
    });
    const edges = [...svg.querySelectorAll('path.edge')].map((p) => {
      const numbers = p.getAttribute('d').match(/-?[\\d.]+/g).map(Number);
      const points = [];
      for (let i = 0; i + 1 < numbers.length; i += 2) points.push({ x: numbers[i], y: numbers[i + 1] });
      return { id: p.getAttribute('data-edge'), points };
    });
    return { width: Number(svg.getAttribute('width')), height: Number(svg.getAttribute('height')), boxes, edges };
  })()`;
  return (await page.evaluate(READ)) as Drawing;
}

const EPSILON = 0.5;
const inside = (value: number, low: number, high: number) => value > low + EPSILON && value < high - EPSILON;
const on = (value: number, low: number, high: number) => value >= low - EPSILON && value <= high + EPSILON;

/** Whether a segment passes through a box's inside (its border may be touched): Liang-Barsky clipping. */
function crosses(a: { x: number; y: number }, b: { x: number; y: number }, box: DrawnBox): boolean {
  const [left, top, right, bottom] = [box.x + EPSILON, box.y + EPSILON, box.x + box.width - EPSILON, box.y + box.height - EPSILON];
  const [dx, dy] = [b.x - a.x, b.y - a.y];
  let [enter, leave] = [0, 1];
  for (const [p, q] of [
    [-dx, a.x - left],
    [dx, right - a.x],
    [-dy, a.y - top],
    [dy, bottom - a.y],
  ]) {
    if (p === 0) {
      if (q <= 0) return false; // along a side, outside it
      continue;
    }
    const t = q / p;
    if (p < 0) enter = Math.max(enter, t);
    else leave = Math.min(leave, t);
    if (enter >= leave) return false;
  }
  return true;
}

/**
 * What is wrong with a drawing of a model, in words (none: nothing). Edge ids are "from>to", as the
 * extension makes them.
 */
export function drawingProblems(model: Pick<GraphModel, 'nodes' | 'edges'>, drawn: Drawing): string[] {
  const problems: string[] = [];
  const boxes = new Map(drawn.boxes.map((b) => [b.id, b]));
  for (const node of model.nodes) if (!boxes.has(node.id)) problems.push(`${node.id} is not drawn`);
  const inPicture = (box: DrawnBox) =>
    on(box.x, 0, drawn.width) && on(box.x + box.width, 0, drawn.width) && on(box.y, 0, drawn.height) && on(box.y + box.height, 0, drawn.height);
  for (const box of drawn.boxes) if (!inPicture(box)) problems.push(`${box.id} is outside the picture`);
  const sorted = [...drawn.boxes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].x < sorted[i].x + sorted[i].width; j++) {
      const [a, b] = [sorted[i], sorted[j]];
      if (a.y < b.y + b.height && b.y < a.y + a.height) problems.push(`${a.id} and ${b.id} overlap`);
    }
  }
  const drawnEdges = new Map(drawn.edges.map((e) => [e.id, e]));
  const modelEdges = new Set(model.edges.map((e) => e.id));
  for (const e of drawn.edges) if (!modelEdges.has(e.id)) problems.push(`${e.id} is drawn but not in the graph`);
  for (const edge of model.edges) {
    const laid = drawnEdges.get(edge.id);
    const [from, to] = [boxes.get(edge.from), boxes.get(edge.to)];
    if (!laid || !from || !to) {
      problems.push(`${edge.id} is not drawn`);
      continue;
    }
    const [start, end] = [laid.points[0], laid.points[laid.points.length - 1]];
    const onBorder = (p: { x: number; y: number }, box: DrawnBox) =>
      on(p.x, box.x, box.x + box.width) &&
      on(p.y, box.y, box.y + box.height) &&
      !(inside(p.x, box.x, box.x + box.width) && inside(p.y, box.y, box.y + box.height));
    if (!onBorder(start, from)) problems.push(`${edge.id} does not start at ${edge.from}`);
    if (!onBorder(end, to)) problems.push(`${edge.id} does not end at ${edge.to}`);
    // The arrowhead points the way of the last segment: it must have one, and come from outside the target.
    const before = laid.points[laid.points.length - 2];
    if (!before || (before.x === end.x && before.y === end.y)) problems.push(`${edge.id}'s arrow has no direction`);
    else if (on(before.x, to.x, to.x + to.width) && on(before.y, to.y, to.y + to.height)) problems.push(`${edge.id}'s arrow comes from inside ${edge.to}`);
    for (let i = 0; i + 1 < laid.points.length; i++) {
      for (const box of drawn.boxes) {
        if (crosses(laid.points[i], laid.points[i + 1], box)) problems.push(`${edge.id} runs through ${box.id}`);
      }
    }
  }
  return problems;
}

/**
 * The model a drawing shows, read back from it (a real graph's, whose model the test did not make):
 * its nodes, and its edges from their ids ("from>to"; a node id may hold ">" too, so each id is cut
 * where both halves are nodes).
 */
export function modelOfDrawing(drawn: Drawing): Pick<GraphModel, 'nodes' | 'edges'> {
  const ids = new Set(drawn.boxes.map((b) => b.id));
  const edges = drawn.edges.map((e): ModelEdge => {
    let cut = e.id.indexOf('>');
    while (cut >= 0 && !(ids.has(e.id.slice(0, cut)) && ids.has(e.id.slice(cut + 1)))) cut = e.id.indexOf('>', cut + 1);
    return { id: e.id, from: cut >= 0 ? e.id.slice(0, cut) : e.id, to: cut >= 0 ? e.id.slice(cut + 1) : e.id, kind: 'waits', cycle: false };
  });
  return { nodes: drawn.boxes.map((b): ModelNode => ({ id: b.id, kind: 'thread', label: b.id, detail: '' })), edges };
}
