// Thousands of segments for scale tests, made fast: one helper process (the release build) creates
// them pipelined, instead of one shmtool process per segment. They are recorded here, not through
// segments.ts's trackSegment(), because cleanupAll() removes tracked segments with one `ipcrm`
// process each (about 3 ms apiece: 4,000 of them would block the caller for over 10 s);
// removeManySegments() removes them through the same helper, and any left over with a few
// `ipcrm -m ID -m ID ...` calls. Run it in an after hook (the integration suite's root hooks do too).
import { execFileSync } from 'child_process';
import * as path from 'path';
import { HelperClient, HelperError } from '../../src/ipc/helperClient';
import { repoRoot } from './segments';

const IPC_PRIVATE = 0;
const created = new Set<number>();
let client: HelperClient | undefined;

function helper(): HelperClient {
  client ??= new HelperClient({ helperPath: path.join(repoRoot, 'native', 'bin', 'ipc-helper'), requestTimeoutMs: 30_000 });
  return client;
}

/** Records a segment made elsewhere (by a benchmark's own client) for removeManySegments(). */
export function removeLater(shmid: number): void {
  created.add(shmid);
}

/** The segments made here and not yet removed. */
export function manySegmentIds(): number[] {
  return [...created];
}

export interface ManySegmentsOptions {
  size?: number;
  mode?: number;
  /** Keys firstKey, firstKey + 1, ... (a range a later run can recognise and sweep); IPC_PRIVATE when absent. */
  firstKey?: number;
}

/**
 * Creates `count` segments (not attached; their creator, the helper, stays alive until
 * removeManySegments(), so they are never "orphaned"). Rejects on the first failure, e.g. ENOSPC
 * when shmmni is reached; whatever was made until then is still recorded for removal.
 * The benchmarks make theirs here too, so they measure the same world the scale tests do.
 */
export async function createManySegments(count: number, options: ManySegmentsOptions = {}): Promise<number[]> {
  const { size = 4096, mode = 0o600, firstKey } = options;
  const keyOf = (i: number): number => (firstKey === undefined ? IPC_PRIVATE : firstKey + i);
  const ids: number[] = [];
  const batch = 512;
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done);
    const results = await Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        helper()
          .shmCreate(keyOf(done + i), size, mode, true)
          .then((r) => r.shmid),
      ),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') {
        created.add(result.value);
        ids.push(result.value);
      }
    }
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw new Error(`created ${ids.length} of ${count} segments, then: ${(failed.reason as Error).message}`);
  }
  return ids;
}

/** Removes every segment createManySegments() made; safe to call again, and when none were made. */
export async function removeManySegments(): Promise<void> {
  const ids = [...created];
  if (ids.length > 0 && client) {
    const results = await Promise.allSettled(ids.map((id) => client!.shmRemove(id)));
    results.forEach((result, i) => {
      const gone =
        result.status === 'fulfilled' || (result.reason instanceof HelperError && (result.reason.code === 'EINVAL' || result.reason.code === 'EIDRM'));
      if (gone) created.delete(ids[i]);
    });
  }
  removeSegmentsWithIpcrm([...created]);
  created.clear();
  client?.dispose();
  client = undefined;
}

/** `ipcrm -m ID -m ID ...`, 500 at a time, synchronously (a signal handler may call it); ids gone already are fine. */
export function removeSegmentsWithIpcrm(ids: number[]): void {
  for (let i = 0; i < ids.length; i += 500) {
    const args = ids.slice(i, i + 500).flatMap((id) => ['-m', String(id)]);
    try {
      execFileSync('ipcrm', args, { stdio: 'ignore' });
    } catch {
      // some were gone already: ipcrm still removed the others
    }
  }
}
