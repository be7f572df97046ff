// Small formatting and parsing helpers of the view (the shared hex ones live in shared/hexFormat).

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** "27 bytes", "64 KiB", "1.5 MiB", "1 GiB". */
export function humanSize(n: number): string {
  if (n < 1024) return n === 1 ? '1 byte' : `${n} bytes`;
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2).replace(/\.?0+$/, '');
  return `${text} ${UNITS[unit]}`;
}

/** 1073741824 -> "1,073,741,824" (locale independent, so screenshots and tests are stable). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export type OffsetParse = { ok: true; offset: number } | { ok: false; error: string };

/**
 * A go-to-offset entry: hex with 0x (0x1A2b, 0x_ffff_0000) or decimal (4096, 4_096, 4,096).
 * Must lie inside the segment.
 */
export function parseOffset(text: string, size: number): OffsetParse {
  const t = text.trim().replace(/[_\s]/g, '');
  if (t === '') return { ok: false, error: 'Enter an offset: hex like 0x1f40 or decimal like 8000.' };
  let value: number;
  if (/^0x[0-9a-f]+$/i.test(t)) value = parseInt(t.slice(2), 16);
  else if (/^\d{1,3}(,\d{3})+$/.test(t) || /^\d+$/.test(t)) value = Number(t.replace(/,/g, ''));
  else return { ok: false, error: `"${text.trim().slice(0, 40)}" is not an offset: use hex like 0x1f40 or decimal like 8000.` };
  if (!Number.isSafeInteger(value)) return { ok: false, error: 'That offset is too large.' };
  if (size <= 0) return { ok: false, error: 'The segment is empty.' };
  if (value >= size) {
    return { ok: false, error: `Offset ${t} is past the end: the last byte is at 0x${(size - 1).toString(16)} (${groupDigits(size - 1)}).` };
  }
  return { ok: true, offset: value };
}

/** "0x1f40" (no padding), for messages. */
export const hex = (n: number): string => `0x${n.toString(16)}`;

/** UTF-8 length of a search text (how many bytes a text match spans). */
export const utf8Length = (text: string): number => new TextEncoder().encode(text).length;
