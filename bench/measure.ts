// Timing helpers for the benchmarks. Every figure is reported next to a reference measured in the
// same run, because these machines are noisy: the ratio is what we hold ourselves to.

/** Median wall time in milliseconds of `runs` calls (after `warmup` untimed calls). */
export async function medianMs(fn: () => unknown, runs: number, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

/**
 * Medians in ms of several functions run in turns (a, b, c, a, b, c, ...), each `runs` times after
 * `warmup` untimed turns: on a noisy machine each of them sees the same load, whatever it does
 * meanwhile, so their ratio holds even when the absolute figures drift.
 */
export async function mediansInTurns<K extends string>(fns: Record<K, () => unknown>, runs: number, warmup = 2): Promise<Record<K, number>> {
  const keys = Object.keys(fns) as K[];
  for (let i = 0; i < warmup; i++) for (const key of keys) await fns[key]();
  const times = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < runs; i++) {
    for (const key of keys) {
      const start = process.hrtime.bigint();
      await fns[key]();
      times[key].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return Object.fromEntries(keys.map((key) => [key, median(times[key])])) as Record<K, number>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Row {
  benchmark: string;
  value: number;
  unit: string;
  reference?: string;
  referenceValue?: number;
  /** value / referenceValue, or a throughput share; what the target is stated against. */
  ratio?: number;
  target: string;
  met: boolean;
}

/** A row of `value` (ms) against a reference of the same run: the ratio at most `max` (a target), or only reported. */
export function against(benchmark: string, value: number, reference: string, referenceValue: number, max?: number): Row {
  const ratio = value / referenceValue;
  const target = max === undefined ? 'reported' : `<= ${max}x`;
  return { benchmark, value, unit: 'ms', reference, referenceValue, ratio, target, met: max === undefined || ratio <= max };
}

export function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.benchmark,
    `${fmt(r.value)} ${r.unit}`,
    r.reference ? `${r.reference}: ${fmt(r.referenceValue!)} ${r.unit}` : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.met ? 'yes' : 'NO',
  ]);
  const header = ['benchmark', 'value', 'reference (same run)', 'ratio', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => '| ' + c.map((v, i) => v.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const c of cells) console.log(line(c));
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3);
}
