// View as C Type (issue 11), against references measured in the same run:
//   - the first layout of a type from a header of 50 structs (which includes the usual system
//     headers, as a project's header does), with an empty layout cache, against `cc -c` of that
//     header; the very first one of the process (parser not yet warm) on its own; then the same
//     layout again from the cache. Also, reported: a type that uses a system header's struct,
//     which takes the long way (the header alone does not say what that struct holds).
//   - live decoding of 10,000 fields at 4 Hz: what the extension does for the fields panel (re-read
//     the fields' bytes through the helper, post only when they changed) as a share of one core, and
//     what decoding all 10,000 values costs where it happens (the page, which decodes only the rows
//     on screen: this is the worst case).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LayoutCache } from '../src/ctypes/layouts';
import type { HelperClient } from '../src/ipc/helperClient';
import { SegmentSource } from '../src/ipc/sysvShm/source';
import type { CField } from '../src/shared/cLayout';
import { valueOf } from '../src/shared/cValues';
import { generateStructs } from '../test/support/cStructs';
import { liveRefreshCost } from './contentsViewBench';
import { medianMs, mediansInTurns, Row } from './measure';
import { repoRoot } from './world';
import { testParser } from '../test/support/parserFiles';

const SETUP = { compiler: 'cc', flags: [] as string[], cwd: os.tmpdir() };
const SYSTEM_INCLUDES = ['stdio.h', 'stdlib.h', 'string.h', 'stdbool.h', 'stdint.h', 'stddef.h', 'time.h', 'sys/types.h'];

export async function benchLayouts(): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-bench-ctypes-'));
  try {
    const generated = generateStructs(11, 50);
    const header = path.join(dir, 'fifty.h');
    fs.writeFileSync(header, `${SYSTEM_INCLUDES.map((h) => `#include <${h}>`).join('\n')}\n${generated.source}`);
    // The type to lay out: the one of the 50 with the most members and nesting.
    const typeName = generated.names.filter((n) => !generated.flexible.has(n)).at(-1)!;
    const request = { file: header, typeName, setup: SETUP };
    // The same header with one more type that uses a system header's struct: the file alone no
    // longer says everything, so the layout takes the long way (preprocess, parse all, compile).
    const longHeader = path.join(dir, 'fifty-long.h');
    fs.writeFileSync(longHeader, `${fs.readFileSync(header, 'utf8')}\nstruct stamped { struct timespec when; ${typeName} value; };\n`);
    const longRequest = { file: longHeader, typeName: 'struct stamped', setup: SETUP };
    const coldStart = process.hrtime.bigint();
    const layout = await new LayoutCache(testParser).layout(request);
    const cold = Number(process.hrtime.bigint() - coldStart) / 1e6;
    const object = path.join(dir, 'fifty.o');
    const times = await mediansInTurns(
      {
        ours: () => new LayoutCache(testParser).layout(request),
        longWay: () => new LayoutCache(testParser).layout(longRequest),
        cc: () => execFileSync('cc', ['-x', 'c', '-c', header, '-o', object]),
      },
      9,
      1,
    );
    const cache = new LayoutCache(testParser);
    await cache.layout(request);
    const cached = await medianMs(() => cache.layout(request), 50, 2);
    const probeWay = new LayoutCache(testParser);
    await probeWay.layout(longRequest);
    if (!probeWay.lastLongWayReason) throw new Error('the long-way header took the short way: the bench measures the wrong thing');
    console.log(
      `layouts: ${typeName} (${layout.size} bytes) from 50 structs: first ${cold.toFixed(0)} ms, fresh cache ${times.ours.toFixed(0)} ms, long way ${times.longWay.toFixed(0)} ms (${probeWay.lastLongWayReason}), cc -c ${times.cc.toFixed(0)} ms, cached ${cached.toFixed(2)} ms`,
    );
    const ratio = times.ours / times.cc;
    return [
      { benchmark: 'first layout, 50-struct header (parser cold)', value: cold, unit: 'ms', target: '< 1500 ms', met: cold < 1500 },
      {
        benchmark: 'first layout, 50-struct header (fresh cache)',
        value: times.ours,
        unit: 'ms',
        reference: 'cc -c of the header',
        referenceValue: times.cc,
        ratio,
        target: '< 1500 ms and <= 2x',
        met: times.ours < 1500 && ratio <= 2,
      },
      {
        benchmark: "first layout, a type using a system header's struct (the long way)",
        value: times.longWay,
        unit: 'ms',
        reference: 'cc -c of the header',
        referenceValue: times.cc,
        ratio: times.longWay / times.cc,
        target: 'reported',
        met: true,
      },
      { benchmark: 'the same layout again (cached)', value: cached, unit: 'ms', target: '< 20 ms', met: cached < 20 },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every leaf field of one element, for decoding them all. */
function leaves(field: CField, shift: number, out: Array<{ field: CField; shift: number }>): void {
  if (field.members) for (const m of field.members) leaves(m, shift, out);
  else if (field.element && field.count !== undefined) for (let i = 0; i < field.count; i++) leaves(field.element, shift + i * field.element.size, out);
  else out.push({ field, shift });
}

export async function benchLiveFields(client: HelperClient, removeLater: (shmid: number) => void): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-bench-fields-'));
  try {
    const header = path.join(dir, 'samples.h');
    fs.writeFileSync(header, '#include <stdint.h>\nstruct sample { int32_t value; float weight; };\nstruct table { struct sample samples[5000]; };\n');
    const layout = await new LayoutCache(testParser).layout({ file: header, typeName: 'struct table', setup: SETUP });
    const fields: Array<{ field: CField; shift: number }> = [];
    leaves(layout.root, 0, fields);
    const { shmid } = await client.shmCreate(0, layout.size, 0o600, false);
    removeLater(shmid);
    execFileSync(path.join(repoRoot, 'native/bin/shmtool'), ['write', String(shmid), '0', '-'], { input: '01'.repeat(layout.size) });
    const source = new SegmentSource(client, await client.shmStat(shmid), 'private', () => false);
    const seconds = 10;
    // What ContentsPanel.tick does for the fields window, at 4 Hz.
    const { posted, cpu, bytes } = await liveRefreshCost(client, source, layout.size, 250, seconds);
    const share = (cpu / seconds) * 100;
    const byteAt = (o: number) => bytes[o];
    const decode = await medianMs(
      () => {
        for (const { field, shift } of fields) valueOf(layout, field, shift, byteAt, bytes.length);
      },
      20,
      3,
    );
    const decodeShare = (decode * 4 * 100) / 1000;
    console.log(
      `live fields: ${fields.length} fields at 4 Hz for ${seconds} s: ${posted} post(s), ${cpu.toFixed(3)} CPU s (extension side + helper); decoding all of them ${decode.toFixed(2)} ms`,
    );
    return [
      {
        benchmark: `live fields, ${fields.length} at 4 Hz (extension side + helper)`,
        value: share,
        unit: '% of a core',
        target: '< 3%, posted once',
        met: share < 3 && posted === 1,
      },
      {
        benchmark: `decoding all ${fields.length} values (page side, worst case)`,
        value: decodeShare,
        unit: '% of a core at 4 Hz',
        target: 'reported',
        met: true,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
