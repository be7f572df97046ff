// One named type found without indexing the whole file, as `gdb ptype` and `pahole -C` find it:
// what `ipc-inspector dump --type NAME --from FILE` needs. A unit that defines a type holds the
// type's own name (the last part of its spelling: `Slot<Msg>` of `ring::Slot<Msg>`) in one of
// three ways: as the offset of the string in .debug_str (DW_FORM_strp, in the file's byte order),
// as the string itself (DW_FORM_string), or as an index into its part of .debug_str_offsets, whose
// entry holds that offset (DW_FORM_strx*, DWARF 5). So the name's bytes are searched for in
// .debug_str, each place's offset in .debug_info, .debug_types and .debug_str_offsets, the name
// itself in .debug_info and .debug_types (all native memory searches, Buffer.indexOf), and only the
// units where one of them lies are walked (indexWalk.ts), each into an index of its own.
//
// Bytes that match by chance only add a unit to walk: the units walked are a superset of those
// that can define the name. The first unit in file order that defines it wins, as in the whole
// index. A name these units do not define (a spelling whose last part is not a DIE's name, a
// reference into a supplementary file) is the caller's to look up in the whole index.
import type { DwarfInfo, Unit } from './info';
import { UnitWalker } from './indexWalk';
import { SLICE_MS, tick, TypeIndex } from './typeIndex';

/** Places of the name in .debug_str looked at, at most: a name that ends that many strings is better found by the whole index. */
export const MAX_STRING_PLACES = 64;

/** The last part of a spelled type name, the DIE's own name: `Slot<ring::Msg>` of `ring::Slot<ring::Msg>`, `point` of `struct point`. */
export function ownNameOf(spelled: string): string {
  const bare = spelled.replace(/^(struct|union|enum|class) /, '');
  let depth = 0;
  let start = 0;
  for (let i = 0; i < bare.length; i++) {
    const ch = bare[i];
    if (ch === '<' || ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === '>' || ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && ch === ':' && bare[i + 1] === ':') start = ++i + 1;
  }
  return bare.slice(start);
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export class UnitsByName {
  /** Units walked so far, each into its own index (scopes and definitions as the whole index has them). */
  private readonly walked = new Map<Unit, TypeIndex>();
  /** Units by their .debug_str_offsets part (DWARF 5), sorted by its start; made on first need. */
  private strOffsetsParts: Array<{ base: number; unit: number }> | undefined;

  constructor(private readonly info: DwarfInfo) {}

  /**
   * The DIE offset of the type spelled `name` (as the whole index spells it), from the units that
   * hold its own name, walked in slices that give the event loop back; undefined: none defines it.
   */
  async find(name: string, signal?: AbortSignal): Promise<number | undefined> {
    const units = this.candidates(ownNameOf(name));
    if (!units) return undefined;
    for (const i of units) {
      const unit = this.info.units[i];
      if (!this.walked.has(unit)) {
        const index = this.newIndex();
        const walker = new UnitWalker(this.info, [i], index);
        while (!walker.run(performance.now() + SLICE_MS)) await tick(signal);
        this.walked.set(unit, index);
      }
      const found = this.inUnit(unit, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The same at once (a layout meeting a type only declared where it is used). */
  findNow(name: string): number | undefined {
    const units = this.candidates(ownNameOf(name));
    for (const i of units ?? []) {
      const found = this.inUnit(this.info.units[i], name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The scope prefix of the named type DIE at `offset` (its unit walked now if it was not). */
  prefixAt(offset: number): string | undefined {
    return this.indexOf(this.info.unitOf(offset)).prefixAt(offset);
  }

  /** How many units were walked (for tests: far fewer than the file has). */
  get unitsWalked(): number {
    return this.walked.size;
  }

  private inUnit(unit: Unit, name: string): number | undefined {
    const index = this.indexOf(unit);
    const id = index.find(name);
    return id < 0 ? undefined : index.offset(id);
  }

  private indexOf(unit: Unit): TypeIndex {
    let index = this.walked.get(unit);
    if (!index) {
      index = this.newIndex();
      new UnitWalker(this.info, [this.info.units.indexOf(unit)], index).run();
      this.walked.set(unit, index);
    }
    return index;
  }

  private newIndex(): TypeIndex {
    return new TypeIndex(this.info.sections, this.info.infoLength);
  }

  /** Indexes into info.units of the units that may define a type whose own name is `own`, in file order; undefined: no search (too many places to look, or sections not read whole). */
  candidates(own: string): number[] | undefined {
    const found = new Set<number>();
    const { info: infoBytes, types, str, strOffsets } = this.info.sections;
    // Sections read lazily hold only what was read so far: no search there (the caller's whole index instead).
    if (this.info.sections.loader) return undefined;
    const text = Buffer.from(`${own}\0`, 'utf8');
    this.unitsHolding(infoBytes, 0, text, found);
    if (types) this.unitsHolding(types, this.info.infoLength, text, found);
    if (str) {
      const places: number[] = [];
      const strings = view(str);
      for (let at = strings.indexOf(text); at >= 0; at = strings.indexOf(text, at + 1)) {
        if (places.length === MAX_STRING_PLACES) return undefined;
        places.push(at);
      }
      for (const place of places) {
        // The low 32 bits: a 64-bit DWARF reference holds them too (first or last, by byte order).
        const pattern = Buffer.alloc(4);
        if (this.info.littleEndian) pattern.writeUInt32LE(place % 2 ** 32);
        else pattern.writeUInt32BE(place % 2 ** 32);
        this.unitsHolding(infoBytes, 0, pattern, found);
        if (types) this.unitsHolding(types, this.info.infoLength, pattern, found);
        if (strOffsets) this.unitsIndexing(strOffsets, pattern, found);
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Adds the units of a section (starting at global offset `base`) whose bytes hold `pattern`. */
  private unitsHolding(bytes: Uint8Array, base: number, pattern: Buffer, found: Set<number>): void {
    const section = view(bytes);
    for (let at = section.indexOf(pattern); at >= 0;) {
      const unit = this.unitAt(base + at);
      if (unit < 0) {
        at = section.indexOf(pattern, at + 1); // a header's padding, or past the last unit
        continue;
      }
      found.add(unit);
      // One match is enough for a unit: on from its end.
      at = section.indexOf(pattern, this.info.units[unit].end - base);
    }
  }

  /** Adds the DWARF 5 units whose part of .debug_str_offsets holds `pattern` as an entry. */
  private unitsIndexing(strOffsets: Uint8Array, pattern: Buffer, found: Set<number>): void {
    const section = view(strOffsets);
    for (let at = section.indexOf(pattern); at >= 0; at = section.indexOf(pattern, at + 1)) {
      const parts = this.partsOfStrOffsets();
      // The last part starting at or before `at`, and every unit sharing it.
      let hi = parts.length - 1;
      while (hi >= 0 && parts[hi].base > at) hi--;
      if (hi < 0) continue;
      for (let i = hi; i >= 0 && parts[i].base === parts[hi].base; i--) {
        const unit = this.info.units[parts[i].unit];
        if ((at - parts[i].base) % unit.offsetSize === 0) found.add(parts[i].unit);
      }
    }
  }

  private partsOfStrOffsets(): Array<{ base: number; unit: number }> {
    if (!this.strOffsetsParts) {
      this.strOffsetsParts = [];
      this.info.units.forEach((unit, i) => {
        if (unit.version >= 5) this.strOffsetsParts!.push({ base: this.info.top(unit).strOffsetsBase, unit: i });
      });
      this.strOffsetsParts.sort((a, b) => a.base - b.base || a.unit - b.unit);
    }
    return this.strOffsetsParts;
  }

  /** The index of the unit holding global offset `offset`, or -1. */
  private unitAt(offset: number): number {
    const units = this.info.units;
    let lo = 0;
    let hi = units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (offset < units[mid].start) hi = mid - 1;
      else if (offset >= units[mid].end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
