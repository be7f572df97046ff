// System V segments as the kernel lists them: /proc/sysvipc/shm, readable by every user (other
// users' 0600 segments included) and needing no helper. The table format is shared by the three
// System V kinds (../sysvipc.ts parses all of them); this is the segments' entry point.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { parseShm, type ShmSegment } from '../sysvipc';

export { SHM_DEST, SHM_LOCKED, type ShmSegment } from '../sysvipc';

export interface SegmentTable {
  /** The file as read: equal bytes mean nothing about any segment changed (nattch, lpid, times). */
  raw: Buffer;
  segments: ShmSegment[];
  /** Lines that could not be parsed. */
  skipped: number;
}

/** Reads /proc/sysvipc/shm (of this process's IPC namespace). Rejects when it cannot be read. */
export async function readSegmentTable(procRoot = '/proc'): Promise<SegmentTable> {
  const raw = await fsp.readFile(path.join(procRoot, 'sysvipc', 'shm'));
  const { items, skipped } = parseShm(raw);
  return { raw, segments: items, skipped };
}
