// A worker thread of the index walk (walkPool.ts). It is sent the debug sections of a file once per
// job (in shared memory: nothing copied), then walks the units of each piece of work it is sent
// (indexWalk.ts) and sends back the columns of numbers it found (transferred: nothing copied either).
// It stays alive between jobs for a while, so the next file is walked by code already compiled.
// Built as its own bundle, dist/dwarfWalk.js (esbuild.js): it needs no `vscode` and loads nothing
// else of the extension.
import { parentPort, workerData } from 'worker_threads';
import { DwarfInfo, DwarfSections, Unit } from './info';
import { UnitWalker, WalkResult } from './indexWalk';

export type WalkMessage =
  | { kind: 'open'; job: number; sections: Omit<DwarfSections, 'loader'>; littleEndian: boolean; units: Unit[] }
  | { kind: 'walk'; job: number; piece: number; units: number[] }
  | { kind: 'close'; job: number };

export type WalkReply = { job: number; piece: number; result: WalkResult } | { job: number; piece: number; error: string; name: string };

/** The buffers of a result, to transfer rather than copy. */
export function transferList(result: WalkResult): ArrayBuffer[] {
  const columns = [...Object.values(result.scopes), ...Object.values(result.entries)] as Array<{ chunks: Array<{ buffer: ArrayBufferLike }> }>;
  return [...new Set(columns.flatMap((c) => c.chunks.map((chunk) => chunk.buffer as ArrayBuffer)))];
}

function serve(): void {
  const jobs = new Map<number, DwarfInfo>();
  parentPort!.on('message', (message: WalkMessage) => {
    if (message.kind === 'open') {
      const info = new DwarfInfo(message.sections, message.littleEndian);
      info.setUnits(message.units);
      jobs.set(message.job, info);
      return;
    }
    if (message.kind === 'close') {
      jobs.delete(message.job);
      return;
    }
    const info = jobs.get(message.job);
    if (!info) return;
    try {
      const walker = new UnitWalker(info, message.units);
      walker.run();
      const result = walker.result();
      parentPort!.postMessage({ job: message.job, piece: message.piece, result } satisfies WalkReply, transferList(result));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      parentPort!.postMessage({ job: message.job, piece: message.piece, error: e.message, name: e.name } satisfies WalkReply);
    }
  });
}

if (parentPort && (workerData as { ipcInspectorDwarfWalk?: boolean } | undefined)?.ipcInspectorDwarfWalk) serve();
