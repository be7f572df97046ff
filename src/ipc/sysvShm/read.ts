// System V segments as the kernel lists them: /proc/sysvipc/shm, readable by every user (other
// users' 0600 segments included) and needing no helper. The table format is shared by the three
// System V kinds (../sysvipc.ts parses all of them); this is the segments' entry point.
import { parseShm, type ShmSegment } from '../family/sysvTables';
import { ownTables, type TableReader } from '../tables';

export { SHM_DEST, SHM_LOCKED, type ShmSegment } from '../family/sysvTables';

export interface SegmentTable {
  /** The file as read: equal bytes mean nothing about any segment changed (nattch, lpid, times). */
  raw: Buffer;
  segments: ShmSegment[];
  /** Lines that could not be parsed. */
  skipped: number;
}

/** The last table read through each reader, to tell an unchanged one (most refreshes) without parsing it. */
const lastTables = new WeakMap<TableReader, SegmentTable>();

/** Reads /proc/sysvipc/shm (of this process's IPC namespace). Rejects when it cannot be read. */
export async function readSegmentTable(tables: TableReader = ownTables): Promise<SegmentTable> {
  const raw = await tables('sysvipc/shm');
  // The same bytes as last time parse to the same rows (a memcmp instead of a parse): the same
  // ShmSegment objects, in a new array.
  const last = lastTables.get(tables);
  if (last && last.raw.equals(raw)) return { raw, segments: [...last.segments], skipped: last.skipped };
  const { items, skipped } = parseShm(raw);
  lastTables.set(tables, { raw, segments: items, skipped });
  return { raw, segments: [...items], skipped };
}
