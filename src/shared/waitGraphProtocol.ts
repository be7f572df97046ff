// The messages between the wait-for graph's page (src/webview/waitGraph) and the extension
// (src/views/waitGraphPanel.ts): the graph as the page draws it, and what the user asked for.
// No `vscode`, no Node, no DOM: bundled into the page too. Everything from the page is untrusted:
// `parseGraphPageMessage` checks it.

/** A node of the drawing: a thread, a lock (at an offset of an object) or another object (a set, a queue). */
export interface ModelNode {
  id: string;
  kind: 'thread' | 'lock' | 'object';
  /** The first line: "4711 locktool", "/board+8". */
  label: string;
  /** The second line: the lock's state, the thread's call. */
  detail: string;
  /** Part of a deadlock cycle (drawn in the error colour), or the worst diagnosis about it. */
  problem?: 'error' | 'warning';
  /** A lock the contents view can open at its offset. */
  openable?: boolean;
}

export interface ModelEdge {
  id: string;
  from: string;
  to: string;
  /** thread -> lock/object: waits for it; lock -> thread: held by it. */
  kind: 'waits' | 'heldBy';
  /** On a deadlock cycle. */
  cycle: boolean;
}

export interface ModelDiagnosis {
  severity: 'error' | 'warning';
  text: string;
  nodes: string[];
}

export interface GraphModel {
  /** Equal keys: the same drawing (the extension posts nothing then). */
  key: string;
  nodes: ModelNode[];
  edges: ModelEdge[];
  diagnoses: ModelDiagnosis[];
  /** Said instead of a drawing when there is nothing to draw (or nothing could be read). */
  empty?: string;
  /** The page's words (l10n from the extension). */
  words: GraphWords;
}

export interface GraphWords {
  title: string;
  listLabel: string;
  drawingLabel: string;
  waitsFor: string;
  heldBy: string;
  open: string;
  laidOutFailed: string;
}

// ---- extension -> page
export type ToGraphPage = { type: 'graph'; model: GraphModel };

// ---- page -> extension
export type FromGraphPage = { type: 'ready' } | { type: 'reveal'; id: string } | { type: 'open'; id: string };

const MAX_ID = 512;

/** The page's message, checked, or undefined when it is not one. */
export function parseGraphPageMessage(message: unknown): FromGraphPage | undefined {
  if (!message || typeof message !== 'object') return undefined;
  const m = message as Record<string, unknown>;
  if (m.type === 'ready') return { type: 'ready' };
  if ((m.type === 'reveal' || m.type === 'open') && typeof m.id === 'string' && m.id.length > 0 && m.id.length <= MAX_ID) return { type: m.type, id: m.id };
  return undefined;
}
