// The name index of one debug file, in memory: every named type DIE met in a scope (indexWalk.ts),
// definitions and declarations, in file order, as columns of numbers merged from one or more
// walks. Each spelled name is listed once (its first definition); later definitions spelled the
// same and declarations stay in the columns, hidden, because a layout names the types it meets by
// their DIE's scope (prefixAt: a binary search by offset, no second walk of the unit). A name is
// spelled only when asked for; a name typed in is found by its hash (names.ts) and checked by
// spelling the candidates.
//
// Merging is resumable (merge(..., deadline)): a walk of a few hundred thousand types is taken in
// on the extension host's thread a few milliseconds at a time.
import { abortError } from './bytes';
import { valueAt } from './columns';
import { DECL, EntryColumns, HIDDEN, KEYWORD, OWN, WalkResult, WalkSink } from './indexWalk';
import { ShardedSlots } from './slots';
import { hashText, NameBytes, nameText, sameRefs, ScopeTable } from './names';

const KEYWORDS: Record<number, string> = { 0x13: 'struct', 0x17: 'union', 0x04: 'enum', 0x02: 'class' };

/** What the pick list and the layouts ask of an index, wherever it is kept (memory here, the cache file: indexCache.ts). */
export interface NameIndex {
  /** Listed types (one per spelled name). */
  readonly listed: number;
  /** The listed types declared in the program's own files, up to `limit`, in file order, and how many there are. */
  ownList(limit: number, signal?: AbortSignal): Promise<TypeList & { total: number }>;
  /** Every listed type (all spelled: costly for a big program, so in slices that give the event loop back; done once). */
  all(signal?: AbortSignal): Promise<TypeList>;
  /** The id of the listed type spelled `name`, or -1. */
  find(name: string): number;
  name(id: number): string;
  offset(id: number): number;
  tag(id: number): number;
  flags(id: number): number;
  /** The scope prefix (`ring::`) of the named type DIE at `offset`, or undefined if the index has no such DIE. */
  prefixAt(offset: number): string | undefined;
}

/** Listed types: their ids, names, tags and flags, one each. */
export interface TypeList {
  ids: number[];
  names: string[];
  tags: number[];
  flags: number[];
}

/** A merge under way: how far it got. */
export interface MergeState {
  result: WalkResult;
  scopeMap: Int32Array;
  scopesDone: number;
  entriesDone: number;
}

/** Time on the extension host's thread before giving the event loop back. */
export const SLICE_MS = 8;

/** Gives the event loop back; throws when `signal` has fired meanwhile. */
export async function tick(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (signal?.aborted) throw abortError();
}

/**
 * The clock of a loop that gives the event loop back every SLICE_MS of work: `await slices.due()`
 * returns at once inside a slice, and after it yields (throwing when `signal` has fired meanwhile).
 */
export class Slices {
  private deadline = performance.now() + SLICE_MS;

  constructor(private readonly signal?: AbortSignal) {}

  async due(): Promise<void> {
    if (performance.now() <= this.deadline) return;
    await tick(this.signal);
    this.deadline = performance.now() + SLICE_MS;
  }
}

export function spell(keyword: string | undefined, prefix: string, text: string): string {
  return keyword ? `${keyword} ${text}` : prefix + text;
}

export function keywordOf(tag: number, flags: number): string | undefined {
  return flags & KEYWORD ? KEYWORDS[tag] : undefined;
}

export class TypeIndex implements NameIndex, WalkSink {
  readonly scopes: ScopeTable;
  entries: EntryColumns;
  listed = 0;
  /** Listed types from the program's own files (OWN). */
  private ownListed = 0;
  private readonly slots = new ShardedSlots();

  constructor(
    readonly names: NameBytes,
    readonly infoLength: number,
    scopes?: ScopeTable,
  ) {
    this.scopes = scopes ?? new ScopeTable(names, infoLength);
    this.entries = new EntryColumns();
  }

  get size(): number {
    return this.entries.length;
  }

  /** The hash table of the listed names, as the cache stores it. */
  get hashSlots(): ShardedSlots {
    return this.slots;
  }

  /** Starts taking in a walk's result. */
  startMerge(result: WalkResult): MergeState {
    return { result, scopeMap: new Int32Array(result.scopes.parent.length), scopesDone: 1, entriesDone: 0 };
  }

  /** Goes on taking in a walk's result until done (true) or `deadline` passes (false). */
  merge(state: MergeState, deadline = Infinity): boolean {
    const { parent, nameRef, nameHash } = state.result.scopes;
    const map = state.scopeMap;
    for (let i = state.scopesDone; i < parent.length; i++) {
      map[i] = this.scopes.intern(map[valueAt(parent, i)], valueAt(nameRef, i), valueAt(nameHash, i));
      if ((i & 1023) === 0 && performance.now() > deadline) {
        state.scopesDone = i + 1;
        return false;
      }
    }
    state.scopesDone = parent.length;
    const e = state.result.entries;
    for (let i = state.entriesDone; i < e.offset.length; i++) {
      this.add(valueAt(e.offset, i), valueAt(e.nameRef, i), valueAt(e.hash, i), map[valueAt(e.scope, i)], valueAt(e.tag, i), valueAt(e.flags, i));
      if ((i & 1023) === 0 && performance.now() > deadline) {
        state.entriesDone = i + 1;
        return false;
      }
    }
    state.entriesDone = e.offset.length;
    return true;
  }

  /** Takes a type DIE found by a walk (in file order): listed unless a definition spelled the same came first. */
  add(offset: number, ref: number, hash: number, scope: number, tag: number, flags: number): void {
    if (flags & DECL) {
      this.entries.push(offset, ref, hash, scope, tag, flags);
      return;
    }
    const e = this.entries;
    const found = this.slots.find(hash, (id) => e.hash.get(id) === hash && this.sameSpelling(id, ref, scope, tag, flags));
    if (found >= 0) {
      e.push(offset, ref, hash, scope, tag, flags | HIDDEN);
      return;
    }
    e.push(offset, ref, hash, scope, tag, flags);
    this.slots.insert(hash, e.length - 1, found, (id) => e.hash.get(id));
    this.listed++;
    if (flags & OWN) this.ownListed++;
  }

  /** Whether entry `id` is spelled as a type named `ref` in `scope` with `tag` and `flags` would be. */
  private sameSpelling(id: number, ref: number, scope: number, tag: number, flags: number): boolean {
    const e = this.entries;
    const keywordA = keywordOf(e.tag.get(id), e.flags.get(id));
    const keywordB = keywordOf(tag, flags);
    if (keywordA !== keywordB || (keywordA === undefined && e.scope.get(id) !== scope)) {
      // Different parts can still spell the same (a rare collision of hashes, or a scope met twice by different names): compare the spellings.
      return this.name(id) === spell(keywordB, this.scopes.prefix(scope), nameText(this.names, this.infoLength, ref));
    }
    return sameRefs(this.names, this.infoLength, e.nameRef.get(id), ref);
  }

  name(id: number): string {
    const e = this.entries;
    return spell(keywordOf(e.tag.get(id), e.flags.get(id)), this.scopes.prefix(e.scope.get(id)), nameText(this.names, this.infoLength, e.nameRef.get(id)));
  }

  find(name: string): number {
    const hash = hashText(name);
    const found = this.slots.find(hash, (id) => this.entries.hash.get(id) === hash && this.name(id) === name);
    return found >= 0 ? found : -1;
  }

  /**
   * The first `limit` listed types of the program's own files, and how many there are. Stops at
   * `limit` (counted as they were added): the pick list's first names come from the start of the
   * entries, and going through all of a big program's (a million) held the thread 60 ms. Spelled
   * in slices that give the event loop back (5,000 names took 50 ms with the code not yet compiled).
   */
  async ownList(limit: number, signal?: AbortSignal): Promise<TypeList & { total: number }> {
    const list: TypeList & { total: number } = { ids: [], names: [], tags: [], flags: [], total: this.ownListed };
    const e = this.entries;
    const slices = new Slices(signal);
    for (let id = 0; id < e.length && list.ids.length < limit; id++) {
      const flags = e.flags.get(id);
      if ((flags & (DECL | HIDDEN | OWN)) === OWN) this.push(list, id, flags); // own and listed
      if ((id & 255) === 0) await slices.due();
    }
    return list;
  }

  private spelled: TypeList | undefined;

  async all(signal?: AbortSignal): Promise<TypeList> {
    if (this.spelled) return this.spelled;
    const list: TypeList = { ids: [], names: [], tags: [], flags: [] };
    const e = this.entries;
    const slices = new Slices(signal);
    for (let id = 0; id < e.length; id++) {
      const flags = e.flags.get(id);
      if (!(flags & (DECL | HIDDEN))) this.push(list, id, flags);
      if ((id & 255) === 0) await slices.due();
    }
    this.spelled = list;
    return list;
  }

  private push(list: TypeList, id: number, flags: number): void {
    list.ids.push(id);
    list.names.push(this.name(id));
    list.tags.push(this.entries.tag.get(id));
    list.flags.push(flags);
  }

  offset(id: number): number {
    return this.entries.offset.get(id);
  }

  tag(id: number): number {
    return this.entries.tag.get(id);
  }

  flags(id: number): number {
    return this.entries.flags.get(id);
  }

  prefixAt(offset: number): string | undefined {
    const offsets = this.entries.offset;
    const id = searchSorted((i) => offsets.get(i), offsets.length, offset);
    return id < 0 ? undefined : this.scopes.prefix(this.entries.scope.get(id));
  }
}

/** The index of `value` among `length` sorted values read by `at`, or -1. */
export function searchSorted(at: (i: number) => number, length: number, value: number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const here = at(mid);
    if (here < value) lo = mid + 1;
    else if (here > value) hi = mid - 1;
    else return mid;
  }
  return -1;
}
