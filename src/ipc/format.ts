// Formatting and parsing of the values a user reads and types: keys, sizes, modes.
// Pure functions, no I/O, so the tree view, the commands and the tests share one spelling.

/** The outcome of parsing user input: a value, or a message that can go straight into an input box. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** IPC_PRIVATE: the key value that asks shmget for a new segment nobody can find by key. */
export const IPC_PRIVATE = 0;

/**
 * A key as `0x%08x`, the way ipcs prints it. Accepts the signed value /proc prints (-936941997)
 * as well as the unsigned one (0xc8276653): both are the same 32 bits.
 *
 * Key 0 is ambiguous in /proc: a segment made with IPC_PRIVATE, or any segment after IPC_RMID
 * (the kernel resets its key). Only the caller knows which (the DEST bit), so "IPC_PRIVATE" is
 * printed only when asked for.
 */
export function formatKey(key: number, zeroAsPrivate = false): string {
  const unsigned = key >>> 0;
  if (unsigned === 0 && zeroAsPrivate) return 'IPC_PRIVATE';
  return '0x' + unsigned.toString(16).padStart(8, '0');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * Bytes in binary units with at most three significant digits: 27 B, 4 KiB, 1.5 MiB, 12.3 GiB.
 * Exact multiples print without decimals so that "4 KiB" reads as what was asked for.
 */
export function formatBytes(bytes: number | bigint): string {
  let value = Number(bytes);
  if (!Number.isFinite(value) || value < 0) return String(bytes);
  let unit = 0;
  // 1023.9 KiB would print as "1024 KiB": move up as soon as the rounded value would reach 1024.
  while (value >= 1023.5 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0 || Number.isInteger(value)) return `${value} ${UNITS[unit]}`;
  const text = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  // 1.50 -> 1.5, 2.00 (rounded) -> 2
  return `${text.replace(/\.?0+$/, '')} ${UNITS[unit]}`;
}

/** The nine permission bits as `ls -l` spells them: 0o640 -> "rw-r-----". Other bits are ignored. */
export function modeToString(mode: number): string {
  const chars = 'rwxrwxrwx';
  let out = '';
  for (let bit = 8; bit >= 0; bit--) out += mode & (1 << bit) ? chars[8 - bit] : '-';
  return out;
}

// Multipliers as util-linux's strtosize (ipcmk -M) understands them: K/KiB = 1024, KB = 1000.
const SIZE_SUFFIXES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/**
 * A segment size typed by a user: "4096", "0x1000", "4 KiB", "4k", "1M", "1.5 MiB", "2GB".
 * The result must be a whole number of bytes, at least 1 (shmget refuses 0) and exactly
 * representable (at most 2^53 - 1).
 */
export function parseSize(text: string): Parsed<number> {
  const trimmed = text.trim();
  const hex = /^0x([0-9a-f]+)$/i.exec(trimmed);
  let bytes: number;
  if (hex) {
    bytes = parseInt(hex[1], 16);
  } else {
    const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(trimmed);
    if (!match) return fail(`"${text}" is not a size: use bytes (4096) or a unit (4 KiB, 1M, 2GB)`);
    const multiplier = SIZE_SUFFIXES[match[2].toLowerCase()];
    if (multiplier === undefined) return fail(`unknown unit "${match[2]}": use B, KiB, MiB, GiB, TiB (or K, M, G, T; KB = 1000)`);
    bytes = Number(match[1]) * multiplier;
  }
  if (!Number.isInteger(bytes)) return fail(`${text} is not a whole number of bytes`);
  if (bytes < 1) return fail('the size must be at least 1 byte');
  if (!Number.isSafeInteger(bytes)) return fail(`${text} is too large`);
  return ok(bytes);
}

/**
 * A key typed by a user: "0x1234", "4660", a negative decimal as /proc prints it ("-936941997"),
 * or "private" / "IPC_PRIVATE". The value is the unsigned 32-bit key; 0 means IPC_PRIVATE.
 */
export function parseKey(text: string): Parsed<number> {
  const trimmed = text.trim();
  if (/^(ipc_)?private$/i.test(trimmed)) return ok(IPC_PRIVATE);
  let value: number;
  if (/^0x[0-9a-f]{1,8}$/i.test(trimmed)) {
    value = parseInt(trimmed.slice(2), 16);
  } else if (/^-?\d{1,10}$/.test(trimmed)) {
    value = Number(trimmed);
    if (value < -0x80000000 || value > 0xffffffff) return fail(`${trimmed} does not fit in a 32-bit key`);
  } else {
    return fail(`"${text}" is not a key: use hex (0x1234), decimal (4660) or "private"`);
  }
  return ok(value >>> 0);
}

/**
 * Permission bits typed by a user: octal ("640", "0640", "0o640") or rwx ("rw-r-----").
 * Only the nine permission bits are accepted: the others are the kernel's to set.
 */
export function parseMode(text: string): Parsed<number> {
  const trimmed = text.trim();
  const octal = /^(?:0o?)?([0-7]{1,3})$/i.exec(trimmed);
  if (octal) return ok(parseInt(octal[1], 8));
  if (/^[r-][w-][x-][r-][w-][x-][r-][w-][x-]$/.test(trimmed)) {
    let mode = 0;
    for (let i = 0; i < 9; i++) if (trimmed[i] !== '-') mode |= 1 << (8 - i);
    return ok(mode);
  }
  return fail(`"${text}" is not a mode: use octal (640) or rwx (rw-r-----)`);
}

/** "1 semaphore", "3 messages", "2 processes" (with `many` for irregular plurals). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** C0 and C1 controls, DEL, and the bidirectional overrides and isolates (a name read backwards). */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_CONTROLS: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

/**
 * Text others chose (a /dev/shm name, a command line) on one line, its control characters escaped
 * in the manner of `ls -b` (\n, \r, \t, \e, \xHH, \u{HHHH}): it cannot break a line, a table row
 * or a Markdown tooltip, nor clear or overwrite a terminal.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED_CONTROLS[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
  });
}
