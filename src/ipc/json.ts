// Values as JSON, the way the export document (src/ipc/exportJson.ts) writes them: typed values,
// not display strings. Each kind's module builds its entry with these.

/** JSON's value space: what `plain` makes of anything. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A value as JSON: a bigint as a number when exact, else as its decimal string (a u64 limit such as
 * shmmax's 18446744073692774399); bytes as lowercase hex; undefined fields left out.
 */
export function plain(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined && typeof field !== 'function') out[key] = plain(field);
    return out;
  }
  return null;
}

/** The device a file object lives on, as `major:minor` in decimal (stat's st_dev split). */
export function device(major: number, minor: number): string {
  return `${major}:${minor}`;
}
