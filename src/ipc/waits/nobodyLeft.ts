// Waits that nobody is left to end: the two diagnoses about who could wake a thread rather than who
// holds what (graph.ts has those).
//   noPoster    a semaphore at 0 that threads wait on, whose posters are gone: a sem_t (or a POSIX
//               named semaphore) in shared memory that no process other than its waiters maps and
//               that no process can open again (anonymous shared memory, a memfd, a removed file:
//               a name still linked, or a System V segment, can be opened by the next producer), or
//               a System V semaphore too low for the operation asked, whose last changer (GETPID)
//               has exited
//   noReceiver  a full queue that senders wait on, with nobody to receive: a POSIX queue no process
//               other than its senders holds open, or a System V queue no thread waits to receive
//               from and whose last receiver has exited (or that nothing has ever received from: its
//               last receive time is 0; a receiver in another pid namespace has pid 0 but a time)
// System V ids are taken as this IPC namespace's: a thread of a container blocked on its own set 5
// is taken for one blocked on ours (the scan does not read every waiter's IPC namespace).
// A sender blocks only on a full queue and a waiter only on a semaphore too low: the wait itself says
// so. What these rest on (other mappers, holders, pids) is only as complete as the scan: processes
// it could not read are named in the words, since one of them could still post or receive.
// Pure: the graph, the scan and the facts read for it in, diagnoses added.
import type { FileKey } from '../maps';
import * as l10n from '../../shared/l10n';
import type { Diagnosis, WaitGraph } from './graph';
import type { BlockedThread, WaitScan } from './resolve';
import { objectName, type SharedObject } from './sharedMaps';

/** What the diagnoses read beyond the scan, for the objects threads wait on. */
export interface WaitFacts {
  /** Whether a process exists now. */
  alive(pid: number): boolean;
  /** System V sets some thread waits on: each semaphore's value and the last pid to change it (0: none, or another pid namespace's). */
  semaphores: Map<number, Array<{ value: number; lastPid: number }>>;
  /** System V queues some thread sends to: the last pid to receive from it (0: none, or one in another pid namespace), and whether none ever did. */
  lastReceivers: Map<number, { pid: number; never: boolean }>;
  /** POSIX queues some thread sends to: the processes holding each open, by key. */
  queueHolders: Map<FileKey, number[]>;
}

type Scan = Pick<WaitScan, 'blocked' | 'mappings' | 'unreadablePids'>;

const threadNode = (tid: number) => `t:${tid}`;

/** "N processes could not be checked" when some could not, for the end of a sentence. */
function uncheckedCaveat(scan: Scan): string {
  const n = scan.unreadablePids.length;
  if (n === 0) return '';
  return n === 1 ? l10n.t(' (1 process could not be checked)') : l10n.t(' ({0} processes could not be checked)', n);
}

/** "process 4711", "processes 4711, 4712". */
function processWords(pids: Iterable<number>): string {
  const list = [...new Set(pids)].sort((a, b) => a - b);
  return list.length === 1 ? l10n.t('process {0}', list[0]) : l10n.t('processes {0}', list.join(', '));
}

/** Adds the noPoster and noReceiver diagnoses of a scan to its graph. */
export function diagnoseNobodyLeft(graph: WaitGraph, scan: Scan, facts: WaitFacts): void {
  const byNode = new Map(scan.blocked.map((t) => [threadNode(t.tid), t]));
  const waitersOf = new Map<string, BlockedThread[]>();
  for (const edge of graph.edges) {
    const thread = edge.kind === 'waits' ? byNode.get(edge.from) : undefined;
    if (!thread) continue;
    const list = waitersOf.get(edge.to);
    if (list) list.push(thread);
    else waitersOf.set(edge.to, [thread]);
  }
  for (const [target, threads] of waitersOf) {
    const node = graph.nodes.get(target);
    const found =
      node?.kind === 'lock'
        ? semaphoreNobodyMaps(node.label, node.lock.reading, node.object, threads, scan)
        : node?.kind === 'object'
          ? objectNobodyLeft(node.label, threads, scan, facts)
          : undefined;
    if (found) graph.diagnoses.push({ ...found, threads: threads.map((t) => t.tid), locks: [target] });
  }
}

type Found = Pick<Diagnosis, 'kind' | 'text'>;

/** Whether no process can map the object again: it has no name left to open it by. */
function beyondReopening(object: SharedObject): boolean {
  return object.type === 'anonShm' || (object.type === 'file' && (object.memfd || object.deleted));
}

/** A sem_t at 0 in an object no process but its waiters maps, and none can map again. */
function semaphoreNobodyMaps(
  label: string,
  reading: { lock: string; value?: number } | undefined,
  object: SharedObject,
  waiters: BlockedThread[],
  scan: Scan,
): Found | undefined {
  if (reading?.lock !== 'sem' || reading.value !== 0 || !beyondReopening(object)) return undefined;
  const waiting = new Set(waiters.map((t) => t.pid));
  for (const [pid, mappings] of scan.mappings) {
    if (!waiting.has(pid) && mappings.some((m) => m.object.id === object.id)) return undefined;
  }
  return {
    kind: 'noPoster',
    text: l10n.t(
      '{0} is at 0, and no process but the one(s) waiting on it ({1}) maps {2}{3}, which has no name left to open it by: no other process can post it',
      label,
      processWords(waiting),
      objectName(object),
      uncheckedCaveat(scan),
    ),
  };
}

/** A System V semaphore or queue, or a POSIX queue, that nobody is left to post to or receive from. */
function objectNobodyLeft(label: string, threads: BlockedThread[], scan: Scan, facts: WaitFacts): Found | undefined {
  const on = threads[0].on;
  if (on.type === 'sem') return sysvSemNoPoster(label, on.semid, threads, facts);
  if (on.type === 'msg') return sysvQueueNoReceiver(label, on.msqid, threads, scan, facts);
  if (on.type === 'mq' && on.queue) return posixQueueNoReceiver(label, on.queue.key, threads, scan, facts);
  return undefined;
}

function sysvSemNoPoster(label: string, semid: number, threads: BlockedThread[], facts: WaitFacts): Found | undefined {
  const values = facts.semaphores.get(semid);
  if (!values) return undefined;
  for (const thread of threads) {
    if (thread.on.type !== 'sem') continue;
    for (const op of thread.on.ops ?? []) {
      const semaphore = values[op.semnum];
      if (!semaphore || op.op >= 0 || semaphore.value >= -op.op) continue;
      if (semaphore.lastPid <= 0 || facts.alive(semaphore.lastPid)) continue;
      return {
        kind: 'noPoster',
        text: l10n.t(
          'semaphore {0} of {1} is at {2}, process {3} waits to take {4}, and the last process to change it ({5}) has exited: nobody is known to post it',
          op.semnum,
          label,
          semaphore.value,
          thread.pid,
          -op.op,
          semaphore.lastPid,
        ),
      };
    }
  }
  return undefined;
}

function sysvQueueNoReceiver(label: string, msqid: number, threads: BlockedThread[], scan: Scan, facts: WaitFacts): Found | undefined {
  const senders = threads.filter((t) => t.on.type === 'msg' && t.on.send);
  if (senders.length === 0 || threads.some((t) => t.on.type === 'msg' && !t.on.send)) return undefined;
  const last = facts.lastReceivers.get(msqid);
  // Alive: it may receive again. Pid 0 after a receive: a receiver in another pid namespace.
  if (last === undefined || (last.pid > 0 && facts.alive(last.pid)) || (last.pid <= 0 && !last.never)) return undefined;
  const lastReceiver = last.pid;
  const who = processWords(senders.map((t) => t.pid));
  return {
    kind: 'noReceiver',
    text:
      lastReceiver > 0
        ? l10n.t(
            '{0} is full, with {1} waiting to send; no thread waits to receive and its last receiver ({2}) has exited{3}',
            label,
            who,
            lastReceiver,
            uncheckedCaveat(scan),
          )
        : l10n.t(
            '{0} is full, with {1} waiting to send; no thread waits to receive and no process has ever received from it{2}',
            label,
            who,
            uncheckedCaveat(scan),
          ),
  };
}

function posixQueueNoReceiver(label: string, key: FileKey, threads: BlockedThread[], scan: Scan, facts: WaitFacts): Found | undefined {
  const senders = new Set(threads.filter((t) => t.on.type === 'mq' && t.on.send).map((t) => t.pid));
  if (senders.size === 0 || threads.some((t) => t.on.type === 'mq' && !t.on.send)) return undefined;
  const holders = facts.queueHolders.get(key) ?? [];
  if (holders.some((pid) => !senders.has(pid))) return undefined;
  return {
    kind: 'noReceiver',
    text: l10n.t(
      '{0} is full and no process but the one(s) waiting to send to it ({1}) has it open{2}: none is there to receive',
      label,
      processWords(senders),
      uncheckedCaveat(scan),
    ),
  };
}
