// The wait-for graph's layout, each connected part on its own, the parts packed side by side by
// potpack. A part that is a tree into one node (every node waits for, or is held by, at most one
// other: most parts of a wait-for graph, a lock with its holder and its waiters, or the waiters of
// a semaphore set) is laid out by d3-hierarchy's tidy tree (Reingold-Tilford/Buchheim, linear
// time); any other part (a deadlock cycle, a lock held by two readers, a thread waiting for two
// locks) by d3-dag's Sugiyama layout: for a small part network-simplex layers (compact, short
// edges) and fewer crossings layer by layer; for a large one, where those grow fast (a lock held by
// two readers with a thousand waiters took 0.7 s), longest-path layers from the sinks up and
// crossings left as a depth-first walk orders them; greedy placement for both. For a tree both
// draw a similar picture (levels as layers, no crossings); the tidy tree does it in a fraction of
// the time, which is what lets a thousand nodes be drawn in a page's first 0.3 s (elkjs, used
// before, took 1.3 s: its compiled Java runs slowly until V8 has optimised it; d3-dag for every
// part, 0.6 s or more).
// Written here is only what the libraries do not do: the tree's levels placed by the widest node of
// each (d3-hierarchy spaces levels evenly), the top-down layouts turned sideways ("waits for" and
// "held by" point right, but for the edge that closes a cycle), and each edge run straight across
// every layer it passes, at the height the layout gave it there, so that its slanted parts lie
// between layers and no edge crosses a node (d3-dag's edges run from centre to centre, and its own
// shape tweak refuses edges that end inside a box).
import { hierarchy, tree } from 'd3-hierarchy';
import {
  coordGreedy,
  decrossDfs,
  decrossTwoLayer,
  graph as dagGraph,
  layeringLongestPath,
  layeringSimplex,
  sugiyama,
  type GraphNode,
  type MutGraph,
} from 'd3-dag';
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
/** A drawing's geometry. */
export interface Laid {
  width: number;
  height: number;
  boxes: Map<string, Box>;
  edges: LaidEdge[];
}

export interface SizedNode {
  id: string;
  width: number;
  height: number;
}
export interface Edge {
  id: string;
  from: string;
  to: string;
}
export interface Spacing {
  /** Between two nodes of a layer. */
  node: number;
  /** Between two layers. */
  layer: number;
  /** Between two parts, and around the whole. */
  part: number;
}

/** Parts up to this many nodes get network-simplex layers and crossing reduction; larger ones the linear steps. */
const SMALL_PART = 60;

type Node = GraphNode<SizedNode, string>;

/** Extent of a part in d3-dag's top-down terms: `width` across the layers, `height` down them. */
interface Extent {
  width: number;
  height: number;
}

/** The graph for d3-dag (node ids are unique: the model's are). */
function dagOf(nodes: readonly SizedNode[], edges: readonly Edge[]): MutGraph<SizedNode, string> {
  const dag = dagGraph<SizedNode, string>();
  const added = new Map(nodes.map((n) => [n.id, dag.node(n)]));
  for (const e of edges) {
    const [from, to] = [added.get(e.from), added.get(e.to)];
    if (from && to && from !== to) dag.link(from, to, e.id); // an edge to a node not drawn, or a loop: nothing to draw
  }
  return dag;
}

/** A part whose every node has at most one edge out and which has one edge fewer than nodes: a tree into its one sink. */
function sinkOfTree(part: Node): Node | undefined {
  if (part.nlinks() !== part.nnodes() - 1) return undefined;
  let sink: Node | undefined;
  for (const node of part.nodes()) {
    const out = node.nchildLinks();
    if (out > 1) return undefined;
    if (out === 0) sink = node;
  }
  return sink;
}

/**
 * A tree part, top-down as d3-dag would give it: d3-hierarchy's tidy tree across, and down each
 * level (sources first, the sink last) as deep as its tallest node ("height" in these terms is
 * our width: the drawing turns it sideways). Each link from the centre of its source to its target's.
 */
function layOutTree(part: Node, sink: Node, spacing: Spacing): Extent {
  const root = hierarchy<Node>(sink, (n) => [...n.parents()]);
  let tallest = 0;
  root.each((n) => (tallest = Math.max(tallest, n.data.data.height)));
  tree<Node>()
    .nodeSize([tallest + spacing.node, 1])
    .separation((a, b) => (a.parent === b.parent ? 1 : 1.25))(root);
  const deepest = root.height;
  const thickness = new Array<number>(deepest + 1).fill(0);
  root.each((n) => (thickness[deepest - n.depth] = Math.max(thickness[deepest - n.depth], n.data.data.width)));
  const centres: number[] = [];
  let down = 0;
  for (const t of thickness) {
    centres.push(down + t / 2);
    down += t + spacing.layer;
  }
  let [left, right] = [Infinity, -Infinity];
  root.each((n) => {
    left = Math.min(left, n.x! - n.data.data.height / 2);
    right = Math.max(right, n.x! + n.data.data.height / 2);
  });
  root.each((n) => {
    n.data.ux = n.x! - left;
    n.data.uy = centres[deepest - n.depth];
  });
  for (const link of part.links()) {
    link.points = [
      [link.source.x, link.source.y],
      [link.target.x, link.target.y],
    ];
  }
  return { width: right - left, height: down - spacing.layer };
}

function layOutDag(part: Node, spacing: Spacing): Extent {
  const small = part.nnodes() <= SMALL_PART;
  return sugiyama()
    .nodeSize((n: Node) => [n.data.height, n.data.width] as const)
    .gap([spacing.node, spacing.layer])
    .layering(small ? layeringSimplex() : layeringLongestPath().topDown(false))
    .decross(small ? decrossTwoLayer() : decrossDfs())
    .coord(coordGreedy())(part);
}

/** Sideways: a layer of the top-down layout (its y) becomes a column; where it is and how wide. */
interface Column {
  left: number;
  right: number;
}

function columnsOf(nodes: Iterable<Node>): Map<number, Column> {
  const columns = new Map<number, Column>();
  for (const node of nodes) {
    const half = node.data.width / 2;
    const column = columns.get(node.y);
    if (column) {
      column.left = Math.min(column.left, node.y - half);
      column.right = Math.max(column.right, node.y + half);
    } else columns.set(node.y, { left: node.y - half, right: node.y + half });
  }
  return columns;
}

/**
 * An edge sideways: out of its source's side that faces where it goes, straight across each
 * column it passes (at the height the layout gave it there), into its target's side.
 */
function sideways(points: readonly (readonly [number, number])[], columns: Map<number, Column>, source: Box, target: Box): Point[] {
  const rightwards = points[points.length - 1][1] > points[0][1];
  const path: Point[] = [];
  for (const [x, y] of points) {
    // A layer of d3-dag's with only edges passing through (no node) has no width.
    const column = columns.get(y) ?? { left: y, right: y };
    const [enter, leave] = rightwards ? [column.left, column.right] : [column.right, column.left];
    path.push({ x: enter, y: x }, { x: leave, y: x });
  }
  // The ends on the nodes' own sides, not their columns' (a narrow node in a wide column).
  path[0] = { x: rightwards ? source.x + source.width : source.x, y: path[0].y };
  path[path.length - 1] = { x: rightwards ? target.x : target.x + target.width, y: path[path.length - 1].y };
  // No point twice in a row: the arrowhead takes the direction of the last segment, which must not be empty.
  return path.filter((p, i) => i === 0 || p.x !== path[i - 1].x || p.y !== path[i - 1].y);
}

/** One part laid out and turned sideways, from (0, 0). */
function placePart(part: Node, spacing: Spacing): { width: number; height: number; boxes: Map<string, Box>; edges: LaidEdge[] } {
  const sink = sinkOfTree(part);
  const extent = sink ? layOutTree(part, sink, spacing) : layOutDag(part, spacing);
  const nodes = [...part.nodes()];
  const boxes = new Map<string, Box>();
  for (const n of nodes) boxes.set(n.data.id, { x: n.y - n.data.width / 2, y: n.x - n.data.height / 2, width: n.data.width, height: n.data.height });
  const columns = columnsOf(nodes);
  const edges = [...part.links()].map((link) => ({
    id: link.data,
    points: sideways(link.points, columns, boxes.get(link.source.data.id)!, boxes.get(link.target.data.id)!),
  }));
  return { width: extent.height, height: extent.width, boxes, edges };
}

/** Lays out a graph: see the file's header. */
export function layoutGraph(nodes: readonly SizedNode[], edges: readonly Edge[], spacing: Spacing): Laid {
  const parts = [...dagOf(nodes, edges).split()].map((part) => placePart(part, spacing));
  const rooms = parts.map((part, p) => ({ w: part.width + spacing.part, h: part.height + spacing.part, p, x: 0, y: 0 }));
  const packed = potpack(rooms);
  const boxes = new Map<string, Box>();
  const laidEdges: LaidEdge[] = [];
  for (const room of rooms) {
    const [dx, dy] = [room.x + spacing.part, room.y + spacing.part];
    const part = parts[room.p];
    for (const [id, box] of part.boxes) boxes.set(id, { ...box, x: box.x + dx, y: box.y + dy });
    for (const edge of part.edges) laidEdges.push({ id: edge.id, points: edge.points.map((p) => ({ x: p.x + dx, y: p.y + dy })) });
  }
  return { width: packed.w + spacing.part, height: packed.h + spacing.part, boxes, edges: laidEdges };
}
