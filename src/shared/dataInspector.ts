// The data inspector of the contents view: the bytes at the cursor read as the C types a developer
// debugging shared memory would cast them to. Pure: no `vscode`, no Node, no DOM (it is bundled
// into the webview too), so it is tested in plain Node and against values written by a C program.

export interface InspectorRow {
  label: string;
  value: string;
}

/** Shown when there are too few bytes for a type: every row is always present, so the table never jumps. */
export const NOT_ENOUGH = '—';

/** Most characters of a C string shown; the rest is cut with "…". */
export const MAX_C_STRING = 64;

type Decoder = (view: DataView, littleEndian: boolean, bytes: Uint8Array) => string;

interface InspectorType {
  label: string;
  /** Bytes needed; 0 means "any number" (the C string). */
  size: number;
  decode: Decoder;
}

const TYPES: readonly InspectorType[] = [
  { label: 'int8', size: 1, decode: (v) => String(v.getInt8(0)) },
  { label: 'uint8', size: 1, decode: (v) => String(v.getUint8(0)) },
  { label: 'int16', size: 2, decode: (v, le) => String(v.getInt16(0, le)) },
  { label: 'uint16', size: 2, decode: (v, le) => String(v.getUint16(0, le)) },
  { label: 'int32', size: 4, decode: (v, le) => String(v.getInt32(0, le)) },
  { label: 'uint32', size: 4, decode: (v, le) => String(v.getUint32(0, le)) },
  { label: 'int64', size: 8, decode: (v, le) => v.getBigInt64(0, le).toString() },
  { label: 'uint64', size: 8, decode: (v, le) => v.getBigUint64(0, le).toString() },
  { label: 'float32', size: 4, decode: (v, le) => formatFloat32(v.getFloat32(0, le)) },
  { label: 'float64', size: 8, decode: (v, le) => formatFloat64(v.getFloat64(0, le)) },
  { label: 'binary', size: 1, decode: (v) => v.getUint8(0).toString(2).padStart(8, '0') },
  { label: 'C string', size: 1, decode: (_v, _le, bytes) => formatCString(bytes) },
];

/** The row labels, in the order inspect() returns them. */
export function inspectorTypes(): string[] {
  return TYPES.map((t) => t.label);
}

/**
 * The bytes at the start of `bytes` decoded as every inspector type. Types that need more bytes
 * than there are get the value "—". Endianness applies to the multi-byte numbers only.
 */
export function inspect(bytes: Uint8Array, littleEndian: boolean): InspectorRow[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return TYPES.map((t) => ({ label: t.label, value: bytes.length >= t.size ? t.decode(view, littleEndian, bytes) : NOT_ENOUGH }));
}

function specialFloat(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return undefined;
}

/** The shortest decimal text that reads back as the same double (what JavaScript's String does). */
export function formatFloat64(x: number): string {
  return specialFloat(x) ?? String(x);
}

/**
 * The shortest decimal text that reads back as the same float: 1.5, 3.14159, 0.1 (not the
 * 0.10000000149011612 the float widens to as a double). At most 9 significant digits are needed.
 */
export function formatFloat32(x: number): string {
  const special = specialFloat(x);
  if (special !== undefined) return special;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return String(candidate);
  }
  return String(Number(x.toPrecision(9)));
}

const C_ESCAPES: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

/** One byte as it would be written in a C string literal. */
function cChar(b: number): string {
  const escape = C_ESCAPES[b];
  if (escape !== undefined) return escape;
  if (b >= 0x20 && b <= 0x7e) return String.fromCharCode(b);
  return '\\x' + b.toString(16).padStart(2, '0');
}

/**
 * The bytes up to the first NUL as a quoted C literal, at most MAX_C_STRING of them:
 * `"hello\n"`, `"abc"… (strlen 100)` when longer, `"abc" (no NUL in 3 bytes)` when unterminated.
 */
export function formatCString(bytes: Uint8Array): string {
  if (bytes.length === 0) return NOT_ENOUGH;
  const nul = bytes.indexOf(0);
  const length = nul < 0 ? bytes.length : nul;
  const shown = Math.min(length, MAX_C_STRING);
  let text = '"';
  for (let i = 0; i < shown; i++) text += cChar(bytes[i]);
  text += length > shown ? '"…' : '"';
  if (nul < 0) return `${text} (no NUL in ${bytes.length} byte${bytes.length === 1 ? '' : 's'})`;
  return length > shown ? `${text} (strlen ${length})` : text;
}
