// One named type found without indexing the whole file: what `ipc-inspector dump --type NAME
// --from FILE` needs, one answer as `gdb ptype` and `pahole -C` give one. A unit that defines a type
// holds the type's own name (the last part of its spelling: `Slot<Msg>` of `ring::Slot<Msg>`) in one
// of these ways: as the offset of the string in .debug_str or .debug_line_str (DW_FORM_strp,
// line_strp: in the file's byte order), as the string itself (DW_FORM_string), or as an index into
// its part of .debug_str_offsets, whose entry holds that offset (DW_FORM_strx*, DWARF 5). So the
// name's bytes are searched for in the string sections, each place's offset in .debug_info,
// .debug_types and .debug_str_offsets, the name itself in .debug_info and .debug_types (all native
// memory searches, Buffer.indexOf), and only the units where one of them lies are walked
// (indexWalk.ts), each into an index of its own.
//
// Bytes that match by chance only add a unit to walk: the units walked are a superset of those
// that can define the name. The first unit in file order that defines it wins, as in the whole
// index. Where this cannot answer for sure (a name that ends too many strings, too many units to
// walk, a spelling whose last part is not a DIE's name), it says so (WholeIndexNeeded, or undefined
// from find) and the caller asks the whole index, so the answer is always the whole index's.
import type { DwarfInfo } from './info';
import { UnitWalker } from './indexWalk';
import { nameText } from './names';
import { SLICE_MS, tick, TypeIndex } from './typeIndex';
import { newIndex } from './walkPool';

/** Places of a name in the string sections looked at, at most: a name that ends more strings is the whole index's to find. */
export const MAX_STRING_PLACES = 64;
/** Units walked, at most (each index of its own takes about a megabyte): past that, the whole index. The candidates are walked in file order, so a type many units define is found in the first that does. */
export const MAX_UNITS_WALKED = 64;

/** A C, C++ or Rust spelling with its tag's keyword (`struct point`). */
export const KEYWORD_SPELLING = /^(struct|union|enum|class) /;

/** Thrown where only the whole index can answer (see the file's header). */
export class WholeIndexNeeded extends Error {
  override readonly name = 'WholeIndexNeeded';
}

/** The last part of a spelled type name, the DIE's own name: `Slot<ring::Msg>` of `ring::Slot<ring::Msg>`, `point` of `struct point`. */
export function ownNameOf(spelled: string): string {
  const bare = spelled.replace(KEYWORD_SPELLING, '');
  let depth = 0;
  let start = 0;
  for (let i = 0; i < bare.length; i++) {
    const ch = bare[i];
    if (ch === '<' || ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === '>' && bare[i - 1] !== '-') || ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && ch === ':' && bare[i + 1] === ':') start = ++i + 1;
  }
  return bare.slice(start);
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export class UnitsByName {
  /** Units walked so far (by index into info.units), each into its own index (scopes and definitions as the whole index has them). */
  private readonly walked = new Map<number, TypeIndex>();
  /** Candidate units by own name (undefined: too many places). */
  private readonly candidatesOf = new Map<string, number[] | undefined>();
  /** DWARF 5 units by their .debug_str_offsets part, sorted by its start; made on first need. */
  private strOffsetsParts: StrOffsetsPart[] | undefined;

  constructor(private readonly info: DwarfInfo) {}

  /**
   * The DIE offset of the type spelled `name` (as the whole index spells it), from the units that
   * hold its own name, walked in slices that give the event loop back; undefined: the whole index
   * must say (none of those units defines it, or there were too many to look at).
   */
  async find(name: string, signal?: AbortSignal): Promise<number | undefined> {
    const own = ownNameOf(name);
    const units = this.candidates(own);
    if (!units) return undefined;
    // In file order: the first that defines it is the answer, so a type many units define is found early.
    for (const i of units) {
      if (!this.walked.has(i)) {
        this.reserve();
        const index = newIndex(this.info);
        const walker = new UnitWalker(this.info, [i], index);
        while (!walker.run(performance.now() + SLICE_MS)) await tick(signal);
        this.walked.set(i, index);
      }
      const found = this.inUnit(i, name, own);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The same at once, for a layout meeting a type only declared where it is used; WholeIndexNeeded where this cannot answer. */
  findNow(name: string): number | undefined {
    const own = ownNameOf(name);
    const units = this.candidates(own);
    if (!units) throw new WholeIndexNeeded(name);
    for (const i of units) {
      const found = this.inUnit(i, name, own);
      if (found !== undefined) return found;
    }
    // Declared only in every unit that holds the name; or spelled so that its last part is not a DIE's name.
    throw new WholeIndexNeeded(name);
  }

  /** The scope prefix of the named type DIE at `offset` (its unit walked now if it was not). */
  prefixAt(offset: number): string | undefined {
    const unit = this.info.unitIndexOf(offset);
    return unit < 0 ? undefined : this.indexOf(unit).prefixAt(offset);
  }

  /** How many units were walked (for tests: far fewer than the file has). */
  get unitsWalked(): number {
    return this.walked.size;
  }

  /**
   * The entry spelled `name` in a unit's index. Its DIE's own name must be `own`, the name the units
   * were found by: a name whose own part holds `::` (`Foo<'>', ns::X>`, Rust's `<T as Tr>::{vtable}`)
   * was split in the wrong place, and the units searched may not be all that define it.
   */
  private inUnit(unit: number, name: string, own: string): number | undefined {
    const index = this.indexOf(unit);
    const id = index.find(name);
    if (id < 0) return undefined;
    if (nameText(this.info.sections, this.info.infoLength, index.entries.nameRef.get(id)) !== own) throw new WholeIndexNeeded(name);
    return index.offset(id);
  }

  private indexOf(unit: number): TypeIndex {
    let index = this.walked.get(unit);
    if (!index) {
      this.reserve();
      index = newIndex(this.info);
      new UnitWalker(this.info, [unit], index).run();
      this.walked.set(unit, index);
    }
    return index;
  }

  /** Room for one more walked unit, or WholeIndexNeeded. */
  private reserve(): void {
    if (this.walked.size >= MAX_UNITS_WALKED) throw new WholeIndexNeeded(`${this.walked.size} units`);
  }

  /** Indexes into info.units of the units that may define a type whose own name is `own`, in file order; undefined: no search (too many places to look, or sections not read whole). */
  candidates(own: string): number[] | undefined {
    if (!this.candidatesOf.has(own)) this.candidatesOf.set(own, this.search(own));
    return this.candidatesOf.get(own);
  }

  private search(own: string): number[] | undefined {
    const found = new Set<number>();
    const { info: infoBytes, types, str, lineStr, strOffsets } = this.info.sections;
    // Sections read lazily hold only what was read so far: no search there (the caller's whole index instead).
    if (this.info.sections.loader) return undefined;
    const text = Buffer.from(`${own}\0`, 'utf8');
    this.unitsHolding(infoBytes, 0, text, found);
    if (types) this.unitsHolding(types, this.info.infoLength, text, found);
    for (const strings of [str, lineStr]) {
      if (!strings) continue;
      const places = placesOf(strings, text);
      if (!places) return undefined;
      for (const place of places) {
        // The low 32 bits: a 64-bit DWARF reference holds them too (first or last, by byte order).
        const pattern = Buffer.alloc(4);
        if (this.info.littleEndian) pattern.writeUInt32LE(place % 2 ** 32);
        else pattern.writeUInt32BE(place % 2 ** 32);
        this.unitsHolding(infoBytes, 0, pattern, found);
        if (types) this.unitsHolding(types, this.info.infoLength, pattern, found);
        if (strOffsets && strings === str) this.unitsIndexing(strOffsets, pattern, found);
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Adds the units of a section (starting at global offset `base`) whose bytes hold `pattern`. */
  private unitsHolding(bytes: Uint8Array, base: number, pattern: Buffer, found: Set<number>): void {
    const section = view(bytes);
    for (let at = section.indexOf(pattern); at >= 0;) {
      const unit = this.info.unitIndexOf(base + at);
      if (unit < 0) {
        at = section.indexOf(pattern, at + 1); // a header's padding, or past the last unit
        continue;
      }
      found.add(unit);
      // One match is enough for a unit: on from its end.
      at = section.indexOf(pattern, this.info.units[unit].end - base);
    }
  }

  /** Adds the DWARF 5 units whose part of .debug_str_offsets holds `pattern` as an entry (each group of units sharing a part once). */
  private unitsIndexing(strOffsets: Uint8Array, pattern: Buffer, found: Set<number>): void {
    const section = view(strOffsets);
    const parts = this.partsOfStrOffsets();
    const done = new Set<StrOffsetsPart>();
    for (let at = section.indexOf(pattern); at >= 0; at = section.indexOf(pattern, at + 1)) {
      // The parts starting at the last base at or before `at` (one per offset size).
      const last = lastAtOrBefore(parts, at);
      for (let i = last; i >= 0 && parts[i].base === parts[last].base; i--) {
        const part = parts[i];
        if (done.has(part)) continue;
        // The low 32 bits of a big-endian 64-bit entry are its second half.
        const entry = part.offsetSize === 8 && !this.info.littleEndian ? at - 4 : at;
        if (entry < part.base || (entry - part.base) % part.offsetSize !== 0) continue;
        for (const unit of part.units) found.add(unit);
        done.add(part);
      }
    }
  }

  /** The DWARF 5 units by their .debug_str_offsets part: one entry per (start, offset size), sorted by start. */
  private partsOfStrOffsets(): StrOffsetsPart[] {
    if (!this.strOffsetsParts) {
      const byKey = new Map<string, StrOffsetsPart>();
      this.info.units.forEach((unit, i) => {
        if (unit.version < 5) return;
        const base = this.info.top(unit).strOffsetsBase;
        const key = `${base}:${unit.offsetSize}`;
        let part = byKey.get(key);
        if (!part) byKey.set(key, (part = { base, offsetSize: unit.offsetSize, units: [] }));
        part.units.push(i);
      });
      this.strOffsetsParts = [...byKey.values()].sort((a, b) => a.base - b.base || a.offsetSize - b.offsetSize);
    }
    return this.strOffsetsParts;
  }
}

/** A part of .debug_str_offsets and the units that index into it (several may share one). */
interface StrOffsetsPart {
  base: number;
  offsetSize: number;
  units: number[];
}

/** Where `text` (the name and its NUL) starts in a string section, every place (suffixes of longer strings too); undefined: more than MAX_STRING_PLACES. */
function placesOf(strings: Uint8Array, text: Buffer): number[] | undefined {
  const places: number[] = [];
  const section = view(strings);
  for (let at = section.indexOf(text); at >= 0; at = section.indexOf(text, at + 1)) {
    if (places.length === MAX_STRING_PLACES) return undefined;
    places.push(at);
  }
  return places;
}

/** The index of the last part whose base is at or before `at`, or -1 (binary search). */
function lastAtOrBefore(parts: ReadonlyArray<{ base: number }>, at: number): number {
  let lo = 0;
  let hi = parts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (parts[mid].base <= at) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
