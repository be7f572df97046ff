// Helper read throughput and latency, each against a bare pipe measured in the same run: a
// long-lived process (shmtool pump) that writes N bytes on request, i.e. the helper's job minus
// shared memory and framing.
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as path from 'path';
import { HelperClient } from '../src/ipc/helperClient';
import { medianMs, Row } from './measure';

const repoRoot = path.resolve(__dirname, '..', '..');
const MiB = 1024 * 1024;

/** The reference: ask a long-lived process for N bytes through a pipe and wait for all of them. */
class BarePipe {
  private child: ChildProcessWithoutNullStreams;
  private waiting: { into: Buffer; filled: number; done: () => void } | undefined;

  constructor() {
    this.child = spawn(path.join(repoRoot, 'native/bin/shmtool'), ['pump']);
    this.child.stdout.on('data', (chunk: Buffer) => {
      // Keep the bytes, as any consumer must: copied into one buffer, like the client's replies.
      const waiting = this.waiting;
      if (!waiting) return;
      waiting.filled += chunk.copy(waiting.into, waiting.filled);
      if (waiting.filled >= waiting.into.length) waiting.done();
    });
  }

  fetch(bytes: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = { into: Buffer.allocUnsafe(bytes), filled: 0, done: resolve };
      const request = Buffer.alloc(4);
      request.writeUInt32LE(bytes);
      this.child.stdin.write(request);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

export async function benchHelper(client: HelperClient, shmid: number): Promise<Row[]> {
  const pipe = new BarePipe();
  const rows: Row[] = [];
  try {
    for (const [label, bytes, runs] of [
      ['1 MiB', MiB, 50],
      ['64 MiB', 64 * MiB, 10],
    ] as const) {
      const reference = await medianMs(() => pipe.fetch(bytes), runs);
      const helper = await medianMs(() => client.shmReadRange(shmid, 0, bytes), runs);
      const share = reference / helper;
      rows.push({
        benchmark: `helper read ${label}`,
        value: bytes / MiB / (helper / 1000),
        unit: 'MiB/s',
        reference: 'bare pipe',
        referenceValue: bytes / MiB / (reference / 1000),
        ratio: share,
        target: label === '64 MiB' ? '>= 0.80x of the pipe' : '(informative)',
        met: label === '64 MiB' ? share >= 0.8 : true,
      });
    }
    const runs = 2000;
    const pipeRoundTrip = (await medianMs(() => pipe.fetch(4096), runs, 100)) * 1000;
    const helperRoundTrip = (await medianMs(() => client.shmRead(shmid, 0, 4096), runs, 100)) * 1000;
    rows.push({
      benchmark: 'helper 4 KiB round trip (median)',
      value: helperRoundTrip,
      unit: 'us',
      reference: 'bare pipe',
      referenceValue: pipeRoundTrip,
      ratio: helperRoundTrip / pipeRoundTrip,
      target: '< 100 us',
      met: helperRoundTrip < 100,
    });
  } finally {
    pipe.close();
  }
  return rows;
}
