// What the DWARF reader (info.ts) gives: units, their abbreviation declarations, DIEs and their
// attribute values, and the two ways a DIE names another (a reference within the units, a type
// unit's signature). Data only: the modules that walk DIEs (scopes, debugTypes, layout, lines)
// depend on these shapes, and only the reader makes them.

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
  code: number;
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
}

export type AbbrevTable = Map<number, Abbrev>;

export function numberOf(value: Value | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

export function stringOf(value: Value | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
