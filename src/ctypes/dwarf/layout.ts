// A type's DWARF description turned into the layout model the compiler probe produces (CLayout), so
// the fields panel cannot tell where a layout came from: same names, type texts, kinds, absolute
// offsets, sizes, alignments, bit positions (as the probe numbers them), enums. What C cannot say and
// DWARF can is mapped onto the same model:
// - C++ base classes are members named `(base NAME)` at their offset; a virtual base whose offset
//   DWARF gives only as an expression is a zero-size `other` member saying its offset is known only
//   at run time. References and rvalue references are pointers (`T &`, `T &&`).
// - A Rust enum with data (DW_TAG_variant_part) is a union: its discriminant first, as an `enum`
//   whose constants are the variants' names and discriminant values (so the panel says which variant
//   is active), then one struct member per variant at its offset. A niche-optimized enum's untagged
//   variant has no value of its own: it is the one the discriminant names no constant for.
// Alignment: DW_AT_alignment when given (rustc, and C/C++ `aligned` in DWARF 5); otherwise the
// natural alignment of the target (scalars by size, capped by the ABI), and a record's is the
// largest its members' offsets and its size allow (so `packed` and `#pragma pack` come out right).
//
// Bounded: a typedef or qualifier chain over 64 links is a loop, nesting over 64 levels is refused,
// as are more than 50,000 members and array levels and sizes past 2^50 bytes.
//
// Over 600 lines on purpose: one class, the one place every DWARF type construct meets the model
// (names, sizes, alignment, members, bit-fields, arrays, enums, bases, variants); the helpers that
// need no state are in dieValues.ts.
import type { CEnum, CField, CFieldKind } from '../../shared/cLayout';
import * as l10n from '../../shared/l10n';
import { DwarfError } from './bytes';
import { C_LANGUAGES, DW_AT, DW_ATE, DW_FORM, DW_LANG_Rust, DW_TAG, X87_MACHINES } from './constants';
import { bigEndianBits, constant, constantText, isPointerTag, isStatic, memberOffset, naturalAlign, signedByForm } from './dieValues';
import { Die, DwarfInfo, numberOf, stringOf, Unit } from './info';
import { spelledName } from './names';

export const MAX_FIELDS = 50_000;
const MAX_DEPTH = 64;
const MAX_BYTES = 2 ** 50;

export interface LayoutSource {
  info: DwarfInfo;
  /** e_machine of the file: says the ABI's largest scalar alignment and the long double format. */
  machine: number;
  /** The definition of a type only declared where it is used, by its spelled name. */
  definition(name: string): number | undefined;
  /** The qualified scope prefix (`ring::`) of the named type DIE at `offset`; undefined: it has none. */
  prefixAt(offset: number): string | undefined;
}

const RECORD_TAGS = new Set<number>([DW_TAG.structure_type, DW_TAG.class_type, DW_TAG.union_type]);
const QUALIFIERS: Record<number, string> = {
  [DW_TAG.const_type]: 'const',
  [DW_TAG.volatile_type]: 'volatile',
  [DW_TAG.restrict_type]: 'restrict',
  [DW_TAG.atomic_type]: '_Atomic',
};

export class Layouter {
  readonly enums: CEnum[] = [];
  private readonly enumIndex = new Map<number, number>();
  private readonly dies = new Map<number, Die>();
  private readonly aligns = new Map<number, number>();
  private fields = 0;

  constructor(private readonly src: LayoutSource) {}

  get info(): DwarfInfo {
    return this.src.info;
  }

  die(offset: number): Die {
    let die = this.dies.get(offset);
    if (!die) {
      const read = this.info.readDie(offset);
      if (!read) throw new DwarfError(l10n.t('A debug reference points to offset {0}, where no DIE starts.', offset));
      die = read;
      this.dies.set(offset, die);
    }
    return die;
  }

  /** The DIE an attribute refers to (DW_AT_type...), or undefined (void). */
  target(die: Die, at: number = DW_AT.type): Die | undefined {
    const offset = this.info.resolve(die.attrs.get(at));
    return offset === undefined ? undefined : this.die(offset);
  }

  language(die: Die): number {
    return this.info.top(die.unit).language;
  }

  private prefix(die: Die): string {
    if (C_LANGUAGES.has(this.language(die))) return '';
    return this.src.prefixAt(die.offset) ?? '';
  }

  /** A named type's spelling; an unnamed record or enum is `struct {…}`, `union {…}`, `enum {…}`. */
  private named(die: Die): string {
    const name = stringOf(die.attrs.get(DW_AT.name));
    const specification = name === undefined ? this.info.resolve(die.attrs.get(DW_AT.specification)) : undefined;
    if (specification !== undefined && specification !== die.offset) {
      // A definition outside its scope is named (and scoped) by its declaration.
      const declaration = this.die(specification);
      if (stringOf(declaration.attrs.get(DW_AT.name)) !== undefined) return this.named(declaration);
    }
    if (name === undefined) {
      const keyword = die.tag === DW_TAG.union_type ? 'union' : die.tag === DW_TAG.enumeration_type ? 'enum' : 'struct';
      return `${keyword} {…}`;
    }
    return spelledName(die.tag, name, this.prefix(die), this.language(die));
  }

  /** How a type reads in the fields panel: `uint32_t`, `struct sensor[4]`, `const char *`, `ring::Slot<Msg>`. */
  text(die: Die | undefined, depth = 0): string {
    if (!die) return 'void';
    if (depth > MAX_DEPTH) return '…';
    const inner = (at = DW_AT.type) => this.text(this.target(die, at), depth + 1);
    switch (die.tag) {
      case DW_TAG.base_type:
      case DW_TAG.unspecified_type:
        return stringOf(die.attrs.get(DW_AT.name)) ?? '?';
      case DW_TAG.structure_type:
      case DW_TAG.class_type:
      case DW_TAG.union_type:
      case DW_TAG.enumeration_type:
      case DW_TAG.typedef:
        return this.named(die.attrs.has(DW_AT.signature) ? this.definition(die) : die);
      case DW_TAG.pointer_type: {
        const own = stringOf(die.attrs.get(DW_AT.name));
        if (own !== undefined) return own; // rustc names its pointers: `&str`, `*const u8`
        const to = this.target(die);
        if (to && this.strip(to, depth + 1)?.tag === DW_TAG.subroutine_type) return `${this.text(this.target(this.strip(to, depth + 1)!), depth + 1)} (*)(…)`;
        return `${inner()} *`;
      }
      case DW_TAG.reference_type:
        return `${inner()} &`;
      case DW_TAG.rvalue_reference_type:
        return `${inner()} &&`;
      case DW_TAG.const_type:
      case DW_TAG.volatile_type:
      case DW_TAG.restrict_type:
      case DW_TAG.atomic_type: {
        const to = this.target(die);
        const word = QUALIFIERS[die.tag];
        return to && isPointerTag(to.tag) ? `${this.text(to, depth + 1)} ${word}` : `${word} ${this.text(to, depth + 1)}`;
      }
      case DW_TAG.array_type: {
        const dims = this.dimensions(die);
        if (this.language(die) === DW_LANG_Rust) return dims.reduceRight((element, n) => `[${element}; ${n < 0 ? '_' : n}]`, inner());
        // C's spelling puts an array of arrays' dimensions outermost first: int[2][3].
        let element = this.target(die);
        while (element && element.tag === DW_TAG.array_type && !element.attrs.has(DW_AT.name) && dims.length < MAX_DEPTH) {
          dims.push(...this.dimensions(element));
          element = this.target(element);
        }
        return `${this.text(element, depth + 1)}${dims.map((n) => (n < 0 ? '[]' : `[${n}]`)).join('')}`;
      }
      case DW_TAG.subroutine_type:
        return `${inner()} (…)`;
      case DW_TAG.ptr_to_member_type:
        return `${inner()} ${this.text(this.target(die, DW_AT.containing_type), depth + 1)}::*`;
      default:
        return stringOf(die.attrs.get(DW_AT.name)) ?? '?';
    }
  }

  /** Follows typedefs and qualifiers (and a declaration to its definition) down to the type itself. */
  strip(die: Die | undefined, depth = 0): Die | undefined {
    for (let hops = 0; die; hops++) {
      if (hops + depth > MAX_DEPTH) throw new DwarfError(l10n.t('A typedef or qualifier chain in the debug information is too long (a loop?).'));
      if (die.tag === DW_TAG.typedef || QUALIFIERS[die.tag]) die = this.target(die);
      else return this.definition(die);
    }
    return undefined;
  }

  /** A record or enum only declared here: its definition, found through its type unit or by name. */
  definition(die: Die): Die {
    // A type unit's stub (DWARF 4 .debug_types, DWARF 5 DW_UT_type) may carry only the signature.
    const signature = die.attrs.get(DW_AT.signature);
    if (signature !== undefined) return this.die(this.info.resolve(signature)!);
    if (!die.attrs.get(DW_AT.declaration) || !(RECORD_TAGS.has(die.tag) || die.tag === DW_TAG.enumeration_type)) return die;
    const name = this.named(die);
    const offset = this.src.definition(name);
    if (offset === undefined || offset === die.offset) {
      throw new DwarfError(l10n.t('"{0}" is declared but never defined in this debug information: its layout is unknown.', name));
    }
    return this.die(offset);
  }

  /** The count of each dimension of an array type; -1 for one without a bound (flexible, or a variable length). */
  dimensions(die: Die): number[] {
    const dims: number[] = [];
    for (const sub of this.info.children(die)) {
      if (sub.tag !== DW_TAG.subrange_type) continue;
      const count = sub.attrs.get(DW_AT.count);
      const upper = sub.attrs.get(DW_AT.upper_bound);
      const lower = constant(sub, DW_AT.lower_bound) ?? 0n;
      let n = -1n;
      if (typeof count === 'number' || typeof count === 'bigint') n = BigInt(count);
      else if (typeof upper === 'number' || typeof upper === 'bigint') {
        const form = sub.forms.get(DW_AT.upper_bound)!;
        const bound = signedByForm(BigInt(upper), form);
        n = bound - lower + 1n;
      }
      if (n < -1n || n > BigInt(MAX_BYTES)) {
        throw new DwarfError(l10n.t('An array in the debug information (offset {0}) claims {1} elements.', die.offset, n.toString()));
      }
      dims.push(n < 0n ? -1 : Number(n));
    }
    if (dims.length === 0) dims.push(-1);
    return dims;
  }

  private count(): void {
    if (++this.fields > MAX_FIELDS) throw new DwarfError(l10n.t('The type has more than {0} members and array levels: too large to lay out.', MAX_FIELDS));
  }

  /** The field `name` of type `typeDie` at absolute byte `at`. */
  field(name: string, typeDie: Die | undefined, at: number, depth: number): CField {
    if (depth > MAX_DEPTH) throw new DwarfError(l10n.t('The type nests too deeply (a struct that contains itself?).'));
    this.count();
    const text = this.text(typeDie);
    const d = this.strip(typeDie);
    if (!d) throw new DwarfError(l10n.t('"{0}" has no type (void): it has no layout.', name));
    const base = { name, type: text, offset: at };
    switch (d.tag) {
      case DW_TAG.base_type:
        return { ...base, ...this.scalar(d) };
      case DW_TAG.enumeration_type:
        return { ...base, kind: 'enum', size: this.sizeOf(d), align: this.alignOf(d), signed: this.enumSigned(d), enumIndex: this.enumOf(d) };
      case DW_TAG.pointer_type:
      case DW_TAG.reference_type:
      case DW_TAG.rvalue_reference_type:
      case DW_TAG.unspecified_type:
        return { ...base, kind: 'pointer', size: this.sizeOf(d), align: this.alignOf(d) };
      case DW_TAG.ptr_to_member_type:
        return { ...base, kind: this.sizeOf(d) > d.unit.addressSize ? 'other' : 'pointer', size: this.sizeOf(d), align: this.alignOf(d) };
      case DW_TAG.structure_type:
      case DW_TAG.class_type:
      case DW_TAG.union_type:
        return this.record(d, name, text, at, depth);
      case DW_TAG.array_type:
        return this.array(name, d, at, depth);
      default:
        throw new DwarfError(l10n.t('"{0}" has a type the reader does not lay out (DWARF tag 0x{1}).', name, d.tag.toString(16)));
    }
  }

  private scalar(d: Die): { kind: CFieldKind; size: number; align: number; signed?: boolean; char?: boolean; mantissa?: number } {
    const encoding = numberOf(d.attrs.get(DW_AT.encoding)) ?? 0;
    const size = this.sizeOf(d);
    const align = this.alignOf(d);
    const name = stringOf(d.attrs.get(DW_AT.name)) ?? '';
    switch (encoding) {
      case DW_ATE.boolean:
        return { kind: 'bool', size, align };
      case DW_ATE.float: {
        const mantissa = name === 'float' ? 24 : name === 'double' ? 53 : name === 'long double' ? this.longDoubleMantissa(size) : undefined;
        return mantissa ? { kind: 'float', size, align, mantissa } : { kind: 'float', size, align };
      }
      case DW_ATE.signed:
      case DW_ATE.signed_char:
      case DW_ATE.unsigned:
      case DW_ATE.unsigned_char:
      case DW_ATE.UTF:
      case DW_ATE.UCS:
      case DW_ATE.ASCII: {
        const signed = encoding === DW_ATE.signed || encoding === DW_ATE.signed_char;
        const field: { kind: CFieldKind; size: number; align: number; signed: boolean; char?: boolean } = { kind: 'int', size, align, signed };
        if (name === 'char' && size === 1) field.char = true;
        return field;
      }
      case DW_ATE.address:
        return { kind: 'pointer', size, align };
      default:
        return { kind: 'other', size, align };
    }
  }

  private longDoubleMantissa(size: number): number {
    if (X87_MACHINES.has(this.src.machine) && size >= 10) return 64;
    return size === 16 ? 113 : 53;
  }

  enumSigned(d: Die): boolean {
    const underlying = this.strip(this.target(d));
    if (underlying?.tag === DW_TAG.base_type) {
      const encoding = numberOf(underlying.attrs.get(DW_AT.encoding));
      return encoding === DW_ATE.signed || encoding === DW_ATE.signed_char;
    }
    // No underlying type (DWARF 2, some producers): signed when a constant is negative.
    return this.info
      .children(d)
      .some((e) => e.forms.get(DW_AT.const_value) === DW_FORM.sdata && BigInt(e.attrs.get(DW_AT.const_value) as number | bigint) < 0n);
  }

  enumOf(d: Die): number {
    const known = this.enumIndex.get(d.offset);
    if (known !== undefined) return known;
    const signed = this.enumSigned(d);
    const constants = this.info
      .children(d)
      .filter((e) => e.tag === DW_TAG.enumerator)
      .map((e) => ({ name: stringOf(e.attrs.get(DW_AT.name)) ?? '?', value: constantText(e, DW_AT.const_value, signed) }));
    const index = this.enums.length;
    this.enums.push({ name: this.named(d), constants });
    this.enumIndex.set(d.offset, index);
    return index;
  }

  sizeOf(d: Die, depth = 0): number {
    if (depth > MAX_DEPTH) throw new DwarfError(l10n.t('A typedef or qualifier chain in the debug information is too long (a loop?).'));
    const size = d.attrs.get(DW_AT.byte_size);
    if (typeof size === 'number') {
      if (size < 0 || size > MAX_BYTES) throw new DwarfError(l10n.t('A type in the debug information (offset {0}) claims {1} bytes.', d.offset, size));
      return size;
    }
    if (typeof size === 'bigint') throw new DwarfError(l10n.t('A type in the debug information (offset {0}) claims {1} bytes.', d.offset, size.toString()));
    switch (d.tag) {
      case DW_TAG.pointer_type:
      case DW_TAG.reference_type:
      case DW_TAG.rvalue_reference_type:
      case DW_TAG.unspecified_type:
        return d.unit.addressSize;
      case DW_TAG.ptr_to_member_type:
        return this.strip(this.target(d))?.tag === DW_TAG.subroutine_type ? 2 * d.unit.addressSize : d.unit.addressSize;
      case DW_TAG.array_type: {
        const element = this.strip(this.target(d));
        if (!element) return 0;
        let total = this.sizeOf(element, depth + 1);
        for (const n of this.dimensions(d)) total *= Math.max(0, n);
        if (total > MAX_BYTES) throw new DwarfError(l10n.t('A type in the debug information (offset {0}) claims {1} bytes.', d.offset, total));
        return total;
      }
      case DW_TAG.enumeration_type: {
        const underlying = this.strip(this.target(d));
        return underlying ? this.sizeOf(underlying, depth + 1) : 4;
      }
      default: {
        const next = this.strip(d.tag === DW_TAG.typedef || QUALIFIERS[d.tag] ? d : undefined);
        if (next && next !== d) return this.sizeOf(next, depth + 1);
        if (d.attrs.get(DW_AT.declaration)) {
          throw new DwarfError(l10n.t('"{0}" is declared but never defined in this debug information: its layout is unknown.', this.named(d)));
        }
        return 0;
      }
    }
  }

  /** The ABI's largest scalar alignment. */
  private maxScalarAlign(unit: Unit): number {
    switch (this.src.machine) {
      case 3: // EM_386: long long and double align to 4 in records
        return 4;
      case 40: // EM_ARM
        return 8;
      default:
        return unit.addressSize === 8 ? 16 : 8;
    }
  }

  alignOf(d: Die, depth = 0): number {
    if (depth > MAX_DEPTH) throw new DwarfError(l10n.t('The type nests too deeply (a struct that contains itself?).'));
    const explicit = numberOf(d.attrs.get(DW_AT.alignment));
    if (explicit && explicit > 0 && (explicit & (explicit - 1)) === 0) return explicit;
    const known = this.aligns.get(d.offset);
    if (known !== undefined) return known;
    let align = 1;
    switch (d.tag) {
      case DW_TAG.base_type:
      case DW_TAG.pointer_type:
      case DW_TAG.reference_type:
      case DW_TAG.rvalue_reference_type:
      case DW_TAG.unspecified_type:
      case DW_TAG.ptr_to_member_type: {
        const size = d.tag === DW_TAG.ptr_to_member_type ? d.unit.addressSize : this.sizeOf(d);
        align = naturalAlign(size, this.maxScalarAlign(d.unit));
        break;
      }
      case DW_TAG.enumeration_type: {
        const underlying = this.strip(this.target(d));
        align = underlying ? this.alignOf(underlying, depth + 1) : naturalAlign(this.sizeOf(d), this.maxScalarAlign(d.unit));
        break;
      }
      case DW_TAG.array_type: {
        const element = this.strip(this.target(d));
        align = element ? this.alignOf(element, depth + 1) : 1;
        break;
      }
      case DW_TAG.structure_type:
      case DW_TAG.class_type:
      case DW_TAG.union_type:
        align = this.recordAlign(d, depth);
        break;
      default: {
        const next = this.strip(d);
        align = next && next !== d ? this.alignOf(next, depth + 1) : 1;
      }
    }
    this.aligns.set(d.offset, align);
    return align;
  }

  /** A record's alignment: its members' largest, lowered as far as packing shows in their offsets and its size. */
  private recordAlign(d: Die, depth: number): number {
    const size = this.sizeOf(d);
    const placed: Array<{ offset: number; align: number }> = [];
    let natural = 1;
    for (const m of this.info.children(d)) {
      if (m.tag !== DW_TAG.member && m.tag !== DW_TAG.inheritance) continue;
      if (isStatic(m)) continue;
      const type = this.strip(this.target(m));
      if (!type) continue;
      const align = this.alignOf(type, depth + 1);
      natural = Math.max(natural, align);
      const offset = memberOffset(m);
      if (m.attrs.has(DW_AT.bit_size) || offset === undefined) continue; // a bit-field's storage unit says nothing of packing
      placed.push({ offset, align });
    }
    for (const part of this.info.children(d)) {
      if (part.tag !== DW_TAG.variant_part) continue;
      for (const variant of this.info.children(part)) {
        for (const m of this.info.children(variant)) {
          const type = this.strip(this.target(m));
          if (type) natural = Math.max(natural, this.alignOf(type, depth + 1));
        }
      }
    }
    for (let p = natural; p > 1; p /= 2) {
      if (size % p === 0 && placed.every((m) => m.offset % Math.min(p, m.align) === 0)) return p;
    }
    return 1;
  }

  private record(d: Die, name: string, text: string, at: number, depth: number): CField {
    const size = this.sizeOf(d);
    const members = this.members(d, at, size, depth);
    return {
      name,
      type: text,
      kind: d.tag === DW_TAG.union_type || this.isRustEnum(d) ? 'union' : 'struct',
      offset: at,
      size,
      align: this.alignOf(d),
      members,
    };
  }

  private isRustEnum(d: Die): boolean {
    return this.info.children(d).some((c) => c.tag === DW_TAG.variant_part);
  }

  private members(d: Die, at: number, size: number, depth: number): CField[] {
    const out: CField[] = [];
    for (const m of this.info.children(d)) {
      if (m.tag === DW_TAG.member) {
        const field = this.member(m, at, size, depth);
        if (field) out.push(field);
      } else if (m.tag === DW_TAG.inheritance) {
        out.push(this.base(m, at, depth));
      } else if (m.tag === DW_TAG.variant_part) {
        this.variantOwners.set(m.offset, d.offset);
        out.push(...this.variants(m, at, size, depth));
      }
    }
    return out;
  }

  private member(m: Die, at: number, recordSize: number, depth: number): CField | undefined {
    if (isStatic(m)) return undefined;
    const name = stringOf(m.attrs.get(DW_AT.name));
    const type = this.target(m);
    if (m.attrs.has(DW_AT.bit_size)) return name === undefined ? undefined : this.bitField(m, name, type, at, recordSize);
    const offset = memberOffset(m) ?? 0;
    if (m.attrs.has(DW_AT.data_member_location) && memberOffset(m) === undefined) {
      throw new DwarfError(l10n.t('The member "{0}" has a location the reader cannot work out.', name ?? '?'));
    }
    if (offset > recordSize) {
      throw new DwarfError(l10n.t('The member "{0}" lies past the end of its record ({1} > {2} bytes).', name ?? '?', offset, recordSize));
    }
    if (name === undefined) {
      const record = this.strip(type);
      if (!record || !RECORD_TAGS.has(record.tag)) return undefined;
      return this.anonymous(record, at + offset, depth);
    }
    return this.field(name, type, at + offset, depth + 1);
  }

  /** An unnamed struct or union member: its place worked out from its members, as the probe does. */
  private anonymous(record: Die, at: number, depth: number): CField | undefined {
    this.count();
    const union = record.tag === DW_TAG.union_type;
    const members = this.members(record, at, this.sizeOf(record), depth + 1);
    if (members.length === 0) return undefined;
    const start = Math.min(...members.map((m) => m.offset));
    const end = Math.max(...members.map((m) => m.offset + m.size), start);
    return {
      name: union ? '(anonymous union)' : '(anonymous struct)',
      type: union ? 'union {…}' : 'struct {…}',
      kind: union ? 'union' : 'struct',
      offset: start,
      size: end - start,
      align: Math.max(1, ...members.map((m) => m.align)),
      members,
      anonymous: true,
    };
  }

  private bitField(m: Die, name: string, type: Die | undefined, at: number, recordSize: number): CField {
    this.count();
    const width = numberOf(m.attrs.get(DW_AT.bit_size)) ?? 0;
    if (width <= 0 || width > 128) throw new DwarfError(l10n.t('The bit-field "{0}" claims {1} bits.', name, width));
    const little = this.info.littleEndian;
    /** The field's first bit in memory order: from bit 0 of byte 0 upwards (little endian), from the top bit of byte 0 down (big endian). */
    let position: number;
    const dataBitOffset = numberOf(m.attrs.get(DW_AT.data_bit_offset));
    if (dataBitOffset !== undefined) {
      position = at * 8 + dataBitOffset;
    } else {
      // DWARF 2/3 (and gcc's DWARF 4): the storage unit's byte offset and size, and the bits from its top bit to the field's.
      const unit = numberOf(m.attrs.get(DW_AT.byte_size)) ?? this.sizeOf(this.strip(type) ?? m);
      const raw = m.attrs.get(DW_AT.bit_offset);
      const bitOffset = typeof raw === 'number' ? raw : 0;
      const location = at * 8 + (memberOffset(m) ?? 0) * 8;
      position = little ? location + unit * 8 - bitOffset - width : location + bitOffset;
    }
    const bits = little ? { first: position, width } : bigEndianBits(position, width);
    if (bits.first < at * 8 || bits.first + bits.width > (at + recordSize) * 8) {
      throw new DwarfError(l10n.t('The bit-field "{0}" lies outside its record.', name));
    }
    const d = this.strip(type);
    const text = `${this.text(type)} : ${width}`;
    const offset = Math.floor(bits.first / 8);
    const size = Math.floor((bits.first + bits.width - 1) / 8) - offset + 1;
    const field: CField = { name, type: text, kind: 'int', offset, size, align: 1, bits };
    if (d?.tag === DW_TAG.enumeration_type) {
      field.kind = 'enum';
      field.signed = this.enumSigned(d);
      field.enumIndex = this.enumOf(d);
    } else if (d?.tag === DW_TAG.base_type && numberOf(d.attrs.get(DW_AT.encoding)) === DW_ATE.boolean) {
      field.kind = 'bool';
    } else {
      const encoding = d ? numberOf(d.attrs.get(DW_AT.encoding)) : undefined;
      field.signed = encoding === DW_ATE.signed || encoding === DW_ATE.signed_char;
    }
    return field;
  }

  private base(m: Die, at: number, depth: number): CField {
    const type = this.target(m);
    const text = this.text(type);
    const offset = memberOffset(m);
    if (offset === undefined) {
      this.count();
      return {
        name: l10n.t('(virtual base {0})', text),
        type: l10n.t('{0} (virtual base: offset known only at run time)', text),
        kind: 'other',
        offset: at,
        size: 0,
        align: 1,
      };
    }
    return this.field(l10n.t('(base {0})', text), type, at + offset, depth + 1);
  }

  /** A Rust enum's variant part: the discriminant as an enum of the variants' names, then each variant. */
  private variants(part: Die, at: number, recordSize: number, depth: number): CField[] {
    const out: CField[] = [];
    const discrOffset = this.info.resolve(part.attrs.get(DW_AT.discr));
    const children = this.info.children(part);
    let discriminant: CField | undefined;
    const discrDie = children.find((c) => c.offset === discrOffset && c.tag === DW_TAG.member);
    if (discrDie) {
      const offset = memberOffset(discrDie);
      if (offset === undefined || offset > recordSize) throw new DwarfError(l10n.t("A Rust enum's discriminant has a location the reader cannot work out."));
      discriminant = this.field(stringOf(discrDie.attrs.get(DW_AT.name)) ?? l10n.t('(variant)'), this.target(discrDie), at + offset, depth + 1);
      if (discriminant && discriminant.kind === 'int') {
        const signed = discriminant.signed === true;
        const constants: CEnum['constants'] = [];
        for (const variant of children) {
          if (variant.tag !== DW_TAG.variant || !variant.attrs.has(DW_AT.discr_value)) continue;
          const names = this.info.children(variant).map((v) => stringOf(v.attrs.get(DW_AT.name)) ?? '?');
          constants.push({ name: names.join(', '), value: constantText(variant, DW_AT.discr_value, signed, discriminant.size) });
        }
        this.enums.push({ name: l10n.t('variants of {0}', this.named(this.die(this.parentRecord(part)))), constants });
        discriminant.kind = 'enum';
        discriminant.enumIndex = this.enums.length - 1;
      }
      if (discriminant) out.push(discriminant);
    }
    for (const variant of children) {
      if (variant.tag !== DW_TAG.variant) continue;
      for (const m of this.info.children(variant)) {
        if (m.tag !== DW_TAG.member || m === discrDie) continue;
        const field = this.member(m, at, recordSize, depth);
        if (field) out.push(field);
      }
    }
    return out;
  }

  /** The record a variant part belongs to (the variant part is its direct child). */
  private parentRecord(part: Die): number {
    return this.variantOwners.get(part.offset) ?? part.offset;
  }

  private readonly variantOwners = new Map<number, number>();

  private array(name: string, d: Die, at: number, depth: number): CField {
    const dims = this.dimensions(d);
    const elementType = this.target(d);
    const elementText = this.text(elementType);
    const build = (level: number, fieldName: string, text: string): CField => {
      if (level === dims.length) return this.field(fieldName, elementType, at, depth + level + 1);
      this.count();
      const rest = dims
        .slice(level + 1)
        .map((n) => (n < 0 ? '[]' : `[${n}]`))
        .join('');
      const element = build(level + 1, '[0]', `${elementText}${rest}`);
      const count = dims[level];
      const size = count < 0 ? 0 : count * element.size;
      if (size > MAX_BYTES) throw new DwarfError(l10n.t('An array in the debug information (offset {0}) claims {1} elements.', d.offset, count));
      return { name: fieldName, type: text, kind: 'array', offset: at, size, align: element.align, element, count };
    };
    return build(0, name, this.text(d));
  }
}
