// The wait-for graph's page: the graph the extension posts (src/shared/waitGraphProtocol.ts), laid
// out part by part (./graphLayout.ts: d3-hierarchy's tidy tree for the parts that are trees,
// d3-dag's layered layout for the others) and drawn as SVG in the theme's colours, a deadlock
// cycle in the error colour; beside it the same graph as a list, each item focusable (Enter
// reveals the row in the Waits view, a lock's button opens its object's contents), for the
// keyboard and screen readers. The extension posts only a changed graph, so the layout stays as it
// is while nothing changes.
import type { FromGraphPage, GraphModel, ModelNode, ToGraphPage } from '../../shared/waitGraphProtocol';
import { layoutGraph, type Laid } from './graphLayout';

declare function acquireVsCodeApi(): { postMessage(message: FromGraphPage): void };

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const NODE_HEIGHT = 40;
const PADDING_X = 12;
const root = document.getElementById('root')!;

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

/** The performance entry of the last layout's time. */
const LAYOUT_MEASURE = 'wait graph layout';
const SPACING = { node: 24, layer: 56, part: 16 };

function layout(model: GraphModel): Laid {
  const widths = nodeWidths(model.nodes);
  return layoutGraph(
    model.nodes.map((n, i) => ({ id: n.id, width: widths[i], height: NODE_HEIGHT })),
    model.edges,
    SPACING,
  );
}

function reveal(id: string): void {
  vscode.postMessage({ type: 'reveal', id });
}

function drawSvg(model: GraphModel, laid: Laid): SVGSVGElement {
  const width = Math.ceil(laid.width);
  const height = Math.ceil(laid.height);
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
  for (const { id, points } of laid.edges) {
    const edge = edges.get(id)!;
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
  for (const node of model.nodes) {
    const box = laid.boxes.get(node.id)!;
    const group = svg(
      'g',
      {
        class: `node ${node.kind}${node.problem ? ` ${node.problem}` : ''}`,
        transform: `translate(${box.x} ${box.y})`,
        'data-node': node.id,
      },
      picture,
    );
    svg('rect', { width: box.width, height: box.height, rx: node.kind === 'thread' ? 12 : 2 }, group);
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

function draw(model: GraphModel): void {
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
    const laid = layout(model);
    // The benchmark (bench/waitGraphBench.ts) reads how long the layout took, apart from the drawing: the last one only is kept.
    performance.clearMeasures(LAYOUT_MEASURE);
    performance.measure(LAYOUT_MEASURE, { start: started });
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
  if (message?.type === 'graph') draw(message.model);
});
vscode.postMessage({ type: 'ready' });
