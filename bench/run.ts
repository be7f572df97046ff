// `npm run bench`: the speed and memory targets (README: Benchmarks), measured on real segments, POSIX objects and processes
// made (and removed) by this run, each next to a reference measured in the same run. Prints a table
// and writes bench/results/bench.json. Exits 0 even when a target is missed: a benchmark reports,
// the tests decide.
//
// `npm run bench -- --only=listing,refresh,holders,cli,namespace,semmsg,helper,contents,waits,graph,ctypes,dwarf,activation,recording` runs some sections
// (refresh, holders and cli share the machine state the listing section makes).
//
// Cleanup: everything made here is removed at the end, on failure, and on Ctrl-C / SIGTERM / SIGHUP
// (world.ts; the 32,768 segments live in a private IPC namespace that dies with its process). A run
// killed outright leaves no process (each one exits with its stdin), and the next run sweeps the
// segments and /dev/shm names it left.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HelperClient } from '../src/ipc/helperClient';
import { scanProcesses } from '../src/ipc/procScan';
import { SnapshotSource } from '../src/ipc/snapshot';
import { parseShm } from '../src/ipc/family/sysvTables';
import { readSegmentTable } from '../src/ipc/sysvShm/read';
import { localTables } from '../src/ipc/tables';
import { benchActivation } from './activationBench';
import { benchCliHolders, benchCliList, benchServe } from './cliBench';
import { benchLayouts, benchLiveFields } from './cTypesBench';
import { benchDwarf } from './dwarfBench';
import { benchHelper } from './helperBench';
import { benchWaits } from './waitsBench';
import { benchWaitGraph } from './waitGraphBench';
import { benchLiveRefresh, benchOpen, benchOpenPosix, stopWorkbench } from './contentsViewBench';
import { benchRebuild, benchRecordingLive, benchRecordingPage } from './recordingBench';
import { medianMs, mediansInTurns, printTable, Row } from './measure';
import { benchNamespace, stopNamespace } from './namespaceBench';
import { benchFullRefresh, benchHolders, benchSysvRefresh } from './refreshBench';
import { benchSemMsg, cleanupSemMsgBench } from './semMsgBench';
import {
  cleanupObjects,
  createObjects,
  createSegments,
  killAndUnlinkNow,
  POSIX_PREFIX,
  processCount,
  repoRoot,
  shmtool,
  startPopulation,
  stopPopulation,
  sweepLeftovers,
} from './world';
import { removeLater, removeManySegments } from '../test/support/manySegments';

const SEGMENTS = 4000;
const POSIX_OBJECTS = 4000;
const HELD_OBJECTS = 1000;
const PROCESSES = 300;
/** Attachers of the 8 KiB test segment (the attacher discovery row counts them) and of other segments. */
const TEST_ATTACHERS = 20;
const OTHER_ATTACHERS = 20;
const MAPPERS = 100;

const SECTIONS = [
  'listing',
  'refresh',
  'holders',
  'cli',
  'namespace',
  'semmsg',
  'helper',
  'contents',
  'waits',
  'graph',
  'ctypes',
  'dwarf',
  'activation',
  'recording',
] as const;
type Section = (typeof SECTIONS)[number];

function selectedSections(): Set<Section> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  if (!only) return new Set(SECTIONS);
  const wanted = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}: choose from ${SECTIONS.join(', ')}`);
  return new Set(wanted as Section[]);
}

/** Reads every /proc/PID/maps, doing nothing with them: the floor for attacher discovery. */
function readAllMaps(): number {
  let bytes = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      bytes += fs.readFileSync(`/proc/${pid}/maps`).length;
    } catch {
      // gone or unreadable
    }
  }
  return bytes;
}

async function benchListing(count: number): Promise<Row[]> {
  const lines = fs.readFileSync('/proc/sysvipc/shm').length;
  console.log(`listing: ${count} segments made here, /proc/sysvipc/shm is ${lines} bytes`);
  const runs = 30;
  const bareRead = await medianMs(() => fs.readFileSync('/proc/sysvipc/shm'), runs);
  const content = fs.readFileSync('/proc/sysvipc/shm');
  const parseOnly = await medianMs(() => parseShm(content), runs);
  const readAndParse = await medianMs(() => parseShm(fs.readFileSync('/proc/sysvipc/shm')), runs);
  const tools = await mediansInTurns(
    {
      // A reader of its own each time: the table is parsed, not found unchanged.
      ours: () => readSegmentTable(localTables()),
      ipcs: () => execFileSync('ipcs', ['-m'], { maxBuffer: 1 << 26 }),
      lsipc: () => execFileSync('lsipc', ['-m', '--json'], { maxBuffer: 1 << 26 }),
    },
    10,
    1,
  );
  const view = new SnapshotSource();
  const everything = await medianMs(() => view.refresh(true), 10, 1);
  return [
    {
      benchmark: `parse ${count} segments`,
      value: parseOnly,
      unit: 'ms',
      reference: 'bare read',
      referenceValue: bareRead,
      ratio: parseOnly / bareRead,
      target: '<= 1.5x the bare read',
      met: parseOnly <= 1.5 * bareRead,
    },
    {
      benchmark: `read + parse ${count} segments`,
      value: readAndParse,
      unit: 'ms',
      reference: 'bare read',
      referenceValue: bareRead,
      ratio: readAndParse / bareRead,
      target: '(informative)',
      met: true,
    },
    {
      benchmark: 'list end to end (readSegmentTable)',
      value: tools.ours,
      unit: 'ms',
      reference: 'ipcs -m',
      referenceValue: tools.ipcs,
      ratio: tools.ours / tools.ipcs,
      target: 'faster than ipcs -m',
      met: tools.ours < tools.ipcs,
    },
    {
      benchmark: 'list end to end (readSegmentTable)',
      value: tools.ours,
      unit: 'ms',
      reference: 'lsipc -m --json',
      referenceValue: tools.lsipc,
      ratio: tools.ours / tools.lsipc,
      target: 'faster than lsipc',
      met: tools.ours < tools.lsipc,
    },
    {
      benchmark: `view refresh, ${count} segments, no processes of ours`,
      value: everything,
      unit: 'ms',
      reference: 'ipcs -m',
      referenceValue: tools.ipcs,
      ratio: everything / tools.ipcs,
      target: '(informative)',
      met: true,
    },
  ];
}

/**
 * The machine state of the listing, refresh and holder sections: 4,000 segments; 300 processes,
 * 40 of them attached (20 to one 8 KiB test segment); then 4,000 POSIX objects, 1,000 of them held:
 * 100 mapped (posixtool map), 900 held open as descriptors the 300 processes inherited (3 each).
 */
async function benchAtScale(client: HelperClient, sections: Set<Section>): Promise<Row[]> {
  const rows: Row[] = [];
  const before = fs.readFileSync('/proc/sysvipc/shm', 'utf8').split('\n').length - 2;
  const shmmni = Number(fs.readFileSync('/proc/sys/kernel/shmmni', 'utf8'));
  const count = Math.min(SEGMENTS, shmmni - before - 16);
  if (count < SEGMENTS) console.log(`only ${count} segments: ${before} exist already and kernel.shmmni is ${shmmni}`);
  const segments = await createSegments(count);
  if (sections.has('listing')) rows.push(...(await benchListing(count)));
  if (!sections.has('refresh') && !sections.has('holders') && !sections.has('cli')) return rows;

  const [testSegment] = await createSegments(1, 8192, count);
  const attach = [...Array<number>(TEST_ATTACHERS).fill(testSegment), ...segments.slice(0, OTHER_ATTACHERS)];
  let population = await startPopulation({ total: PROCESSES, attach });
  console.log(`processes: ${population.pids.length} started here (${attach.length} attached), ${processCount()} on the machine`);
  if (sections.has('refresh')) {
    const reference = await medianMs(readAllMaps, 20);
    const discovery = await medianMs(() => scanProcesses(), 20);
    const scan = await scanProcesses();
    console.log(`discovery: ${scan.processes} processes, ${scan.attachments.get(testSegment)?.length ?? 0} attachments of the test segment found`);
    rows.push(
      {
        benchmark: `attacher discovery, ${scan.processes} processes`,
        value: discovery,
        unit: 'ms',
        reference: 'bare read of every maps',
        referenceValue: reference,
        ratio: discovery / reference,
        target: '< 50 ms',
        met: discovery < 50 && (scan.attachments.get(testSegment)?.length ?? 0) === TEST_ATTACHERS,
      },
      ...(await benchSysvRefresh(client, count, population.pids.length)),
    );
  }
  await stopPopulation();

  const objects = createObjects('o', POSIX_OBJECTS);
  if (sections.has('cli')) rows.push(...(await benchCliList(count, objects.length)));
  const held = objects.slice(0, HELD_OBJECTS);
  const perProcess = (HELD_OBJECTS - MAPPERS) / PROCESSES;
  population = await startPopulation({
    total: PROCESSES,
    attach,
    map: held.slice(0, MAPPERS),
    holds: (i) => Array.from({ length: perProcess }, (_, j) => held[MAPPERS + i * perProcess + j]),
  });
  console.log(
    `POSIX: ${objects.length} objects in /dev/shm, ${held.length} held by ${population.pids.length} processes (${population.holds.length} holds), ${processCount()} processes on the machine`,
  );
  if (sections.has('refresh')) rows.push(...(await benchFullRefresh(client, count, objects.length, population.pids.length)));
  if (sections.has('holders')) rows.push(...(await benchHolders(client, population, held)));
  if (sections.has('cli')) rows.push(...(await benchCliHolders(population.pids.length)), ...(await benchServe(count + objects.length)));
  await stopPopulation();
  cleanupObjects();
  return rows;
}

async function cleanupEverything(): Promise<void> {
  stopNamespace();
  await stopPopulation();
  cleanupObjects();
  await removeManySegments();
  await cleanupSemMsgBench();
}

async function main(): Promise<void> {
  const sections = selectedSections();
  const client = new HelperClient({ helperPath: path.join(repoRoot, 'native/bin/ipc-helper'), requestTimeoutMs: 30_000 });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    killAndUnlinkNow(); // what cannot wait: processes and names, right away
    void Promise.allSettled([stopWorkbench(), cleanupEverything()]).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const swept = sweepLeftovers();
  if (swept.segments || swept.objects) console.log(`removed what an earlier run left: ${swept.segments} segments, ${swept.objects} ${POSIX_PREFIX}* objects`);
  console.log(`load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}, ${processCount()} processes`);
  const rows: Row[] = [];
  /** Runs one part; a failure is a failed row (and everything it made is removed), the rest still runs. */
  const part = async (name: string, run: () => Promise<Row[]>) => {
    if (interrupted) return;
    try {
      rows.push(...(await run()));
    } catch (error) {
      if (interrupted) return; // what failed was cut short by the cleanup
      console.error(`\n!!! ${name} failed: ${(error as Error).stack ?? error}\n`);
      rows.push({
        benchmark: `${name}: FAILED`,
        value: NaN,
        unit: '',
        target: String((error as Error).message ?? error)
          .split('\n')[0]
          .slice(0, 80),
        met: false,
      });
    } finally {
      await cleanupEverything();
    }
  };
  try {
    if (sections.has('listing') || sections.has('refresh') || sections.has('holders') || sections.has('cli')) {
      await part('listing, refresh and holders at scale', () => benchAtScale(client, sections));
    }
    if (sections.has('namespace')) await part(`32,768 segments`, () => benchNamespace());
    if (sections.has('semmsg')) await part('semaphores and message queues', () => benchSemMsg(client));
    if (sections.has('helper')) {
      await part('helper reads', async () => {
        const [shmid] = await createSegments(1, 64 * 1024 * 1024, 0x8000);
        execFileSync(shmtool, ['write', String(shmid), String(64 * 1024 * 1024 - 4), 'deadbeef']);
        return benchHelper(client, shmid);
      });
    }
    if (sections.has('contents')) {
      await part('contents view live refresh', () => benchLiveRefresh(client, removeLater));
      await part('contents view open (System V)', () => benchOpen(client, removeLater));
      await part('contents view open (POSIX)', () => benchOpenPosix());
    }
    if (sections.has('waits')) await part('who waits on what (a crowd of 10,000 threads)', () => benchWaits(client));
    if (sections.has('graph')) await part('wait-for graph', () => benchWaitGraph());
    if (sections.has('activation')) await part('activation', () => benchActivation());
    if (sections.has('ctypes')) {
      await part('C type layouts', () => benchLayouts());
      await part('C type fields, live', () => benchLiveFields(client, removeLater));
    }
    if (sections.has('dwarf')) await part('types from debug information', () => benchDwarf());
    if (sections.has('recording')) {
      await part('recording, live', () => benchRecordingLive(client, removeLater));
      await part('recording, rebuild', () => Promise.resolve(benchRebuild()));
      await part('recording, the page', () => Promise.resolve(benchRecordingPage()));
    }
  } finally {
    if (!interrupted) {
      await cleanupEverything();
      client.dispose();
    }
  }
  if (interrupted) return; // the signal handler cleans up and exits
  console.log('');
  printTable(rows);
  const outDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('processor')).length,
    rows,
  };
  fs.writeFileSync(path.join(outDir, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
  const missed = rows.filter((r) => !r.met);
  console.log(
    `\nwritten: bench/results/bench.json (${rows.length - missed.length}/${rows.length} targets met${missed.length ? `; missed: ${missed.map((r) => r.benchmark).join('; ')}` : ''})`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
