// Type names without strings: a name is a reference to its bytes (in .debug_str, in place in
// .debug_info, in .debug_line_str, or in the index cache's own name table), and a qualified name is
// known by a 32-bit hash of its spelling (FNV-1a over its UTF-8 bytes: `ring::Slot<ring::Msg>`,
// `struct point`), built from the hash of its scope's prefix and its own name's bytes. The index
// walk lists hundreds of thousands of types this way without building one string; a name is
// spelled only when a user sees it, and a name typed in is found by hashing it the same way.
//
// Scopes (namespaces, records) are interned by their parent and name, so the same namespace met in
// a thousand units is one number, and two types are the same spelled name exactly when their scope
// numbers, keywords and name bytes are equal.
import { utf8 } from './bytes';
import { Column } from './columns';
import { C_LANGUAGES, DW_TAG } from './constants';
import { ShardedSlots } from './slots';

const KEYWORD_OF_TAG: Record<number, string> = {
  [DW_TAG.structure_type]: 'struct',
  [DW_TAG.union_type]: 'union',
  [DW_TAG.enumeration_type]: 'enum',
  [DW_TAG.class_type]: 'class',
};

/** How a named type is called in its language: `struct point` in C, `ring::Slot<Msg>` in C++ and Rust. */
export function spelledName(tag: number, name: string, prefix: string, language: number): string {
  const keyword = KEYWORD_OF_TAG[tag];
  if (keyword && C_LANGUAGES.has(language)) return `${keyword} ${name}`;
  return prefix + name;
}

/** Name references: a .debug_str offset below INFO_SPACE, an offset in .debug_info/.debug_types (global) + INFO_SPACE, a .debug_line_str offset + LINE_SPACE. */
export const INFO_SPACE = 2 ** 40;
export const LINE_SPACE = 2 ** 41;
/** A scope without a name: the anonymous namespace. */
export const ANONYMOUS = -1;
/** No name at all. */
export const NO_NAME = -2;

export const ANONYMOUS_NAMESPACE = '(anonymous namespace)';

/** The bytes names are read from. */
export interface NameBytes {
  str?: Uint8Array;
  info: Uint8Array;
  types?: Uint8Array;
  lineStr?: Uint8Array;
}

export const FNV_BASIS = 0x811c9dc5 | 0;

function fnvText(h: number, text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

/** The hash of a whole spelled name, as the index computes it from its parts. */
export function hashText(text: string): number {
  return fnvText(FNV_BASIS, text);
}

const ANONYMOUS_BYTES = Buffer.from(ANONYMOUS_NAMESPACE, 'latin1');
const COLON = 0x3a;

/** `h` continued over "::". */
export function withSeparator(h: number): number {
  return Math.imul(Math.imul(h ^ COLON, 0x01000193) ^ COLON, 0x01000193);
}

/** The keyword state of C's tagged names (`struct `, `union `, `enum `, `class `) by DWARF tag. */
export const KEYWORD_STATE: Record<number, number> = {
  0x13: fnvText(FNV_BASIS, 'struct '),
  0x17: fnvText(FNV_BASIS, 'union '),
  0x04: fnvText(FNV_BASIS, 'enum '),
  0x02: fnvText(FNV_BASIS, 'class '),
};

/** The array of the last locate() (a second result, so that locating allocates nothing). */
let locatedBytes: Uint8Array = ANONYMOUS_BYTES;

/** The array the last locate() found a name in. */
export function located(): Uint8Array {
  return locatedBytes;
}

/** Where the bytes of name reference `ref` are: the first byte's index in located() (-1: nowhere). */
export function locate(names: NameBytes, infoLength: number, ref: number): number {
  if (ref === ANONYMOUS) {
    locatedBytes = ANONYMOUS_BYTES;
    return 0;
  }
  if (ref < 0) return -1;
  if (ref < INFO_SPACE) {
    const str = names.str;
    if (!str || ref >= str.length) return -1;
    locatedBytes = str;
    return ref;
  }
  if (ref < LINE_SPACE) {
    const global = ref - INFO_SPACE;
    if (global < infoLength) {
      locatedBytes = names.info;
      return global;
    }
    const types = names.types;
    if (!types || global - infoLength >= types.length) return -1;
    locatedBytes = types;
    return global - infoLength;
  }
  const line = names.lineStr;
  if (!line || ref - LINE_SPACE >= line.length) return -1;
  locatedBytes = line;
  return ref - LINE_SPACE;
}

/** Whether two name references have the same bytes (false when either is nowhere). */
export function sameRefs(names: NameBytes, infoLength: number, a: number, b: number): boolean {
  if (a === b) return true;
  const aStart = locate(names, infoLength, a);
  if (aStart < 0) return false;
  const aBytes = locatedBytes;
  const bStart = locate(names, infoLength, b);
  return bStart >= 0 && sameName(aBytes, aStart, locatedBytes, bStart);
}

/** The hash of a name's bytes continued from `h` (h itself when the name is nowhere). */
export function hashRef(names: NameBytes, infoLength: number, h: number, ref: number): number {
  const start = locate(names, infoLength, ref);
  return start < 0 ? h : hashName(h, locatedBytes, start);
}

/** `h` continued over the name's bytes (to its NUL or the end of its section). */
export function hashName(h: number, bytes: Uint8Array, start: number): number {
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0) break;
    h = Math.imul(h ^ b, 0x01000193);
  }
  return h;
}

/** Whether two names have the same bytes. */
export function sameName(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number): boolean {
  if (a === b && aStart === bStart) return true;
  for (let i = 0; ; i++) {
    const x = aStart + i < a.length ? a[aStart + i] : 0;
    const y = bStart + i < b.length ? b[bStart + i] : 0;
    if (x !== y) return false;
    if (x === 0) return true;
  }
}

/** A name's text. */
export function nameText(names: NameBytes, infoLength: number, ref: number): string {
  const start = locate(names, infoLength, ref);
  if (start < 0) return '';
  const bytes = locatedBytes;
  let end = bytes.indexOf(0, start);
  if (end < 0) end = bytes.length;
  return utf8(bytes, start, end);
}

/**
 * Scopes interned by (parent, name bytes): parent, name reference, the hash of the name alone (the
 * interning key) and the prefix state (the hash of `a::b::`). Scope 0 is the top level.
 */
export class ScopeTable {
  readonly parent: Column<Int32Array>;
  readonly nameRef: Column<Float64Array>;
  readonly nameHash: Column<Int32Array>;
  readonly state: Column<Int32Array>;
  private readonly slots = new ShardedSlots();

  constructor(
    private readonly names: NameBytes,
    private readonly infoLength: number,
  ) {
    this.parent = new Column(Int32Array);
    this.nameRef = new Column(Float64Array);
    this.nameHash = new Column(Int32Array);
    this.state = new Column(Int32Array);
    this.parent.push(-1);
    this.nameRef.push(NO_NAME);
    this.nameHash.push(0);
    this.state.push(FNV_BASIS);
  }

  get size(): number {
    return this.parent.length;
  }

  /** A table read back as it was written (the index cache): for spelling prefixes, not for interning more. */

  /** The scope named by `ref` inside `parent`. */
  child(parent: number, ref: number): number {
    return this.intern(parent, ref, hashRef(this.names, this.infoLength, FNV_BASIS, ref));
  }

  /** The same for a scope of another table whose name hash is known (merging a worker's scopes). */
  intern(parent: number, ref: number, nameHash: number): number {
    const key = Math.imul(parent ^ Math.imul(nameHash, 0x9e3779b1), 0x85ebca6b);
    const found = this.slots.find(key, (id) => {
      if (this.parent.get(id) !== parent || this.nameHash.get(id) !== nameHash) return false;
      const other = this.nameRef.get(id);
      if (other === ref || sameRefs(this.names, this.infoLength, ref, other)) return true;
      return locate(this.names, this.infoLength, ref) < 0 && locate(this.names, this.infoLength, other) < 0;
    });
    if (found >= 0) return found;
    const id = this.parent.length;
    this.parent.push(parent);
    this.nameRef.push(ref);
    this.nameHash.push(nameHash);
    this.state.push(withSeparator(hashRef(this.names, this.infoLength, this.state.get(parent), ref)));
    this.slots.insert(key, id, found, (other) => Math.imul(this.parent.get(other) ^ Math.imul(this.nameHash.get(other), 0x9e3779b1), 0x85ebca6b));
    return id;
  }

  private readonly prefixes: Array<string | undefined> = [''];

  /** The scope's prefix as text: `ring::`, `std::__atomic_base<long unsigned int>::`. */
  prefix(id: number): string {
    let text = this.prefixes[id];
    if (text === undefined) {
      const ref = this.nameRef.get(id);
      text = `${this.prefix(this.parent.get(id))}${ref === ANONYMOUS ? ANONYMOUS_NAMESPACE : nameText(this.names, this.infoLength, ref)}::`;
      this.prefixes[id] = text;
    }
    return text;
  }
}
