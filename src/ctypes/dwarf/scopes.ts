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
import { Abbrev, DwarfInfo, Ref, Unit } from './info';

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

export interface Visit {
  offset: number;
  tag: number;
  name: string;
  /** The qualified scope around it, with its trailing `::` ('' at the top). */
  prefix: string;
  declaration: boolean;
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
export async function walkScopes(info: DwarfInfo, unit: Unit, want: (tag: number) => boolean, visit: (v: Visit) => void, yielder: Yielder): Promise<void> {
  const table = info.abbrevs(unit);
  const base = info.sectionBase(unit.start);
  const c: Cursor = info.cursorAt(unit.firstDie);
  const limit = unit.end - base;
  /** The scope prefix at each depth; null where the DIEs are not in a scope (a function's body). */
  const scopes: Array<string | null> = [];
  const scratch: Named = { declaration: false };
  // The unit's own DIE: its children are the top-level scope.
  if (c.at >= limit) return;
  const topAbbrev = table.get(c.uleb());
  if (!topAbbrev) return;
  info.skipAttributes(c, topAbbrev, unit);
  if (topAbbrev.hasChildren) scopes.push('');
  while (scopes.length > 0) {
    if (c.at >= limit) throw new DwarfError(l10n.t('The unit at offset {0} ends inside a DIE list.', unit.start));
    if (yielder.due()) await yielder.yield(base + c.at);
    const at = c.at;
    const code = c.uleb();
    if (code === 0) {
      scopes.pop();
      continue;
    }
    const abbrev = table.get(code);
    if (!abbrev) throw new DwarfError(l10n.t('The DIE at offset {0} uses abbreviation {1}, which its unit does not define.', base + at, code));
    const scope = scopes[scopes.length - 1];
    const tag = abbrev.tag;
    const interesting = scope !== null && (want(tag) || (abbrev.hasChildren && isScope(tag)));
    if (!interesting && !(abbrev.hasChildren && abbrev.siblingAt >= 0)) {
      info.skipAttributes(c, abbrev, unit);
      if (abbrev.hasChildren) scopes.push(null);
      continue;
    }
    const read = readNamed(info, c, abbrev, unit, interesting, scratch);
    if (interesting && read.name !== undefined) visit({ offset: base + at, tag, name: read.name, prefix: scope ?? '', declaration: read.declaration });
    if (!abbrev.hasChildren) continue;
    if (scope !== null && isScope(tag) && (tag === DW_TAG.namespace || read.name !== undefined) && !read.declaration) {
      const name = read.name ?? l10n.t('(anonymous namespace)');
      scopes.push(`${scope}${name}::`);
    } else if (read.sibling !== undefined && read.sibling > base + at && read.sibling <= unit.end) {
      c.at = read.sibling - base; // the whole subtree, in one jump
    } else {
      scopes.push(null);
    }
  }
}

function isScope(tag: number): boolean {
  return tag === DW_TAG.namespace || tag === DW_TAG.structure_type || tag === DW_TAG.class_type || tag === DW_TAG.union_type;
}

/** A DIE's name, declaration flag and sibling, the other attributes skipped. */
interface Named {
  name?: string;
  declaration: boolean;
  sibling?: number;
}

/** Fills `out` (one object reused for every DIE of a walk: no garbage per DIE). */
function readNamed(info: DwarfInfo, c: Cursor, abbrev: Abbrev, unit: Unit, named: boolean, out: Named): Named {
  let name: string | undefined;
  let declaration = false;
  let sibling: number | undefined;
  const forms = abbrev.forms;
  for (let i = 0; i < forms.length; i++) {
    let form = forms[i];
    if ((named && (i === abbrev.nameAt || i === abbrev.declarationAt)) || i === abbrev.siblingAt) {
      if (form === DW_FORM.indirect) form = c.uleb();
      const value = info.readValue(c, form, unit, abbrev.consts[i]);
      if (i === abbrev.nameAt && typeof value === 'string') name = value;
      else if (i === abbrev.declarationAt) declaration = value === true || value === 1;
      else if (value instanceof Ref) sibling = value.offset;
    } else {
      info.skipForm(c, form, unit);
    }
  }
  out.name = name;
  out.declaration = declaration;
  out.sibling = sibling;
  return out;
}
