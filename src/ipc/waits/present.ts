// The Waits view's rows, from a refresh's wait picture (picture.ts): what is wrong first, in words
// (deadlocks, dead owners, robust mutexes whose owner died, private locks in shared memory), each
// with its severity; then every blocked thread under what it waits on (a lock at an offset of an
// object with its state decoded and its holder, a semaphore set, a queue). Pure: the view
// (src/views/waitsView.ts) only turns these into tree items. Row ids are stable (the graph's node
// ids), so expansion and selection survive refreshes and the graph can reveal a row by its node.
import * as l10n from '../../shared/l10n';
import { plural } from '../format';
import type { Diagnosis, DiagnosisKind, GraphNode, WaitGraph } from './graph';
import type { LockAt } from './lockAt';
import { lockWords } from '../../shared/glibcLocks';
import type { SharedObject } from './sharedMaps';
import type { WaitPicture } from './picture';
import type { BlockedThread, WaitScan } from './resolve';

export type Severity = 'error' | 'warning';

export interface DiagnosisRow {
  kind: 'diagnosis';
  id: string;
  severity: Severity;
  /** Short: what it is ("Deadlock", "Dead owner"). */
  label: string;
  /** The sentence. */
  description: string;
  /** What to do about it. */
  advice: string;
  tooltip: string;
  ariaLabel: string;
  /** For a bug report (Copy as Text). */
  text: string;
  /** The graph's nodes it is about. */
  nodes: string[];
}

export interface ThreadRow {
  kind: 'thread';
  id: string;
  /** The graph node of the thread. */
  node: string;
  label: string;
  description: string;
  tooltip: string;
  ariaLabel: string;
  /** Part of a deadlock, or waiting on a lock something is wrong with. */
  problem?: Severity;
}

export interface HolderRow {
  kind: 'holder';
  id: string;
  node: string;
  label: string;
  description: string;
  tooltip: string;
  ariaLabel: string;
  problem?: Severity;
}

export interface TargetRow {
  kind: 'target';
  /** The graph node of the lock or object (its id). */
  id: string;
  label: string;
  description: string;
  tooltip: string;
  ariaLabel: string;
  problem?: Severity;
  /** A lock inside a shared object: where it is (for Open Contents at its offset). */
  lock?: { objectId: string; offset: bigint };
  children: Array<HolderRow | ThreadRow>;
}

export interface NoteRow {
  kind: 'note';
  id: string;
  label: string;
  tooltip: string;
}

export type WaitRow = DiagnosisRow | TargetRow | ThreadRow | HolderRow | NoteRow;

/**
 * Each diagnosis: how grave it is, its title, and what to do about it (its tooltip; the README
 * says the same at more length). Words are functions: l10n's bundle is read after this module loads.
 */
const DIAGNOSES: Record<DiagnosisKind, { severity: Severity; title: () => string; advice: () => string }> = {
  deadlock: {
    severity: 'error',
    title: () => l10n.t('Deadlock'),
    advice: () => l10n.t('Each thread waits for a lock the next one holds: none can go on. Make every process take these locks in the same order.'),
  },
  deadOwner: {
    severity: 'error',
    title: () => l10n.t('Owner gone'),
    advice: () =>
      l10n.t(
        'Nothing will ever unlock it. Restart the processes that use it (and remove the object); make the lock robust (PTHREAD_MUTEX_ROBUST) so the next locker can recover.',
      ),
  },
  ownerDied: {
    severity: 'warning',
    title: () => l10n.t('Owner died'),
    advice: () =>
      l10n.t('The next pthread_mutex_lock returns EOWNERDEAD: that process must repair the data the lock protects and call pthread_mutex_consistent.'),
  },
  inconsistent: {
    severity: 'warning',
    title: () => l10n.t('Inconsistent'),
    advice: () => l10n.t('A process got EOWNERDEAD and has not called pthread_mutex_consistent yet; if it unlocks without it, the mutex becomes unusable.'),
  },
  notRecoverable: {
    severity: 'error',
    title: () => l10n.t('Not recoverable'),
    advice: () => l10n.t('Every pthread_mutex_lock fails with ENOTRECOVERABLE: destroy and initialise the mutex again (with every user stopped).'),
  },
  noPoster: {
    severity: 'warning',
    title: () => l10n.t('Nobody left to post'),
    advice: () =>
      l10n.t(
        'The waiters sleep until some process posts the semaphore, and none that could is left. Start the producer again (or post it by hand to let them go on); make producers post before they exit (a System V semaphore taken with SEM_UNDO is given back when its taker exits).',
      ),
  },
  noReceiver: {
    severity: 'warning',
    title: () => l10n.t('Full, nobody receives'),
    advice: () =>
      l10n.t(
        'The senders sleep until a message is taken off the queue, and no process is there to take one. Start the consumer again, or send with a timeout (IPC_NOWAIT, mq_timedsend).',
      ),
  },
  privateInShared: {
    severity: 'warning',
    title: () => l10n.t('Private lock in shared memory'),
    advice: () => l10n.t('Initialise the lock with PTHREAD_PROCESS_SHARED (pthread_mutexattr_setpshared, pthread_condattr_setpshared, sem_init(s, 1, n)).'),
  },
};

function diagnosisId(d: Diagnosis): string {
  return `d:${d.kind}:${d.locks.join(',')}:${d.threads.join(',')}`;
}

export function diagnosisRow(d: Diagnosis): DiagnosisRow {
  const label = DIAGNOSES[d.kind].title();
  return {
    kind: 'diagnosis',
    id: diagnosisId(d),
    severity: DIAGNOSES[d.kind].severity,
    label,
    description: d.text,
    advice: DIAGNOSES[d.kind].advice(),
    tooltip: `${d.text}\n\n${DIAGNOSES[d.kind].advice()}`,
    ariaLabel: l10n.t('{0}: {1}', label, d.text),
    text: l10n.t('{0}: {1}. {2}', label, d.text, DIAGNOSES[d.kind].advice()),
    nodes: [...d.threads.map((tid) => `t:${tid}`), ...d.locks],
  };
}

/** A thread as the rows name it: "4711 locktool", "4711 (thread 4713) worker". */
export function threadName(pid: number, tid: number, comm: string): string {
  const who = tid === pid ? String(pid) : l10n.t('{0} (thread {1})', pid, tid);
  return comm ? `${who} ${comm}` : who;
}

/** A lock's state in words: "mutex, held by 4711", "rwlock, held by 4711 (writer)", "free", "owner died". */
export function lockState(lock: LockAt, holderGone: boolean): string {
  const r = lock.reading;
  if (!r) {
    return lock.value === undefined ? l10n.t('futex word, not readable') : l10n.t('futex word of unknown layout (value 0x{0})', lock.value.toString(16));
  }
  return lockWords(r, holderGone);
}

/** How long a thread has waited, as far as /proc tells: "for 12 s", "for 3 min", "for 2 h 5 min". */
export function waitedWords(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  const s = Math.floor(ms / 1000);
  if (s < 60) return l10n.t('for {0} s', s);
  const min = Math.floor(s / 60);
  if (min < 60) return l10n.t('for {0} min', min);
  return l10n.t('for {0} h {1} min', Math.floor(min / 60), min % 60);
}

function callWords(t: BlockedThread): string {
  const on = t.on;
  if (on.type === 'futex') {
    const word = on.words[0];
    const how = t.call === 'futex_waitv' ? l10n.t('futex_waitv on {0} words', on.words.length) : (word?.command ?? 'futex');
    return word?.private ? l10n.t('{0}, private', how) : how;
  }
  if (on.type === 'sem') {
    const ops = (on.ops ?? []).map((o) => l10n.t('semaphore {0}: {1}', o.semnum, o.op === 0 ? l10n.t('waits for 0') : o.op));
    return ops.length > 0 ? `semop (${ops.join(', ')})` : 'semop';
  }
  if (on.type === 'msg') return on.send ? l10n.t('msgsnd: the queue is full') : l10n.t('msgrcv: waits for a message');
  return on.send ? l10n.t('mq_timedsend: the queue is full') : l10n.t('mq_timedreceive: waits for a message');
}

function targetLabel(node: GraphNode): string {
  return node.kind === 'thread' ? threadName(node.pid, node.tid, node.comm) : node.label;
}

export interface RowsInput {
  picture: WaitPicture | undefined;
  /** The field a lock is, when a C type is shown over its object ("mutex1", "slots[3].lock"). */
  fieldOf?: (object: SharedObject, offset: bigint) => string | undefined;
  /** When the snapshot was taken (ms since the epoch): since when each thread waits. */
  takenAt: number;
}

/** The rows of the Waits view, top level: diagnoses, then every target with its waiters, then notes. */
export function waitRows({ picture, takenAt, fieldOf }: RowsInput): WaitRow[] {
  if (!picture) return [];
  if (!picture.read) return [{ kind: 'note', id: 'note:unread', label: l10n.t('Waits could not be read'), tooltip: picture.why }];
  const { graph, scan } = picture;
  const rows: WaitRow[] = graph.diagnoses.map(diagnosisRow);
  const problems = problemsOf(graph);
  const byTarget = new Map<string, ThreadRow[]>();
  for (const t of scan.blocked) {
    const targets = t.on.type === 'futex' ? graph.edges.filter((e) => e.kind === 'waits' && e.from === `t:${t.tid}`).map((e) => e.to) : [];
    if (t.on.type !== 'futex') {
      const edge = graph.edges.find((e) => e.kind === 'waits' && e.from === `t:${t.tid}`);
      if (edge) targets.push(edge.to);
    }
    for (const target of targets) {
      const list = byTarget.get(target) ?? [];
      list.push(threadRow(t, target, takenAt, problems));
      byTarget.set(target, list);
    }
  }
  const targets = [...byTarget.keys()].sort((a, b) => compareTargets(graph, a, b, problems));
  for (const id of targets) rows.push(targetRow(graph, scan, id, byTarget.get(id)!, problems, fieldOf));
  if (scan.unreadableThreads > 0) {
    rows.push({
      kind: 'note',
      id: 'note:unreadable',
      label: l10n.t('{0} of {1} could not be checked', plural(scan.unreadableThreads, 'thread'), plural(scan.unreadablePids.length, 'process', 'processes')),
      tooltip: l10n.t(
        'Reading what a thread waits on needs ptrace rights on its process (root, or the same user; with kernel.yama.ptrace_scope 1 only your own descendants). These threads may be blocked too.',
      ),
    });
  }
  return rows;
}

/** The worst diagnosis about each node: what the graph and the rows colour. */
export function problemsOf(graph: WaitGraph): Map<string, Severity> {
  const problems = new Map<string, Severity>();
  for (const d of graph.diagnoses) {
    for (const node of [...d.threads.map((tid) => `t:${tid}`), ...d.locks]) {
      if (problems.get(node) !== 'error') problems.set(node, DIAGNOSES[d.kind].severity);
    }
  }
  return problems;
}

function compareTargets(graph: WaitGraph, a: string, b: string, problems: Map<string, Severity>): number {
  const rank = (id: string) => (problems.get(id) === 'error' ? 0 : problems.get(id) === 'warning' ? 1 : 2);
  const label = (id: string) => {
    const node = graph.nodes.get(id);
    return node ? targetLabel(node) : id;
  };
  return rank(a) - rank(b) || label(a).localeCompare(label(b), undefined, { numeric: true });
}

function threadRow(t: BlockedThread, target: string, takenAt: number, problems: Map<string, Severity>): ThreadRow {
  const name = threadName(t.pid, t.tid, t.comm);
  const waited = waitedWords(t.waitedMs);
  const since = t.waitedMs === undefined ? undefined : new Date(takenAt - t.waitedMs).toLocaleTimeString();
  const call = callWords(t);
  const description = since ? l10n.t('{0}, waiting since {1}', call, since) : call;
  const problem = problems.get(`t:${t.tid}`);
  return {
    kind: 'thread',
    id: `${target}/t:${t.tid}`,
    node: `t:${t.tid}`,
    label: name,
    description,
    tooltip: [
      l10n.t('Process {0}, thread {1} ({2})', t.pid, t.tid, t.comm || '?'),
      l10n.t('Blocked in {0}', call),
      ...(t.wchan ? [l10n.t('Sleeps in the kernel at {0}', t.wchan)] : []),
      waited ? l10n.t('Waiting {0} (since {1}: when it last ran, as /proc tells)', waited, since!) : l10n.t('How long it has waited is not told by /proc.'),
    ].join('\n'),
    ariaLabel: l10n.t('{0} waits: {1}', name, description),
    ...(problem ? { problem } : {}),
  };
}

function targetRow(
  graph: WaitGraph,
  scan: WaitScan,
  id: string,
  waiters: ThreadRow[],
  problems: Map<string, Severity>,
  fieldOf: RowsInput['fieldOf'],
): TargetRow {
  const node = graph.nodes.get(id)!;
  const problem = problems.get(id);
  const count = l10n.t('{0} waiting', waiters.length);
  if (node.kind !== 'lock') {
    const label = targetLabel(node);
    return {
      kind: 'target',
      id,
      label,
      description: count,
      tooltip: l10n.t('{0}: {1} blocked on it', label, waiters.length),
      ariaLabel: l10n.t('{0}, {1}', label, count),
      ...(problem ? { problem } : {}),
      children: waiters,
    };
  }
  const heldBy = graph.edges.find((e) => e.kind === 'heldBy' && e.from === id)?.to;
  const deadOwner = graph.diagnoses.some((d) => d.kind === 'deadOwner' && d.locks.includes(id));
  const state = lockState(node.lock, deadOwner);
  const children: Array<HolderRow | ThreadRow> = [];
  if (heldBy) {
    const holder = graph.nodes.get(heldBy);
    if (holder?.kind === 'thread') {
      const name = threadName(holder.pid, holder.tid, holder.comm);
      const hp = problems.get(heldBy);
      children.push({
        kind: 'holder',
        id: `${id}/holder`,
        node: heldBy,
        label: l10n.t('held by {0}', name),
        description: holder.comm ? '' : l10n.t('process {0}', scan.threads.get(holder.tid) ?? holder.pid),
        tooltip: l10n.t('Thread {0} of process {1} holds {2}: it is what could release it.', holder.tid, holder.pid, node.label),
        ariaLabel: l10n.t('held by {0}', name),
        ...(hp ? { problem: hp } : {}),
      });
    }
  }
  children.push(...waiters);
  const field = fieldOf?.(node.object, node.offset);
  const label = field ? l10n.t('{0} ({1})', node.label, field) : node.label;
  const where = l10n.t('{0} at offset {1} of {2}', lockKindWords(node.lock), String(node.offset), objectWords(node));
  return {
    kind: 'target',
    id,
    label,
    description: `${state} · ${count}`,
    tooltip: [field ? l10n.t('{0}: the field {1} of the C type shown over it', where, field) : where, state, count].join('\n'),
    ariaLabel: l10n.t('{0}: {1}, {2}', label, state, count),
    ...(problem ? { problem } : {}),
    lock: { objectId: node.object.id, offset: node.offset },
    children,
  };
}

function lockKindWords(lock: LockAt): string {
  switch (lock.type) {
    case 'mutex':
      return 'pthread_mutex_t';
    case 'rwlock':
      return 'pthread_rwlock_t';
    case 'cond':
      return 'pthread_cond_t';
    case 'sem':
      return 'sem_t';
    case 'unknown':
      return l10n.t('A futex word');
  }
}

function objectWords(node: Extract<GraphNode, { kind: 'lock' }>): string {
  const o = node.object;
  switch (o.type) {
    case 'sysvShm':
      return l10n.t('System V segment {0} (key 0x{1})', o.shmid, o.key.toString(16).padStart(8, '0'));
    case 'anonShm':
      return l10n.t('anonymous shared memory (inode {0})', o.identity.ino);
    case 'file':
      return o.memfd ? l10n.t('memfd {0}', o.path) : o.path;
  }
}
