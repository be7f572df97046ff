// The layout probe: a small C file, generated from a type's declarations, whose constant tables say
// what the compiler decided about every member: offset, size, alignment, type class, signedness.
// Each bit-field gets a copy of its record with that field set to all ones: the bits it kept are
// where it lies. The file is compiled (not linked) with the user's compiler and flags and the tables
// are read from the object file (objectFile.ts), so the layout is the target's ABI, packing pragmas
// and attributes included. A record too big to copy per bit-field is searched at run time instead.
import type { CEnum, CField, CFieldKind, CLayout } from '../shared/cLayout';
import type { Node } from './cParser';
import { derive, tagName, TranslationUnit, TypeExpr } from './declarations';
import * as l10n from '../shared/l10n';
import { ProbeError } from './errors';

/** Beyond these a type is refused rather than probed (a probe that big takes long to compile). */
export const MAX_PROBE_NODES = 50_000;
const MAX_DEPTH = 64;
/** The probe's one member around the user's type: a name no macro of theirs is likely to have. */
const ROOT_MEMBER = 'ipcinsp_o';
/** Records up to this size have an object per bit-field in the probe's object file. */
export const BITS_OBJECT_MAX = 1 << 20;
/** Room after the object for element 0 of a flexible array member (its bit-fields are written). */
const FLEXIBLE_ROOM = 65_536;

type Shape = 'record' | 'anonymous' | 'array' | 'value' | 'bitfield';

interface ProbeNode {
  id: number;
  shape: Shape;
  name: string;
  type: string;
  /** The member designator from the probe's root, e.g. `o.s[0].x` (as offsetof takes it). */
  expr: string;
  union: boolean;
  members: ProbeNode[];
  element?: ProbeNode;
  flexible: boolean;
  enumIndex?: number;
  boolean?: boolean;
  /** A bit-field: C expressions of the byte range its bits must be in (between its named neighbours). */
  window?: { start: string; end: string };
  /** A bit-field's declared type, to cast to (absent for an untagged enum declared in place). */
  castType?: string;
  /** A bit-field of a plain integer type (no `signed` or `unsigned` on the way): -funsigned-bitfields makes it unsigned. */
  plain?: boolean;
  /** For an untagged enum: whether it has a negative constant, as a C expression (then its type is signed). */
  enumNegative?: string;
}

export interface ProbeOptions {
  /**
   * The program will be linked and run to find the bits of bit-fields in records too big for an
   * object each; then the declarations are a copy (with const taken out), never the user's file.
   */
  runnable: boolean;
  /** The project compiles with gcc's -funsigned-bitfields. */
  unsignedBitfields: boolean;
}

type MemberSpec =
  | { kind: 'anonymous'; union: boolean; body: Node }
  | { kind: 'bitfield'; name: string; type: TypeExpr; width: string }
  | { kind: 'member'; name: string; type: TypeExpr };

export interface Probe {
  typeName: string;
  source: string;
  root: ProbeNode;
  enums: CEnum[];
  nodeCount: number;
  bitFieldIds: number[];
}

export { ProbeError } from './errors';

function isBool(type: TypeExpr): boolean {
  return type.kind === 'spec' && (type.node.text === '_Bool' || type.node.text === 'bool');
}

/** `int`, `struct sensor`, `uint32_t *`, `char[16]`, `int (*)(…)`: how a type reads in the fields panel. */
export function typeText(type: TypeExpr): string {
  switch (type.kind) {
    case 'spec': {
      const node = type.node;
      if (node.type.endsWith('_specifier') && node.childForFieldName('body')) {
        return tagName(node) ?? `${node.type.replace('_specifier', '')} {…}`;
      }
      return node.text.replace(/\s+/g, ' ');
    }
    case 'pointer':
      return type.to.kind === 'function' ? `${typeText(type.to.returns)} (*)(…)` : `${typeText(type.to)} *`;
    case 'array': {
      const dims: string[] = [];
      let inner: TypeExpr = type;
      while (inner.kind === 'array') {
        dims.push(`[${inner.size?.text.replace(/\s+/g, ' ') ?? ''}]`);
        inner = inner.of;
      }
      return `${typeText(inner)}${dims.join('')}`;
    }
    case 'function':
      return `${typeText(type.returns)} (…)`;
  }
}

class ProbeBuilder {
  private nextId = 0;
  readonly enums: CEnum[] = [];
  /** By node id: the parser hands out a new Node object at each access. */
  private readonly enumIndex = new Map<number, number>();
  private readonly specs = new Map<number, MemberSpec[]>();
  flexible = false;

  constructor(private readonly unit: TranslationUnit) {}

  /** Follows typedef names down to a specifier, pointer, array or function. */
  private resolve(type: TypeExpr): TypeExpr {
    for (let hops = 0; hops < MAX_DEPTH; hops++) {
      if (type.kind !== 'spec' || (type.node.type !== 'type_identifier' && type.node.type !== 'primitive_type')) return type;
      const next = this.unit.typedef(type.node.text);
      // Not a typedef here: a built-in (int, _Bool, __int128, _Float128...). Were it undeclared,
      // compiling the probe says so in the compiler's own words.
      if (!next) return type;
      type = next;
    }
    throw new ProbeError(l10n.t('A typedef chain is too long (a loop?).'));
  }

  /** An integer type spelled without `signed` or `unsigned` anywhere down its typedef chain (gcc's "plain"). */
  private isPlainInteger(type: TypeExpr): boolean {
    for (let hops = 0; hops < MAX_DEPTH && type.kind === 'spec'; hops++) {
      const node = type.node;
      if (/\b(signed|unsigned)\b/.test(node.text) || node.type.endsWith('_specifier') || isBool(type)) return false;
      const next = this.unit.typedef(node.text);
      if (!next) return true;
      type = next;
    }
    return false;
  }

  private node(shape: Shape, name: string, type: string, expr: string): ProbeNode {
    if (this.nextId >= MAX_PROBE_NODES) {
      throw new ProbeError(l10n.t('The type has more than {0} members and array levels: too large to lay out.', MAX_PROBE_NODES));
    }
    return { id: this.nextId++, shape, name, type, expr, union: false, members: [], flexible: false };
  }

  get count(): number {
    return this.nextId;
  }

  expand(expr: string, name: string, declared: TypeExpr, depth: number): ProbeNode {
    if (depth > MAX_DEPTH) throw new ProbeError(l10n.t('The type nests too deeply (a struct that contains itself?).'));
    const type = this.resolve(declared);
    const display = typeText(declared);
    if (type.kind === 'array') {
      const node = this.node('array', name, display, expr);
      node.flexible = type.size === null;
      if (node.flexible) this.flexible = true;
      node.element = this.expand(`${expr}[0]`, '[0]', type.of, depth + 1);
      return node;
    }
    if (type.kind === 'function') throw new ProbeError(l10n.t('"{0}" is a function, not an object.', name));
    if (type.kind === 'pointer') return this.node('value', name, display, expr);
    const spec = type.node;
    if (spec.type === 'struct_specifier' || spec.type === 'union_specifier') {
      const body = spec.childForFieldName('body') ?? this.unit.body(tagName(spec) ?? '')?.childForFieldName('body');
      if (!body) throw new ProbeError(l10n.t('"{0}" is declared but never defined here: its layout is unknown.', tagName(spec) ?? display));
      const node = this.node('record', name, display, expr);
      node.union = spec.type === 'union_specifier';
      node.members = this.members(expr, body, depth);
      return node;
    }
    const node = this.node('value', name, display, expr);
    if (spec.type === 'enum_specifier') node.enumIndex = this.enumOf(spec);
    // The compiler classes _Bool as an integer: the declaration says bool.
    node.boolean = isBool(type);
    return node;
  }

  /**
   * What a struct or union body declares, read from the tree once per body: a type used in many
   * places (or as an array's element type) is laid out from this, not parsed again each time.
   */
  private specsOf(body: Node): MemberSpec[] {
    const known = this.specs.get(body.id);
    if (known) return known;
    const specs: MemberSpec[] = [];
    for (const field of body.namedChildren) {
      if (field?.type !== 'field_declaration') continue;
      const typeNode = field.childForFieldName('type');
      if (!typeNode) continue;
      const declarators = field.childrenForFieldName('declarator');
      const bitfield = field.namedChildren.find((child) => child?.type === 'bitfield_clause');
      if (declarators.length === 0) {
        // An untagged body without a name is an anonymous member; a tagged one only declares its
        // tag (gcc: "declaration does not declare anything"; -fms-extensions aside).
        const innerBody =
          (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier') && !typeNode.childForFieldName('name')
            ? typeNode.childForFieldName('body')
            : null;
        if (innerBody) specs.push({ kind: 'anonymous', union: typeNode.type === 'union_specifier', body: innerBody });
        continue; // an unnamed bit-field (`int : 3;`) is padding: it shows as a gap
      }
      for (const declarator of declarators) {
        const { name, type } = derive({ kind: 'spec', node: typeNode }, declarator);
        if (!name) continue;
        specs.push(bitfield ? { kind: 'bitfield', name, type, width: bitfield.text.replace(/^:\s*/, '') } : { kind: 'member', name, type });
      }
    }
    this.specs.set(body.id, specs);
    return specs;
  }

  private members(expr: string, body: Node, depth: number): ProbeNode[] {
    const members: ProbeNode[] = [];
    for (const spec of this.specsOf(body)) {
      if (spec.kind === 'anonymous') {
        const node = this.node('anonymous', spec.union ? '(anonymous union)' : '(anonymous struct)', spec.union ? 'union {…}' : 'struct {…}', expr);
        node.union = spec.union;
        node.members = this.members(expr, spec.body, depth + 1);
        if (node.members.length > 0) members.push(node); // only unnamed bit-fields inside: padding
      } else if (spec.kind === 'bitfield') {
        const node = this.node('bitfield', spec.name, `${typeText(spec.type)} : ${spec.width}`, `${expr}.${spec.name}`);
        const resolved = this.resolve(spec.type);
        if (resolved.kind === 'spec' && resolved.node.type === 'enum_specifier') node.enumIndex = this.enumOf(resolved.node);
        node.boolean = isBool(resolved);
        const inPlaceEnum = spec.type.kind === 'spec' && spec.type.node.type === 'enum_specifier' && !tagName(spec.type.node);
        if (inPlaceEnum) node.enumNegative = this.enums[node.enumIndex ?? -1]?.constants.map((c) => `(${c.name}) < 0`).join(' || ') || '0';
        else node.castType = typeText(spec.type);
        node.plain = this.isPlainInteger(spec.type);
        members.push(node);
      } else {
        members.push(this.expand(`${expr}.${spec.name}`, spec.name, spec.type, depth + 1));
      }
    }
    // Each bit-field's bits lie between the named members around it (or the record's ends): the
    // probe clears and searches only there, not the whole object (which may be gigabytes).
    const recordStart = `__builtin_offsetof(ipcinsp_root, ${expr})`;
    const recordEnd = `(${recordStart} + sizeof(IPCINSP_M(${expr})))`;
    const addressable = (m: ProbeNode | undefined) => m !== undefined && m.shape !== 'bitfield' && m.shape !== 'anonymous';
    members.forEach((member, i) => {
      if (member.shape !== 'bitfield') return;
      let before: ProbeNode | undefined;
      for (let j = i - 1; j >= 0 && !before; j--) if (members[j].shape !== 'bitfield') before = members[j];
      let after: ProbeNode | undefined;
      for (let j = i + 1; j < members.length && !after; j++) if (members[j].shape !== 'bitfield') after = members[j];
      member.window = {
        start:
          addressable(before) && !before!.flexible ? `(__builtin_offsetof(ipcinsp_root, ${before!.expr}) + sizeof(IPCINSP_M(${before!.expr})))` : recordStart,
        end: addressable(after) ? `__builtin_offsetof(ipcinsp_root, ${after!.expr})` : recordEnd,
      };
    });
    return members;
  }

  private enumOf(spec: Node): number | undefined {
    const definition = spec.childForFieldName('body') ? spec : this.unit.body(tagName(spec) ?? '');
    const body = definition?.childForFieldName('body');
    if (!definition || !body) return undefined;
    const known = this.enumIndex.get(definition.id);
    if (known !== undefined) return known;
    const constants = body.namedChildren.flatMap((child) =>
      child?.type === 'enumerator' && child.childForFieldName('name') ? [child.childForFieldName('name')!.text] : [],
    );
    const index = this.enums.length;
    this.enums.push({ name: tagName(definition) ?? 'enum {…}', constants: constants.map((constantName) => ({ name: constantName, value: '' })) });
    this.enumIndex.set(definition.id, index);
    return index;
  }

  /** The probe's tables: one constant entry per member (the compiler works them all out while compiling). */
  private readonly entries: string[] = [];
  /** One object per bit-field, its parent record with that field set to all ones: its bits are in the object file. */
  private readonly bitObjects: string[] = [];
  /** What the program does instead when a parent record is too big for that (only when it is allowed to run). */
  private readonly bitSearches: string[] = [];
  readonly bitFieldIds: number[] = [];

  /** Records `node` and everything under it. */
  emit(node: ProbeNode, parentExpr: string, options: ProbeOptions): void {
    const d = node.expr;
    const m = `IPCINSP_M(${d})`;
    if (node.shape === 'bitfield') {
      // A bit-field has no address, no sizeof and no __typeof__: its declared type says its class
      // and signedness, and its bits are found by setting it to all ones in a zeroed record.
      const { start, end } = node.window!;
      this.bitFieldIds.push(node.id);
      const declared = node.castType ? `(${node.castType})0` : '0';
      const signed = node.castType ? `(IPCINSP_SIGNED(${declared}) && !(IPCINSP_PLAIN_UNSIGNED && ${node.plain ? 1 : 0}))` : `(${node.enumNegative ?? '0'})`;
      const typeClass = node.castType ? `__builtin_classify_type(${declared})` : '3';
      const base = `__builtin_offsetof(ipcinsp_root, ${parentExpr})`;
      this.entries.push(`  { ${node.id}, ${start}, (${end}) - (${start}), ${base}, ${typeClass}, ${signed}, 0, 0 },`);
      const parent = `__typeof__(IPCINSP_M(${parentExpr}))`;
      this.bitObjects.push(`static const ${parent} ipcinsp_bits_${node.id}[sizeof(${parent}) <= IPCINSP_BITS_MAX] IPCINSP_USED = { { .${node.name} = -1 } };`);
      if (options.runnable) this.bitSearches.push(`  ipcinsp_clear(${start}, ${end}); ipcinsp_buf.r.${d} = -1; ipcinsp_bits(${node.id}, ${start}, ${end});`);
    } else if (node.shape === 'anonymous') {
      // It has no name to take the offset of: its place is worked out from its members.
    } else if (node.flexible) {
      this.entries.push(`  { ${node.id}, __builtin_offsetof(ipcinsp_root, ${d}), 0, _Alignof(__typeof__(${m}[0])), 14, 0, 0, 0 },`);
    } else {
      this.entries.push(
        `  { ${node.id}, __builtin_offsetof(ipcinsp_root, ${d}), sizeof(${m}), _Alignof(__typeof__(${m})), __builtin_classify_type(${m}), IPCINSP_SIGNED(${m}), IPCINSP_CHAR(${m}), IPCINSP_MANT(${m}) },`,
      );
    }
    // A bit-field's parent is the nearest record with a name to designate it by (an anonymous
    // member's fields are designated through it, as C11 allows).
    const childParent = node.shape === 'anonymous' ? parentExpr : d;
    for (const member of node.members) this.emit(member, childParent, options);
    if (node.element) this.emit(node.element, d, options);
  }

  source(declarations: string, typeName: string, options: ProbeOptions): string {
    const enumEntries = this.enums.flatMap((e, index) => e.constants.map((c, k) => `  { ${index}, ${k}, (long long)(${c.name}) },`));
    // Qualifiers change no layout, and a const member could not be set to find a bit-field's bits
    // (only done in a program that runs: the declarations are then a copy, not the user's file).
    const qualifiers = options.runnable ? '#define const\n#define volatile\n' : '';
    return `${qualifiers}${declarations}
# 1 "<ipc-inspector layout probe>"
typedef __SIZE_TYPE__ ipcinsp_size;
typedef ${typeName} ipcinsp_user;
/* Wrapped, so that every member designator starts with a name (offsetof wants one), arrays too. */
typedef struct { ipcinsp_user ipcinsp_o; } ipcinsp_root;
#define IPCINSP_M(d) (((ipcinsp_root *)0)->d)
#define IPCINSP_USED __attribute__((used))
/* Records up to this size get an object per bit-field; beyond, the program has to run to find the bits. */
#define IPCINSP_BITS_MAX ${BITS_OBJECT_MAX}u
/* gcc's -funsigned-bitfields makes plain int bit-fields unsigned; clang has no such option. */
#if ${options.unsignedBitfields ? 1 : 0} && !defined(__clang__)
#define IPCINSP_PLAIN_UNSIGNED 1
#else
#define IPCINSP_PLAIN_UNSIGNED 0
#endif
#ifdef __SIZEOF_INT128__
#define IPCINSP_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, __int128: 1, char: ((char)-1 < 0), default: 0)
#else
#define IPCINSP_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, char: ((char)-1 < 0), default: 0)
#endif
#define IPCINSP_CHAR(e) _Generic((e), char: 1, default: 0)
/* Which floating format: its mantissa digits (long double is x87's 64 on x86, binary128's 113 on arm64; 0 for others, e.g. __float128). */
#define IPCINSP_MANT(e) _Generic((e), float: __FLT_MANT_DIG__, double: __DBL_MANT_DIG__, long double: __LDBL_MANT_DIG__, default: 0)
/* Every column is a long long, so the table reads the same from any object file of this ABI. */
static const struct { long long id, offset, size, align, type_class, is_signed, is_char, mantissa; } ipcinsp_nodes[] IPCINSP_USED = {
  { -2, 0, sizeof(ipcinsp_user), _Alignof(ipcinsp_user), 0, 0, 0, 0 },
${this.entries.join('\n')}
  { -1, 0, 0, 0, 0, 0, 0, 0 }
};
static const struct { long long index, k, value; } ipcinsp_enums[] IPCINSP_USED = {
${enumEntries.join('\n')}
  { -1, 0, 0 }
};
${this.bitObjects.join('\n')}
${options.runnable ? this.searchProgram() : ''}`;
  }

  /** The program that finds bit-fields' bits at run time, for records too big to have an object per bit-field. */
  private searchProgram(): string {
    return `static union { ipcinsp_root r; unsigned char b[sizeof(ipcinsp_root) + ${this.flexible ? FLEXIBLE_ROOM : 1}]; } ipcinsp_buf;
static void ipcinsp_clear(ipcinsp_size start, ipcinsp_size end) {
  __builtin_memset(ipcinsp_buf.b + start, 0, end - start);
}
static void ipcinsp_bits(int id, ipcinsp_size start, ipcinsp_size end) {
  long long first = -1, last = -1;
  ipcinsp_size i;
  int b;
  for (i = start; i < end; i++) {
    if (!ipcinsp_buf.b[i]) continue;
    for (b = 0; b < 8; b++) {
      if (ipcinsp_buf.b[i] >> b & 1) {
        if (first < 0) first = (long long)i * 8 + b;
        last = (long long)i * 8 + b;
      }
    }
  }
  __builtin_printf("B %d %lld %lld\\n", id, first, last - first + 1);
}
int main(void) {
${this.bitSearches.join('\n')}
  return 0;
}
`;
  }
}

/** The probe for `typeName` (`struct Data`, a typedef name) declared in `unit`. */
/**
 * The probe for `typeName` (`struct Data`, a typedef name) declared in `unit`. Its declarations are
 * the type's closure cut from the unit, or, given `include`, the user's file itself (the compiler then
 * preprocesses it: `unit` was read from that file as it is).
 */
export function buildProbe(unit: TranslationUnit, typeName: string, options: ProbeOptions & { include?: string }): Probe {
  if (!unit.has(typeName)) throw new ProbeError(l10n.t('No type "{0}" is declared in this file.', typeName));
  const builder = new ProbeBuilder(unit);
  const declared: TypeExpr = unit.typedef(typeName) ?? { kind: 'spec', node: unit.body(typeName)! };
  const root = builder.expand(ROOT_MEMBER, typeName, declared, 0);
  root.type = typeName;
  builder.emit(root, ROOT_MEMBER, options);
  const declarations = options.include ? `#include "${options.include}"` : unit.closure(typeName);
  return {
    typeName,
    source: builder.source(declarations, typeName, options),
    root,
    enums: builder.enums,
    nodeCount: builder.count,
    bitFieldIds: builder.bitFieldIds,
  };
}

interface Measured {
  offset: number;
  size: number;
  align: number;
  typeClass: number;
  signed: boolean;
  char: boolean;
  mantissa?: number;
  bits?: { first: number; width: number };
}

const CLASS_KIND: Record<number, CFieldKind> = { 1: 'int', 3: 'enum', 4: 'bool', 5: 'pointer', 8: 'float', 12: 'struct', 13: 'union' };

/** The probe's compiled tables: what the object file holds under the probe's symbols. */
export interface ProbeObject {
  littleEndian: boolean;
  symbols: ReadonlyMap<string, Uint8Array>;
}

const NODE_COLUMNS = 8;
const ENUM_COLUMNS = 3;

/** A table of long longs, row by row; throws if the symbol is missing or not whole rows. */
function tableOf(object: ProbeObject, name: string, columns: number): bigint[][] {
  const bytes = object.symbols.get(name);
  if (!bytes || bytes.length % (columns * 8) !== 0) throw new ProbeError(l10n.t('The layout probe\'s object file has no table "{0}".', name));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: bigint[][] = [];
  for (let at = 0; at < bytes.length; at += columns * 8) {
    rows.push(Array.from({ length: columns }, (_, c) => view.getBigInt64(at + c * 8, object.littleEndian)));
  }
  return rows;
}

function safe(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ProbeError(l10n.t('The layout probe gave a number beyond 2^53: {0}.', value.toString()));
  return n;
}

/** The probe's data the layout is read from (not its run-time buffer, which can be gigabytes of zeros). */
export const PROBE_SYMBOL = /^ipcinsp_(nodes|enums|bits_\d+)$/;

function bitFieldSymbol(id: number): string {
  return `ipcinsp_bits_${id}`;
}

/** Whether some bit-field's record was too big for an object of its own: then the probe must run to find its bits. */
export function needsBitSearch(probe: Probe, object: ProbeObject): boolean {
  return probe.bitFieldIds.some((id) => (object.symbols.get(bitFieldSymbol(id))?.length ?? 0) === 0);
}

/** The first set bit and how many follow, within `bytes[start, end)`, counted from bit 0 of byte 0 + `base`. */
function setBits(bytes: Uint8Array, start: number, end: number, base: number): { first: number; width: number } {
  let first = -1;
  let last = -1;
  for (let i = Math.max(0, start); i < Math.min(end, bytes.length); i++) {
    if (!bytes[i]) continue;
    for (let b = 0; b < 8; b++) {
      if ((bytes[i] >> b) & 1) {
        if (first < 0) first = (i + base) * 8 + b;
        last = (i + base) * 8 + b;
      }
    }
  }
  if (first < 0) throw new ProbeError(l10n.t('A bit-field kept no bits when set to all ones: the probe is wrong.'));
  return { first, width: last - first + 1 };
}

/** The `B id first width` lines of a probe that ran. */
function searchedBits(output: string): Map<number, { first: number; width: number }> {
  const found = new Map<number, { first: number; width: number }>();
  for (const line of output.split('\n')) {
    const match = /^B (\d+) (-?\d+) (-?\d+)$/.exec(line.trim());
    if (match && Number(match[2]) >= 0) found.set(Number(match[1]), { first: Number(match[2]), width: Number(match[3]) });
    else if (line.trim()) throw new ProbeError(l10n.t('The layout probe printed an unexpected line: {0}', JSON.stringify(line.slice(0, 200))));
  }
  return found;
}

/**
 * The layout from the probe's object file (and, when its bit-fields had to be searched for at run
 * time, what the program printed); throws if they do not match the probe.
 */
export function readProbe(probe: Probe, object: ProbeObject, where: { file: string; line: number }, searchOutput = ''): CLayout {
  const measured = new Map<number, Measured>();
  const searched = searchedBits(searchOutput);
  let size = -1;
  let align = 0;
  for (const row of tableOf(object, 'ipcinsp_nodes', NODE_COLUMNS)) {
    const [id, offset, bytes, alignment, typeClass, signed, char, mantissa] = row.map(safe);
    if (id === -2) [size, align] = [bytes, alignment];
    if (id < 0) continue;
    const isBitField = probe.bitFieldIds.includes(id);
    if (!isBitField) {
      measured.set(id, { offset, size: bytes, align: alignment, typeClass, signed: signed === 1, char: char === 1, mantissa });
      continue;
    }
    // A bit-field's row: its window (offset, size) and its record's offset (align's column).
    const record = object.symbols.get(bitFieldSymbol(id));
    const bits = record && record.length > 0 ? setBits(record, offset - alignment, offset - alignment + bytes, alignment) : searched.get(id);
    if (!bits) throw new ProbeError(l10n.t('The layout probe did not find the bits of bit-field {0}.', id));
    const first = Math.floor(bits.first / 8);
    measured.set(id, {
      offset: first,
      size: Math.floor((bits.first + bits.width - 1) / 8) - first + 1,
      align: 1,
      typeClass,
      signed: signed === 1,
      char: false,
      bits,
    });
  }
  for (const [index, k, value] of tableOf(object, 'ipcinsp_enums', ENUM_COLUMNS)) {
    // An enum constant's value stays text: it may be beyond a double's exact range.
    const constant = index >= 0n ? probe.enums[Number(index)]?.constants[Number(k)] : undefined;
    if (constant) constant.value = value.toString();
  }
  if (size < 0) throw new ProbeError(l10n.t('The layout probe has no size for the type.'));
  const root = toField(probe.root, measured);
  return { name: probe.typeName, size, align, root, enums: probe.enums, file: where.file, line: where.line };
}

function toField(node: ProbeNode, measured: Map<number, Measured>): CField {
  const members = node.members.map((member) => toField(member, measured));
  const element = node.element ? toField(node.element, measured) : undefined;
  if (node.shape === 'anonymous') {
    const start = Math.min(...members.map((m) => m.offset), Number.MAX_SAFE_INTEGER);
    const end = Math.max(...members.map((m) => m.offset + m.size), start);
    const safeStart = members.length > 0 ? start : 0;
    return {
      name: node.name,
      type: node.type,
      kind: node.union ? 'union' : 'struct',
      offset: safeStart,
      size: end - safeStart,
      align: Math.max(1, ...members.map((m) => m.align)),
      members,
      anonymous: true,
    };
  }
  const found = measured.get(node.id);
  if (!found) throw new ProbeError(l10n.t('The layout probe did not report "{0}".', node.name));
  // The compiler's class must agree with what the declarations were read as (a name from another
  // header taken for an integer would show up here as a record).
  const record = found.typeClass === 12 || found.typeClass === 13;
  if (node.shape === 'record' ? found.typeClass !== (node.union ? 13 : 12) : node.shape === 'value' && record) {
    throw new ProbeError(l10n.t('"{0}" is not what the declarations say it is (the compiler classes it {1}).', node.name, found.typeClass));
  }
  const base = { name: node.name, type: node.type, offset: found.offset, size: found.size, align: found.align };
  if (node.shape === 'array') {
    return { ...base, kind: 'array', element, count: node.flexible ? -1 : element && element.size > 0 ? Math.floor(found.size / element.size) : 0 };
  }
  if (node.shape === 'record') return { ...base, kind: node.union ? 'union' : 'struct', members };
  const kind: CFieldKind = node.enumIndex !== undefined ? 'enum' : node.boolean ? 'bool' : (CLASS_KIND[found.typeClass] ?? 'other');
  const field: CField = { ...base, kind };
  if (kind === 'int' || kind === 'enum') field.signed = found.signed;
  if (kind === 'int' && found.char && found.size === 1) field.char = true;
  if (kind === 'float' && found.mantissa) field.mantissa = found.mantissa;
  if (node.enumIndex !== undefined) field.enumIndex = node.enumIndex;
  if (found.bits) field.bits = found.bits;
  return field;
}
