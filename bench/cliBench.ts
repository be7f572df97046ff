// The command line as a user runs it, whole processes from start to exit (node's own start-up
// included), against the tools it stands in for, run in turns on the same machine state:
//   - `ipc-inspector list` against `lsipc -m` + `ls -l /dev/shm`, nobody holding the objects;
//   - the same with 300 processes attaching, mapping and holding them open, against `lsof -n /dev/shm`;
//   - one /metrics scrape of `ipc-inspector serve` at that size, and the server's resident memory
//     (VmRSS; its private part RssAnon beside it: most of a Node process's RSS is the node binary's
//     own pages, shared with every other Node process);
//   - the floors under those targets, in the same turns: a bare Node process from start to exit
//     (`node -e 0`), whatever it does, against the same references; and its resident memory.
// The commands run in the environment a user's shell has, not with this machine's
// NODE_EXTRA_CA_CERTS: Node reads the certificates it names at every start, before any script (90
// ms here, a row says how much), and nothing of the inspector uses them.
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { against, median, medianMs, mediansInTurns, Row } from './measure';
import { repoRoot } from './world';

const BIN = path.join(repoRoot, 'bin', 'ipc-inspector.js');
/** The environment of a user's shell: without the certificates this machine makes every Node start read. */
const { NODE_EXTRA_CA_CERTS: extraCertificates, ...userEnv } = process.env;
const QUIET = { stdio: 'ignore' as const, maxBuffer: 1 << 28, env: userEnv };

const cliList = () => execFileSync(process.execPath, [BIN, 'list', '--quiet'], QUIET);
const bareNode = () => execFileSync(process.execPath, ['-e', '0'], QUIET);
const lsipcM = () => execFileSync('lsipc', ['-m'], QUIET);
const lsShm = () => execFileSync('ls', ['-l', '/dev/shm'], QUIET);
const lsof = () => {
  try {
    execFileSync('lsof', ['-n', '/dev/shm'], QUIET);
  } catch {
    // lsof exits 1 when some file had no user: its listing is still made
  }
};

/** `list` against lsipc -m + ls -l /dev/shm (the objects made by the caller, nobody holding them). */
export async function benchCliList(segments: number, objects: number): Promise<Row[]> {
  const t = await mediansInTurns({ cli: cliList, lsipc: lsipcM, ls: lsShm, node: bareNode }, 7, 1);
  const reference = t.lsipc + t.ls;
  const rows: Row[] = [];
  if (extraCertificates) {
    const withCertificates = await medianMs(() => execFileSync(process.execPath, ['-e', '0'], { ...QUIET, env: process.env }), 7, 1);
    rows.push(
      against("a bare Node process with this machine's NODE_EXTRA_CA_CERTS (the commands here run without it)", withCertificates, 'without it', t.node),
    );
  }
  return [
    ...rows,
    {
      benchmark: `ipc-inspector list, whole process (${segments} segments, ${objects} POSIX objects)`,
      value: t.cli,
      unit: 'ms',
      reference: 'lsipc -m + ls -l /dev/shm',
      referenceValue: reference,
      ratio: t.cli / reference,
      target: '<= 1.0x',
      met: t.cli <= reference,
    },
    against('the floor: a bare Node process, start to exit (node -e 0)', t.node, 'lsipc -m + ls -l /dev/shm', reference),
  ];
}

/** `list` with holders against lsof -n /dev/shm. */
export async function benchCliHolders(processes: number): Promise<Row[]> {
  const t = await mediansInTurns({ cli: cliList, lsof, node: bareNode }, 7, 1);
  return [
    {
      benchmark: `ipc-inspector list with holders, whole process (${processes} processes holding)`,
      value: t.cli,
      unit: 'ms',
      reference: 'lsof -n /dev/shm',
      referenceValue: t.lsof,
      ratio: t.cli / t.lsof,
      target: '<= 0.3x',
      met: t.cli <= 0.3 * t.lsof,
    },
    against('the floor: a bare Node process, start to exit (node -e 0)', t.node, 'lsof -n /dev/shm', t.lsof),
  ];
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function scrape(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', headers: { Accept: 'application/openmetrics-text; version=1.0.0' } }, (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

function statusKiB(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : NaN;
}

/** One scrape of serve's /metrics (median of 20 after warm-up) and the server's memory after them. */
export async function benchServe(objects: number): Promise<Row[]> {
  const port = await freePort();
  const server = spawn(process.execPath, [BIN, 'serve', '--quiet', '--listen', `127.0.0.1:${port}`], { stdio: 'ignore', env: userEnv });
  try {
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await scrape(port).then(
        () => true,
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
      );
    }
    if (!ready) throw new Error('ipc-inspector serve did not answer');
    for (let i = 0; i < 3; i++) await scrape(port);
    const times: number[] = [];
    for (let i = 0; i < 20; i++) times.push(await scrape(port));
    const rssMiB = statusKiB(server.pid!, 'VmRSS') / 1024;
    const anonMiB = statusKiB(server.pid!, 'RssAnon') / 1024;
    const scrapeMs = median(times);
    const bare =
      Number(execFileSync(process.execPath, ['-e', 'setTimeout(() => console.log(process.memoryUsage().rss), 100)'], { encoding: 'utf8', env: userEnv })) /
      1048576;
    return [
      { benchmark: `one /metrics scrape (${objects} objects)`, value: scrapeMs, unit: 'ms', target: '< 100 ms', met: scrapeMs < 100 },
      {
        benchmark: 'ipc-inspector serve, resident memory after 23 scrapes',
        value: rssMiB,
        unit: 'MiB',
        reference: 'a bare node process',
        referenceValue: bare,
        ratio: rssMiB / bare,
        target: '< 30 MiB',
        met: rssMiB < 30,
      },
      { benchmark: 'ipc-inspector serve, private resident memory (RssAnon)', value: anonMiB, unit: 'MiB', target: '(informative)', met: true },
    ];
  } finally {
    server.kill('SIGTERM');
  }
}
