// One walk over a unit's DIEs that knows where it is: the qualified name of every scope (C++ and
// Rust namespaces, classes, structs, unions) around a DIE. It reads only what it needs (a DIE's name,
// whether it is a declaration, its sibling) and jumps over everything else, subtree by subtree: a
// function's body, a class's member functions. The name index and the layouts' type names use it.
//
// Cooperative: it gives the event loop back every few milliseconds (setImmediate) and stops when its
// AbortSignal fires, so a walk over a few hundred megabytes never blocks the editor.
import * as l10n from '../../shared/l10n';
import { Cursor, DwarfError } from './bytes';
import { C_LANGUAGES, DW_FORM, DW_TAG } from './constants';
import { Abbrev, Ref, Unit } from './die';
import { DwarfInfo } from './info';

/** Tags of the named types the index lists. */
export const TYPE_TAGS = new Set<number>([DW_TAG.structure_type, DW_TAG.class_type, DW_TAG.union_type, DW_TAG.enumeration_type, DW_TAG.typedef]);

const KEYWORD: Record<number, string> = {
  [DW_TAG.structure_type]: 'struct',
  [DW_TAG.union_type]: 'union',
  [DW_TAG.enumeration_type]: 'enum',
  [DW_TAG.class_type]: 'class',
};

/** How a named type is called in its language: `struct point` in C, `ring::Slot<Msg>` in C++ and Rust. */
export function spelledName(tag: number, name: string, prefix: string, language: number): string {
  const keyword = KEYWORD[tag];
  if (keyword && C_LANGUAGES.has(language)) return `${keyword} ${name}`;
  return prefix + name;
}

/** One DIE the walk met (the same object each time: copy what you keep). */
export interface Visit {
  offset: number;
  tag: number;
  /** Its name's offset in .debug_str (shared by every unit that names the same), or -1 when written in place. */
  nameOffset: number;
  /** Its name when written in place (nameOffset -1); otherwise read it with name(). */
  nameText: string | undefined;
  /** The scope around it (an id of Scopes: the same scope in every unit has the same id). */
  scope: number;
  declaration: boolean;
}

/**
 * Qualified scope names (`ring::`, `std::__atomic_base<long unsigned int>::`), interned: a scope is
 * known by its parent's id and its name's .debug_str offset, so the same namespace or class met in
 * a thousand units costs a number lookup, not a string built and hashed a thousand times.
 */
export class Scopes {
  readonly prefixes: string[] = [''];
  private readonly byOffset = new Map<number, number>();
  private readonly byText = new Map<string, number>();

  constructor(private readonly info: DwarfInfo) {}

  child(parent: number, nameOffset: number, nameText: string | undefined): number {
    if (nameOffset >= 0 && parent < 2 ** 20) {
      const key = parent * 2 ** 32 + nameOffset;
      let id = this.byOffset.get(key);
      if (id === undefined) {
        id = this.add(parent, this.info.strp(nameOffset));
        this.byOffset.set(key, id);
      }
      return id;
    }
    const text = nameText ?? l10n.t('(anonymous namespace)');
    const key = `${parent}:${text}`;
    let id = this.byText.get(key);
    if (id === undefined) {
      id = this.add(parent, text);
      this.byText.set(key, id);
    }
    return id;
  }

  private add(parent: number, name: string): number {
    this.prefixes.push(`${this.prefixes[parent]}${name}::`);
    return this.prefixes.length - 1;
  }

  /** The name of a visited DIE. */
  name(v: Visit): string {
    return v.nameOffset >= 0 ? this.info.strp(v.nameOffset) : (v.nameText ?? '');
  }
}

export interface Pace {
  signal?: AbortSignal;
  /** Called now and then with the bytes walked so far. */
  step?: (bytes: number) => void;
}

/** Time slice before giving the event loop back. */
const SLICE_MS = 12;
const CHECK_EVERY = 2048;

export class Yielder {
  private last = performance.now();
  private count = 0;

  constructor(private readonly pace: Pace) {}

  /** Whether it is time to yield (cheap: looks at the clock every CHECK_EVERY calls). */
  due(): boolean {
    if (++this.count < CHECK_EVERY) return false;
    this.count = 0;
    return performance.now() - this.last > SLICE_MS;
  }

  async yield(bytes: number): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
    if (this.pace.signal?.aborted) throw abortError();
    this.pace.step?.(bytes);
  }
}

export function abortError(): Error {
  const error = new Error(l10n.t('Reading the debug information was cancelled.'));
  error.name = 'AbortError';
  return error;
}

/**
 * Walks the named DIEs of `unit` that stand in a scope (the unit itself, namespaces, records),
 * calling `visit` for each (named types and others alike: `want` picks which get their names read).
 */
export async function walkScopes(
  info: DwarfInfo,
  unit: Unit,
  scopes: Scopes,
  want: (tag: number) => boolean,
  visit: (v: Visit) => void,
  yielder: Yielder,
): Promise<void> {
  const table = info.abbrevs(unit);
  const base = info.sectionBase(unit.start);
  const c: Cursor = info.cursorAt(unit.firstDie);
  const limit = unit.end - base;
  /** The scope at each depth; -1 where the DIEs are not in a scope (a function's body). */
  const stack: number[] = [];
  const scratch: Named = { nameOffset: -1, declaration: false };
  const v: Visit = { offset: 0, tag: 0, nameOffset: -1, nameText: undefined, scope: 0, declaration: false };
  // The unit's own DIE: its children are the top-level scope.
  if (c.at >= limit) return;
  const topAbbrev = table.get(c.uleb());
  if (!topAbbrev) return;
  info.skipAttributes(c, topAbbrev, unit);
  if (topAbbrev.hasChildren) stack.push(0);
  while (stack.length > 0) {
    if (c.at >= limit) throw new DwarfError(l10n.t('The unit at offset {0} ends inside a DIE list.', unit.start));
    if (yielder.due()) await yielder.yield(base + c.at);
    const at = c.at;
    const code = c.uleb();
    if (code === 0) {
      stack.pop();
      continue;
    }
    const abbrev = table.get(code);
    if (!abbrev) throw new DwarfError(l10n.t('The DIE at offset {0} uses abbreviation {1}, which its unit does not define.', base + at, code));
    const scope = stack[stack.length - 1];
    const tag = abbrev.tag;
    const interesting = scope >= 0 && (want(tag) || (abbrev.hasChildren && isScope(tag)));
    if (!interesting && !(abbrev.hasChildren && abbrev.siblingAt >= 0)) {
      info.skipAttributes(c, abbrev, unit);
      if (abbrev.hasChildren) stack.push(-1);
      continue;
    }
    const read = readNamed(info, c, abbrev, unit, interesting, scratch);
    const named = read.nameOffset >= 0 || read.nameText !== undefined;
    if (interesting && named) {
      v.offset = base + at;
      v.tag = tag;
      v.nameOffset = read.nameOffset;
      v.nameText = read.nameText;
      v.scope = scope;
      v.declaration = read.declaration;
      visit(v);
    }
    if (!abbrev.hasChildren) continue;
    if (scope >= 0 && isScope(tag) && (tag === DW_TAG.namespace || named) && !read.declaration) {
      stack.push(scopes.child(scope, read.nameOffset, read.nameText));
    } else if (read.sibling !== undefined && read.sibling > base + at && read.sibling <= unit.end) {
      c.at = read.sibling - base; // the whole subtree, in one jump
    } else {
      stack.push(-1);
    }
  }
}

function isScope(tag: number): boolean {
  return tag === DW_TAG.namespace || tag === DW_TAG.structure_type || tag === DW_TAG.class_type || tag === DW_TAG.union_type;
}

/** A DIE's name, declaration flag and sibling, the other attributes skipped. */
interface Named {
  nameOffset: number;
  nameText?: string;
  declaration: boolean;
  sibling?: number;
}

/** Fills `out` (one object reused for every DIE of a walk: no garbage per DIE). A name in .debug_str is only located, not read. */
function readNamed(info: DwarfInfo, c: Cursor, abbrev: Abbrev, unit: Unit, named: boolean, out: Named): Named {
  out.nameOffset = -1;
  out.nameText = undefined;
  out.declaration = false;
  out.sibling = undefined;
  const forms = abbrev.forms;
  for (let i = 0; i < forms.length; i++) {
    let form = forms[i];
    if (form === DW_FORM.indirect && ((named && (i === abbrev.nameAt || i === abbrev.declarationAt)) || i === abbrev.siblingAt)) form = c.uleb();
    if (named && i === abbrev.nameAt) {
      const offset = info.stringOffset(c, form, unit);
      if (offset >= 0) out.nameOffset = offset;
      else {
        const value = info.readValue(c, form, unit, abbrev.consts[i]);
        if (typeof value === 'string') out.nameText = value;
      }
    } else if ((named && i === abbrev.declarationAt) || i === abbrev.siblingAt) {
      const value = info.readValue(c, form, unit, abbrev.consts[i]);
      if (i === abbrev.declarationAt) out.declaration = value === true || value === 1;
      else if (value instanceof Ref) out.sibling = value.offset;
    } else {
      info.skipForm(c, form, unit);
    }
  }
  return out;
}
