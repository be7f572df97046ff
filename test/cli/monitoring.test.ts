// The metrics as an existing monitoring system collects them: Debian's Prometheus, started here on
// 127.0.0.1 with a scrape config of its own, scraping `ipc-inspector serve`, answers a PromQL query
// that sees an orphan this test leaves, and sees it go after `ipc-inspector clean --orphans --yes`;
// Debian's node_exporter reads `ipc-inspector metrics` written where its textfile collector looks.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createSegment, freshKey, procLine } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { BIN, cli, cliJson, freePort, get, have, ISOLATED, start, stop } from './run';

const PROMETHEUS = 'prometheus';
const NODE_EXPORTER = 'prometheus-node-exporter';

/** The value of a PromQL query's single sample, or undefined when it has none (yet). */
async function query(port: number, promql: string): Promise<number | undefined> {
  const reply = await get(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = JSON.parse(reply.body) as { status: string; data: { result: Array<{ value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${reply.body}`);
  return body.data.result.length === 1 ? Number(body.data.result[0].value[1]) : undefined;
}

/** The status line's code of one request written as raw bytes (what an HTTP client would refuse to send). */
function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(reply);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`no status line in ${JSON.stringify(reply.slice(0, 200))}`));
    });
  });
}

describe('ipc-inspector metrics in Prometheus and node_exporter', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-cli-prom-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('metrics is OpenMetrics text: gauges with HELP, TYPE and UNIT, ending with # EOF', function () {
    const out = cli(['metrics']);
    assert.strictEqual(out.status, 0, out.stderr);
    assert.match(out.stdout, /# EOF\n$/);
    const families = [...out.stdout.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]);
    for (const name of ['ipc_inspector_objects', 'ipc_inspector_object_bytes', 'ipc_inspector_orphans', 'ipc_inspector_limit', 'ipc_inspector_waiters']) {
      assert.ok(families.includes(name), name);
    }
    for (const name of families) {
      assert.match(name, /^ipc_inspector_[a-z_]+$/);
      assert.match(out.stdout, new RegExp(`^# HELP ${name} \\S`, 'm'));
      if (name.endsWith('_bytes')) assert.match(out.stdout, new RegExp(`^# UNIT ${name} bytes$`, 'm'));
    }
    assert.match(out.stdout, /^ipc_inspector_limit\{resource="shm_segments"\} \d+$/m);
  });

  it('counts shared memory by the kind and state the export gives it (list --json)', function () {
    if (!ISOLATED) {
      console.log(
        '      (skipped: compares two listings of the whole machine; runs only in its own IPC namespace and /dev/shm, as root through test/cli/isolated.js)',
      );
      this.skip();
    }
    // Shared memory only: a set's or a queue's state depends on what a command reads (values,
    // messages), and list --json reads more than metrics. A long grace: no object turns orphaned
    // between the two commands.
    const kinds = new Set(['sysvShm', 'posixShm']);
    const grace = ['--grace', '86400'];
    const id = createSegment(freshKey(), 4096);
    const name = `ipcinsp-cli-metrics-${process.pid}`;
    fs.writeFileSync(`/dev/shm/${name}`, 'x');
    try {
      const exported = cliJson<{ objects: Array<{ kind: string; state: string }> }>(['list', '--json', ...grace]);
      const expected = new Map<string, number>();
      for (const o of exported.objects) if (kinds.has(o.kind)) expected.set(`${o.kind}/${o.state}`, (expected.get(`${o.kind}/${o.state}`) ?? 0) + 1);
      const out = cli(['metrics', ...grace]);
      assert.strictEqual(out.status, 0, out.stderr);
      const counted = new Map<string, number>();
      for (const m of out.stdout.matchAll(/^ipc_inspector_objects\{kind="([^"]+)",state="([^"]+)"\} (\d+)$/gm)) {
        if (kinds.has(m[1])) counted.set(`${m[1]}/${m[2]}`, Number(m[3]));
      }
      const total = (kind: string) => [...counted].reduce((sum, [key, count]) => (key.startsWith(`${kind}/`) ? sum + count : sum), 0);
      assert.ok(total('sysvShm') >= 1 && total('posixShm') >= 1, `the segment and the file made here are counted:\n${out.stdout}`);
      assert.deepStrictEqual(counted, expected);
    } finally {
      fs.rmSync(`/dev/shm/${name}`, { force: true });
      spawnSync('ipcrm', ['-m', String(id)], { stdio: 'ignore' }); // (the root hooks remove it too)
    }
  });

  it("node_exporter's textfile collector serves what metrics wrote", async function () {
    if (!have(NODE_EXPORTER)) {
      console.log(`      (skipped: ${NODE_EXPORTER} is not installed: apt-get install prometheus-node-exporter, or npm test as root installs it)`);
      this.skip();
    }
    const key = freshKey();
    createSegment(key, 4096);
    const metrics = cli(['metrics']);
    assert.strictEqual(metrics.status, 0, metrics.stderr);
    // Written whole, then renamed: the collector never reads half a file (as the README's timer does).
    fs.writeFileSync(path.join(dir, 'ipc.prom.tmp'), metrics.stdout);
    fs.renameSync(path.join(dir, 'ipc.prom.tmp'), path.join(dir, 'ipc.prom'));
    const port = await freePort();
    const exporter = start([
      NODE_EXPORTER,
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.textfile',
      `--collector.textfile.directory=${dir}`,
    ]);
    try {
      const reply = await waitFor(() => get(`http://127.0.0.1:${port}/metrics`), 30_000, 'node_exporter to answer').catch((error: Error) => {
        throw new Error(`${error.message}\n${exporter.output()}`);
      });
      assert.match(reply.body, /^node_textfile_scrape_error 0$/m);
      const orphans = Number(/^ipc_inspector_orphans\{kind="sysvShm"\} (\d+)$/m.exec(metrics.stdout)![1]);
      assert.ok(orphans >= 1);
      assert.match(reply.body, new RegExp(`^ipc_inspector_orphans\\{kind="sysvShm"\\} ${orphans}$`, 'm'));
      assert.match(reply.body, /^# HELP ipc_inspector_orphans Orphaned \(leaked\) IPC objects by kind/m);
    } finally {
      await stop(exporter);
    }
  });

  it('serve answers every request, a malformed one with a 404, and goes on serving /metrics', async function () {
    const port = await freePort();
    const server = start([process.execPath, BIN, 'serve', '--listen', `127.0.0.1:${port}`]);
    try {
      await waitFor(() => get(`http://127.0.0.1:${port}/`), 30_000, 'serve to answer');
      // Request targets a URL parser throws on or reads as a host: each gets a status, not a crash.
      for (const target of ['//[', '//metrics', '/%', '/metrics/../metrics?x#y']) {
        const status = await rawStatus(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        assert.strictEqual(status, 404, `GET ${target}: ${server.output()}`);
      }
      // The absolute form of a request target (as sent through a proxy) names the same resource.
      const absolute = await new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, path: `http://127.0.0.1:${port}/metrics` }, (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          })
          .on('error', reject),
      );
      assert.strictEqual(absolute, 200, 'absolute-form');
      assert.strictEqual(await rawStatus(port, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), 405);
      const reply = await get(`http://127.0.0.1:${port}/metrics?from=test`);
      assert.strictEqual(reply.status, 200, server.output());
      assert.match(reply.body, /^ipc_inspector_processes_scanned \d+$/m);
      assert.strictEqual(server.exitCode, null, `serve is still running: ${server.output()}`);
    } finally {
      await stop(server);
    }
  });

  it('Prometheus scraping serve sees an orphan, and sees it go after clean --orphans --yes', async function () {
    if (!have(PROMETHEUS)) {
      console.log(`      (skipped: ${PROMETHEUS} is not installed: apt-get install prometheus, or npm test as root installs it)`);
      this.skip();
    }
    if (!ISOLATED) {
      console.log('      (skipped: removes every orphan it may; runs only in its own IPC namespace and /dev/shm, as root through test/cli/isolated.js)');
      this.skip();
    }
    const [servePort, promPort] = [await freePort(), await freePort()];
    const server = start([process.execPath, BIN, 'serve', '--listen', `127.0.0.1:${servePort}`]);
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: ipc-inspector',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${servePort}']`,
        '',
      ].join('\n'),
    );
    const prometheus = start([
      PROMETHEUS,
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--web.enable-lifecycle',
    ]);
    const said = () => `\n--- prometheus:\n${prometheus.output()}\n--- serve:\n${server.output()}`;
    try {
      await waitFor(async () => (await get(`http://127.0.0.1:${promPort}/-/ready`)).status === 200, 90_000, 'Prometheus to be ready').catch((error: Error) => {
        throw new Error(error.message + said());
      });
      const before = await waitFor(
        () => query(promPort, 'ipc_inspector_orphans{kind="sysvShm",job="ipc-inspector"}').then((v) => v !== undefined && { v }),
        60_000,
        'a first scrape',
      );
      const shmid = createSegment(freshKey(), 4096);
      const seen = await waitFor(
        () => query(promPort, 'ipc_inspector_orphans{kind="sysvShm",job="ipc-inspector"}').then((v) => v !== undefined && v > before.v && { v }),
        60_000,
        'Prometheus to see the orphan',
      ).catch((error: Error) => {
        throw new Error(error.message + said());
      });
      assert.strictEqual(seen.v, before.v + 1);
      assert.strictEqual(await query(promPort, 'up{job="ipc-inspector"}'), 1);
      const clean = cli(['clean', '--orphans', '--yes', '--kind', 'sysvShm']);
      assert.strictEqual(clean.status, 0, clean.stdout + clean.stderr);
      assert.strictEqual(procLine(shmid), undefined);
      await waitFor(
        () => query(promPort, 'ipc_inspector_orphans{kind="sysvShm",job="ipc-inspector"}').then((v) => v === 0),
        60_000,
        'Prometheus to see the orphans go',
      );
      assert.strictEqual(await query(promPort, 'sum(ipc_inspector_object_bytes{kind="sysvShm",state="orphaned"})'), undefined);
    } finally {
      await stop(prometheus);
      await stop(server);
    }
  });
});
