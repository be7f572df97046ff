// Attribute forms: which have a fixed size (for a unit's address and offset sizes), so a DIE made
// only of those is skipped in one step; how the others are laid out (the one place that sorts the
// forms, for both walkers over .debug_info: the index's and the type reader's); and the byte
// hashing that interns abbreviation declarations.
import { DW_FORM } from './constants';

/** The size of a form's value when it is fixed (for the unit's address and offset sizes), else -1. */
export function fixedSize(form: number, unit: { addressSize: number; offsetSize: number; version: number }): number {
  switch (form) {
    case DW_FORM.flag_present:
    case DW_FORM.implicit_const:
      return 0;
    case DW_FORM.data1:
    case DW_FORM.ref1:
    case DW_FORM.flag:
    case DW_FORM.strx1:
    case DW_FORM.addrx1:
      return 1;
    case DW_FORM.data2:
    case DW_FORM.ref2:
    case DW_FORM.strx2:
    case DW_FORM.addrx2:
      return 2;
    case DW_FORM.strx3:
    case DW_FORM.addrx3:
      return 3;
    case DW_FORM.data4:
    case DW_FORM.ref4:
    case DW_FORM.ref_sup4:
    case DW_FORM.strx4:
    case DW_FORM.addrx4:
      return 4;
    case DW_FORM.data8:
    case DW_FORM.ref8:
    case DW_FORM.ref_sig8:
    case DW_FORM.ref_sup8:
      return 8;
    case DW_FORM.data16:
      return 16;
    case DW_FORM.addr:
      return unit.addressSize;
    case DW_FORM.ref_addr:
      return unit.version <= 2 ? unit.addressSize : unit.offsetSize;
    case DW_FORM.strp:
    case DW_FORM.line_strp:
    case DW_FORM.sec_offset:
    case DW_FORM.strp_sup:
    case DW_FORM.GNU_ref_alt:
    case DW_FORM.GNU_strp_alt:
      return unit.offsetSize;
    default:
      return -1;
  }
}

/** How a form whose size is not fixed is laid out: what a walker needs to step over its value. */
export const VARIABLE = {
  /** A NUL-terminated string in place. */
  string: 0,
  /** A block whose length comes first, in 1, 2 or 4 bytes, or as a ULEB128. */
  block1: 1,
  block2: 2,
  block4: 3,
  blockLeb: 4,
  /** One LEB128 number (signed or not: both end at the first byte below 0x80). */
  leb: 5,
  /** The form itself follows as a ULEB128, then its value. */
  indirect: 6,
  /** No form DWARF 2 to 5 or the GNU extensions define. */
  unknown: 7,
} as const;

/** The layout of a form fixedSize() has no size for. */
export function variableForm(form: number): (typeof VARIABLE)[keyof typeof VARIABLE] {
  switch (form) {
    case DW_FORM.string:
      return VARIABLE.string;
    case DW_FORM.block1:
      return VARIABLE.block1;
    case DW_FORM.block2:
      return VARIABLE.block2;
    case DW_FORM.block4:
      return VARIABLE.block4;
    case DW_FORM.block:
    case DW_FORM.exprloc:
      return VARIABLE.blockLeb;
    case DW_FORM.sdata:
    case DW_FORM.udata:
    case DW_FORM.ref_udata:
    case DW_FORM.strx:
    case DW_FORM.addrx:
    case DW_FORM.loclistx:
    case DW_FORM.rnglistx:
    case DW_FORM.GNU_addr_index:
    case DW_FORM.GNU_str_index:
      return VARIABLE.leb;
    case DW_FORM.indirect:
      return VARIABLE.indirect;
    default:
      return VARIABLE.unknown;
  }
}

/** FNV-1a of bytes [start, end) and a seed. */
export function hashBytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

export function equalBytes(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}
