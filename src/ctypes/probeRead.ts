// Reading the compiled layout probe (probe.ts) back: its tables and per-bit-field objects, as the
// object file holds them, into the layout the fields panel shows. Every answer is the compiler's;
// what the declarations were read as is only checked against it.
import type { CField, CFieldKind, CLayout } from '../shared/cLayout';
import { Probe, ProbeError, ProbeNode } from './probe';
import * as l10n from '../shared/l10n';

type Order = 'big' | 'little';

interface Measured {
  offset: number;
  size: number;
  align: number;
  typeClass: number;
  signed: boolean;
  char: boolean;
  mantissa: number;
  decimal: number;
  /** False for a value the compiler sees as an array the declarations did not show (va_list, __typeof__(expr)). */
  keepsType: boolean;
  /** A bit-field's set bits in both numberings (least significant bit of each byte first, most significant first). */
  bits?: { low: Bits; high: Bits };
}

interface Bits {
  first: number;
  width: number;
}

const CLASS_KIND: Record<number, CFieldKind> = { 1: 'int', 3: 'enum', 4: 'bool', 5: 'pointer', 8: 'float', 9: 'float', 12: 'struct', 13: 'union' };
const POINTER_CLASS = 5;
const REAL_CLASS = 8;
const COMPLEX_CLASS = 9;
/** A complex type as the parser read it: its floating word alone (a typedef name is left as it is). */
const COMPLEX_WORDLESS = /^(?:long )?(?:float|double)$|^_Float\d+x?$/;

/** The probe's compiled tables: what the object file holds under the probe's symbols. */
export interface ProbeObject {
  littleEndian: boolean;
  symbols: ReadonlyMap<string, Uint8Array>;
}

const NODE_COLUMNS = 10;
const ENUM_COLUMNS = 4;

/** A table of long longs, row by row; throws if the symbol is missing or not whole rows. */
function tableOf(object: ProbeObject, name: string, columns: number): bigint[][] {
  const bytes = object.symbols.get(name);
  if (!bytes || bytes.length % (columns * 8) !== 0) throw new ProbeError(l10n.t('The layout probe\'s object file has no table "{0}".', name));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: bigint[][] = [];
  for (let at = 0; at < bytes.length; at += columns * 8) {
    rows.push(Array.from({ length: columns }, (_, c) => view.getBigInt64(at + c * 8, object.littleEndian)));
  }
  return rows;
}

function safe(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ProbeError(l10n.t('The layout probe gave a number beyond 2^53: {0}.', value.toString()));
  return n;
}

/** The probe's data the layout is read from (not its run-time buffer, which can be gigabytes of zeros). */
export const PROBE_SYMBOL = /^ipcinsp_(nodes|enums|orders|(bits|one|order)_\d+)$/;

function bitFieldSymbol(id: number): string {
  return `ipcinsp_bits_${id}`;
}

/** Whether some bit-field's record was too big for an object of its own: then the probe must run to find its bits. */
export function needsBitSearch(probe: Probe, object: ProbeObject): boolean {
  return probe.bitFieldIds.some((id) => (object.symbols.get(bitFieldSymbol(id))?.length ?? 0) === 0);
}

/** The set bits within `bytes[start, end)`, counted from bit 0 of byte 0 + `base`, in both numberings; undefined if none. */
function setBits(bytes: Uint8Array, start: number, end: number, base: number): { low: Bits; high: Bits } | undefined {
  const low = { first: -1, last: -1 };
  const high = { first: -1, last: -1 };
  for (let i = Math.max(0, start); i < Math.min(end, bytes.length); i++) {
    if (!bytes[i]) continue;
    for (let b = 0; b < 8; b++) {
      const at = (i + base) * 8 + b;
      if ((bytes[i] >> b) & 1) {
        if (low.first < 0) low.first = at;
        low.last = at;
      }
      if ((bytes[i] >> (7 - b)) & 1) {
        if (high.first < 0) high.first = at;
        high.last = at;
      }
    }
  }
  if (low.first < 0) return undefined;
  return { low: { first: low.first, width: low.last - low.first + 1 }, high: { first: high.first, width: high.last - high.first + 1 } };
}

/** The `B id first width first width` lines of a probe that ran. */
function searchedBits(output: string): Map<number, { low: Bits; high: Bits }> {
  const found = new Map<number, { low: Bits; high: Bits }>();
  for (const line of output.split('\n')) {
    const match = /^B (\d+) (-?\d+) (-?\d+) (-?\d+) (-?\d+)$/.exec(line.trim());
    if (match && Number(match[2]) >= 0) {
      const [first, width, highFirst, highWidth] = match.slice(2).map(Number);
      found.set(Number(match[1]), { low: { first, width }, high: { first: highFirst, width: highWidth } });
    } else if (line.trim()) {
      throw new ProbeError(l10n.t('The layout probe printed an unexpected line: {0}', JSON.stringify(line.slice(0, 200))));
    }
  }
  return found;
}

/**
 * The layout from the probe's object file (and, when its bit-fields had to be searched for at run
 * time, what the program printed); throws if they do not match the probe.
 */
export function readProbe(probe: Probe, object: ProbeObject, where: { file: string; line: number }, searchOutput = ''): CLayout {
  const measured = new Map<number, Measured>();
  const searched = searchedBits(searchOutput);
  let size = -1;
  let align = 0;
  for (const row of tableOf(object, 'ipcinsp_nodes', NODE_COLUMNS)) {
    const [id, offset, bytes, alignment, typeClass, signed, char, mantissa, decimal, keepsType] = row.map(safe);
    if (id === -2) [size, align] = [bytes, alignment];
    if (id < 0) continue;
    const common = { align: alignment, typeClass, signed: signed === 1, char: char === 1, mantissa, decimal, keepsType: keepsType === 1 };
    if (!probe.bitFieldIds.includes(id)) {
      measured.set(id, { ...common, offset, size: bytes });
      continue;
    }
    // A bit-field's row: its window (offset, size) and its record's offset (align's column).
    const record = object.symbols.get(bitFieldSymbol(id));
    const bits = record && record.length > 0 ? setBits(record, offset - alignment, offset - alignment + bytes, alignment) : searched.get(id);
    if (!bits) throw new ProbeError(l10n.t('The layout probe did not find the bits of bit-field {0}.', id));
    measured.set(id, { ...common, offset: 0, size: 0, align: 1, char: false, bits });
  }
  const enums = probe.enums.map((e) => ({ ...e, constants: e.constants.map((c) => ({ ...c })) }));
  for (const [index, k, value, negative] of tableOf(object, 'ipcinsp_enums', ENUM_COLUMNS)) {
    // An enum constant's value stays text: it may be beyond a double's exact range, or beyond a
    // long long's (0xFFFFFFFFFFFFFFFFull is 2^64 - 1, not -1).
    const constant = index >= 0n ? enums[Number(index)]?.constants[Number(k)] : undefined;
    if (constant) constant.value = (negative ? value : BigInt.asUintN(64, value)).toString();
  }
  if (size < 0) throw new ProbeError(l10n.t('The layout probe has no size for the type.'));
  const declared = new Map<number, Order>();
  for (const [id, reversed] of probe.storageOrder ? tableOf(object, 'ipcinsp_orders', 2) : []) {
    if (id >= 0n && reversed) declared.set(safe(id), object.littleEndian ? 'big' : 'little');
  }
  const reader = new FieldReader(measured, object, probe.storageOrder, declared);
  const root = reader.field(probe.root, object.littleEndian ? 'little' : 'big');
  return { name: probe.typeName, size, align, root, enums, file: where.file, line: where.line };
}

class FieldReader {
  private readonly machine: Order;

  constructor(
    private readonly measured: Map<number, Measured>,
    private readonly object: ProbeObject,
    private readonly storageOrder: boolean,
    /** The order a named record's type was declared with, where it was. */
    private readonly declared: ReadonlyMap<number, Order>,
  ) {
    this.machine = object.littleEndian ? 'little' : 'big';
  }

  /**
   * A node as a field. `order` is the byte order of the body it is in, `recordOffset` where the
   * nearest named record around it starts (the probe's objects are copies of that record).
   */
  field(node: ProbeNode, order: Order, recordOffset = 0): CField {
    if (node.shape === 'anonymous') return this.anonymous(node, this.bodyOrder(node, order, recordOffset), recordOffset);
    const found = this.measured.get(node.id);
    if (!found) throw new ProbeError(l10n.t('The layout probe did not report "{0}".', node.name));
    if (node.shape === 'bitfield') return this.bitField(node, found, order);
    // The compiler's class must agree with what the declarations were read as (a name from another
    // header taken for an integer would show up here as a record).
    const record = found.typeClass === 12 || found.typeClass === 13;
    if (node.shape === 'record' ? found.typeClass !== (node.union ? 13 : 12) : node.shape === 'value' && record) {
      throw new ProbeError(l10n.t('"{0}" is not what the declarations say it is (the compiler classes it {1}).', node.name, found.typeClass));
    }
    const base = { name: node.name, type: node.type, offset: found.offset, size: found.size, align: found.align };
    if (node.shape === 'array') {
      const element = this.field(node.element!, order, recordOffset);
      let inner: CField = element;
      while (inner.element) inner = inner.element;
      if (inner.complex && COMPLEX_WORDLESS.test(base.type.replace(/\[.*$/, ''))) base.type = `_Complex ${base.type}`;
      return { ...base, kind: 'array', element, count: node.flexible ? -1 : element.size > 0 ? Math.floor(found.size / element.size) : 0 };
    }
    if (node.shape === 'record') {
      const inner = this.bodyOrder(node, order, found.offset);
      return { ...base, kind: node.union ? 'union' : 'struct', members: node.members.map((m) => this.field(m, inner, found.offset)) };
    }
    // An array the declarations did not show (va_list, __typeof__(expr)) decays to a pointer: its
    // elements are unknown here, so its bytes are shown as they are.
    const hiddenArray = found.typeClass === POINTER_CLASS && !found.keepsType && !node.pointer;
    const kind: CFieldKind = hiddenArray ? 'other' : node.enumIndex !== undefined ? 'enum' : node.boolean ? 'bool' : (CLASS_KIND[found.typeClass] ?? 'other');
    const field: CField = { ...base, kind };
    if (kind === 'int' || kind === 'enum') field.signed = found.signed;
    if (kind === 'int' && found.char && found.size === 1) field.char = true;
    if (kind === 'float') this.floatFormat(field, found);
    if (node.enumIndex !== undefined) field.enumIndex = node.enumIndex;
    if (order !== this.machine && kind !== 'other' && found.size > 1) field.byteOrder = order;
    return field;
  }

  private floatFormat(field: CField, found: Measured): void {
    if (found.mantissa) field.mantissa = found.mantissa;
    if (found.typeClass === COMPLEX_CLASS) {
      field.complex = true;
      // The parser read `_Complex double` as `double`: the word goes back (a typedef name stays as it is).
      if (COMPLEX_WORDLESS.test(field.type)) field.type = `_Complex ${field.type}`;
    }
    if (found.typeClass === REAL_CLASS && found.decimal) field.decimal = found.decimal === 1 ? 'bid' : 'dpd';
  }

  private anonymous(node: ProbeNode, order: Order, recordOffset: number): CField {
    const members = node.members.map((m) => this.field(m, order, recordOffset));
    const ends = members.map((m) => byteSpan(m));
    const start = ends.length > 0 ? Math.min(...ends.map((e) => e.start)) : 0;
    const end = Math.max(start, ...ends.map((e) => e.end));
    return {
      name: node.name,
      type: node.type,
      kind: node.union ? 'union' : 'struct',
      offset: start,
      size: end - start,
      align: Math.max(1, ...members.map((m) => m.align)),
      members,
      anonymous: true,
    };
  }

  private bitField(node: ProbeNode, found: Measured, order: Order): CField {
    const bits = order === 'big' ? found.bits!.high : found.bits!.low;
    const first = Math.floor(bits.first / 8);
    const kind: CFieldKind = node.enumIndex !== undefined ? 'enum' : node.boolean ? 'bool' : (CLASS_KIND[found.typeClass] ?? 'other');
    const field: CField = {
      name: node.name,
      type: node.type,
      kind,
      offset: first,
      size: Math.floor((bits.first + bits.width - 1) / 8) - first + 1,
      align: 1,
      bits,
    };
    if (kind === 'int' || kind === 'enum') field.signed = found.signed;
    if (node.enumIndex !== undefined) field.enumIndex = node.enumIndex;
    if (order !== this.machine) field.byteOrder = order;
    return field;
  }

  /**
   * The byte order of a record's own body (gcc's scalar_storage_order): where the 1 one of its
   * scalars was set to shows, or where a bit-field set to 1 put its lowest bit, or else the order
   * its type was declared with. gcc gives a nested type its own order, so a named record that says
   * nothing has the machine's. (Left: a record of single bytes ordered by the pragma alone, whose
   * one-byte bit-fields are then counted from the least significant bit: the same bits, the same values.)
   */
  private bodyOrder(node: ProbeNode, outer: Order, recordOffset: number): Order {
    if (!this.storageOrder) return this.machine;
    for (const id of node.orderProbes ?? []) {
      const order = this.scalarOrder(id, recordOffset);
      if (order) return order;
    }
    for (const member of node.members) {
      const order = member.shape === 'bitfield' ? this.bitFieldOrder(member, recordOffset) : undefined;
      if (order) return order;
    }
    return this.declared.get(node.id) ?? (node.shape === 'anonymous' ? outer : this.machine);
  }

  /** Which end of a scalar set to 1 changed: an integer's low byte, a float's exponent byte. */
  private scalarOrder(id: number, recordOffset: number): Order | undefined {
    const leaf = this.measured.get(id);
    const object = this.object.symbols.get(`ipcinsp_order_${id}`);
    if (!leaf || !object || leaf.size < 2 || leaf.decimal) return undefined;
    const bytes = object.subarray(leaf.offset - recordOffset, leaf.offset - recordOffset + leaf.size);
    if (bytes.length !== leaf.size) return undefined;
    const firstSet = bytes[0] !== 0;
    const lastSet = bytes[bytes.length - 1] !== 0;
    if (firstSet === lastSet) return undefined;
    if (leaf.typeClass === 1 || leaf.typeClass === 3) return firstSet ? 'little' : 'big';
    if (leaf.typeClass === REAL_CLASS && leaf.size <= 8) return lastSet ? 'little' : 'big';
    return undefined;
  }

  /** A bit-field over more than one byte, set to 1: its lowest bit is in its first byte (little) or its last (big). */
  private bitFieldOrder(node: ProbeNode, recordOffset: number): Order | undefined {
    const bits = this.measured.get(node.id)?.bits?.low;
    const one = this.object.symbols.get(`ipcinsp_one_${node.id}`);
    if (!bits || !one) return undefined;
    const firstByte = Math.floor(bits.first / 8);
    const lastByte = Math.floor((bits.first + bits.width - 1) / 8);
    const set = firstByte === lastByte ? undefined : setBits(one, firstByte - recordOffset, lastByte - recordOffset + 1, recordOffset);
    if (!set) return undefined;
    const byte = Math.floor(set.low.first / 8);
    return byte === firstByte ? 'little' : byte === lastByte ? 'big' : undefined;
  }
}

function byteSpan(field: CField): { start: number; end: number } {
  if (!field.bits) return { start: field.offset, end: field.offset + field.size };
  const first = Math.floor(field.bits.first / 8);
  return { start: first, end: Math.floor((field.bits.first + field.bits.width - 1) / 8) + 1 };
}
