// The picture as OpenMetrics text (`ipc-inspector metrics`, and `serve`'s /metrics), named as
// Prometheus names things: an ipc_inspector_ prefix, base units in the name (_bytes), labels for
// the dimensions (kind: the export's kind names; state: the export's state names), a gauge for
// everything (each value is the machine's state now, not a count since start). Orphans are given
// for every kind, zeros included, so a query sees one go rather than a series end; so are the
// diagnoses of the waits (deadlocks, owners gone...), every kind of them, zeros included, whenever
// the waits were read (ipc_inspector_waits_read says whether they were).
import type { KindModule } from '../ipc/kind';
import { KINDS, type Kind } from '../ipc/kinds';
import type { KernelLimit } from '../ipc/limits';
import { ATTENTION_NEEDS, type IpcObject, type Need, type Snapshot } from '../ipc/snapshot';
import { DIAGNOSIS_KINDS, type DiagnosisKind } from '../ipc/waits/graph';

/** What a refresh for the metrics reads: what the states rest on, and the waits with their diagnoses. */
export const METRICS_NEEDS: readonly Need[] = ATTENTION_NEEDS;

export const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  unit?: string;
  samples: Array<{ labels: Labels; value: number }>;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function sample(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  const text = Number.isFinite(value) ? String(value) : value === Number.POSITIVE_INFINITY ? '+Inf' : value === Number.NEGATIVE_INFINITY ? '-Inf' : 'NaN';
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${text}`;
}

/** Families as OpenMetrics text, ending with # EOF. */
export function renderFamilies(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# TYPE ${family.name} gauge`);
    if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
    lines.push(`# HELP ${family.name} ${family.help}`);
    for (const s of family.samples) lines.push(sample(family.name, s.labels, s.value));
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function limitValue(limit: KernelLimit | undefined): number | undefined {
  if (!limit) return undefined;
  return limit.unlimited ? Number.POSITIVE_INFINITY : Number(limit.raw);
}

/** The metric families of a snapshot. */
export function metricFamilies(snapshot: Snapshot): Family[] {
  const objects: Array<{ kind: Kind; state: string; count: number; bytes: number }> = [];
  const orphans = new Map<Kind, { count: number; bytes: number }>();
  const holders = new Map<Kind, number>();
  const waiters = new Map<Kind, number>();
  // Kind by kind (each kind's module once, not looked up for each of thousands of objects), then
  // state by state in the order they first appear.
  for (const name of Object.keys(KINDS) as Kind[]) {
    const kind = KINDS[name] as KindModule<IpcObject>;
    const byState = new Map<string, { kind: Kind; state: string; count: number; bytes: number }>();
    const orphaned = { count: 0, bytes: 0 };
    let held = 0;
    for (const object of kind.list(snapshot)) {
      const state = kind.state(object);
      const bytes = kind.freedBytes(object);
      let entry = byState.get(state);
      if (!entry) byState.set(state, (entry = { kind: name, state, count: 0, bytes: 0 }));
      entry.count++;
      entry.bytes += bytes;
      if (kind.isOrphaned(object)) {
        orphaned.count++;
        orphaned.bytes += bytes;
      }
      held += kind.holders(object);
    }
    objects.push(...byState.values());
    orphans.set(name, orphaned);
    // Sets and queues are "held" by the processes blocked on them: those are waiters.
    const blocked = kind.subject === 'set' || kind.subject === 'queue';
    holders.set(name, blocked ? 0 : held);
    if (blocked) waiters.set(name, held);
  }
  const { limits, usage } = snapshot;
  const limitRows: Array<[string, KernelLimit | undefined, number]> = [
    ['shm_segments', limits.shmmni, usage.segments],
    ['shm_pages', limits.shmall, usage.pages],
    ['sem_sets', limits.semmni, snapshot.sem.sets.length],
    ['sem_semaphores', limits.semmns, snapshot.sem.sets.reduce((sum, s) => sum + s.set.nsems, 0)],
    ['msg_queues', limits.msgmni, snapshot.msg.queues.length],
    ['mq_queues', limits.mqQueuesMax, snapshot.mqueue.queues.length],
  ];
  const families: Family[] = [
    {
      name: 'ipc_inspector_objects',
      help: 'IPC objects by kind and state.',
      samples: objects.map((e) => ({ labels: { kind: e.kind, state: e.state }, value: e.count })),
    },
    {
      name: 'ipc_inspector_object_bytes',
      unit: 'bytes',
      help: "Memory the IPC objects hold, by kind and state: a segment's size, a file's allocated bytes, a queue's queued bytes.",
      samples: objects.map((e) => ({ labels: { kind: e.kind, state: e.state }, value: e.bytes })),
    },
    {
      name: 'ipc_inspector_orphans',
      help: 'Orphaned (leaked) IPC objects by kind: what Clean Up Orphaned would offer.',
      samples: [...orphans].map(([kind, o]) => ({ labels: { kind }, value: o.count })),
    },
    {
      name: 'ipc_inspector_orphan_bytes',
      unit: 'bytes',
      help: 'Memory removing the orphaned IPC objects would free, by kind.',
      samples: [...orphans].map(([kind, o]) => ({ labels: { kind }, value: o.bytes })),
    },
    {
      name: 'ipc_inspector_holders',
      help: 'Processes attached to, mapping or holding open IPC objects, summed over the objects, by kind.',
      samples: [...holders].map(([kind, n]) => ({ labels: { kind }, value: n })),
    },
    {
      name: 'ipc_inspector_waiters',
      help: 'Processes blocked on System V semaphore sets (semop) and message queues (msgsnd, msgrcv), by kind.',
      samples: ['sysvSem', 'sysvMsg'].map((kind) => ({ labels: { kind }, value: waiters.get(kind as Kind) ?? 0 })),
    },
    {
      name: 'ipc_inspector_limit',
      help: "The kernel's IPC limits (+Inf: unlimited): shmmni, shmall (pages), semmni, semmns, msgmni, fs.mqueue.queues_max.",
      samples: limitRows.flatMap(([resource, limit]) => {
        const value = limitValue(limit);
        return value === undefined ? [] : [{ labels: { resource }, value }];
      }),
    },
    {
      name: 'ipc_inspector_limit_used',
      help: 'What is used of each limit of ipc_inspector_limit.',
      samples: limitRows.map(([resource, , used]) => ({ labels: { resource }, value: used })),
    },
  ];
  if (snapshot.posix.usage) {
    families.push(
      {
        name: 'ipc_inspector_dev_shm_size_bytes',
        unit: 'bytes',
        help: 'Size of the /dev/shm file system (statfs).',
        samples: [{ labels: {}, value: snapshot.posix.usage.size }],
      },
      {
        name: 'ipc_inspector_dev_shm_used_bytes',
        unit: 'bytes',
        help: 'Bytes used on /dev/shm (statfs): when it is full, programs using it get SIGBUS or ENOSPC.',
        samples: [{ labels: {}, value: snapshot.posix.usage.used }],
      },
    );
  }
  families.push(...waitFamilies(snapshot));
  families.push(
    {
      name: 'ipc_inspector_processes_scanned',
      help: 'Processes whose maps and descriptors were read.',
      samples: [{ labels: {}, value: snapshot.scan.scanned }],
    },
    {
      name: 'ipc_inspector_processes_unreadable',
      help: "Processes whose maps and descriptors could not be read (other users', more privileged): what they hold is not counted.",
      samples: [{ labels: {}, value: snapshot.scan.unreadable }],
    },
  );
  return families;
}

/** Threads blocked on IPC and what is wrong with their waits, when the refresh read them. */
function waitFamilies(snapshot: Snapshot): Family[] {
  const picture = snapshot.waits;
  const read: Family = {
    name: 'ipc_inspector_waits_read',
    help: 'Whether the waits were read (1), or could not be (0: no helper, an architecture whose system calls are not known): the waits series are there only when they were.',
    samples: [{ labels: {}, value: picture?.read ? 1 : 0 }],
  };
  if (!picture?.read) return [read];
  const diagnoses = new Map<DiagnosisKind, number>(DIAGNOSIS_KINDS.map((kind) => [kind, 0]));
  for (const d of picture.graph.diagnoses) diagnoses.set(d.kind, (diagnoses.get(d.kind) ?? 0) + 1);
  return [
    read,
    {
      name: 'ipc_inspector_blocked_threads',
      help: 'Threads blocked on a lock in shared memory (futex), a System V semaphore or queue, or a POSIX queue.',
      samples: [{ labels: {}, value: picture.scan.blocked.length }],
    },
    {
      name: 'ipc_inspector_unchecked_threads',
      help: 'Threads whose wait could not be read (no ptrace rights on their process): they may be blocked too.',
      samples: [{ labels: {}, value: picture.scan.unreadableThreads }],
    },
    {
      name: 'ipc_inspector_wait_diagnoses',
      help: 'What is wrong with the waits, by kind: deadlock, deadOwner (a lock never to be released), ownerDied, inconsistent, notRecoverable, privateInShared, noPoster, noReceiver.',
      samples: [...diagnoses].map(([kind, n]) => ({ labels: { kind }, value: n })),
    },
  ];
}

export function openMetrics(snapshot: Snapshot): string {
  return renderFamilies(metricFamilies(snapshot));
}
