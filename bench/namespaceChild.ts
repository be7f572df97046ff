// Run by namespaceBench.ts as `unshare --ipc node namespaceChild.js COUNT`, as root: in a private
// IPC namespace of its own, raises kernel.shmmni (a per-namespace sysctl) to COUNT, creates COUNT
// segments through a helper started in here, measures listing, a full view refresh and the tree's
// rows against `ipcs -m` run in the same namespace, and prints one JSON line. Nothing outside can
// see these segments, and they go with the namespace when this process and its helper exit (also
// when the parent dies: EOF on stdin ends this process).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HelperClient } from '../src/ipc/helperClient';
import { SnapshotSource } from '../src/ipc/snapshot';
import { eachInSlices } from '../src/ipc/slices';
import { segmentRow } from '../src/ipc/sysvShm/present';
import { parseShm } from '../src/ipc/family/sysvTables';
import { readSegmentTable } from '../src/ipc/sysvShm/read';
import { localTables } from '../src/ipc/tables';
import { medianMs, mediansInTurns } from './measure';

export interface NamespaceReport {
  count: number;
  shmmni: number;
  namespace: string;
  procBytes: number;
  listed: number;
  refreshed: number;
  rowsBuilt: number;
  bareRead: number;
  parse: number;
  list: number;
  refresh: number;
  ipcs: number;
  rows: number;
  /** The longest the event loop waited while the rows were built in slices, as the tree builds them. */
  slicedRowsLongestBlock: number;
  createMs: number;
}

/** The longest time between two turns of the event loop while `work` runs (a ping every turn). */
async function longestBlock(work: () => Promise<void>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const ping = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(ping);
  };
  setImmediate(ping);
  await work();
  ping();
  running = false;
  return longest;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 32768);
  process.stdin.on('end', () => process.exit(2)); // the parent is gone: so is the namespace
  process.stdin.resume();
  const namespace = fs.readlinkSync('/proc/self/ns/ipc');
  fs.writeFileSync('/proc/sys/kernel/shmmni', String(count));
  const shmmni = Number(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8'));
  if (shmmni < count) throw new Error(`kernel.shmmni is ${shmmni} after writing ${count}`);
  const repoRoot = path.resolve(__dirname, '..', '..');
  const client = new HelperClient({ helperPath: path.join(repoRoot, 'native/bin/ipc-helper'), requestTimeoutMs: 60_000 });
  try {
    const started = performance.now();
    for (let done = 0; done < count; done += 1024) {
      const n = Math.min(1024, count - done);
      await Promise.all(Array.from({ length: n }, () => client.shmCreate(0, 4096, 0o600, true)));
    }
    const createMs = performance.now() - started;
    const content = fs.readFileSync('/proc/sysvipc/shm');
    const listed = (await readSegmentTable(localTables())).segments.length;
    const source = new SnapshotSource();
    const snapshot = (await source.refresh(true)).snapshot;
    const uid = process.getuid?.() ?? 0;
    const built = snapshot.segments.map((info) => segmentRow(info, { held: false, uid }));
    const times = await mediansInTurns(
      {
        bareRead: () => fs.readFileSync('/proc/sysvipc/shm'),
        list: () => readSegmentTable(localTables()),
        refresh: () => source.refresh(true),
        ipcs: () => execFileSync('ipcs', ['-m'], { maxBuffer: 1 << 28 }),
      },
      7,
      1,
    );
    const parse = await medianMs(() => parseShm(content), 7, 1);
    const rows = await medianMs(() => snapshot.segments.map((info) => segmentRow(info, { held: false, uid })), 7, 1);
    const slicedRowsLongestBlock = await longestBlock(() => eachInSlices(snapshot.segments, (info) => void segmentRow(info, { held: false, uid })));
    const report: NamespaceReport = {
      count,
      shmmni,
      namespace,
      procBytes: content.length,
      listed,
      refreshed: snapshot.segments.length,
      rowsBuilt: built.length,
      parse,
      rows,
      slicedRowsLongestBlock,
      createMs,
      ...times,
    };
    console.log(JSON.stringify(report));
  } finally {
    client.dispose();
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
