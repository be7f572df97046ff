// A C type's layout as the compiler laid it out (sizes, offsets, alignments, bit positions), in the
// form the extension sends to the contents view. Offsets are from the start of the object and, inside an
// array, for its element 0: element i of an array adds i * element.size. No `vscode`, no Node, no DOM.

export type CFieldKind = 'struct' | 'union' | 'array' | 'int' | 'float' | 'bool' | 'enum' | 'pointer' | 'other';

export interface CField {
  /** Member name; `[0]` for an array's element; `(anonymous union)` for an unnamed member. */
  name: string;
  /** As written in the source, e.g. `uint32_t`, `struct sensor[4]`, `char *`. */
  type: string;
  kind: CFieldKind;
  offset: number;
  size: number;
  align: number;
  /** Integers and enums: whether negative values exist (the compiler's answer for this type). */
  signed?: boolean;
  /** Plain `char` (not signed or unsigned char, which int8_t and uint8_t are): shown as a character, and its arrays as strings. */
  char?: boolean;
  /** A floating type's mantissa digits, which tell its format: 8 bfloat16, 11 binary16, 24 float, 53 double, 64 x87 extended, 113 binary128. */
  mantissa?: number;
  /** A complex floating value (`_Complex double`): its real part, then its imaginary part, each half its size. */
  complex?: boolean;
  /** A decimal floating value (`_Decimal64`), in the encoding the compiler uses: binary (BID, x86) or densely packed decimal (DPD). */
  decimal?: 'bid' | 'dpd';
  /**
   * Set when a scalar's byte order is not the machine's (gcc's scalar_storage_order): how its bytes
   * read, and for a bit-field how `bits.first` counts (big: from the most significant bit of byte 0).
   */
  byteOrder?: 'big' | 'little';
  /**
   * A bit-field: its first bit as an absolute bit number (byte * 8 + bit, the bit counted from the
   * least significant one, or from the most significant one when `byteOrder` is big), and its width.
   */
  bits?: { first: number; width: number };
  /** Index into CLayout.enums. */
  enumIndex?: number;
  /** Structs and unions, named or not. */
  members?: CField[];
  /** An unnamed struct or union member: its members are the parent's. */
  anonymous?: boolean;
  /** Arrays: the element (at the array's offset), and how many; -1 for a flexible array member. */
  element?: CField;
  count?: number;
  /**
   * The type placed by the user as many times as fit in the object (its count -1 as well): said so
   * in the panel, not "flexible", which is C's flexible array member.
   */
  asManyAsFit?: boolean;
}

export interface CEnum {
  name: string;
  /** Values as decimal text: an enum constant may not fit a double. */
  constants: Array<{ name: string; value: string }>;
}

export interface CLayout {
  /** The type as the user chose it, e.g. `struct Data`. */
  name: string;
  size: number;
  align: number;
  root: CField;
  enums: CEnum[];
  /** Where the type is declared. */
  file: string;
  line: number;
}

/** Where the view puts the type: at `offset`, `count` times (1 for a single object). */
export interface CPlacement {
  offset: number;
  count: number;
}

/** Whether a field is shown with children (structs, unions and arrays). */
export function hasChildren(field: CField): boolean {
  return field.kind === 'array' || field.kind === 'struct' || field.kind === 'union';
}

/** The byte range of a field shifted by `shift` bytes (array elements), for a bit-field the bytes its bits touch. */
export function byteRange(field: CField, shift: number): { offset: number; length: number } {
  if (field.bits) {
    const first = Math.floor(field.bits.first / 8);
    const last = Math.floor((field.bits.first + field.bits.width - 1) / 8);
    return { offset: shift + first, length: last - first + 1 };
  }
  return { offset: shift + field.offset, length: field.size };
}

/** Number of elements an array shows: its count, or for a flexible one as many as fit before `end`. */
export function elementCount(field: CField, shift: number, end: number): number {
  if (!field.element) return 0;
  if (field.count !== undefined && field.count >= 0) return field.count;
  const stride = field.element.size;
  if (stride <= 0) return 0;
  return Math.max(0, Math.floor((end - (shift + field.offset)) / stride));
}

/** How many objects a placement puts in an object of `objectSize` bytes: its count, or, for "as many as fit" (a negative count), those that fit whole. */
export function placedCount(placement: CPlacement, stride: number, objectSize: number): number {
  if (placement.count >= 0) return placement.count;
  return stride > 0 ? Math.max(0, Math.floor((objectSize - placement.offset) / stride)) : 0;
}

/**
 * The field a byte of the object is in, as a C expression from the placed type ("mutex1",
 * "slots[3].lock", "[2].head" for the third of several placed objects), with "+N" when the byte is
 * not the field's first; descending no deeper than `stop` says (a lock type is named, not its
 * glibc insides). Undefined outside the placed objects or in padding.
 */
export function fieldPathAt(layout: CLayout, placement: CPlacement, offset: number, stop: (field: CField) => boolean = () => false): string | undefined {
  const size = layout.root.size;
  if (size <= 0 || offset < placement.offset) return undefined;
  const index = Math.floor((offset - placement.offset) / size);
  if (placement.count >= 0 && index >= placement.count) return undefined;
  const prefix = placement.count === 1 ? '' : `[${index}]`;
  return pathIn(layout.root, placement.offset + index * size, offset, prefix, stop);
}

function pathIn(field: CField, shift: number, offset: number, path: string, stop: (field: CField) => boolean): string | undefined {
  const start = shift + field.offset;
  if (offset < start || offset >= start + field.size) return undefined;
  const here = () => (offset === start ? path : `${path}+${offset - start}`);
  if (stop(field)) return here();
  if ((field.kind === 'struct' || field.kind === 'union') && field.members) {
    for (const member of field.members) {
      const name = member.anonymous ? path : path ? `${path}.${member.name}` : member.name;
      const found = pathIn(member, shift, offset, name, stop);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (field.kind === 'array' && field.element && field.element.size > 0) {
    const i = Math.floor((offset - start) / field.element.size);
    return pathIn(field.element, shift + i * field.element.size, offset, `${path}[${i}]`, stop);
  }
  return here();
}
