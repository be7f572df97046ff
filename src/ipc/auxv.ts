// Two constants of the running system that Node does not expose: the page size and the clock tick
// rate (USER_HZ) that /proc/PID/stat counts in. The kernel hands both to every process in its
// auxiliary vector, so reading /proc/self/auxv gives the exact values without spawning getconf.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/** What Linux uses when the auxv cannot be read: 4 KiB pages, USER_HZ 100 (every arch Node runs on). */
export const DEFAULT_PAGE_SIZE = 4096;
export const DEFAULT_CLOCK_TICKS = 100;

const cache = new Map<string, Map<number, number>>();

/** Parses an auxv: (type, value) pairs of native words, ending with AT_NULL. */
export function parseAuxv(bytes: Buffer, wordSize: 4 | 8 = process.arch.endsWith('64') ? 8 : 4, littleEndian = os.endianness() === 'LE'): Map<number, number> {
  const entries = new Map<number, number>();
  const read = (offset: number): number =>
    wordSize === 8
      ? Number(littleEndian ? bytes.readBigUInt64LE(offset) : bytes.readBigUInt64BE(offset))
      : littleEndian
        ? bytes.readUInt32LE(offset)
        : bytes.readUInt32BE(offset);
  for (let offset = 0; offset + 2 * wordSize <= bytes.length; offset += 2 * wordSize) {
    const type = read(offset);
    if (type === 0) break;
    entries.set(type, read(offset + wordSize));
  }
  return entries;
}

function auxv(procRoot: string): Map<number, number> {
  let entries = cache.get(procRoot);
  if (!entries) {
    try {
      entries = parseAuxv(fs.readFileSync(path.join(procRoot, 'self', 'auxv')));
    } catch {
      entries = new Map(); // not Linux, or a test's fixture /proc: use the defaults
    }
    cache.set(procRoot, entries);
  }
  return entries;
}

/** The page size in bytes (shmall counts pages; segments are mapped in whole pages). */
export function pageSize(procRoot = '/proc'): number {
  return auxv(procRoot).get(AT_PAGESZ) || DEFAULT_PAGE_SIZE;
}

/** USER_HZ: the unit of the times in /proc/PID/stat (starttime). */
export function clockTicks(procRoot = '/proc'): number {
  return auxv(procRoot).get(AT_CLKTCK) || DEFAULT_CLOCK_TICKS;
}
