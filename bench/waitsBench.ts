// The one /proc scan with every thread's waits read (PROC_SCAN with waits: syscall, wchan, comm,
// sched of each task) against the same scan without, both through the helper, in turns in the same
// run; and the whole diagnosis (scan with waits, the locks read, the graph) against
// `ps -eLo pid,tid,wchan`, the least a person runs to see who sleeps where, and against what a
// person does today to learn what each blocked process waits on: gdb attached to each, printing
// every thread's stack (`gdb -p PID -batch -ex 'thread apply all bt'`), timed on a sample and
// scaled to all of them. The machine gets a crowd first (test/programs/crowdtool): 300 processes of
// 33 threads, 100 of them blocked on a process-shared mutex in anonymous shared memory.
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';
import type { HelperClient } from '../src/ipc/helperClient';
import { scanProcesses } from '../src/ipc/procScan';
import { buildWaitGraph } from '../src/ipc/waits/graph';
import { readLocks } from '../src/ipc/waits/readLocks';
import { median, mediansInTurns, Row } from './measure';
import { repoRoot } from './world';

const CROWD = { processes: 300, threads: 33, blocked: 100 };
/** Blocked processes gdb is run on: its time for them, scaled to all. */
const GDB_SAMPLE = 3;

/** Starts the crowd and resolves once its blocked threads are seen blocked; stop() ends it. */
async function startCrowd(client: HelperClient): Promise<{ pid: number; stop(): void }> {
  const child = spawn(path.join(repoRoot, 'native', 'bin', 'crowdtool'), [String(CROWD.processes), String(CROWD.threads), String(CROWD.blocked)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`crowdtool exited (${code})`)));
    });
    const pid = Number(line.split(' ')[1]);
    for (let tries = 0; ; tries++) {
      const waits = (await scanProcesses({ helper: () => client, waits: true })).waits!;
      if (waits.blocked.filter((t) => t.on.type === 'futex' && t.comm === 'crowdtool').length >= CROWD.blocked) break;
      if (tries > 200) throw new Error('the crowd did not block');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { pid, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

/** Median time of gdb printing every thread's stack of a few blocked processes. */
function gdbPerProcess(pids: number[]): number {
  const times = pids.map((pid) => {
    const start = process.hrtime.bigint();
    const result = spawnSync('gdb', ['-p', String(pid), '-batch', '-nx', '-ex', 'thread apply all bt'], { encoding: 'utf8', timeout: 120_000 });
    const shown = result.status === 0 && /pthread_mutex_lock|lll_lock_wait|futex/.test(result.stdout);
    if (!shown) throw new Error(`gdb -p ${pid} did not show the blocked stack: ${result.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  return median(times);
}

export async function benchWaits(client: HelperClient, runs = 11): Promise<Row[]> {
  const crowd = await startCrowd(client);
  try {
    return await measure(client, runs);
  } finally {
    crowd.stop();
  }
}

async function measure(client: HelperClient, runs: number): Promise<Row[]> {
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
  const blockedPids = [...new Set(probe.waits.blocked.filter((b) => b.on.type === 'futex' && b.comm === 'crowdtool').map((b) => b.pid))];
  const gdb = gdbPerProcess(blockedPids.slice(0, GDB_SAMPLE)) * blockedPids.length;
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
    {
      benchmark: `whole wait diagnosis, ${blockedPids.length} processes blocked on a lock in shared memory`,
      value: t.diagnosis,
      unit: 'ms',
      reference: `gdb -p PID -batch -ex 'thread apply all bt' for each (${GDB_SAMPLE} timed, scaled)`,
      referenceValue: gdb,
      ratio: t.diagnosis / gdb,
      target: '<= 0.01x gdb',
      met: t.diagnosis <= 0.01 * gdb,
    },
  ];
}
