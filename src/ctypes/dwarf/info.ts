// The debugging information entries (DIEs) of an ELF file's DWARF, versions 2 to 5: unit headers of
// .debug_info and .debug_types (compile, partial and type units, 32- and 64-bit DWARF), abbreviation
// tables, and every attribute form (strx/addrx, implicit_const, ref_sig8, data16, indirect...),
// with strings from .debug_str, .debug_line_str and .debug_str_offsets.
//
// Hand-written: no npm package reads DWARF types from ELF (searched: the only DWARF packages are
// a WebAssembly symbol server for Chrome DevTools' wasm debugging, @vscode/dwarf-debugging, which
// reads wasm modules and ships a large LLVM build, and unmaintained address-to-line readers); LLVM or
// libdw compiled to WebAssembly would be megabytes for the small part used here (types, not code).
//
// DIE offsets are global: .debug_info offsets as they are, .debug_types offsets after the end of
// .debug_info, so one number names any DIE. Nothing here trusts the file: offsets are checked
// against their section, references against their unit, and every walk is bounded by its section.
//
// Over 600 lines on purpose: the unit headers, abbreviations and attribute forms are one format
// (DWARF's section 7), each read in terms of the others; apart, every piece would import the rest.
import * as l10n from '../../shared/l10n';
import { Cursor, DwarfError, stringAt } from './bytes';
import { DW_AT, DW_FORM, DW_TAG, DW_UT } from './constants';
import { equalBytes, fixedSize, hashBytes, VARIABLE, variableForm } from './forms';

export interface DwarfSections {
  info: Uint8Array;
  abbrev: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
  types?: Uint8Array;
  line?: Uint8Array;
  /** For sections read piece by piece when first needed (lazySections.ts): called before reading. */
  loader?: SectionLoader;
}

export type SectionName = Exclude<keyof DwarfSections, 'loader'>;

/** Reads the parts of sections a reader is about to use (DwarfInfo calls it before reading). */
export interface SectionLoader {
  /** Bytes [start, end) of a section (section offsets) are there after this. */
  ensure(section: SectionName, start: number, end: number): void;
  /** The NUL-terminated string at `offset` of a string section is there after this. */
  ensureString(section: SectionName, offset: number): void;
  /** The string at `offset` of .debug_str or .debug_line_str, read on its own (undefined: that section is in memory). */
  text(section: 'str' | 'lineStr', offset: number): string | undefined;
  /** The section offset of the first byte of the section's array (a window's start; 0 for whole sections). */
  windowStart(section: 'info' | 'types'): number;
  /** The section's size (its array may be a window of it). */
  size(section: SectionName): number;
}

export interface Unit {
  /** 0 for .debug_info, 1 for .debug_types. */
  section: 0 | 1;
  /** Global offset of the unit's header. */
  start: number;
  /** Global offset just past the unit. */
  end: number;
  /** Global offset of the unit's first DIE. */
  firstDie: number;
  version: number;
  unitType: number;
  addressSize: number;
  offsetSize: number;
  abbrevOffset: number;
  /** A type unit's signature and its type's global offset. */
  signature?: bigint;
  typeOffset?: number;
  /** From the unit's own DIE, read once it is needed. */
  top?: UnitTop;
}

export interface UnitTop {
  language: number;
  strOffsetsBase: number;
  stmtList?: number;
  compDir?: string;
  name?: string;
}

export class Ref {
  constructor(readonly offset: number) {}
}

/** A type unit's signature, to look up among the type units (DW_FORM_ref_sig8). */
export class Signature {
  constructor(readonly value: bigint) {}
}

export type Value = number | bigint | string | boolean | Uint8Array | Ref | Signature;

export interface Die {
  offset: number;
  tag: number;
  hasChildren: boolean;
  unit: Unit;
  attrs: Map<number, Value>;
  forms: Map<number, number>;
  /** Global offset just past the DIE's attributes: its first child, if it has children. */
  end: number;
}

export interface Abbrev {
  tag: number;
  hasChildren: boolean;
  attrs: number[];
  forms: number[];
  consts: Array<bigint | undefined>;
  /** The attributes' total size when every form has a fixed one (for this unit shape), else -1. */
  fixed: number;
  nameAt: number;
  siblingAt: number;
  declarationAt: number;
  specificationAt: number;
  declFileAt: number;
  /** The sibling's byte position from the DIE's first attribute when every attribute before it has a fixed size, else -1. */
  siblingPos: number;
  /** What the index walk does with such a DIE: 0 nothing (skip or jump), 1 a named type it lists, 2 a namespace. */
  kind: 0 | 1 | 2;
}

/**
 * A unit's abbreviation table: where each code's declaration is, found by one scan, and its
 * declaration made the first time a DIE uses it. A layout read from the cache uses a dozen of a
 * unit's hundreds (making all of them was most of its time); the index walk uses them all.
 */
export class AbbrevTable {
  private readonly made = new Map<number, Abbrev>();

  constructor(
    /** Code -> where its declaration (tag, children, attributes) starts and ends in .debug_abbrev. */
    private readonly places: Map<number, { start: number; end: number }>,
    private readonly make: (start: number, end: number) => Abbrev,
  ) {}

  get(code: number): Abbrev | undefined {
    let abbrev = this.made.get(code);
    if (abbrev) return abbrev;
    const place = this.places.get(code);
    if (!place) return undefined;
    abbrev = this.make(place.start, place.end);
    this.made.set(code, abbrev);
    return abbrev;
  }

  codes(): IterableIterator<number> {
    return this.places.keys();
  }
}

/** What is read at once of a lazily read section (see DwarfInfo.lazily). */
const LAZY_AHEAD = 4096;

/** Abbreviation codes below this are looked up by index (producers number them from 1). */
export const MAX_DENSE_CODE = 1 << 16;

/** Units beyond this are refused: a hostile header could claim millions of empty ones. */
const MAX_UNITS = 4_000_000;

export class DwarfInfo {
  readonly units: Unit[] = [];
  /** Type unit signature -> the type's global offset. */
  readonly signatures = new Map<bigint, number>();
  private readonly abbrevTables = new Map<string, AbbrevTable>();
  readonly infoLength: number;

  constructor(
    readonly sections: DwarfSections,
    readonly littleEndian: boolean,
  ) {
    this.infoLength = sections.loader ? sections.loader.size('info') : sections.info.length;
  }

  /** A cursor over the section holding global offset `offset`, placed there. */
  cursorAt(offset: number): Cursor {
    if (offset < this.infoLength) return new Cursor(this.sections.info, this.littleEndian, '.debug_info', offset - this.sectionBase(offset));
    return new Cursor(this.sections.types ?? new Uint8Array(0), this.littleEndian, '.debug_types', offset - this.sectionBase(offset));
  }

  /**
   * Reads with `read` what starts at global `offset`, making sure the bytes it read are there when
   * the sections are read lazily: a first piece, then as much more as the read went past it (a
   * read that stays inside what is there read only real bytes).
   */
  private lazily<T>(offset: number, read: () => { value: T; end: number }): T {
    const loader = this.sections.loader;
    if (!loader) return read().value;
    const start = this.sectionStart(offset);
    const section = start === 0 ? 'info' : 'types';
    let ahead = LAZY_AHEAD;
    for (;;) {
      loader.ensure(section, offset - start, offset - start + ahead);
      const { value, end } = read();
      if (end - offset <= ahead) return value;
      ahead = Math.max(ahead * 4, end - offset + LAZY_AHEAD);
    }
  }

  /** Takes unit headers known already (from the index cache) instead of reading them. */
  setUnits(units: Unit[]): void {
    this.units.length = 0;
    this.signatures.clear();
    for (const unit of units) {
      this.units.push(unit);
      if (unit.signature !== undefined && unit.typeOffset !== undefined && !this.signatures.has(unit.signature)) {
        this.signatures.set(unit.signature, unit.typeOffset);
      }
    }
  }

  /** Reads every unit header (not the DIEs): cheap, a jump from one header to the next. */
  readUnitHeaders(): void {
    this.readHeadersOf(this.sections.info, 0);
    if (this.sections.types) this.readHeadersOf(this.sections.types, 1);
  }

  private readHeadersOf(bytes: Uint8Array, section: 0 | 1): void {
    const base = section === 0 ? 0 : this.infoLength;
    const name = section === 0 ? '.debug_info' : '.debug_types';
    const c = new Cursor(bytes, this.littleEndian, name);
    while (c.at < bytes.length) {
      if (this.units.length >= MAX_UNITS) throw new DwarfError(l10n.t('The debug section {0} has more than {1} units.', name, MAX_UNITS));
      const start = c.at;
      let length = c.u32();
      let offsetSize = 4;
      if (length === 0xffffffff) {
        length = c.u64();
        offsetSize = 8;
      } else if (length >= 0xfffffff0) {
        throw new DwarfError(l10n.t('The debug section {0} has a unit of unknown format at offset {1}.', name, start));
      }
      const end = c.at + length;
      if (end > bytes.length) throw new DwarfError(l10n.t('The debug section {0} has a unit at offset {1} that runs past its end.', name, start));
      const version = c.u16();
      if (version < 2 || version > 5) {
        throw new DwarfError(l10n.t('The debug section {0} has a unit of DWARF version {1} at offset {2} (versions 2 to 5 are read).', name, version, start));
      }
      let unitType: number = section === 1 ? DW_UT.type : DW_UT.compile;
      let abbrevOffset: number;
      let addressSize: number;
      let signature: bigint | undefined;
      let typeOffset: number | undefined;
      if (version >= 5) {
        unitType = c.u8();
        addressSize = c.u8();
        abbrevOffset = c.offset(offsetSize);
        if (unitType === DW_UT.type || unitType === DW_UT.split_type) {
          signature = c.u64big();
          typeOffset = c.offset(offsetSize);
        } else if (unitType === DW_UT.skeleton || unitType === DW_UT.split_compile) {
          c.skip(8); // dwo id
        }
      } else {
        abbrevOffset = c.offset(offsetSize);
        addressSize = c.u8();
        if (section === 1) {
          signature = c.u64big();
          typeOffset = c.offset(offsetSize);
        }
      }
      if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8) {
        throw new DwarfError(l10n.t('The debug section {0} has a unit at offset {1} with {2}-byte addresses.', name, start, addressSize));
      }
      if (c.at > end) throw new DwarfError(l10n.t('The debug section {0} has a unit at offset {1} that runs past its end.', name, start));
      const unit: Unit = {
        section,
        start: base + start,
        end: base + end,
        firstDie: base + c.at,
        version,
        unitType,
        addressSize,
        offsetSize,
        abbrevOffset,
        signature,
      };
      if (signature !== undefined && typeOffset !== undefined) {
        unit.typeOffset = base + start + typeOffset;
        if (unit.typeOffset < unit.firstDie || unit.typeOffset >= unit.end) {
          throw new DwarfError(l10n.t('The debug section {0} has a type unit at offset {1} whose type lies outside it.', name, start));
        }
        if (!this.signatures.has(signature)) this.signatures.set(signature, unit.typeOffset);
      }
      this.units.push(unit);
      c.at = end;
    }
  }

  /** The unit holding global offset `offset` (binary search over the headers). */
  unitOf(offset: number): Unit {
    const found = this.unitIndexOf(offset);
    if (found < 0) throw new DwarfError(l10n.t('A debug reference points to offset {0}, which is in no unit.', offset));
    return this.units[found];
  }

  /** The index in `units` of the unit holding global offset `offset`, or -1 (a header's padding, past the last unit). */
  unitIndexOf(offset: number): number {
    const units = this.units;
    let lo = 0;
    let hi = units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = units[mid];
      if (offset < u.start) hi = mid - 1;
      else if (offset >= u.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  abbrevs(unit: Unit): AbbrevTable {
    const key = `${unit.abbrevOffset}/${unit.addressSize}/${unit.offsetSize}/${unit.version}`;
    let table = this.abbrevTables.get(key);
    if (!table) {
      table = this.parseAbbrevs(unit);
      this.abbrevTables.set(key, table);
    }
    return table;
  }

  /** The unit's abbreviations as an array by code (codes are small and dense: an index, not a hash lookup). */
  abbrevArray(unit: Unit): Array<Abbrev | undefined> {
    const table = this.abbrevs(unit);
    let dense = this.denseTables.get(table);
    if (!dense) {
      dense = [];
      for (const code of table.codes()) if (code < MAX_DENSE_CODE) dense[code] = table.get(code);
      for (let i = 0; i < dense.length; i++) dense[i] ??= undefined; // no holes: a packed array
      this.denseTables.set(table, dense);
    }
    return dense;
  }

  private readonly denseTables = new WeakMap<AbbrevTable, Array<Abbrev | undefined>>();

  /**
   * A unit's abbreviation table. Producers give every unit its own table, mostly the same
   * declarations again: each declaration is interned by its bytes (and the unit's shape), so a file
   * of thousands of units keeps one object per distinct declaration, not millions.
   */
  private parseAbbrevs(unit: Unit): AbbrevTable {
    const loader = this.sections.loader;
    if (!loader) return this.parseAbbrevsAt(unit, this.sections.abbrev.length);
    // Read lazily: a first piece, more if the table went past it (see lazily()). The scan stops at
    // what was read: the buffer's other bytes are whatever the allocator left there.
    const size = loader.size('abbrev');
    for (let ahead = 4 * LAZY_AHEAD; ; ahead *= 4) {
      const limit = Math.min(size, unit.abbrevOffset + ahead);
      loader.ensure('abbrev', unit.abbrevOffset, limit);
      try {
        return this.parseAbbrevsAt(unit, limit);
      } catch (error) {
        if (!(error instanceof DwarfError) || limit >= size) throw error; // else cut short by the read: read more
      }
    }
  }

  /** The table of `unit`, scanned in .debug_abbrev up to `limit` (a table running past it is cut short: DwarfError). */
  private parseAbbrevsAt(unit: Unit, limit: number): AbbrevTable {
    const bytes = this.sections.abbrev;
    const c = new Cursor(bytes.subarray(0, limit), this.littleEndian, '.debug_abbrev', unit.abbrevOffset);
    const places = new Map<number, { start: number; end: number }>();
    for (;;) {
      const code = c.uleb();
      if (code === 0) {
        const shape = unit.addressSize * 1000 + unit.offsetSize * 10 + unit.version;
        return new AbbrevTable(places, (start, end) => this.interned(start, end, unit, shape));
      }
      const start = c.at;
      c.skipLeb(); // tag
      c.skip(1); // children
      for (;;) {
        const at = c.uleb();
        const form = c.uleb();
        if (at === 0 && form === 0) break;
        if (form === DW_FORM.implicit_const) c.skipLeb();
      }
      places.set(code, { start, end: c.at });
    }
  }

  /** The declaration at [start, end) of .debug_abbrev: one object for all the units that declare it with the same bytes. */
  private interned(start: number, end: number, unit: Unit, shape: number): Abbrev {
    const bytes = this.sections.abbrev;
    const hash = hashBytes(bytes, start, end, shape);
    const same = this.declarations.get(hash);
    const length = end - start;
    let abbrev = same?.find((a) => a.shape === shape && a.length === length && equalBytes(bytes, a.start, start, length));
    if (!abbrev) {
      abbrev = { ...this.declaration(new Cursor(bytes, this.littleEndian, '.debug_abbrev', start), unit), shape, start, length };
      if (same) same.push(abbrev);
      else this.declarations.set(hash, [abbrev]);
    }
    return abbrev;
  }

  private readonly declarations = new Map<number, Array<Abbrev & { shape: number; start: number; length: number }>>();

  private declaration(c: Cursor, unit: Unit): Abbrev {
    const tag = c.uleb();
    const hasChildren = c.u8() !== 0;
    const attrs: number[] = [];
    const forms: number[] = [];
    const consts: Array<bigint | undefined> = [];
    let fixed = 0;
    let siblingPos = -1;
    for (;;) {
      const at = c.uleb();
      const form = c.uleb();
      if (at === 0 && form === 0) break;
      if (at === DW_AT.sibling && fixed >= 0 && siblingPos < 0) siblingPos = fixed;
      attrs.push(at);
      forms.push(form);
      consts.push(form === DW_FORM.implicit_const ? c.slebBig() : undefined);
      const size = fixedSize(form, unit);
      fixed = fixed < 0 || size < 0 ? -1 : fixed + size;
    }
    const siblingAt = attrs.indexOf(DW_AT.sibling);
    if (siblingAt < 0 || forms[siblingAt] === DW_FORM.indirect) siblingPos = -1;
    return {
      tag,
      hasChildren,
      attrs,
      forms,
      consts,
      fixed,
      nameAt: attrs.indexOf(DW_AT.name),
      siblingAt,
      declarationAt: attrs.indexOf(DW_AT.declaration),
      specificationAt: attrs.indexOf(DW_AT.specification),
      declFileAt: attrs.indexOf(DW_AT.decl_file),
      siblingPos,
      kind: INDEXED_TAGS.has(tag) ? 1 : tag === DW_TAG.namespace ? 2 : 0,
    };
  }

  /** The unit's own DIE's attributes that other DIEs' forms need (string offsets base, language). */
  top(unit: Unit): UnitTop {
    if (unit.top) return unit.top;
    // Provisional while reading the unit's DIE: a strx there needs the base it is reading. Without
    // DW_AT_str_offsets_base, the entries follow the section's first header: 8 bytes, 16 in 64-bit DWARF.
    const firstEntries = unit.version >= 5 ? 2 * unit.offsetSize : 0;
    unit.top = { language: 0, strOffsetsBase: firstEntries };
    let die = this.readDie(unit.firstDie, unit);
    const base = die?.attrs.get(DW_AT.str_offsets_base);
    if (typeof base === 'number' && base !== firstEntries) {
      // Its own strx attributes (name, directory) were read with the provisional base: again with its own.
      unit.top = { language: 0, strOffsetsBase: base };
      die = this.readDie(unit.firstDie, unit);
    }
    unit.top = {
      language: numberOf(die?.attrs.get(DW_AT.language)) ?? 0,
      strOffsetsBase: typeof base === 'number' ? base : firstEntries,
      stmtList: numberOf(die?.attrs.get(DW_AT.stmt_list)),
      compDir: stringOf(die?.attrs.get(DW_AT.comp_dir)),
      name: stringOf(die?.attrs.get(DW_AT.name)),
    };
    return unit.top;
  }

  /** The DIE at global `offset` (null for a 0 code: the end of a sibling list). */
  readDie(offset: number, unit = this.unitOf(offset)): Die | null {
    if (offset < unit.firstDie || offset >= unit.end) throw new DwarfError(l10n.t('A debug reference points to offset {0}, outside its unit.', offset));
    const abbrevs = this.abbrevs(unit);
    return this.lazily(offset, () => {
      const die = this.readDieAt(offset, unit, abbrevs);
      return { value: die, end: die ? die.end : offset + 1 };
    });
  }

  private readDieAt(offset: number, unit: Unit, abbrevs: AbbrevTable): Die | null {
    const c = this.cursorAt(offset);
    const code = c.uleb();
    if (code === 0) return null;
    const abbrev = abbrevs.get(code);
    if (!abbrev) throw new DwarfError(l10n.t('The DIE at offset {0} uses abbreviation {1}, which its unit does not define.', offset, code));
    const attrs = new Map<number, Value>();
    const forms = new Map<number, number>();
    for (let i = 0; i < abbrev.attrs.length; i++) {
      let form = abbrev.forms[i];
      if (form === DW_FORM.indirect) form = this.indirectForm(c);
      const value = this.readValue(c, form, unit, abbrev.consts[i]);
      if (!attrs.has(abbrev.attrs[i])) {
        attrs.set(abbrev.attrs[i], value);
        forms.set(abbrev.attrs[i], form);
      }
    }
    const end = this.sectionBase(offset) + c.at;
    if (end > unit.end) throw new DwarfError(l10n.t('The DIE at offset {0} runs past the end of its unit.', offset));
    return { offset, tag: abbrev.tag, hasChildren: abbrev.hasChildren, unit, attrs, forms, end };
  }

  /** The global offset of byte 0 of the section holding `offset`. */
  sectionStart(offset: number): number {
    return offset < this.infoLength ? 0 : this.infoLength;
  }

  /** The global offset of the first byte of the array that holds `offset` (the section's, or a window's of it when read lazily). */
  sectionBase(offset: number): number {
    const start = this.sectionStart(offset);
    const loader = this.sections.loader;
    return loader ? start + loader.windowStart(start === 0 ? 'info' : 'types') : start;
  }

  private indirectForm(c: Cursor): number {
    // An indirect form names its form in the data; one level only (a chain of them is damage).
    const form = c.uleb();
    if (form === DW_FORM.indirect || form === DW_FORM.implicit_const) {
      throw new DwarfError(l10n.t('The debug section {0} has a bad indirect form at offset {1}.', c.section, c.at));
    }
    return form;
  }

  /** The children of a DIE, in order (each child's subtree skipped). */
  children(die: Die): Die[] {
    const out: Die[] = [];
    if (!die.hasChildren) return out;
    let at = die.end;
    for (;;) {
      if (at >= die.unit.end) throw new DwarfError(l10n.t('The children of the DIE at offset {0} run past the end of its unit.', die.offset));
      const child = this.readDie(at, die.unit);
      if (!child) return out;
      out.push(child);
      at = this.skipSubtree(child);
    }
  }

  /** The global offset just past a DIE and all its descendants. */
  skipSubtree(die: Die): number {
    if (!die.hasChildren) return die.end;
    const sibling = die.attrs.get(DW_AT.sibling);
    if (sibling instanceof Ref && sibling.offset > die.offset && sibling.offset <= die.unit.end) return sibling.offset;
    const table = this.abbrevs(die.unit);
    return this.lazily(die.end, () => {
      const base = this.sectionBase(die.offset);
      const c = this.cursorAt(die.end);
      this.skipChildren(c, die.unit, table, Math.min(die.unit.end - base, c.length));
      return { value: base + c.at, end: base + c.at };
    });
  }

  /** Moves `c` past a list of sibling DIEs and their descendants (to just past the list's 0). */
  skipChildren(c: Cursor, unit: Unit, table: AbbrevTable, limit: number): void {
    let depth = 1;
    while (depth > 0) {
      if (c.at >= limit) throw new DwarfError(l10n.t('The debug section {0} has a DIE list at offset {1} that never ends.', c.section, c.at));
      const code = c.uleb();
      if (code === 0) {
        depth--;
        continue;
      }
      const abbrev = table.get(code);
      if (!abbrev) throw new DwarfError(l10n.t('The DIE at offset {0} uses abbreviation {1}, which its unit does not define.', c.at, code));
      this.skipAttributes(c, abbrev, unit);
      if (abbrev.hasChildren) depth++;
    }
  }

  skipAttributes(c: Cursor, abbrev: Abbrev, unit: Unit): void {
    if (abbrev.fixed >= 0) {
      c.skip(abbrev.fixed);
      return;
    }
    const forms = abbrev.forms;
    for (let i = 0; i < forms.length; i++) this.skipForm(c, forms[i], unit);
  }

  skipForm(c: Cursor, form: number, unit: Unit): void {
    const size = fixedSize(form, unit);
    if (size >= 0) {
      c.skip(size);
      return;
    }
    switch (variableForm(form)) {
      case VARIABLE.string:
        c.skipCString();
        return;
      case VARIABLE.block1:
        c.skip(c.u8());
        return;
      case VARIABLE.block2:
        c.skip(c.u16());
        return;
      case VARIABLE.block4:
        c.skip(c.u32());
        return;
      case VARIABLE.blockLeb:
        c.skip(c.uleb());
        return;
      case VARIABLE.leb:
        c.skipLeb();
        return;
      case VARIABLE.indirect:
        this.skipForm(c, this.indirectForm(c), unit);
        return;
      default:
        throw new DwarfError(l10n.t('The debug section {0} uses an unknown attribute form 0x{1} at offset {2}.', c.section, form.toString(16), c.at));
    }
  }

  /** An attribute's value. Constants are unsigned numbers (sdata signed); past 2^53 they are bigints. */
  readValue(c: Cursor, form: number, unit: Unit, implicit: bigint | undefined): Value {
    switch (form) {
      case DW_FORM.addr:
        return unit.addressSize === 8 ? safeOrBig(c.u64big()) : unit.addressSize === 4 ? c.u32() : c.u16();
      case DW_FORM.data1:
      case DW_FORM.flag:
        return form === DW_FORM.flag ? c.u8() !== 0 : c.u8();
      case DW_FORM.data2:
        return c.u16();
      case DW_FORM.data4:
        return c.u32();
      case DW_FORM.data8:
        return safeOrBig(c.u64big());
      case DW_FORM.data16: {
        const low = c.u64big();
        const high = c.u64big();
        return this.littleEndian ? (high << 64n) | low : (low << 64n) | high;
      }
      case DW_FORM.sdata:
        return safeOrBig(c.slebBig());
      case DW_FORM.udata:
        return safeOrBig(c.ulebBig());
      case DW_FORM.implicit_const:
        return safeOrBig(implicit ?? 0n);
      case DW_FORM.flag_present:
        return true;
      case DW_FORM.string:
        return c.cString();
      case DW_FORM.strp:
        return this.strp(c.offset(unit.offsetSize));
      case DW_FORM.line_strp:
        return this.text('lineStr', c.offset(unit.offsetSize));
      case DW_FORM.strx:
      case DW_FORM.GNU_str_index:
        return this.stringIndex(c.uleb(), unit);
      case DW_FORM.strx1:
        return this.stringIndex(c.u8(), unit);
      case DW_FORM.strx2:
        return this.stringIndex(c.u16(), unit);
      case DW_FORM.strx3:
        return this.stringIndex(c.u24(), unit);
      case DW_FORM.strx4:
        return this.stringIndex(c.u32(), unit);
      case DW_FORM.ref1:
        return this.localRef(c.u8(), unit);
      case DW_FORM.ref2:
        return this.localRef(c.u16(), unit);
      case DW_FORM.ref4:
        return this.localRef(c.u32(), unit);
      case DW_FORM.ref8:
        return this.localRef(c.u64(), unit);
      case DW_FORM.ref_udata:
        return this.localRef(c.uleb(), unit);
      case DW_FORM.ref_addr:
        return new Ref(c.offset(unit.version <= 2 ? unit.addressSize : unit.offsetSize));
      case DW_FORM.ref_sig8:
        return new Signature(c.u64big());
      case DW_FORM.block1:
        return c.slice(c.u8());
      case DW_FORM.block2:
        return c.slice(c.u16());
      case DW_FORM.block4:
        return c.slice(c.u32());
      case DW_FORM.block:
      case DW_FORM.exprloc:
        return c.slice(c.uleb());
      case DW_FORM.sec_offset:
        return c.offset(unit.offsetSize);
      case DW_FORM.GNU_strp_alt:
      case DW_FORM.strp_sup:
        c.offset(unit.offsetSize);
        return l10n.t('(a name in the supplementary debug file)');
      case DW_FORM.GNU_ref_alt:
      case DW_FORM.ref_sup4:
      case DW_FORM.ref_sup8:
        throw new DwarfError(l10n.t('The debug information refers to a supplementary debug file (dwz, .gnu_debugaltlink), which this reader does not read.'));
      default:
        this.skipForm(c, form, unit); // addrx, loclistx, rnglistx: indexes this reader never follows
        return 0;
    }
  }

  /** Strings of .debug_str by offset: the same names recur in every unit (decoded once). */
  private readonly strings = new Map<number, string>();

  /**
   * For a string form that points into .debug_str (strp, strx...): moves past it and returns the
   * offset it points to; -1 (the cursor untouched) for any other form.
   */
  stringOffset(c: Cursor, form: number, unit: Unit): number {
    switch (form) {
      case DW_FORM.strp:
        return this.checkedStr(c.offset(unit.offsetSize));
      case DW_FORM.strx:
      case DW_FORM.GNU_str_index:
        return this.stringIndexOffset(c.uleb(), unit);
      case DW_FORM.strx1:
        return this.stringIndexOffset(c.u8(), unit);
      case DW_FORM.strx2:
        return this.stringIndexOffset(c.u16(), unit);
      case DW_FORM.strx3:
        return this.stringIndexOffset(c.u24(), unit);
      case DW_FORM.strx4:
        return this.stringIndexOffset(c.u32(), unit);
      default:
        return -1;
    }
  }

  private checkedStr(offset: number): number {
    const str = this.need(this.sections.str, '.debug_str');
    if (offset >= str.length) stringAt(str, offset, '.debug_str'); // throws, saying where
    return offset;
  }

  private stringIndexOffset(index: number, unit: Unit): number {
    const base = unit.top?.strOffsetsBase ?? this.top(unit).strOffsetsBase;
    this.sections.loader?.ensure('strOffsets', base + index * unit.offsetSize, base + (index + 1) * unit.offsetSize);
    const table = this.need(this.sections.strOffsets, '.debug_str_offsets');
    const c = new Cursor(table, this.littleEndian, '.debug_str_offsets', base + index * unit.offsetSize);
    return this.checkedStr(c.offset(unit.offsetSize));
  }

  strp(offset: number): string {
    let text = this.strings.get(offset);
    if (text === undefined) {
      text = this.text('str', offset);
      if (this.strings.size < 1 << 20) this.strings.set(offset, text);
    }
    return text;
  }

  /** The string at `offset` of .debug_str or .debug_line_str (read on its own when the section is read lazily). */
  text(section: 'str' | 'lineStr', offset: number): string {
    const name = section === 'str' ? '.debug_str' : '.debug_line_str';
    return this.sections.loader?.text(section, offset) ?? stringAt(this.need(this.sections[section], name), offset, name);
  }

  private need(bytes: Uint8Array | undefined, name: string): Uint8Array {
    if (!bytes) throw new DwarfError(l10n.t('The debug information uses the section {0}, which the file does not have.', name));
    return bytes;
  }

  private localRef(value: number, unit: Unit): Ref {
    const offset = unit.start + value;
    if (offset < unit.firstDie || offset >= unit.end) {
      throw new DwarfError(l10n.t('A debug reference in the unit at offset {0} points outside it ({1}).', unit.start, value));
    }
    return new Ref(offset);
  }

  stringIndex(index: number, unit: Unit): string {
    const base = unit.top?.strOffsetsBase ?? this.top(unit).strOffsetsBase;
    this.sections.loader?.ensure('strOffsets', base + index * unit.offsetSize, base + (index + 1) * unit.offsetSize);
    const table = this.need(this.sections.strOffsets, '.debug_str_offsets');
    const c = new Cursor(table, this.littleEndian, '.debug_str_offsets', base + index * unit.offsetSize);
    return this.strp(c.offset(unit.offsetSize));
  }

  /** The global offset a reference value names (a type unit's type for a signature). */
  resolve(value: Value | undefined): number | undefined {
    if (value instanceof Ref) return value.offset;
    if (value instanceof Signature) {
      const offset = this.signatures.get(value.value);
      if (offset === undefined) {
        throw new DwarfError(l10n.t('The debug information names type unit {0}, which the file does not have.', value.value.toString(16)));
      }
      return offset;
    }
    return undefined;
  }
}

function safeOrBig(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export function numberOf(value: Value | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

export function stringOf(value: Value | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Tags of the named types the index lists. */
export const INDEXED_TAGS = new Set<number>([DW_TAG.structure_type, DW_TAG.class_type, DW_TAG.union_type, DW_TAG.enumeration_type, DW_TAG.typedef]);

export const SCOPE_TAGS = new Set<number>([DW_TAG.namespace, DW_TAG.structure_type, DW_TAG.class_type, DW_TAG.union_type]);
