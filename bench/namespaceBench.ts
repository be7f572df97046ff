// 32,768 System V segments: eight times the default kernel.shmmni (4096). Raised in a private IPC
// namespace (`unshare --ipc`, root only), where namespaceChild.ts creates the segments, measures and
// reports; the namespace and every segment in it end with that process.
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { Row } from './measure';
import type { NamespaceReport } from './namespaceChild';

let child: ChildProcess | undefined;

/** Ends the namespace's process (and with it the namespace) if one is running. */
export function stopNamespace(): void {
  child?.kill('SIGKILL');
  child = undefined;
}

function runChild(count: number): Promise<NamespaceReport> {
  return new Promise((resolve, reject) => {
    const script = path.join(__dirname, 'namespaceChild.js');
    const started = spawn('unshare', ['--ipc', process.execPath, script, String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = started;
    let out = '';
    let err = '';
    started.stdout!.on('data', (d) => (out += d));
    started.stderr!.on('data', (d) => (err += d));
    started.once('error', reject);
    started.once('exit', (code, signal) => {
      child = undefined;
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as NamespaceReport);
      else reject(new Error(`unshare --ipc ${path.basename(script)} ended with ${signal ?? `code ${code}`}: ${err.trim() || out.trim()}`));
    });
  });
}

export async function benchNamespace(count = 32768): Promise<Row[]> {
  if (process.getuid?.() !== 0) {
    console.log(`${count} segments: skipped (unshare --ipc and raising kernel.shmmni need root)`);
    return [];
  }
  const r = await runChild(count);
  console.log(
    `${count} segments: in ${r.namespace} with kernel.shmmni=${r.shmmni}, created in ${r.createMs.toFixed(0)} ms, /proc/sysvipc/shm is ${r.procBytes} bytes`,
  );
  const n = r.count.toLocaleString('en-US');
  return [
    {
      benchmark: `${n} segments (own IPC namespace): parse`,
      value: r.parse,
      unit: 'ms',
      reference: 'bare read',
      referenceValue: r.bareRead,
      ratio: r.parse / r.bareRead,
      target: '(informative)',
      met: true,
    },
    {
      benchmark: `${n} segments: list end to end, all listed`,
      value: r.list,
      unit: 'ms',
      reference: 'ipcs -m (same namespace)',
      referenceValue: r.ipcs,
      ratio: r.list / r.ipcs,
      target: `${r.listed} of ${r.count} listed`,
      met: r.listed === r.count,
    },
    {
      benchmark: `${n} segments: full view refresh`,
      value: r.refresh,
      unit: 'ms',
      reference: 'ipcs -m (same namespace)',
      referenceValue: r.ipcs,
      ratio: r.refresh / r.ipcs,
      target: `<= 1.0x, ${r.refreshed} of ${r.count} shown`,
      met: r.refresh <= r.ipcs && r.refreshed === r.count,
    },
    {
      benchmark: `${n} segments: tree rows (segmentRow for each)`,
      value: r.rows,
      unit: 'ms',
      reference: 'full view refresh',
      referenceValue: r.refresh,
      ratio: r.rows / r.refresh,
      target: `(informative) ${r.rowsBuilt} rows`,
      met: r.rowsBuilt === r.count,
    },
    {
      benchmark: `${n} segments: tree rows built in slices, as the view builds them (longest block)`,
      value: r.slicedRowsLongestBlock,
      unit: 'ms',
      reference: 'tree rows at once',
      referenceValue: r.rows,
      ratio: r.slicedRowsLongestBlock / r.rows,
      target: '<= 50 ms of blocking',
      met: r.slicedRowsLongestBlock <= 50,
    },
  ];
}
