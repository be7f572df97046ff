// The wait-for graph's layout: each connected part as a tidy tree (d3-hierarchy's tree, the
// Reingold-Tilford/Buchheim algorithm, linear time), the parts packed into a near-square box
// (potpack). A wait-for graph is nearly a forest: a blocked thread waits for one thing and a lock
// has one holder, so following "waits for" and "held by" from any node ends at a thread that waits
// for nothing (a root, drawn on the right) or goes round a deadlock cycle. A general layered layout
// (elkjs, which this page used before) draws such a graph no better and took 350 ms for a page's
// first 100 nodes, 0.6 to 1.3 s for a thousand, before V8 had optimised its compiled Java; this
// takes tens of milliseconds. Written here is only what neither library does: choosing each part's
// spanning tree (its roots are the threads waiting for nothing, else a node on its cycle), placing
// the trees' levels by the widest node of each, and routing the few edges outside the trees (a
// second holder, the edge that closes a cycle) through a lane below their part, so no edge crosses
// a node.
import { hierarchy, tree } from 'd3-hierarchy';
import potpack from 'potpack';

export interface Point {
  x: number;
  y: number;
}
export interface Box extends Point {
  width: number;
  height: number;
}
export interface LaidEdge {
  id: string;
  points: Point[];
}
/** A drawing's geometry, whichever layout made it. */
export interface Laid {
  width: number;
  height: number;
  boxes: Map<string, Box>;
  edges: LaidEdge[];
}

export interface ForestNode {
  id: string;
  width: number;
  height: number;
}
export interface ForestEdge {
  id: string;
  from: string;
  to: string;
}

export interface Spacing {
  /** Between two nodes of a level. */
  node: number;
  /** Between two levels. */
  level: number;
  /** Between two parts, and around the whole. */
  part: number;
  /** Between two lanes of edges outside the trees. */
  lane: number;
}

/** A connected part's nodes (indexes into the graph's) and the roots of its spanning trees. */
interface Part {
  members: number[];
  roots: number[];
}

interface Graph {
  nodes: readonly ForestNode[];
  outs: number[][];
  ins: number[][];
  edges: { from: number; to: number; id: string }[];
}

function graphOf(nodes: readonly ForestNode[], edges: readonly ForestEdge[]): Graph {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const outs: number[][] = nodes.map(() => []);
  const ins: number[][] = nodes.map(() => []);
  const known: Graph['edges'] = [];
  for (const e of edges) {
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined) continue; // an edge to a node not drawn: nothing to draw
    outs[from].push(to);
    ins[to].push(from);
    known.push({ from, to, id: e.id });
  }
  return { nodes, outs, ins, edges: known };
}

/** The connected parts, in the order of their first node. */
function partsOf(graph: Graph): number[][] {
  const seen = new Uint8Array(graph.nodes.length);
  const parts: number[][] = [];
  for (let start = 0; start < graph.nodes.length; start++) {
    if (seen[start]) continue;
    seen[start] = 1;
    const members = [start];
    for (let i = 0; i < members.length; i++) {
      for (const next of [...graph.outs[members[i]], ...graph.ins[members[i]]]) {
        if (!seen[next]) {
          seen[next] = 1;
          members.push(next);
        }
      }
    }
    parts.push(members);
  }
  return parts;
}

/**
 * Each node's parent in a spanning forest of the part: from the roots (nodes waiting for nothing)
 * backwards along the edges, so a tree edge always points from a level to the next one right.
 * Nodes that reach no root go round a cycle: a node on it becomes one more root.
 */
function spanningTree(graph: Graph, members: readonly number[], parent: Int32Array, level: Int32Array): Part {
  const roots: number[] = [];
  const queue: number[] = [];
  let next = 0;
  const hangFrom = (root: number) => {
    roots.push(root);
    parent[root] = -1;
    level[root] = 0;
    queue.push(root);
  };
  // Breadth first from the roots together: every node hangs on the nearest one.
  const grow = () => {
    for (; next < queue.length; next++) {
      for (const before of graph.ins[queue[next]]) {
        if (level[before] >= 0) continue;
        parent[before] = queue[next];
        level[before] = level[queue[next]] + 1;
        queue.push(before);
      }
    }
  };
  for (const m of members) if (graph.outs[m].length === 0) hangFrom(m);
  grow();
  for (const m of members) {
    if (level[m] >= 0) continue;
    // It reaches no root, so every edge out of it leads to another such node: following them comes
    // round to a node already walked, which is on a cycle.
    let onCycle = m;
    const walked = new Set<number>();
    while (!walked.has(onCycle)) {
      walked.add(onCycle);
      onCycle = graph.outs[onCycle].find((after) => level[after] < 0) ?? onCycle;
    }
    hangFrom(onCycle);
    grow();
  }
  return { members: [...members], roots };
}

interface PlacedPart {
  width: number;
  height: number;
  /** Each member's box, relative to the part. */
  boxes: Map<number, Box>;
  /** Each level's left edge and its width (the widest node's). */
  levels: { left: number; width: number }[];
}

function placePart(graph: Graph, part: Part, parent: Int32Array, level: Int32Array, spacing: Spacing): PlacedPart {
  const children = new Map<number, number[]>();
  for (const m of part.members) {
    const up = parent[m];
    if (up < 0) continue;
    const list = children.get(up);
    if (list) list.push(m);
    else children.set(up, [m]);
  }
  // One tree for the part: a root above its roots (-1), laid out but not drawn.
  const forest = hierarchy<number>(-1, (n) => (n === -1 ? part.roots : children.get(n)));
  // Not Math.max(...list): a part of a hundred thousand nodes would overflow the call's arguments.
  const height = part.members.reduce((most, m) => Math.max(most, graph.nodes[m].height), 0);
  tree<number>()
    .nodeSize([height + spacing.node, 1])
    .separation((a, b) => (a.parent === b.parent ? 1 : 1.25))(forest);
  const levelCount = part.members.reduce((most, m) => Math.max(most, level[m]), 0) + 1;
  const widths = new Array<number>(levelCount).fill(0);
  for (const m of part.members) widths[level[m]] = Math.max(widths[level[m]], graph.nodes[m].width);
  // Level 0 (the roots) on the right: "waits for" and "held by" point right, as in the small graphs.
  const levels = widths.map((width) => ({ left: 0, width }));
  let left = 0;
  for (let l = levelCount - 1; l >= 0; l--) {
    levels[l].left = left;
    left += widths[l] + spacing.level;
  }
  let highest = Infinity;
  let bottom = -Infinity;
  forest.each((n) => {
    if (n.data === -1) return;
    highest = Math.min(highest, n.x!);
    bottom = Math.max(bottom, n.x! + graph.nodes[n.data].height);
  });
  const boxes = new Map<number, Box>();
  forest.each((n) => {
    if (n.data === -1) return;
    const node = graph.nodes[n.data];
    boxes.set(n.data, { x: levels[level[n.data]].left, y: n.x! - highest, width: node.width, height: node.height });
  });
  return { width: left - spacing.level, height: bottom - highest, boxes, levels };
}

const middle = (box: Box): number => box.y + box.height / 2;

/**
 * An edge from a level to the next one right goes straight across their gap (with a step in the
 * middle of the gap when the ends are at different heights). Any other (a second holder further
 * away, the edge closing a cycle) leaves its level on the right, runs in its own lane below the
 * part and comes back up left of its target.
 */
function routeEdges(graph: Graph, parts: PlacedPart[], partOf: Int32Array, level: Int32Array, spacing: Spacing): { edges: LaidEdge[]; lanes: number[] } {
  const lanes = parts.map(() => 0);
  const edges = graph.edges.map(({ from, to, id }): LaidEdge => {
    const part = parts[partOf[from]];
    const source = part.boxes.get(from)!;
    const target = part.boxes.get(to)!;
    const start = { x: source.x + source.width, y: middle(source) };
    const end = { x: target.x, y: middle(target) };
    if (level[to] === level[from] - 1) {
      if (start.y === end.y) return { id, points: [start, end] };
      const step = end.x - spacing.level / 2;
      return { id, points: [start, { x: step, y: start.y }, { x: step, y: end.y }, end] };
    }
    lanes[partOf[from]]++;
    const lane = part.height + lanes[partOf[from]] * spacing.lane;
    const out = part.levels[level[from]].left + part.levels[level[from]].width + spacing.lane;
    const back = target.x - spacing.lane;
    return { id, points: [start, { x: out, y: start.y }, { x: out, y: lane }, { x: back, y: lane }, { x: back, y: end.y }, end] };
  });
  return { edges, lanes };
}

/** Lays out a graph as a forest of tidy trees: see the file's header. */
export function forestLayout(nodes: readonly ForestNode[], edges: readonly ForestEdge[], spacing: Spacing): Laid {
  const graph = graphOf(nodes, edges);
  const parent = new Int32Array(nodes.length).fill(-1);
  const level = new Int32Array(nodes.length).fill(-1);
  const partOf = new Int32Array(nodes.length);
  const placed = partsOf(graph).map((members, p) => {
    for (const m of members) partOf[m] = p;
    return placePart(graph, spanningTree(graph, members, parent, level), parent, level, spacing);
  });
  const { edges: laidEdges, lanes } = routeEdges(graph, placed, partOf, level, spacing);
  // Each part's room: its nodes, the lanes below them and the edges' step out right of its last level.
  const rooms = placed.map((part, p) => ({
    w: part.width + (lanes[p] > 0 ? spacing.lane : 0) + spacing.part,
    h: part.height + lanes[p] * spacing.lane + spacing.part,
    p,
    x: 0,
    y: 0,
  }));
  const packed = potpack(rooms);
  const boxes = new Map<string, Box>();
  const shift = new Map<number, Point>();
  for (const room of rooms) {
    const offset = { x: room.x + spacing.part, y: room.y + spacing.part };
    shift.set(room.p, offset);
    for (const [m, box] of placed[room.p].boxes) boxes.set(nodes[m].id, { ...box, x: box.x + offset.x, y: box.y + offset.y });
  }
  for (let e = 0; e < laidEdges.length; e++) {
    const offset = shift.get(partOf[graph.edges[e].from])!;
    laidEdges[e].points = laidEdges[e].points.map((p) => ({ x: p.x + offset.x, y: p.y + offset.y }));
  }
  return { width: packed.w + spacing.part, height: packed.h + spacing.part, boxes, edges: laidEdges };
}
