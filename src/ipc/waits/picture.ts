// The waits of one refresh, as the Waits view, the wait-for graph, the status bar and the export
// take them: the scan's blocked threads (resolve.ts), the locks read where they live
// (readLocks.ts) and the graph with its diagnoses (graph.ts), or why they could not be had. Read
// only while someone looks (the Waits view, the graph, the status bar's look): reading every
// thread's syscall and the lock bytes is the costly part of a scan.
import * as l10n from '../../shared/l10n';
import { buildWaitGraph, type WaitGraph } from './graph';
import { diagnoseNobodyLeft, type WaitFacts } from './nobodyLeft';
import { readLocks, type MemoryReader } from './readLocks';
import type { WaitScan } from './resolve';

export type WaitPicture =
  | {
      read: true;
      scan: WaitScan;
      graph: WaitGraph;
      /** Locks whose bytes could not be read, by word key, with why. */
      failures: Map<string, string>;
    }
  | { read: false; why: string };

/**
 * The picture of a scan's waits: the locks read through `read`, the graph built, and with `facts`
 * (what the semaphores and queues waited on say) who is left to wake the waiters.
 */
export async function waitPicture(
  scan: WaitScan | undefined,
  read: MemoryReader | undefined,
  facts?: (scan: WaitScan) => Promise<WaitFacts>,
): Promise<WaitPicture> {
  if (!scan || !read) {
    return {
      read: false,
      why: l10n.t('Waits are read by the helper, which could not read them here (no helper, or an architecture whose system call numbers are not known).'),
    };
  }
  const [readings, known] = await Promise.all([readLocks(scan, read), facts?.(scan)]);
  const graph = buildWaitGraph(scan, readings);
  if (known) diagnoseNobodyLeft(graph, scan, known);
  return { read: true, scan, graph, failures: readings.failures };
}

/**
 * What a user could see of the waits, as text: who is blocked on what, each lock's state and holder,
 * each diagnosis. Not how long each has waited (it grows at every refresh: the view says since when).
 */
export function waitPictureSignature(picture: WaitPicture | undefined): string {
  if (!picture) return '';
  if (!picture.read) return `!${picture.why}`;
  const parts: string[] = [`u${picture.scan.unreadableThreads}`];
  for (const t of picture.scan.blocked) {
    const on = t.on;
    const target =
      on.type === 'futex'
        ? on.words.map((w) => `${w.object.id}+${w.offset}${w.private ? 'p' : ''}`).join(',')
        : on.type === 'sem'
          ? `sem${on.semid}`
          : on.type === 'msg'
            ? `msg${on.msqid}${on.send ? 's' : 'r'}`
            : `mq${on.fd}${on.send ? 's' : 'r'}`;
    parts.push(`t${t.pid}/${t.tid}/${t.comm}:${target}`);
  }
  for (const node of picture.graph.nodes.values()) {
    if (node.kind === 'lock') parts.push(`l${node.id}:${node.lock.type}:${JSON.stringify(node.lock.reading ?? null)}:${node.lock.value ?? ''}`);
  }
  for (const d of picture.graph.diagnoses) parts.push(`d${d.text}`);
  for (const [key, why] of picture.failures) parts.push(`f${key}:${why}`);
  return parts.sort().join('\n');
}
