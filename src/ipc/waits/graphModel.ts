// The wait-for graph as the graph page draws it (src/shared/waitGraphProtocol.ts): nodes with their
// words, edges with whether they lie on a deadlock cycle, the diagnoses, and a key that is equal
// exactly when the drawing would be (the panel posts nothing then, and the page keeps its layout).
// Nodes and edges are sorted by id, so the same graph is the same input to the layout every time.
// Pure.
import * as l10n from '../../shared/l10n';
import type { GraphModel, GraphWords, ModelEdge, ModelNode } from '../../shared/waitGraphProtocol';
import type { WaitGraph } from './graph';
import type { WaitPicture } from './picture';
import { diagnosisRow, lockState, problemsOf, threadName } from './present';

function words(): GraphWords {
  return {
    title: l10n.t('Wait-for graph'),
    listLabel: l10n.t('Threads, locks and objects of the graph'),
    drawingLabel: l10n.t('The wait-for graph: threads wait for locks and objects; locks are held by threads'),
    waitsFor: l10n.t('waits for'),
    heldBy: l10n.t('held by'),
    open: l10n.t('Open contents at this offset'),
    laidOutFailed: l10n.t('The graph could not be laid out: {0}'),
  };
}

/** The edges of every deadlock cycle: each thread's wait, and the lock's edge to the next thread. */
function cycleEdges(graph: WaitGraph): Set<string> {
  const on = new Set<string>();
  for (const cycle of graph.cycles) {
    const members = new Set(cycle.map((tid) => `t:${tid}`));
    for (const tid of cycle) {
      const wait = graph.edges.find((e) => e.kind === 'waits' && e.from === `t:${tid}`);
      if (!wait) continue;
      const held = graph.edges.find((e) => e.kind === 'heldBy' && e.from === wait.to && members.has(e.to));
      if (!held) continue;
      on.add(edgeId(wait.from, wait.to));
      on.add(edgeId(held.from, held.to));
    }
  }
  return on;
}

const edgeId = (from: string, to: string) => `${from}>${to}`;

/** The model of a refresh's waits (an empty one that says why when there is nothing to draw). */
export function graphModel(picture: WaitPicture | undefined): GraphModel {
  const w = words();
  if (!picture) return withKey({ nodes: [], edges: [], diagnoses: [], empty: l10n.t('Waits are read while the Waits view or this graph is open.'), words: w });
  if (!picture.read) return withKey({ nodes: [], edges: [], diagnoses: [], empty: picture.why, words: w });
  const { graph } = picture;
  const problems = problemsOf(graph);
  const inCycle = new Set(graph.cycles.flat().map((tid) => `t:${tid}`));
  const onCycle = cycleEdges(graph);
  for (const id of onCycle) for (const end of id.split('>')) inCycle.add(end);
  const blocked = new Map(picture.scan.blocked.map((t) => [`t:${t.tid}`, t]));
  const deadOwners = new Set(graph.diagnoses.filter((d) => d.kind === 'deadOwner').flatMap((d) => d.locks));
  const nodes: ModelNode[] = [...graph.nodes.values()].map((node): ModelNode => {
    const problem = inCycle.has(node.id) ? 'error' : problems.get(node.id);
    const base = { id: node.id, ...(problem ? { problem } : {}) };
    switch (node.kind) {
      case 'thread': {
        const t = blocked.get(node.id);
        return { ...base, kind: 'thread', label: threadName(node.pid, node.tid, node.comm), detail: t ? t.call : l10n.t('holds a lock') };
      }
      case 'lock':
        return { ...base, kind: 'lock', label: node.label, detail: lockState(node.lock, deadOwners.has(node.id)), openable: true };
      case 'object':
        return { ...base, kind: 'object', label: node.label, detail: '' };
    }
  });
  const edges: ModelEdge[] = graph.edges.map((e) => ({
    id: edgeId(e.from, e.to),
    from: e.from,
    to: e.to,
    kind: e.kind,
    cycle: onCycle.has(edgeId(e.from, e.to)),
  }));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const diagnoses = graph.diagnoses.map((d) => {
    const row = diagnosisRow(d);
    return { severity: row.severity, text: d.text, nodes: row.nodes.filter((id) => graph.nodes.has(id)) };
  });
  return withKey({
    nodes: nodes.sort(byId),
    edges: dedupe(edges).sort(byId),
    diagnoses,
    ...(nodes.length === 0 ? { empty: l10n.t('No thread is blocked on a lock in shared memory, a semaphore or a queue.') } : {}),
    words: w,
  });
}

function dedupe(edges: ModelEdge[]): ModelEdge[] {
  const seen = new Map<string, ModelEdge>();
  for (const e of edges) if (!seen.has(e.id)) seen.set(e.id, e);
  return [...seen.values()];
}

function withKey(model: Omit<GraphModel, 'key'>): GraphModel {
  return { key: JSON.stringify([model.nodes, model.edges, model.diagnoses, model.empty ?? '']), ...model };
}
