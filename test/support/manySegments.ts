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

/** The segments made here and not yet removed. */
export function manySegmentIds(): number[] {
  return [...created];
}

/**
 * Creates `count` IPC_PRIVATE segments (not attached; their creator, the helper, stays alive until
 * removeManySegments(), so they are never "orphaned"). Rejects on the first failure, e.g. ENOSPC
 * when shmmni is reached; whatever was made until then is still recorded for removal.
 */
export async function createManySegments(count: number, size = 4096, mode = 0o600): Promise<number[]> {
  const ids: number[] = [];
  const batch = 512;
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done);
    const results = await Promise.allSettled(
      Array.from({ length: n }, () =>
        helper()
          .shmCreate(IPC_PRIVATE, size, mode, true)
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
  const left = [...created];
  for (let i = 0; i < left.length; i += 500) {
    const args = left.slice(i, i + 500).flatMap((id) => ['-m', String(id)]);
    try {
      execFileSync('ipcrm', args, { stdio: 'ignore' });
    } catch {
      // some were gone already: ipcrm still removed the others
    }
  }
  created.clear();
  client?.dispose();
  client = undefined;
}
