// The index walk: one pass over units' DIEs that records every named type defined in a scope (the
// unit itself, namespaces, records) as numbers in columns: its DIE's offset, its name's reference
// and the hash of its spelled name, its scope, unit, tag, and whether it is declared in the
// program's own files. No string and no object is made per DIE: names are located, not read
// (names.ts), and everything that cannot hold a named type is jumped over in one step, by
// DW_AT_sibling where the producer wrote it (function bodies, member functions, variables) or by
// the abbreviation's fixed size; of the other DIEs only the attributes the index needs are decoded
// (name, declaration, sibling, specification, decl_file), the rest skipped by form.
//
// It runs in a worker thread (dwarfWalk.ts) over a share of the units, or on the extension host's
// thread in slices (run(deadline) stops when its time is up and goes on where it stopped).
// Hostile input cannot make it loop or read out of bounds unnoticed: every DIE moves forward, a
// jump only forward inside its unit, and a position past the unit's end is an error.
//
// Over 600 lines on purpose: the walk is one hot loop with the decoding of the few attributes it
// needs written inline, for speed; split into files, the pieces would share all of its state.
import * as l10n from '../../shared/l10n';
import { DwarfError } from './bytes';
import { Column, ColumnData } from './columns';
import { C_LANGUAGES, DW_FORM, DW_LANG_Rust, DW_TAG, DW_UT } from './constants';
import { fixedSize, VARIABLE, variableForm } from './forms';
import { Abbrev, DwarfInfo, MAX_DENSE_CODE, Unit } from './info';
import { fileNames } from './lines';
import { ANONYMOUS, hashName, INFO_SPACE, KEYWORD_STATE, LINE_SPACE, locate, located, NameBytes, nameText, NO_NAME, ScopeTable } from './names';

/** Entry flags: declared in the program's own files. */
export const OWN = 1;
/** A declaration (not listed; its scope names it in layouts, and a definition may name it). */
export const DECL = 2;
/** A definition spelled like an earlier one (not listed; its scope names it in layouts). */
export const HIDDEN = 4;
/** Spelled with its keyword (`struct point`: C). */
export const KEYWORD = 8;

/** The named types found (definitions and declarations), in file order, one row each (numbers only: a worker hands them over without copying). */
export interface EntryArrays {
  offset: ColumnData<Float64Array>;
  nameRef: ColumnData<Float64Array>;
  hash: ColumnData<Int32Array>;
  scope: ColumnData<Int32Array>;
  tag: ColumnData<Uint8Array>;
  flags: ColumnData<Uint8Array>;
}

export class EntryColumns {
  readonly offset: Column<Float64Array>;
  readonly nameRef: Column<Float64Array>;
  readonly hash: Column<Int32Array>;
  readonly scope: Column<Int32Array>;
  readonly tag: Column<Uint8Array>;
  readonly flags: Column<Uint8Array>;

  constructor() {
    this.offset = new Column(Float64Array);
    this.nameRef = new Column(Float64Array);
    this.hash = new Column(Int32Array);
    this.scope = new Column(Int32Array);
    this.tag = new Column(Uint8Array);
    this.flags = new Column(Uint8Array);
  }

  get length(): number {
    return this.offset.length;
  }

  push(offset: number, nameRef: number, hash: number, scope: number, tag: number, flags: number): void {
    this.offset.push(offset);
    this.nameRef.push(nameRef);
    this.hash.push(hash);
    this.scope.push(scope);
    this.tag.push(tag);
    this.flags.push(flags);
  }

  values(): EntryArrays {
    return {
      offset: this.offset.values(),
      nameRef: this.nameRef.values(),
      hash: this.hash.values(),
      scope: this.scope.values(),
      tag: this.tag.values(),
      flags: this.flags.values(),
    };
  }

  static of(arrays: EntryArrays): EntryColumns {
    const c = new EntryColumns();
    Object.assign(c, {
      offset: Column.of(Float64Array, arrays.offset),
      nameRef: Column.of(Float64Array, arrays.nameRef),
      hash: Column.of(Int32Array, arrays.hash),
      scope: Column.of(Int32Array, arrays.scope),
      tag: Column.of(Uint8Array, arrays.tag),
      flags: Column.of(Uint8Array, arrays.flags),
    });
    return c;
  }
}

/** A walk's result: the scopes it met and the types in them. */
export interface WalkResult {
  scopes: { parent: ColumnData<Int32Array>; nameRef: ColumnData<Float64Array>; nameHash: ColumnData<Int32Array> };
  entries: EntryArrays;
}

/** Where source files of libraries and toolchains live: a type declared there is not the program's own. */
export function isLibraryFile(file: string): boolean {
  return (
    file.startsWith('/usr/') ||
    file.startsWith('/lib') ||
    file.startsWith('/rustc/') ||
    file.includes('/.cargo/registry/') ||
    file.includes('/.rustup/') ||
    file.includes('/rustlib/') ||
    /(^|\/)<[^/]*>$/.test(file) // <built-in>, <artificial>
  );
}

/** Rust's own crates: a type in one of them is the toolchain's, wherever it was instantiated. */
const RUST_LIBRARY_CRATES = new Set([
  'core',
  'alloc',
  'std',
  'compiler_builtins',
  'panic_unwind',
  'panic_abort',
  'std_detect',
  'hashbrown',
  'rustc_demangle',
  'addr2line',
  'gimli',
  'miniz_oxide',
  'object',
  'memchr',
  'adler',
  'adler2',
  'unwind',
  'cfg_if',
  'libc',
]);

const STRUCT = DW_TAG.structure_type;
const CLASS = DW_TAG.class_type;
const UNION = DW_TAG.union_type;
/** DIEs between two looks at the clock. */
const CHECK_EVERY = 1024;

/** A second result of the readers below (a position), to return two numbers without an object. */
let end = 0;

function uleb(b: Uint8Array, at: number): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    const byte = b[at++];
    if (byte === undefined) {
      end = b.length + 1;
      return 0;
    }
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 128;
  }
  end = at;
  return result;
}

function skipLeb(b: Uint8Array, at: number): number {
  while (at < b.length && b[at] >= 0x80) at++;
  return at + 1;
}

/** Where a walk puts what it finds: its own columns, or straight into an index (the walk on this thread). */
export interface WalkSink {
  readonly scopes: ScopeTable;
  add(offset: number, nameRef: number, hash: number, scope: number, tag: number, flags: number): void;
}

export class UnitWalker {
  readonly scopes: ScopeTable;
  readonly entries: EntryColumns;
  private readonly sink: WalkSink | undefined;
  /** Bytes of units finished so far. */
  walked = 0;
  private next = 0;
  private unit: Unit | undefined;
  private unitIndex = -1;
  private at = 0;
  private limit = 0;
  private base = 0;
  private bytes: Uint8Array = new Uint8Array(0);
  private table: Array<Abbrev | undefined> = [];
  private language = 0;
  private cLanguage = false;
  private own: Uint8Array | null | undefined;
  private readonly stack: number[] = [];
  /** Type declarations of the current unit (for a definition that names its declaration by DW_AT_specification). */
  private readonly declOffset = new Column(Float64Array);
  private readonly declScope = new Column(Int32Array);
  private readonly declRef = new Column(Float64Array);
  private readonly little: boolean;
  private readonly names: NameBytes;
  // What decode() found.
  private dName = NO_NAME;
  private dDeclaration = false;
  private dSibling = -1;
  private dSpec = -1;
  private dFile = -1;

  constructor(
    private readonly info: DwarfInfo,
    /** Indexes into info.units of the units to walk, in order. */
    private readonly unitList: readonly number[],
    /** Where the types go; by default the walker's own columns (result()). */
    sink?: WalkSink,
  ) {
    this.names = info.sections;
    this.entries = new EntryColumns();
    this.sink = sink;
    this.scopes = sink?.scopes ?? new ScopeTable(this.names, info.infoLength);
    this.little = info.littleEndian;
  }

  /** Walks until every unit is done (true) or `deadline` (performance.now()) has passed (false). */
  run(deadline = Infinity): boolean {
    for (;;) {
      if (!this.unit) {
        if (this.next >= this.unitList.length) return true;
        this.unitIndex = this.unitList[this.next++];
        this.start(this.info.units[this.unitIndex]);
        if (performance.now() > deadline) return false;
        continue;
      }
      if (!this.walk(deadline)) return false;
      this.walked += this.unit.end - this.unit.start;
      this.unit = undefined;
    }
  }

  result(): WalkResult {
    return {
      scopes: { parent: this.scopes.parent.values(), nameRef: this.scopes.nameRef.values(), nameHash: this.scopes.nameHash.values() },
      entries: this.entries.values(),
    };
  }

  /** Bytes walked so far, the unit under way included. */
  get position(): number {
    return this.walked + (this.unit ? this.base + this.at - this.unit.start : 0);
  }

  private start(unit: Unit): void {
    if (unit.unitType === DW_UT.skeleton || unit.unitType === DW_UT.split_compile || unit.unitType === DW_UT.split_type) {
      this.walked += unit.end - unit.start;
      return;
    }
    this.unit = unit;
    this.language = this.info.top(unit).language;
    this.cLanguage = C_LANGUAGES.has(this.language);
    this.table = this.info.abbrevArray(unit);
    this.base = this.info.sectionBase(unit.start);
    this.bytes = unit.section === 0 ? this.info.sections.info : (this.info.sections.types ?? new Uint8Array(0));
    this.at = unit.firstDie - this.base;
    this.limit = unit.end - this.base;
    this.own = undefined;
    this.unitOwnCache = undefined;
    this.declOffset.clear();
    this.declScope.clear();
    this.declRef.clear();
    this.stack.length = 0;
    const code = uleb(this.bytes, this.at);
    this.at = end;
    const top = this.abbrev(code, this.at);
    if (!top) {
      this.at = this.limit;
      return;
    }
    this.at = this.skipAttributes(top, this.at);
    if (top.hasChildren) this.stack.push(0);
  }

  private abbrev(code: number, at: number): Abbrev | undefined {
    if (code === 0) return undefined;
    const abbrev = code < MAX_DENSE_CODE ? this.table[code] : this.info.abbrevs(this.unit!).get(code);
    if (!abbrev) {
      throw new DwarfError(l10n.t('The DIE at offset {0} uses abbreviation {1}, which its unit does not define.', this.base + at, code));
    }
    return abbrev;
  }

  /** The hot loop over one unit's DIEs (see the file's header). */
  private walk(deadline: number): boolean {
    const b = this.bytes;
    const stack = this.stack;
    const limit = this.limit;
    const base = this.base;
    const unitEnd = this.unit!.end;
    const table = this.table;
    let at = this.at;
    let count = 0;
    while (stack.length > 0) {
      if (at >= limit) throw new DwarfError(l10n.t('The unit at offset {0} ends inside a DIE list.', this.unit!.start));
      if (++count === CHECK_EVERY) {
        count = 0;
        if (performance.now() > deadline) {
          this.at = at;
          return false;
        }
      }
      const dieAt = at;
      let code = b[at];
      if (code < 0x80) at++;
      else {
        code = uleb(b, at);
        at = end;
      }
      if (code === 0) {
        stack.pop();
        continue;
      }
      const abbrev = code < MAX_DENSE_CODE ? table[code] : undefined;
      const a = abbrev ?? this.abbrev(code, dieAt)!;
      const scope = stack[stack.length - 1];
      if (scope < 0 || a.kind === 0) {
        if (!a.hasChildren) {
          at = a.fixed >= 0 ? at + a.fixed : this.skipAttributes(a, at);
          continue;
        }
        const sibling = a.siblingPos >= 0 ? this.refAt(b, at + a.siblingPos, a.forms[a.siblingAt]) : this.siblingOf(a, at);
        if (sibling > base + dieAt && sibling <= unitEnd) {
          at = sibling - base;
          continue;
        }
        at = a.fixed >= 0 ? at + a.fixed : this.skipAttributes(a, at);
        stack.push(-1);
        continue;
      }
      at = this.decode(a, at);
      if (at > limit) throw new DwarfError(l10n.t('The DIE at offset {0} runs past the end of its unit.', base + dieAt));
      const tag = a.tag;
      if (a.kind === 2) {
        // A namespace: its children are in its scope (one without a name is the anonymous namespace).
        if (a.hasChildren) stack.push(this.dDeclaration ? -1 : this.scopes.child(scope, this.dName === NO_NAME ? ANONYMOUS : this.dName));
        continue;
      }
      let name = this.dName;
      let typeScope = scope;
      if (name === NO_NAME && this.dSpec >= 0) {
        // A definition outside its scope names its declaration (DW_AT_specification): name and scope are the declaration's.
        const found = this.declarationAt(this.dSpec);
        if (found >= 0) {
          name = this.declRef.get(found);
          typeScope = this.declScope.get(found);
        }
      }
      if (name !== NO_NAME) {
        if (this.dDeclaration) {
          this.declOffset.push(base + dieAt);
          this.declScope.push(typeScope);
          this.declRef.push(name);
        }
        this.add(base + dieAt, name, typeScope, tag, this.dDeclaration);
      }
      if (!a.hasChildren) continue;
      if ((tag === STRUCT || tag === CLASS || tag === UNION) && name !== NO_NAME && !this.dDeclaration) {
        stack.push(this.scopes.child(typeScope, name));
        continue;
      }
      const sibling = this.dSibling;
      if (sibling > base + dieAt && sibling <= unitEnd) at = sibling - base;
      else stack.push(-1);
    }
    this.at = at;
    return true;
  }

  private add(offset: number, name: number, scope: number, tag: number, declaration: boolean): void {
    const start = locate(this.names, this.info.infoLength, name);
    if (start < 0) return;
    const keyword = this.cLanguage ? KEYWORD_STATE[tag] : undefined;
    const hash = hashName(keyword ?? this.scopes.state.get(scope), located(), start);
    let flags = keyword === undefined ? 0 : KEYWORD;
    if (declaration) flags |= DECL;
    else if (this.dFile >= 0) {
      if (this.own === undefined) this.own = this.ownFiles();
      if (this.own && this.dFile < this.own.length && this.own[this.dFile]) flags |= OWN;
    } else if (this.ownUnit() && !(this.language === DW_LANG_Rust && (scope === 0 || this.inRustLibrary(scope)))) {
      // No file given (rustc writes none for types): the program's own when its unit is, and (Rust)
      // in a crate of the program's (not at the top level, where rustc puts vtables and references).
      flags |= OWN;
    }
    if (this.sink) this.sink.add(offset, name, hash, scope, tag, flags);
    else this.entries.push(offset, name, hash, scope, tag, flags);
  }

  private unitOwnCache: boolean | undefined;

  /** Whether the unit's own source file is the program's (not a library's or the toolchain's). */
  private ownUnit(): boolean {
    if (this.unitOwnCache === undefined) {
      const top = this.info.top(this.unit!);
      const name = top.name ?? '';
      const file = name.startsWith('/') ? name : `${top.compDir ?? ''}/${name}`;
      this.unitOwnCache = name !== '' && !isLibraryFile(file);
    }
    return this.unitOwnCache;
  }

  private readonly rustLibraryScopes = new Map<number, boolean>();

  /** Whether a scope lies in one of Rust's own crates (its outermost namespace names it). */
  private inRustLibrary(scope: number): boolean {
    let outer = scope;
    for (let hops = 0; outer > 0 && this.scopes.parent.get(outer) > 0 && hops < 256; hops++) outer = this.scopes.parent.get(outer);
    if (outer <= 0) return false;
    let known = this.rustLibraryScopes.get(outer);
    if (known === undefined) {
      known = RUST_LIBRARY_CRATES.has(nameText(this.names, this.info.infoLength, this.scopes.nameRef.get(outer)));
      this.rustLibraryScopes.set(outer, known);
    }
    return known;
  }

  /** Which of the unit's file numbers name the program's own files (null: the line table cannot be read). */
  private ownFiles(): Uint8Array | null {
    try {
      const files = fileNames(this.info, this.unit!);
      const own = new Uint8Array(files.length);
      for (let i = 0; i < files.length; i++) own[i] = files[i] && !isLibraryFile(files[i]) ? 1 : 0;
      return own;
    } catch {
      return null;
    }
  }

  private declarationAt(offset: number): number {
    const offsets = this.declOffset;
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = offsets.get(mid);
      if (at < offset) lo = mid + 1;
      else if (at > offset) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  private skipAttributes(a: Abbrev, at: number): number {
    if (a.fixed >= 0) return at + a.fixed;
    const forms = a.forms;
    for (let i = 0; i < forms.length; i++) at = this.skipForm(forms[i], at);
    return at;
  }

  /** The sibling of a DIE whose sibling is not at a fixed position: the attributes before it skipped. */
  private siblingOf(a: Abbrev, at: number): number {
    if (a.siblingAt < 0) return -1;
    const forms = a.forms;
    for (let i = 0; i < a.siblingAt; i++) at = this.skipForm(forms[i], at);
    let form = forms[a.siblingAt];
    if (form === DW_FORM.indirect) {
      form = uleb(this.bytes, at);
      at = end;
    }
    return this.refAt(this.bytes, at, form);
  }

  /** The global offset a reference of `form` at `at` names; -1 for a form that names none here. */
  private refAt(b: Uint8Array, at: number, form: number): number {
    const unit = this.unit!;
    let value: number;
    switch (form) {
      case DW_FORM.ref4:
        value = this.u32(b, at);
        end = at + 4;
        break;
      case DW_FORM.ref1:
        value = b[at];
        end = at + 1;
        break;
      case DW_FORM.ref2:
        value = this.u16(b, at);
        end = at + 2;
        break;
      case DW_FORM.ref8:
        value = this.u64(b, at);
        end = at + 8;
        break;
      case DW_FORM.ref_udata:
        value = uleb(b, at);
        break;
      case DW_FORM.ref_addr: {
        const size = unit.version <= 2 ? unit.addressSize : unit.offsetSize;
        const global = size === 8 ? this.u64(b, at) : this.u32(b, at);
        end = at + size;
        return global >= 0 ? global : -1;
      }
      default:
        end = this.skipForm(form, at);
        return -1;
    }
    return value >= 0 ? unit.start + value : -1;
  }

  /** Reads the attributes the index needs into dName, dDeclaration, dSibling, dSpec, dFile; returns the position after them. */
  private decode(a: Abbrev, at: number): number {
    this.dName = NO_NAME;
    this.dDeclaration = false;
    this.dSibling = -1;
    this.dSpec = -1;
    this.dFile = -1;
    const b = this.bytes;
    const forms = a.forms;
    for (let i = 0; i < forms.length; i++) {
      let form = forms[i];
      if (form === DW_FORM.indirect) {
        form = uleb(b, at);
        at = end;
        if (form === DW_FORM.indirect || form === DW_FORM.implicit_const) {
          throw new DwarfError(l10n.t('The debug section {0} has a bad indirect form at offset {1}.', '.debug_info', this.base + at));
        }
      }
      if (i === a.nameAt) {
        this.dName = this.nameRef(form, at);
        at = end;
      } else if (i === a.declarationAt) {
        this.dDeclaration = form === DW_FORM.flag_present || (form === DW_FORM.flag ? b[at] !== 0 : this.number(form, at, a.consts[i]) !== 0);
        at = form === DW_FORM.flag_present ? at : form === DW_FORM.flag ? at + 1 : this.skipForm(form, at);
      } else if (i === a.siblingAt) {
        this.dSibling = this.refAt(b, at, form);
        at = end;
      } else if (i === a.specificationAt) {
        this.dSpec = this.refAt(b, at, form);
        at = end;
      } else if (i === a.declFileAt) {
        this.dFile = this.number(form, at, a.consts[i]);
        at = this.skipForm(form, at);
      } else {
        const size = fixedSize(form, this.unit!);
        at = size >= 0 ? at + size : this.skipForm(form, at);
      }
    }
    return at;
  }

  /** A constant of a data form (decl_file, a declaration flag given as data), -1 when not one. */
  private number(form: number, at: number, implicit: bigint | undefined): number {
    const b = this.bytes;
    switch (form) {
      case DW_FORM.data1:
        return b[at] ?? -1;
      case DW_FORM.data2:
        return this.u16(b, at);
      case DW_FORM.data4:
        return this.u32(b, at);
      case DW_FORM.udata:
        return uleb(b, at);
      case DW_FORM.implicit_const:
        return implicit !== undefined && implicit >= 0n && implicit < 2n ** 31n ? Number(implicit) : -1;
      default:
        return -1;
    }
  }

  /** A name's reference (names.ts); `end` is set past it. NO_NAME for a form that names no string here. */
  private nameRef(form: number, at: number): number {
    const b = this.bytes;
    const unit = this.unit!;
    switch (form) {
      case DW_FORM.strp: {
        const offset = unit.offsetSize === 8 ? this.u64(b, at) : this.u32(b, at);
        end = at + unit.offsetSize;
        return offset >= 0 && offset < INFO_SPACE ? offset : NO_NAME;
      }
      case DW_FORM.string: {
        let stop = b.indexOf(0, at);
        if (stop < 0) stop = b.length;
        end = stop + 1;
        return INFO_SPACE + this.base + at;
      }
      case DW_FORM.line_strp: {
        const offset = unit.offsetSize === 8 ? this.u64(b, at) : this.u32(b, at);
        end = at + unit.offsetSize;
        return offset >= 0 ? LINE_SPACE + offset : NO_NAME;
      }
      case DW_FORM.strx1:
        end = at + 1;
        return this.stringIndex(b[at]);
      case DW_FORM.strx2:
        end = at + 2;
        return this.stringIndex(this.u16(b, at));
      case DW_FORM.strx3:
        end = at + 3;
        return this.stringIndex(this.little ? b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) : (b[at] << 16) | (b[at + 1] << 8) | b[at + 2]);
      case DW_FORM.strx4:
        end = at + 4;
        return this.stringIndex(this.u32(b, at));
      case DW_FORM.strx:
      case DW_FORM.GNU_str_index: {
        const index = uleb(b, at);
        const after = end;
        const ref = this.stringIndex(index);
        end = after;
        return ref;
      }
      default:
        end = this.skipForm(form, at);
        return NO_NAME;
    }
  }

  private stringIndex(index: number): number {
    const table = this.info.sections.strOffsets;
    if (!table || !(index >= 0)) return NO_NAME;
    const unit = this.unit!;
    const at = (unit.top?.strOffsetsBase ?? 0) + index * unit.offsetSize;
    if (at + unit.offsetSize > table.length) return NO_NAME;
    const offset = unit.offsetSize === 8 ? this.u64(table, at) : this.u32(table, at);
    return offset >= 0 && offset < INFO_SPACE ? offset : NO_NAME;
  }

  private skipForm(form: number, at: number): number {
    const unit = this.unit!;
    const size = fixedSize(form, unit);
    if (size >= 0) return at + size;
    const b = this.bytes;
    switch (variableForm(form)) {
      case VARIABLE.string: {
        const stop = b.indexOf(0, at);
        return stop < 0 ? b.length + 1 : stop + 1;
      }
      case VARIABLE.block1:
        return at + 1 + (b[at] ?? b.length);
      case VARIABLE.block2:
        return at + 2 + this.u16(b, at);
      case VARIABLE.block4:
        return at + 4 + this.u32(b, at);
      case VARIABLE.blockLeb: {
        const length = uleb(b, at);
        return end + length;
      }
      case VARIABLE.leb:
        return skipLeb(b, at);
      case VARIABLE.indirect: {
        const inner = uleb(b, at);
        if (inner === DW_FORM.indirect || inner === DW_FORM.implicit_const) {
          throw new DwarfError(l10n.t('The debug section {0} has a bad indirect form at offset {1}.', '.debug_info', this.base + at));
        }
        return this.skipForm(inner, end);
      }
      default:
        throw new DwarfError(
          l10n.t('The debug section {0} uses an unknown attribute form 0x{1} at offset {2}.', '.debug_info', form.toString(16), this.base + at),
        );
    }
  }

  private u16(b: Uint8Array, at: number): number {
    if (at + 2 > b.length) return -1;
    return this.little ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
  }

  private u32(b: Uint8Array, at: number): number {
    if (at + 4 > b.length) return -1;
    return this.little
      ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000
      : ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) + b[at] * 0x1000000;
  }

  private u64(b: Uint8Array, at: number): number {
    const low = this.little ? this.u32(b, at) : this.u32(b, at + 4);
    const high = this.little ? this.u32(b, at + 4) : this.u32(b, at);
    if (low < 0 || high < 0 || high >= 2 ** 21) return -1;
    return high * 2 ** 32 + low;
  }
}
