// The wait-for graph's page: the graph the extension posts (src/shared/waitGraphProtocol.ts), laid
// out by elkjs (its layered algorithm, run in this page without a worker: the bundled build's own
// in-thread worker) and drawn as SVG in the theme's colours, a deadlock cycle in the error colour;
// beside it the same graph as a list, each item focusable (Enter reveals the row in the Waits view,
// a lock's button opens its object's contents), for the keyboard and screen readers. The
// extension posts only a changed graph, so the layout stays as it is while nothing changes.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { FromGraphPage, GraphModel, ModelNode, ToGraphPage } from '../../shared/waitGraphProtocol';

declare function acquireVsCodeApi(): { postMessage(message: FromGraphPage): void };

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const NODE_HEIGHT = 40;
const PADDING_X = 12;
const elk = new ELK();
const root = document.getElementById('root')!;
/** The key of the graph drawn (a late layout of an older graph is dropped). */
let drawing = '';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  parent?.appendChild(element);
  return element;
}

function html<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string, parent?: Element): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  parent?.appendChild(element);
  return element;
}

/** How wide text is in the page's font at a size. */
const measure = (() => {
  const context = document.createElement('canvas').getContext('2d');
  const family = getComputedStyle(document.body).fontFamily || 'sans-serif';
  let font = '';
  return (text: string, size: number): number => {
    if (!context) return text.length * size * 0.6;
    // Setting the font parses it: only when it changes (the callers measure every label, then every detail).
    const wanted = `${size}px ${family}`;
    if (wanted !== font) context.font = font = wanted;
    return context.measureText(text).width;
  };
})();

/** How wide each node must be for its two lines. */
function nodeWidths(nodes: readonly ModelNode[]): number[] {
  const labels = nodes.map((n) => measure(n.label, 13));
  const details = nodes.map((n) => measure(n.detail, 11));
  return nodes.map((_, i) => Math.ceil(Math.max(labels[i], details[i], 40) + 2 * PADDING_X));
}

const LAYERED = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.edgeRouting': 'POLYLINE',
  'elk.spacing.nodeNode': '24',
  'elk.layered.spacing.nodeNodeBetweenLayers': '56',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
};
/**
 * From this many nodes on, the layered algorithm's cheaper steps (nodes kept in the model's order
 * in their layers rather than reordered to reduce crossings, layers by longest path, simple node
 * placement): ELK's defaults take seconds on 1,000 nodes. A wait-for graph that large is mostly many
 * small components (a lock, its holder, its waiters), where crossings are few anyway.
 */
const LARGE_GRAPH = 300;
/** The performance entry of the last layout's time. */
const LAYOUT_MEASURE = 'wait graph layout';
const LARGE = {
  ...LAYERED,
  'elk.layered.crossingMinimization.strategy': 'NONE',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
};

async function layout(model: GraphModel): Promise<ElkNode> {
  const widths = nodeWidths(model.nodes);
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: model.nodes.length >= LARGE_GRAPH ? LARGE : LAYERED,
    children: model.nodes.map((n, i) => ({ id: n.id, width: widths[i], height: NODE_HEIGHT })),
    edges: model.edges.map((e): ElkExtendedEdge => ({ id: e.id, sources: [e.from], targets: [e.to] })),
  };
  return elk.layout(graph);
}

function reveal(id: string): void {
  vscode.postMessage({ type: 'reveal', id });
}

function drawSvg(model: GraphModel, laid: ElkNode): SVGSVGElement {
  const width = Math.ceil(laid.width ?? 0);
  const height = Math.ceil(laid.height ?? 0);
  // Its own size, scaled down (never up) to the room it has: the viewBox keeps the proportions.
  const picture = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': model.words.drawingLabel,
    class: 'graph',
  });
  const defs = svg('defs', {}, picture);
  for (const kind of ['plain', 'cycle']) {
    const marker = svg(
      'marker',
      { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
      defs,
    );
    svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrow ${kind}` }, marker);
  }
  const edges = new Map(model.edges.map((e) => [e.id, e]));
  for (const laidEdge of laid.edges ?? []) {
    const edge = edges.get(laidEdge.id)!;
    for (const section of laidEdge.sections ?? []) {
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
      const path = svg(
        'path',
        {
          d: points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' '),
          class: `edge ${edge.kind}${edge.cycle ? ' cycle' : ''}`,
          'marker-end': `url(#arrow-${edge.cycle ? 'cycle' : 'plain'})`,
          'data-edge': edge.id,
        },
        picture,
      );
      const title = svg('title', {}, path);
      title.textContent = `${edge.from} ${edge.kind === 'waits' ? model.words.waitsFor : model.words.heldBy} ${edge.to}`;
    }
  }
  const nodes = new Map(model.nodes.map((n) => [n.id, n]));
  for (const laidNode of laid.children ?? []) {
    const node = nodes.get(laidNode.id)!;
    const group = svg(
      'g',
      {
        class: `node ${node.kind}${node.problem ? ` ${node.problem}` : ''}`,
        transform: `translate(${laidNode.x ?? 0} ${laidNode.y ?? 0})`,
        'data-node': node.id,
      },
      picture,
    );
    svg('rect', { width: laidNode.width ?? 0, height: laidNode.height ?? 0, rx: node.kind === 'thread' ? 12 : 2 }, group);
    const label = svg('text', { x: PADDING_X, y: 17, class: 'label' }, group);
    label.textContent = node.label;
    const detail = svg('text', { x: PADDING_X, y: 32, class: 'detail' }, group);
    detail.textContent = node.detail;
    group.addEventListener('click', () => reveal(node.id));
    if (node.openable) group.addEventListener('dblclick', () => vscode.postMessage({ type: 'open', id: node.id }));
  }
  return picture;
}

function drawList(model: GraphModel): HTMLElement {
  const list = html('ul', 'items');
  list.setAttribute('aria-label', model.words.listLabel);
  const labels = new Map(model.nodes.map((n) => [n.id, n.label]));
  const targets = new Map<string, string[]>();
  for (const e of model.edges) {
    const words = `${e.kind === 'waits' ? model.words.waitsFor : model.words.heldBy} ${labels.get(e.to) ?? e.to}`;
    const known = targets.get(e.from);
    if (known) known.push(words);
    else targets.set(e.from, [words]);
  }
  for (const node of model.nodes) {
    const item = html('li', `item ${node.kind}${node.problem ? ` ${node.problem}` : ''}`, undefined, list);
    item.tabIndex = 0;
    item.dataset.node = node.id;
    const words = [node.label, node.detail, ...(targets.get(node.id) ?? [])].filter((w) => w.length > 0);
    html('span', 'what', words.join(' · '), item);
    item.setAttribute('aria-label', words.join(', '));
    item.addEventListener('click', () => reveal(node.id));
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && event.target === item) reveal(node.id);
    });
    if (node.openable) {
      const open = html('button', 'open', model.words.open, item);
      open.addEventListener('click', (event) => {
        event.stopPropagation();
        vscode.postMessage({ type: 'open', id: node.id });
      });
    }
  }
  return list;
}

async function draw(model: GraphModel): Promise<void> {
  drawing = model.key;
  const header = html('header', '');
  html('h1', '', model.words.title, header);
  const diagnoses = html('ul', 'diagnoses', undefined, header);
  for (const d of model.diagnoses) html('li', `diagnosis ${d.severity}`, d.text, diagnoses).setAttribute('role', 'alert');
  if (model.empty || model.nodes.length === 0) {
    html('p', 'empty', model.empty ?? '', header);
    root.replaceChildren(header);
    return;
  }
  let picture: Element;
  try {
    const started = performance.now();
    const laid = await layout(model);
    // The benchmark (bench/waitGraphBench.ts) reads how long the layout took, apart from the drawing: the last one only is kept.
    performance.clearMeasures(LAYOUT_MEASURE);
    performance.measure(LAYOUT_MEASURE, { start: started });
    if (drawing !== model.key) return;
    picture = drawSvg(model, laid);
  } catch (error) {
    picture = html('p', 'empty', model.words.laidOutFailed.replace('{0}', (error as Error).message));
  }
  const body = html('div', 'body');
  const drawingBox = html('div', 'drawing', undefined, body);
  drawingBox.appendChild(picture);
  body.appendChild(drawList(model));
  root.replaceChildren(header, body);
}

window.addEventListener('message', (event: MessageEvent<ToGraphPage>) => {
  const message = event.data;
  if (message?.type === 'graph') void draw(message.model);
});
vscode.postMessage({ type: 'ready' });
