// Reading a segment through the helper without allocating it: mincore tells which pages are
// resident, and only those are read. A never-touched page of shared memory is allocated by the
// first read of it, so a viewer that read everything would fill a sparse segment.
import type { HelperClient } from './helperClient';
import { isPageResident, type Residency } from './helperProtocol';

export interface ByteRun {
  offset: number;
  length: number;
}

/** The parts of [offset, offset + length) that lie in resident pages, as maximal runs. */
export function residentRuns(residency: Residency, offset: number, length: number): ByteRun[] {
  const runs: ByteRun[] = [];
  const { pageSize } = residency;
  const end = offset + length;
  let page = Math.floor(offset / pageSize);
  while (page * pageSize < end) {
    if (!isPageResident(residency, page)) {
      page++;
      continue;
    }
    const start = Math.max(offset, page * pageSize);
    while ((page + 1) * pageSize < end && isPageResident(residency, page + 1)) page++;
    const stop = Math.min(end, (page + 1) * pageSize);
    runs.push({ offset: start, length: stop - start });
    page++;
  }
  return runs;
}

export interface ResidentRead {
  /** The range's bytes; those of non-resident pages are left zero. */
  bytes: Buffer;
  firstPage: number;
  /** Bit i (LSB first): page firstPage + i was resident and read. */
  resident: Buffer;
  /** The resident (so read) parts of the range. */
  runs: ByteRun[];
  /** Bytes actually read from the helper. */
  bytesRead: number;
}

/** Reads [offset, offset + length), only its resident pages unless includeNonResident. */
export async function readResident(client: HelperClient, shmid: number, offset: number, length: number, includeNonResident: boolean): Promise<ResidentRead> {
  const { pageSize } = await client.hello();
  const firstPage = Math.floor(offset / pageSize);
  const pageCount = Math.floor((offset + length - 1) / pageSize) - firstPage + 1;
  const resident = Buffer.alloc(Math.ceil(pageCount / 8));
  if (includeNonResident) {
    resident.fill(0xff);
    const bytes = await client.readRange(shmid, offset, length);
    return { bytes, firstPage, resident, runs: [{ offset, length }], bytesRead: length };
  }
  const residency = await client.residency(shmid, offset, length);
  const bytes = Buffer.alloc(length);
  const runs = residentRuns(residency, offset, length);
  await Promise.all(runs.map((run) => client.read(shmid, run.offset, run.length, bytes.subarray(run.offset - offset, run.offset - offset + run.length))));
  for (let i = 0; i < pageCount; i++) {
    if (isPageResident(residency, firstPage + i)) resident[i >> 3] |= 1 << (i & 7);
  }
  return { bytes, firstPage, resident, runs, bytesRead: runs.reduce((sum, run) => sum + run.length, 0) };
}
