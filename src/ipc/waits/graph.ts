// The wait-for graph of a scan: threads, the locks and objects they wait on, who holds each lock,
// and what is wrong, in words:
//   deadlock        a cycle of threads, each waiting for a lock the next one holds (a thread
//                   waiting for a normal mutex it holds itself is a cycle of one)
//   deadOwner       a lock held by a thread that no longer exists: it will never be released (a
//                   TID now used by a process that does not map the lock's object is not its owner)
//   ownerDied       a robust mutex whose owner died: the next locker gets EOWNERDEAD
//   inconsistent    a robust mutex after EOWNERDEAD, before pthread_mutex_consistent
//   notRecoverable  a robust mutex unlocked without pthread_mutex_consistent: every lock fails
//   privateInShared a futex waited on without the shared flag in shared memory (the lock was
//                   initialised without PTHREAD_PROCESS_SHARED): a wake from another process never
//                   reaches it
// Pure: the scan (resolve.ts) and the locks read (readLocks.ts) in, the graph out.
import * as l10n from '../../shared/l10n';
import type { LockAt } from './lockAt';
import { wordKey, type LockReadings } from './readLocks';
import { mapsObject, type BlockedThread, type FutexWord, type WaitScan } from './resolve';
import { objectName, type SharedObject } from './sharedMaps';

export type GraphNode =
  | { id: string; kind: 'thread'; pid: number; tid: number; comm: string }
  | { id: string; kind: 'lock'; key: string; object: SharedObject; offset: bigint; lock: LockAt; label: string }
  | { id: string; kind: 'object'; label: string };

export interface GraphEdge {
  from: string;
  to: string;
  /** thread -> lock or object: waits for it; lock -> thread: held by it. */
  kind: 'waits' | 'heldBy';
}

/** What graph.ts finds, and what nobodyLeft.ts adds (noPoster, noReceiver). */
export const DIAGNOSIS_KINDS = ['deadlock', 'deadOwner', 'ownerDied', 'inconsistent', 'notRecoverable', 'privateInShared', 'noPoster', 'noReceiver'] as const;
export type DiagnosisKind = (typeof DIAGNOSIS_KINDS)[number];

export interface Diagnosis {
  kind: DiagnosisKind;
  text: string;
  /** The threads it is about (tids), and the locks (node ids). */
  threads: number[];
  locks: string[];
}

export interface WaitGraph {
  nodes: Map<string, GraphNode>;
  edges: GraphEdge[];
  /** Each deadlock's threads in cycle order (tids). */
  cycles: number[][];
  diagnoses: Diagnosis[];
}

/** Who holds a lock, as the graph tells it. */
export type Holder = { alive: true; tid: number; pid: number } | { alive: false; tid: number } | undefined;

const threadId = (tid: number) => `t:${tid}`;
const lockId = (key: string) => `l:${key}`;

/** A lock in words: "/board+8" (a /dev/shm object's POSIX name), "0x7e001234 (shmid 5)+8", ... */
export function lockLabel(object: SharedObject, offset: bigint): string {
  const name = object.type === 'file' && object.devShm && !object.deleted ? object.path.slice('/dev/shm'.length) : objectName(object);
  return `${name}+${offset}`;
}

function threadLabel(pid: number, tid: number): string {
  return tid === pid ? String(pid) : l10n.t('{0} (thread {1})', pid, tid);
}

/** The thread a lock names as its holder (mutex owner, rwlock writer), and whether it is still there. */
export function holderOf(lock: LockAt, object: SharedObject, scan: Pick<WaitScan, 'threads' | 'mappings' | 'unreadablePids'>): Holder {
  const r = lock.reading;
  const tid = r?.lock === 'mutex' ? r.owner : r?.lock === 'rwlock' ? r.writer : undefined;
  if (tid === undefined || tid <= 0) return undefined;
  const pid = scan.threads.get(tid);
  if (pid === undefined) return { alive: false, tid };
  // A process whose maps could not be read cannot be checked: taken at its word.
  const unchecked = !scan.mappings.has(pid) && scan.unreadablePids.includes(pid);
  return unchecked || mapsObject(scan, pid, object.id) ? { alive: true, tid, pid } : { alive: false, tid };
}

function otherTarget(thread: BlockedThread): { id: string; label: string } | undefined {
  const on = thread.on;
  switch (on.type) {
    case 'sem':
      return { id: `o:sem:${on.semid}`, label: l10n.t('semaphore set {0}', on.semid) };
    case 'msg':
      return { id: `o:msg:${on.msqid}`, label: l10n.t('message queue {0}', on.msqid) };
    case 'mq':
      return on.queue
        ? { id: `o:mq:${on.queue.key}`, label: l10n.t('POSIX queue {0}', on.queue.name) }
        : { id: `o:mqfd:${thread.pid}:${on.fd}`, label: l10n.t('POSIX queue (descriptor {0} of {1})', on.fd, thread.pid) };
    case 'futex':
      return undefined;
  }
}

/** Builds the graph of a scan's waits and the locks read for them. */
export function buildWaitGraph(scan: Pick<WaitScan, 'blocked' | 'threads' | 'mappings' | 'unreadablePids'>, readings: LockReadings): WaitGraph {
  const graph: WaitGraph = { nodes: new Map(), edges: [], cycles: [], diagnoses: [] };
  const successors = new Map<number, number[]>();
  const heldBy = new Map<string, number>(); // lock node -> holder tid (alive)
  const pidOf = new Map<number, number>();
  const addLock = (word: FutexWord): string => {
    const lock = readings.locks.get(wordKey(word)) ?? { type: 'unknown', address: word.address, offset: word.offset };
    const key = `${word.object.id}+${lock.offset}`;
    const id = lockId(key);
    if (graph.nodes.has(id)) return id;
    graph.nodes.set(id, { id, kind: 'lock', key, object: word.object, offset: lock.offset, lock, label: lockLabel(word.object, lock.offset) });
    diagnoseLock(graph, id, lock, word.object, scan, heldBy);
    return id;
  };
  for (const thread of scan.blocked) {
    pidOf.set(thread.tid, thread.pid);
    graph.nodes.set(threadId(thread.tid), { id: threadId(thread.tid), kind: 'thread', pid: thread.pid, tid: thread.tid, comm: thread.comm });
    if (thread.on.type !== 'futex') {
      const target = otherTarget(thread)!;
      if (!graph.nodes.has(target.id)) graph.nodes.set(target.id, { id: target.id, kind: 'object', label: target.label });
      graph.edges.push({ from: threadId(thread.tid), to: target.id, kind: 'waits' });
      continue;
    }
    const locks = thread.on.words.map(addLock);
    for (const id of locks) graph.edges.push({ from: threadId(thread.tid), to: id, kind: 'waits' });
    for (const word of thread.on.words) {
      diagnosePrivate(graph, thread, word, lockId(`${word.object.id}+${readings.locks.get(wordKey(word))?.offset ?? word.offset}`));
    }
    // futex_waitv wakes on any one of its words: only a wait on one lock can be part of a deadlock.
    if (locks.length === 1) successors.set(thread.tid, []);
    if (locks.length === 1 && heldBy.has(locks[0])) successors.get(thread.tid)!.push(heldBy.get(locks[0])!);
  }
  for (const [id, tid] of heldBy) {
    const holderPid = scan.threads.get(tid) ?? tid;
    pidOf.set(tid, pidOf.get(tid) ?? holderPid);
    if (!graph.nodes.has(threadId(tid))) graph.nodes.set(threadId(tid), { id: threadId(tid), kind: 'thread', pid: holderPid, tid, comm: '' });
    graph.edges.push({ from: id, to: threadId(tid), kind: 'heldBy' });
  }
  for (const cycle of findCycles(successors)) {
    graph.cycles.push(cycle);
    graph.diagnoses.unshift(deadlockDiagnosis(graph, cycle, pidOf));
  }
  return graph;
}

function diagnoseLock(
  graph: WaitGraph,
  id: string,
  lock: LockAt,
  object: SharedObject,
  scan: Pick<WaitScan, 'threads' | 'mappings' | 'unreadablePids'>,
  heldBy: Map<string, number>,
): void {
  const label = lockLabel(object, lock.offset);
  const r = lock.reading;
  if (r?.lock === 'mutex' && r.state !== 'held' && r.state !== 'free' && r.state !== 'unknown') {
    const texts = {
      ownerDied: l10n.t(
        '{0}: robust mutex whose owner {1} died holding it: the next locker gets EOWNERDEAD and must call pthread_mutex_consistent',
        label,
        r.owner ?? '?',
      ),
      inconsistent: l10n.t('{0}: robust mutex left inconsistent (EOWNERDEAD returned, pthread_mutex_consistent not called yet)', label),
      notRecoverable: l10n.t('{0}: robust mutex not recoverable (unlocked without pthread_mutex_consistent): every lock fails with ENOTRECOVERABLE', label),
    };
    graph.diagnoses.push({ kind: r.state, text: texts[r.state], threads: r.owner ? [r.owner] : [], locks: [id] });
    return;
  }
  const holder = holderOf(lock, object, scan);
  if (holder?.alive) heldBy.set(id, holder.tid);
  else if (holder) {
    graph.diagnoses.push({
      kind: 'deadOwner',
      text: l10n.t('{0} is held by thread {1}, which no longer exists: it will never be released', label, holder.tid),
      threads: [holder.tid],
      locks: [id],
    });
  }
}

function diagnosePrivate(graph: WaitGraph, thread: BlockedThread, word: FutexWord, id: string): void {
  if (!word.private) return;
  graph.diagnoses.push({
    kind: 'privateInShared',
    text: l10n.t(
      '{0} waits on {1} in shared memory with a process-private futex (the lock was initialised without PTHREAD_PROCESS_SHARED): a wake from another process never reaches it',
      threadLabel(thread.pid, thread.tid),
      lockLabel(word.object, word.offset),
    ),
    threads: [thread.tid],
    locks: [id],
  });
}

function deadlockDiagnosis(graph: WaitGraph, cycle: number[], pidOf: Map<number, number>): Diagnosis {
  const waitsFor = (tid: number) => graph.edges.find((e) => e.kind === 'waits' && e.from === threadId(tid))!.to;
  const holds = (tid: number) => graph.edges.filter((e) => e.kind === 'heldBy' && e.to === threadId(tid)).map((e) => e.from);
  const label = (id: string) => (graph.nodes.get(id) as { label: string }).label;
  const parts = cycle.map((tid, i) => {
    const before = cycle[(i + cycle.length - 1) % cycle.length];
    const held = holds(tid).find((lock) => waitsFor(before) === lock) ?? holds(tid)[0];
    return l10n.t('{0} holds {1} and waits for {2}', threadLabel(pidOf.get(tid) ?? tid, tid), label(held), label(waitsFor(tid)));
  });
  return { kind: 'deadlock', text: l10n.t('deadlock: {0}', parts.join('; ')), threads: cycle, locks: cycle.map(waitsFor) };
}

/**
 * The cycles of a graph of threads (each waiting for the holders in `successors`): one per
 * strongly connected component with more than one thread, or a thread waiting for itself, in
 * cycle order from its lowest tid (Tarjan's algorithm, iterative).
 */
export function findCycles(successors: ReadonlyMap<number, readonly number[]>): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const components: number[][] = [];
  let next = 0;
  for (const root of [...successors.keys()].sort((a, b) => a - b)) {
    if (index.has(root)) continue;
    const work: Array<{ v: number; i: number }> = [{ v: root, i: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const out = successors.get(frame.v) ?? [];
      if (frame.i < out.length) {
        const w = out[frame.i++];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) low.set(work[work.length - 1].v, Math.min(low.get(work[work.length - 1].v)!, low.get(frame.v)!));
      if (low.get(frame.v) === index.get(frame.v)) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.v);
        const selfLoop = component.length === 1 && (successors.get(frame.v) ?? []).includes(frame.v);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => cycleOrder(component, successors)).sort((a, b) => a[0] - b[0]);
}

/** A component's threads in the order of its edges, from the lowest tid. */
function cycleOrder(component: number[], successors: ReadonlyMap<number, readonly number[]>): number[] {
  const members = new Set(component);
  const start = Math.min(...component);
  const order = [start];
  const seen = new Set(order);
  for (let v = start; ;) {
    const w = (successors.get(v) ?? []).find((x) => members.has(x) && !seen.has(x));
    if (w === undefined) break;
    order.push(w);
    seen.add(w);
    v = w;
  }
  return order;
}
