// Values of C fields read from an object's bytes, as the fields panel shows them and as a C
// initializer copies them. Little endian unless told (the layout is this machine's; x86-64, arm64 and
// armhf are little endian), or unless the field has a byte order of its own (scalar_storage_order).
// Bytes come through `byteAt`: a negative answer means not loaded yet or not resident, and the value
// then says so instead of guessing. A format this reader does not know is said ("not decoded",
// with the bytes), never shown as a number.
import { byteRange, CField, CLayout, elementCount } from './cLayout';
import { lockFieldWords, lockInField, lockTypeOf } from './glibcLocks';

/** 0..255, or negative when the byte is not known (not loaded, not resident, read failed). */
export type ByteAt = (offset: number) => number;

export type ValueState = 'ok' | 'unknown' | 'past-end';

export interface Value {
  text: string;
  state: ValueState;
}

const PAST_END: Value = { text: 'past the end', state: 'past-end' };
const UNKNOWN: Value = { text: '…', state: 'unknown' };
const MAX_STRING = 256;

/** The bytes of [offset, offset + length), or undefined when one is not known. */
function bytesAt(byteAt: ByteAt, offset: number, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const b = byteAt(offset + i);
    if (b < 0) return undefined;
    out[i] = b;
  }
  return out;
}

/**
 * A char array's bytes up to its first NUL, at most MAX_STRING + 1 of them: enough to show it, and
 * known as soon as those are read, however long the array.
 */
function stringBytes(byteAt: ByteAt, offset: number, count: number): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < Math.min(count, MAX_STRING + 1); i++) {
    const b = byteAt(offset + i);
    if (b < 0) return undefined;
    out.push(b);
    if (b === 0) break;
  }
  return Uint8Array.from(out);
}

/** Bytes as an unsigned integer. */
function unsigned(bytes: Uint8Array, littleEndian: boolean): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[littleEndian ? bytes.length - 1 - i : i];
    value = (value << 8n) | BigInt(b);
  }
  return value;
}

function signExtend(value: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, value);
}

/** Shortest decimal text that reads back as the same float32. */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // Most floats need 6 to 9 digits: try the short ones only when 6 reads back (then fewer may too).
  if (Math.fround(Number(value.toPrecision(6))) !== value) {
    for (let digits = 7; digits <= 9; digits++) {
      const text = value.toPrecision(digits);
      if (Math.fround(Number(text)) === value) return String(Number(text));
    }
    return String(value);
  }
  for (let digits = 1; digits <= 6; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}

/** An x87 80-bit extended value (long double on x86), as the nearest double. */
function extended80(bytes: Uint8Array): number {
  const mantissa = unsigned(bytes.subarray(0, 8), true);
  const exponentWord = bytes[8] | (bytes[9] << 8);
  const sign = exponentWord & 0x8000 ? -1 : 1;
  const exponent = exponentWord & 0x7fff;
  if (exponent === 0x7fff) return mantissa << 1n === 0n ? sign * Infinity : NaN;
  if (exponent === 0 && mantissa === 0n) return sign * 0;
  return sign * Number(mantissa) * Math.pow(2, (exponent || 1) - 16383 - 63);
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  if (exponent === 0) return sign * fraction * Math.pow(2, -24);
  return sign * (1 + fraction / 1024) * Math.pow(2, exponent - 15);
}

/** A bfloat16 value (__bf16): the top half of a float32. */
function bfloat16(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

/** An IEEE binary128 value (long double on arm64, __float128), as the nearest double. */
function binary128(bytes: Uint8Array): number {
  const high = unsigned(bytes.subarray(8, 16), true);
  const low = unsigned(bytes.subarray(0, 8), true);
  const sign = high >> 63n ? -1 : 1;
  const exponent = Number((high >> 48n) & 0x7fffn);
  const fraction = ((high & 0xffffffffffffn) << 64n) | low; // 112 bits
  if (exponent === 0x7fff) return fraction === 0n ? sign * Infinity : NaN;
  const scaled = Number(fraction) / 2 ** 112; // rounds to the 53 bits a double keeps
  return exponent === 0 ? sign * scaled * 2 ** -16382 : sign * (1 + scaled) * 2 ** (exponent - 16383);
}

/**
 * A binary floating value; undefined for a format this reader does not know. `mantissa` (the
 * compiler's digits for the type) says the format; without it only the sizes that have a single
 * one are read (a 16-byte value is x87 extended on x86-64 and binary128 elsewhere).
 */
function floatOf(bytes: Uint8Array, littleEndian: boolean, mantissa?: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const format = mantissa ?? ({ 2: 11, 4: 24, 8: 53, 10: 64, 12: 64 } as Record<number, number>)[bytes.length];
  // Formats of more than 8 bytes are read in the machine's own order only (little endian).
  const little = bytes.length > 8 ? (littleEndian ? bytes : undefined) : bytes;
  switch (format) {
    case 8:
      return bytes.length === 2 ? bfloat16(view.getUint16(0, littleEndian)) : undefined;
    case 11:
      return bytes.length === 2 ? float16(view.getUint16(0, littleEndian)) : undefined;
    case 24:
      return bytes.length === 4 ? view.getFloat32(0, littleEndian) : undefined;
    case 53:
      return bytes.length === 8 ? view.getFloat64(0, littleEndian) : undefined;
    case 64:
      return little && bytes.length >= 10 ? extended80(little) : undefined;
    case 113:
      return little && bytes.length === 16 ? binary128(little) : undefined;
    default:
      return undefined;
  }
}

/** A decimal floating value in the binary integer encoding (BID: gcc on x86), as IEEE 754's to-scientific-string writes it. */
export function bidDecimal(bytes: Uint8Array, littleEndian: boolean): string | undefined {
  const widths: Record<number, { exponent: number; coefficient: number; bias: number; digits: number }> = {
    4: { exponent: 8, coefficient: 23, bias: 101, digits: 7 },
    8: { exponent: 10, coefficient: 53, bias: 398, digits: 16 },
    16: { exponent: 14, coefficient: 113, bias: 6176, digits: 34 },
  };
  const width = widths[bytes.length];
  if (!width) return undefined;
  const value = unsigned(bytes, littleEndian);
  const top = BigInt(bytes.length * 8 - 1);
  const sign = (value >> top) & 1n ? '-' : '';
  const mask = (bits: number) => (1n << BigInt(bits)) - 1n;
  const special = (value >> (top - 5n)) & 0x1fn;
  if (special === 0x1en) return `${sign}Infinity`;
  if (special === 0x1fn) return 'NaN';
  let exponent: bigint;
  let coefficient: bigint;
  if (((value >> (top - 2n)) & 3n) !== 3n) {
    exponent = (value >> BigInt(width.coefficient)) & mask(width.exponent);
    coefficient = value & mask(width.coefficient);
  } else {
    // The coefficient's top bits are the implied 100: always beyond the digits for 64 and 128 bits.
    exponent = (value >> BigInt(width.coefficient - 2)) & mask(width.exponent);
    coefficient = (value & mask(width.coefficient - 2)) | (4n << BigInt(width.coefficient - 2));
  }
  if (coefficient >= 10n ** BigInt(width.digits)) coefficient = 0n; // not canonical: zero, as the standard says
  return sign + scientificString(coefficient.toString(), Number(exponent) - width.bias);
}

/** A decimal's coefficient digits and exponent written as IEEE 754's to-scientific-string writes them (`1.50`, `1.5E+20`). */
function scientificString(digits: string, exponent: number): string {
  const adjusted = exponent + digits.length - 1;
  if (exponent <= 0 && adjusted >= -6) {
    if (exponent === 0) return digits;
    const point = digits.length + exponent;
    return point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** A floating field's value as text (complex ones as `re + imi`, as gdb writes them), or undefined when its format is not read here. */
function floatText(field: CField, bytes: Uint8Array, littleEndian: boolean): string | undefined {
  if (field.decimal) return field.decimal === 'bid' ? bidDecimal(bytes, littleEndian) : undefined;
  if (field.complex) {
    const half = bytes.length / 2;
    const re = floatOf(bytes.subarray(0, half), littleEndian, field.mantissa);
    const im = floatOf(bytes.subarray(half), littleEndian, field.mantissa);
    return re === undefined || im === undefined ? undefined : `${formatFloat(re, half)} + ${formatFloat(im, half)}i`;
  }
  const value = floatOf(bytes, littleEndian, field.mantissa);
  return value === undefined ? undefined : formatFloat(value, bytes.length);
}

/** What is shown for bytes whose format is not read here: said, with the bytes, never a number. */
function notDecoded(bytes: Uint8Array): string {
  return `not decoded (${hexBytes(bytes)})`;
}

function formatFloat(value: number, size: number): string {
  return size === 4 ? formatFloat32(value) : String(value);
}

function charText(code: number): string {
  if (code === 0) return "'\\0'";
  if (code === 0x27) return "'\\''";
  if (code === 0x5c) return "'\\\\'";
  if (code >= 0x20 && code < 0x7f) return `'${String.fromCharCode(code)}'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
  return `'${named[code] ?? `\\x${code.toString(16).padStart(2, '0')}`}'`;
}

/** A char array as a C string literal (up to its first NUL), escaped, with a mark when cut short. */
export function stringLiteral(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  let text = '';
  for (let i = 0; i < Math.min(end, MAX_STRING); i++) {
    const c = bytes[i];
    if (c === 0x22) text += '\\"';
    else if (c === 0x5c) text += '\\\\';
    else if (c >= 0x20 && c < 0x7f) text += String.fromCharCode(c);
    else text += charText(c).slice(1, -1).replace("\\'", "'");
  }
  return `"${text}"${end > MAX_STRING ? '…' : ''}`;
}

function enumText(layout: CLayout, field: CField, value: bigint): string {
  const constants = field.enumIndex !== undefined ? (layout.enums[field.enumIndex]?.constants ?? []) : [];
  const names = constants.filter((c) => c.value === value.toString()).map((c) => c.name);
  return names.length > 0 ? `${names[0]} (${value})` : `${value} (no constant)`;
}

/**
 * A whole integer of up to 6 bytes, without a BigInt or an array: the common case, decoded for
 * every field on screen at every refresh. Undefined when a byte is not known.
 */
function smallInteger(offset: number, size: number, signed: boolean, byteAt: ByteAt, littleEndian: boolean): number | undefined {
  let value = 0;
  for (let i = 0; i < size; i++) {
    const b = byteAt(offset + (littleEndian ? size - 1 - i : i));
    if (b < 0) return undefined;
    value = value * 256 + b;
  }
  const limit = 2 ** (size * 8);
  return signed && value >= limit / 2 ? value - limit : value;
}

/** The byte order a field's bytes are read in: its own (scalar_storage_order), or the machine's. */
function orderOf(field: CField, littleEndian: boolean): boolean {
  return field.byteOrder ? field.byteOrder === 'little' : littleEndian;
}

/** The integer a scalar or bit-field holds, or undefined when its bytes are not known. */
export function integerOf(field: CField, shift: number, byteAt: ByteAt, machineLittleEndian = true): bigint | undefined {
  const range = byteRange(field, shift);
  const littleEndian = orderOf(field, machineLittleEndian);
  if (!field.bits && range.length <= 6) {
    const small = smallInteger(range.offset, range.length, field.signed === true, byteAt, littleEndian);
    return small === undefined ? undefined : BigInt(small);
  }
  const bytes = bytesAt(byteAt, range.offset, range.length);
  if (!bytes) return undefined;
  if (field.bits) {
    // Big endian: bits count from the most significant bit of the first byte, so the field ends
    // that many bits before the end of its bytes.
    const shiftBits = littleEndian ? field.bits.first % 8 : bytes.length * 8 - (field.bits.first % 8) - field.bits.width;
    const raw = unsigned(bytes, littleEndian) >> BigInt(shiftBits);
    const masked = BigInt.asUintN(field.bits.width, raw);
    return field.signed ? signExtend(masked, field.bits.width) : masked;
  }
  const raw = unsigned(bytes, littleEndian);
  return field.signed ? signExtend(raw, bytes.length * 8) : raw;
}

/**
 * What the panel shows for a field of the element at `shift` bytes (0 outside arrays), within an
 * object of `end` bytes.
 */
export function valueOf(layout: CLayout, field: CField, shift: number, byteAt: ByteAt, end: number, machineLittleEndian = true): Value {
  const range = byteRange(field, shift);
  const littleEndian = orderOf(field, machineLittleEndian);
  if (range.offset + range.length > end) return PAST_END;
  switch (field.kind) {
    case 'struct':
    case 'union': {
      // glibc's locks read as locks ("mutex, held by 4711"), not as their 40 bytes.
      const bytes = lockTypeOf(field.type) ? bytesAt(byteAt, range.offset, range.length) : undefined;
      const lock = bytes && lockInField(field.type, field.size, bytes);
      return { text: lock ? lockFieldWords(lock) : '{…}', state: 'ok' };
    }
    case 'array': {
      const count = elementCount(field, shift, end);
      if (field.element?.char && field.element.size === 1) {
        const bytes = stringBytes(byteAt, shift + field.offset, count);
        return bytes ? { text: stringLiteral(bytes), state: 'ok' } : UNKNOWN;
      }
      const open = field.count !== -1 ? '' : field.asManyAsFit ? ' (as many as fit)' : ' (flexible)';
      return { text: `[${count}]${open}`, state: 'ok' };
    }
    case 'int':
    case 'bool':
    case 'enum': {
      if (field.kind === 'int' && !field.char && !field.bits && range.length <= 6) {
        const small = smallInteger(range.offset, range.length, field.signed === true, byteAt, littleEndian);
        return small === undefined ? UNKNOWN : { text: String(small), state: 'ok' };
      }
      const value = integerOf(field, shift, byteAt, littleEndian);
      if (value === undefined) return UNKNOWN;
      if (field.kind === 'bool') return { text: value === 0n ? 'false' : value === 1n ? 'true' : `true (${value})`, state: 'ok' };
      if (field.kind === 'enum') return { text: enumText(layout, field, value), state: 'ok' };
      if (field.char && !field.bits) return { text: `${value} ${charText(Number(BigInt.asUintN(8, value)))}`, state: 'ok' };
      return { text: value.toString(), state: 'ok' };
    }
    case 'float': {
      const bytes = bytesAt(byteAt, range.offset, range.length);
      if (!bytes) return UNKNOWN;
      return { text: floatText(field, bytes, littleEndian) ?? notDecoded(bytes), state: 'ok' };
    }
    case 'pointer': {
      const bytes = bytesAt(byteAt, range.offset, range.length);
      if (!bytes) return UNKNOWN;
      const address = unsigned(bytes, littleEndian);
      return { text: address === 0n ? 'NULL' : `0x${address.toString(16)}`, state: 'ok' };
    }
    default: {
      const bytes = bytesAt(byteAt, range.offset, range.length);
      return bytes ? { text: hexBytes(bytes), state: 'ok' } : UNKNOWN;
    }
  }
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Writes the object at `shift` as a C initializer: `{ .a = 1, .name = "x", .pos = { { .x = 1 } } }`. */
export function cInitializer(layout: CLayout, field: CField, shift: number, byteAt: ByteAt, end: number, littleEndian = true): string {
  const value = (f: CField, at: number): string => {
    const range = byteRange(f, at);
    if (range.offset + range.length > end) return '/* past the end */ 0';
    switch (f.kind) {
      case 'struct':
      case 'union': {
        const members = designated(f, at);
        return members.length > 0 ? `{ ${members.join(', ')} }` : '{ 0 }';
      }
      case 'array': {
        const count = elementCount(f, at, end);
        if (f.element?.char && f.element.size === 1) {
          const bytes = bytesAt(byteAt, at + f.offset, count);
          if (bytes) return stringLiteral(bytes).replace(/…$/, '');
        }
        const items: string[] = [];
        for (let i = 0; i < count; i++) items.push(value(f.element!, at + i * f.element!.size));
        return `{ ${items.join(', ')} }`;
      }
      case 'enum': {
        const n = integerOf(f, at, byteAt, littleEndian);
        if (n === undefined) return '/* unknown */ 0';
        const constant = f.enumIndex !== undefined ? layout.enums[f.enumIndex]?.constants.find((c) => c.value === n.toString()) : undefined;
        return constant ? constant.name : integerLiteral(n);
      }
      case 'float': {
        const bytes = bytesAt(byteAt, range.offset, range.length);
        return bytes ? floatInitializer(f, bytes, orderOf(f, littleEndian)) : '/* unknown */ 0';
      }
      case 'pointer': {
        const text = valueOf(layout, f, at, byteAt, end, littleEndian).text;
        return text === 'NULL' ? 'NULL' : text === '…' ? '/* unknown */ 0' : `(void *)${text}`;
      }
      case 'int':
      case 'bool': {
        const n = integerOf(f, at, byteAt, littleEndian);
        return n === undefined ? '/* unknown */ 0' : integerLiteral(n);
      }
      default:
        return '/* not shown */ 0';
    }
  };
  const designated = (record: CField, at: number): string[] => {
    const out: string[] = [];
    // A union is initialized through its first member only.
    const members = record.kind === 'union' ? (record.members ?? []).slice(0, 1) : (record.members ?? []);
    for (const member of members) {
      if (member.anonymous) out.push(...designated(member, at));
      else if (member.kind === 'array' && member.count === -1) {
        continue;
      } // a flexible array member has no initializer
      else out.push(`.${member.name} = ${value(member, at)}`);
    }
    return out;
  };
  return value(field, shift);
}

/** An integer as a C literal: one beyond long long's range gets `u` (so the compiler need not make it unsigned with a warning). */
function integerLiteral(n: bigint): string {
  return n > 0x7fffffffffffffffn ? `${n}u` : n.toString();
}

/** A floating value as a C initializer of its type; a comment and 0 for a format not read here. */
function floatInitializer(f: CField, bytes: Uint8Array, littleEndian: boolean): string {
  if (f.decimal) {
    const text = f.decimal === 'bid' ? bidDecimal(bytes, littleEndian) : undefined;
    const suffix = ({ 4: 'd32', 8: 'd64', 16: 'd128' } as Record<number, string>)[bytes.length];
    if (text === undefined || !suffix) return '/* not decoded */ 0';
    if (text === 'NaN') return `__builtin_nan${suffix}("")`;
    if (text.endsWith('Infinity')) return `${text.startsWith('-') ? '-' : ''}__builtin_inf${suffix}()`;
    return `${text}${suffix.replace('d32', 'DF').replace('d64', 'DD').replace('d128', 'DL')}`;
  }
  const part = (x: number | undefined, size: number, type: string): string | undefined => {
    if (x === undefined) return undefined;
    const text = Number.isNaN(x) ? 'NAN' : !Number.isFinite(x) ? (x > 0 ? 'INFINITY' : '-INFINITY') : formatFloat(x, size);
    const number = /^-?\d/.test(text);
    const withPoint = number && !/[.e]/.test(text) ? `${text}.0` : text;
    // float and double as literals; other formats (x87, binary128...) through a cast of the nearest double.
    if (size === 4 && type === 'float') return number ? `${withPoint}f` : `(float)${withPoint}`;
    if (size === 8 && type === 'double') return number ? withPoint : `(double)${withPoint}`;
    return `(${type})${withPoint}`;
  };
  if (f.complex) {
    const half = bytes.length / 2;
    const partType = half === 4 ? 'float' : half === 8 ? 'double' : `__typeof__(__real__ (${f.type})0)`;
    const re = part(floatOf(bytes.subarray(0, half), littleEndian, f.mantissa), half, partType);
    const im = part(floatOf(bytes.subarray(half), littleEndian, f.mantissa), half, partType);
    return re && im ? `__builtin_complex(${re}, ${im})` : '/* not decoded */ 0';
  }
  const type = bytes.length === 4 && f.mantissa !== 8 && f.mantissa !== 11 ? 'float' : bytes.length === 8 ? 'double' : f.type;
  return part(floatOf(bytes, littleEndian, f.mantissa), bytes.length, type) ?? '/* not decoded */ 0';
}
