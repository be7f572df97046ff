// Reading a DIE's values the way layouts need them: a member's byte offset (a constant or the
// one-operator expressions producers write), constants exact to 128 bits in their form's signedness,
// big-endian bit numbering as the probe numbers bits, natural alignment.
import { DW_AT, DW_FORM, DW_OP, DW_TAG } from './constants';
import { Die, numberOf, Value } from './info';

export function isPointerTag(tag: number): boolean {
  return tag === DW_TAG.pointer_type || tag === DW_TAG.reference_type || tag === DW_TAG.rvalue_reference_type;
}

/** A static data member (DWARF 4 keeps them as DW_TAG_member declarations): no place in the object. */
export function isStatic(m: Die): boolean {
  return m.attrs.get(DW_AT.external) === true || (m.attrs.get(DW_AT.declaration) === true && !m.attrs.has(DW_AT.data_member_location));
}

export function naturalAlign(size: number, max: number): number {
  let align = 1;
  while (align < max && size % (align * 2) === 0 && align * 2 <= size) align *= 2;
  return align;
}

/** A member's byte offset: a constant, or the one-operator expressions producers write; undefined when only run time knows. */
export function memberOffset(m: Die): number | undefined {
  const value: Value | undefined = m.attrs.get(DW_AT.data_member_location);
  if (value === undefined) return m.attrs.has(DW_AT.data_bit_offset) ? Math.floor((numberOf(m.attrs.get(DW_AT.data_bit_offset)) ?? 0) / 8) : 0;
  if (typeof value === 'number') return m.forms.get(DW_AT.data_member_location) === DW_FORM.sec_offset ? undefined : value;
  if (!(value instanceof Uint8Array) || value.length === 0) return undefined;
  const op = value[0];
  if ((op === DW_OP.plus_uconst || op === DW_OP.constu) && value.length >= 2) {
    let result = 0;
    let scale = 1;
    for (let i = 1; i < value.length; i++) {
      result += (value[i] & 0x7f) * scale;
      scale *= 128;
      if ((value[i] & 0x80) === 0) return i === value.length - 1 && Number.isSafeInteger(result) ? result : undefined;
      if (scale > 2 ** 49) return undefined;
    }
    return undefined;
  }
  if (op >= DW_OP.lit0 && op <= DW_OP.lit31 && value.length === 1) return op - DW_OP.lit0;
  return undefined;
}

/** A data form's bits read as signed (an upper bound of -1 in 4 bytes is 0xffffffff in the file). */
export function signedByForm(value: bigint, form: number): bigint {
  const bits = form === DW_FORM.data1 ? 8 : form === DW_FORM.data2 ? 16 : form === DW_FORM.data4 ? 32 : form === DW_FORM.data8 ? 64 : 0;
  return bits ? BigInt.asIntN(bits, value) : value;
}

export function constant(die: Die, at: number): bigint | undefined {
  const value = die.attrs.get(at);
  return typeof value === 'number' || typeof value === 'bigint' ? BigInt(value) : undefined;
}

/** A constant as decimal text, its data form's bits read as the type says (signed or not), exact to 128 bits. */
export function constantText(die: Die, at: number, signed: boolean, size?: number): string {
  const value = die.attrs.get(at);
  if (typeof value !== 'number' && typeof value !== 'bigint') return '?';
  const form = die.forms.get(at);
  let v = BigInt(value);
  const bits =
    form === DW_FORM.data1 ? 8 : form === DW_FORM.data2 ? 16 : form === DW_FORM.data4 ? 32 : form === DW_FORM.data8 ? 64 : form === DW_FORM.data16 ? 128 : 0;
  if (bits) v = signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
  else if (form === DW_FORM.udata && signed && size) v = BigInt.asIntN(size * 8, v);
  return v.toString();
}

/** Bits of a big-endian bit-field, numbered as the probe finds them (byte * 8 + bit, least significant first). */
export function bigEndianBits(position: number, width: number): { first: number; width: number } {
  const firstByte = Math.floor(position / 8);
  const lastByte = Math.floor((position + width - 1) / 8);
  if (firstByte === lastByte) {
    const low = firstByte * 8 + 7 - ((position + width - 1) % 8);
    return { first: low, width };
  }
  return { first: firstByte * 8, width: (lastByte - firstByte) * 8 + 8 };
}
