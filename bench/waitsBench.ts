// The one /proc scan with every thread's waits read (PROC_SCAN with waits: syscall, wchan, comm,
// sched of each task) against the same scan without, both through the helper, in turns in the same
// run; and the whole diagnosis (scan with waits, the locks read, the graph) against
// `ps -eLo pid,tid,wchan`, the least a person runs to see who sleeps where.
import { execFileSync } from 'child_process';
import type { HelperClient } from '../src/ipc/helperClient';
import { scanProcesses } from '../src/ipc/procScan';
import { buildWaitGraph } from '../src/ipc/waits/graph';
import { readLocks } from '../src/ipc/waits/readLocks';
import { mediansInTurns, Row } from './measure';

export async function benchWaits(client: HelperClient, runs = 11): Promise<Row[]> {
  const without = () => scanProcesses({ helper: () => client });
  const withWaits = () => scanProcesses({ helper: () => client, waits: true });
  const diagnosis = async () => {
    const waits = (await withWaits()).waits!;
    return buildWaitGraph(waits, await readLocks(waits, (pid, address, length, id) => client.procMemRead(pid, address, length, id)));
  };
  const ps = () => execFileSync('ps', ['-eLo', 'pid,tid,wchan'], { maxBuffer: 64 * 1024 * 1024 });
  const probe = await withWaits();
  if (probe.readBy !== 'helper' || !probe.waits) throw new Error('the helper did not read waits: its PROC_SCAN failed');
  const threads = probe.waits.threads.size;
  const t = await mediansInTurns({ without, withWaits, diagnosis, ps }, runs, 2);
  console.log(
    `waits: ${probe.processes} processes, ${threads} threads, ${probe.waits.blocked.length} blocked on shared objects, ${probe.waits.privateWaits} on private futexes, ${probe.waits.unreadableThreads} unreadable`,
  );
  return [
    {
      benchmark: `scan with waits, ${probe.processes} processes, ${threads} threads`,
      value: t.withWaits,
      unit: 'ms',
      reference: 'the same scan without waits',
      referenceValue: t.without,
      ratio: t.withWaits / t.without,
      target: '(informative: the cost of reading every task)',
      met: true,
    },
    {
      benchmark: 'whole wait diagnosis (scan, locks, graph)',
      value: t.diagnosis,
      unit: 'ms',
      reference: 'ps -eLo pid,tid,wchan',
      referenceValue: t.ps,
      ratio: t.diagnosis / t.ps,
      target: '<= 1.0x ps',
      met: t.diagnosis <= t.ps,
    },
  ];
}
