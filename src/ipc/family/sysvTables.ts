// Parsers for /proc/sysvipc/{shm,sem,msg}: the kernel's own list of System V IPC objects, readable
// by every user (including other users' 0600 objects) and needing no helper process.
//
// The parsers work on bytes with a hand-rolled scanner: a /proc/sysvipc/shm of 4,096 segments is
// about 800 KB, and listing it must cost little more than reading it (the benchmark's target: parse
// <= 1.5x the read). Values are accumulated while scanning, with no substring or regex per field.
//
// Robustness: a line that does not look like a record (too few columns, a non-digit, a truncated
// last line when the file changed while being read) is skipped and counted, never thrown on. The
// header is recognised by its content ("key shmid ..."), wherever it is, and is not counted.
import * as fs from 'fs';
import { readFileInWorker } from '../procWorker';

/** shm_perm.mode bit: IPC_RMID was called while attached; the segment goes at the last detach. */
export const SHM_DEST = 0o1000;
/** shm_perm.mode bit: SHM_LOCK, the pages cannot be swapped out. */
export const SHM_LOCKED = 0o2000;

export interface ShmSegment {
  /** Unsigned 32-bit key (/proc prints it signed). 0: IPC_PRIVATE, or removed (then `dest`). */
  key: number;
  shmid: number;
  /** The whole octal perms column, state bits included (e.g. 0o1640). */
  perms: number;
  /** The nine permission bits only (perms & 0o777). */
  mode: number;
  /** SHM_DEST: removed, still attached. */
  dest: boolean;
  /** SHM_LOCKED: locked in memory. */
  locked: boolean;
  /**
   * Size in bytes as asked for (not page-rounded). A `number` is exact up to 2^53 - 1; a larger
   * size (possible only in theory: sparse, with overcommit) is also given exactly in `sizeExact`.
   */
  size: number;
  sizeExact?: bigint;
  /** Creator and last shmat/shmdt pid, in the reader's pid namespace (0: not visible from it). */
  cpid: number;
  lpid: number;
  nattch: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  /** Epoch seconds; 0 = never. ctime is creation or the last IPC_SET. */
  atime: number;
  dtime: number;
  ctime: number;
  /** Resident and swapped bytes; undefined on kernels that print only 14 columns (before 4.x). */
  rss?: number;
  swap?: number;
}

export interface SemSet {
  key: number;
  semid: number;
  perms: number;
  mode: number;
  nsems: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  otime: number;
  ctime: number;
}

export interface MsgQueue {
  key: number;
  msqid: number;
  perms: number;
  mode: number;
  /** Bytes queued and number of messages. */
  cbytes: number;
  qnum: number;
  lspid: number;
  lrpid: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  stime: number;
  rtime: number;
  ctime: number;
}

export interface ParseResult<T> {
  items: T[];
  /** Non-empty lines that were neither a record nor the header. */
  skipped: number;
  /** Whether the header line was seen (a /proc file always has one; a truncated read may not). */
  header: boolean;
}

/** How one table is laid out; the column order has been stable since Linux 2.6 (rss/swap appended). */
interface TableSpec {
  /** The header's second word: identifies the file by content. */
  idName: string;
  /** Fewest columns a record may have (the shm file of old kernels has 14, current ones 16). */
  minColumns: number;
  /** Columns parsed; extra trailing columns (a future kernel appending one) are ignored. */
  maxColumns: number;
}

const SHM: TableSpec = { idName: 'shmid', minColumns: 14, maxColumns: 16 };
const SEM: TableSpec = { idName: 'semid', minColumns: 10, maxColumns: 10 };
const MSG: TableSpec = { idName: 'msqid', minColumns: 14, maxColumns: 14 };

// Column positions shared by all three files.
const KEY = 0;
const PERMS = 2;
// A number of 16 or more digits may have lost precision in a double.
const EXACT_DIGITS = 15;

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;

/** Per-call scratch state of the scanner; `values[i]` is column i of the current record. */
interface Row {
  values: Float64Array;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  bytes: Uint8Array;
}

/**
 * Scans `bytes` line by line and calls `onRecord` for each record (every column a number, perms
 * octal, only the key signed). Returns the skipped/header counts. `onRecord` returns false to
 * reject a record on semantic grounds (it is then counted as skipped).
 */
function scanTable(bytes: Uint8Array, spec: TableSpec, onRecord: (row: Row) => boolean): { skipped: number; header: boolean } {
  const row: Row = {
    values: new Float64Array(spec.maxColumns),
    starts: new Int32Array(spec.maxColumns),
    ends: new Int32Array(spec.maxColumns),
    count: 0,
    bytes,
  };
  const { values, starts, ends } = row;
  const len = bytes.length;
  let skipped = 0;
  let header = false;
  // Columns the header names: a record with fewer was cut short (the file changed mid-read).
  let expected = spec.minColumns;
  let pos = 0;
  while (pos < len) {
    const lineStart = pos;
    let columns = 0;
    let bad = false;
    let c = 0;
    // One line: whitespace-separated fields, each parsed as it is scanned.
    for (;;) {
      while (pos < len && ((c = bytes[pos]) === SPACE || c === TAB || c === CR)) pos++;
      if (pos >= len || c === LF) break;
      const start = pos;
      if (bad || columns >= spec.maxColumns) {
        // Not a record, or a column we ignore: skip the field.
        while (pos < len && (c = bytes[pos]) !== SPACE && c !== TAB && c !== CR && c !== LF) pos++;
        columns++;
        continue;
      }
      const base = columns === PERMS ? 8 : 10;
      let negative = false;
      if (c === MINUS && columns === KEY) {
        negative = true;
        pos++;
      }
      let value = 0;
      const digitsStart = pos;
      while (pos < len) {
        const d = bytes[pos] - ZERO;
        if (d < 0 || d >= base) break;
        value = value * base + d;
        pos++;
      }
      if (pos === digitsStart || (pos < len && (c = bytes[pos]) !== SPACE && c !== TAB && c !== CR && c !== LF)) {
        bad = true; // a letter, a sign where none belongs, 8/9 in octal: not a record
        while (pos < len && (c = bytes[pos]) !== SPACE && c !== TAB && c !== CR && c !== LF) pos++;
        columns++;
        continue;
      }
      values[columns] = negative ? -value : value;
      starts[columns] = start;
      ends[columns] = pos;
      columns++;
    }
    const lineEnd = pos;
    pos++; // past the newline
    if (columns === 0) continue; // blank line
    if (!bad && columns >= expected) {
      row.count = Math.min(columns, spec.maxColumns);
      if (onRecord(row)) continue;
    } else if (bad) {
      const named = headerColumns(bytes, lineStart, lineEnd, spec.idName);
      if (named > 0) {
        header = true;
        expected = Math.max(spec.minColumns, Math.min(named, spec.maxColumns));
        continue;
      }
    }
    skipped++;
  }
  return { skipped, header };
}

/**
 * The number of columns a header line names, or 0 when the line is not the header (its first two
 * words are "key" and the table's id column). Runs only on lines that are not records: decode them.
 */
function headerColumns(bytes: Uint8Array, start: number, end: number, idName: string): number {
  const words = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start)
    .toString('latin1')
    .trim()
    .split(/\s+/);
  return words[0] === 'key' && words[1] === idName ? words.length : 0;
}

/** The key column as an unsigned key, or NaN when outside 32 bits. */
function keyOf(row: Row): number {
  const key = row.values[KEY];
  return key >= -0x80000000 && key <= 0xffffffff ? key >>> 0 : NaN;
}

/** Column `i` exactly, when it has too many digits for a double. */
function exactColumn(row: Row, i: number): bigint | undefined {
  if (row.ends[i] - row.starts[i] <= EXACT_DIGITS) return undefined;
  return BigInt(Buffer.from(row.bytes.buffer, row.bytes.byteOffset + row.starts[i], row.ends[i] - row.starts[i]).toString('latin1'));
}

function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
}

/** Parses the text of /proc/sysvipc/shm (14 to 16 columns). Never throws. */
export function parseShm(input: string | Uint8Array): ParseResult<ShmSegment> {
  const items: ShmSegment[] = [];
  const { skipped, header } = scanTable(toBytes(input), SHM, (row) => {
    const v = row.values;
    const key = keyOf(row);
    if (Number.isNaN(key)) return false;
    const perms = v[2];
    const segment: ShmSegment = {
      key,
      shmid: v[1],
      perms,
      mode: perms & 0o777,
      dest: (perms & SHM_DEST) !== 0,
      locked: (perms & SHM_LOCKED) !== 0,
      size: v[3],
      cpid: v[4],
      lpid: v[5],
      nattch: v[6],
      uid: v[7],
      gid: v[8],
      cuid: v[9],
      cgid: v[10],
      atime: v[11],
      dtime: v[12],
      ctime: v[13],
      rss: row.count > 14 ? v[14] : undefined,
      swap: row.count > 15 ? v[15] : undefined,
    };
    const exact = exactColumn(row, 3);
    if (exact !== undefined && exact > BigInt(Number.MAX_SAFE_INTEGER)) {
      segment.sizeExact = exact;
      segment.size = Number(exact);
    }
    items.push(segment);
    return true;
  });
  return { items, skipped, header };
}

/** Parses the text of /proc/sysvipc/sem. Never throws. */
export function parseSem(input: string | Uint8Array): ParseResult<SemSet> {
  const items: SemSet[] = [];
  const { skipped, header } = scanTable(toBytes(input), SEM, (row) => {
    const v = row.values;
    const key = keyOf(row);
    if (Number.isNaN(key)) return false;
    items.push({
      key,
      semid: v[1],
      perms: v[2],
      mode: v[2] & 0o777,
      nsems: v[3],
      uid: v[4],
      gid: v[5],
      cuid: v[6],
      cgid: v[7],
      otime: v[8],
      ctime: v[9],
    });
    return true;
  });
  return { items, skipped, header };
}

/** Parses the text of /proc/sysvipc/msg. Never throws. */
export function parseMsg(input: string | Uint8Array): ParseResult<MsgQueue> {
  const items: MsgQueue[] = [];
  const { skipped, header } = scanTable(toBytes(input), MSG, (row) => {
    const v = row.values;
    const key = keyOf(row);
    if (Number.isNaN(key)) return false;
    items.push({
      key,
      msqid: v[1],
      perms: v[2],
      mode: v[2] & 0o777,
      cbytes: v[3],
      qnum: v[4],
      lspid: v[5],
      lrpid: v[6],
      uid: v[7],
      gid: v[8],
      cuid: v[9],
      cgid: v[10],
      stime: v[11],
      rtime: v[12],
      ctime: v[13],
    });
    return true;
  });
  return { items, skipped, header };
}

/** Size of each file readProcFile read last: the next read of it starts with a buffer that fits. */
const lastSizes = new Map<string, number>();

/** From this size on (~750 segments), a /proc table is read on the scan's worker thread. */
const WORKER_READ_FROM = 128 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Reads a whole /proc file (size 0 to stat, so read until EOF) into a new Buffer. The kernel hands
 * a seq_file out at most one page per read() whatever was asked (/proc/sysvipc/shm of 4,096
 * segments is ~170 reads); fs.promises.readFile makes each of those a thread-pool round trip that
 * waits for this thread's event loop, which made the table arrive long after the /proc scan done
 * alongside it. Here the reads are synchronous, in slices of at most `sliceMs` between which the
 * event loop runs. Rejects with the fs error (ENOENT, EACCES) when the file cannot be read.
 */
export async function readProcFile(file: string, sliceMs = 4): Promise<Buffer> {
  // A big table (thousands of segments: milliseconds of the kernel formatting it) is read on the
  // worker thread the /proc scan uses, while this one parses, lists and scans. Any failure there:
  // read here, which fails the same way if the file really cannot be read.
  const hint = lastSizes.get(file) ?? 0;
  if (hint >= WORKER_READ_FROM && file.startsWith('/proc/')) {
    const elsewhere = readFileInWorker(file, hint + 65536);
    if (elsewhere) {
      try {
        const bytes = await elsewhere;
        lastSizes.set(file, bytes.length);
        return bytes;
      } catch {
        // read here instead
      }
    }
  }
  const fd = fs.openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe((lastSizes.get(file) ?? 0) + 8192);
    let length = 0;
    let sliceStart = performance.now();
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (performance.now() - sliceStart > sliceMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    if (lastSizes.size > 64) lastSizes.clear();
    lastSizes.set(file, length);
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}
