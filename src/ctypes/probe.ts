// The layout probe: a small C program, generated from a type's declarations, that prints what the
// compiler decided about every member: offset, size, alignment, type class, signedness, and each
// bit-field's bits (found by setting the field to all ones in a zeroed object and looking at which
// bits changed). The program is compiled with the user's compiler and flags, so the layout is this
// machine's ABI, packing pragmas and attributes included. No library header is included: the
// declarations come from the user's own preprocessed file and could clash with one.
import type { CEnum, CField, CFieldKind, CLayout } from '../shared/cLayout';
import type { Node } from './cParser';
import { derive, tagName, TranslationUnit, TypeExpr } from './declarations';

/** Beyond these a type is refused rather than probed (a probe that big takes long to compile). */
export const MAX_PROBE_NODES = 50_000;
const MAX_DEPTH = 64;
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
}

export class ProbeError extends Error {}

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
    throw new ProbeError('A typedef chain is too long (a loop?).');
  }

  private node(shape: Shape, name: string, type: string, expr: string): ProbeNode {
    if (this.nextId >= MAX_PROBE_NODES) throw new ProbeError(`The type has more than ${MAX_PROBE_NODES} members and array levels: too large to lay out.`);
    return { id: this.nextId++, shape, name, type, expr, union: false, members: [], flexible: false };
  }

  get count(): number {
    return this.nextId;
  }

  expand(expr: string, name: string, declared: TypeExpr, depth: number): ProbeNode {
    if (depth > MAX_DEPTH) throw new ProbeError('The type nests too deeply (a struct that contains itself?).');
    const type = this.resolve(declared);
    const display = typeText(declared);
    if (type.kind === 'array') {
      const node = this.node('array', name, display, expr);
      node.flexible = type.size === null;
      if (node.flexible) this.flexible = true;
      node.element = this.expand(`${expr}[0]`, '[0]', type.of, depth + 1);
      return node;
    }
    if (type.kind === 'function') throw new ProbeError(`"${name}" is a function, not an object.`);
    if (type.kind === 'pointer') return this.node('value', name, display, expr);
    const spec = type.node;
    if (spec.type === 'struct_specifier' || spec.type === 'union_specifier') {
      const body = spec.childForFieldName('body') ?? this.unit.body(tagName(spec) ?? '')?.childForFieldName('body');
      if (!body) throw new ProbeError(`"${tagName(spec) ?? display}" is declared but never defined here: its layout is unknown.`);
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
        const innerBody = (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier') && !typeNode.childForFieldName('name') ? typeNode.childForFieldName('body') : null;
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
        start: addressable(before) && !before!.flexible ? `(__builtin_offsetof(ipcinsp_root, ${before!.expr}) + sizeof(IPCINSP_M(${before!.expr})))` : recordStart,
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
    const constants = body.namedChildren.flatMap((child) => (child?.type === 'enumerator' && child.childForFieldName('name') ? [child.childForFieldName('name')!.text] : []));
    const index = this.enums.length;
    this.enums.push({ name: tagName(definition) ?? 'enum {…}', constants: constants.map((constantName) => ({ name: constantName, value: '' })) });
    this.enumIndex.set(definition.id, index);
    return index;
  }

  /** The probe's tables: one constant entry per member (the compiler works them all out while compiling), code only for bit-fields. */
  private readonly entries: string[] = [];
  private readonly bitfields: string[] = [];

  /** Records `node` and everything under it. */
  emit(node: ProbeNode): void {
    const d = node.expr;
    const m = `IPCINSP_M(${d})`;
    if (node.shape === 'bitfield') {
      // A bit-field has no address and no sizeof: set it to all ones in a zeroed object and look.
      const { start, end } = node.window!;
      this.bitfields.push(`  ipcinsp_clear(${start}, ${end}); ipcinsp_buf.r.${d} = -1; ipcinsp_bits(${node.id}, ${start}, ${end}, ipcinsp_buf.r.${d} < 0, __builtin_classify_type(ipcinsp_buf.r.${d}));`);
    } else if (node.shape === 'anonymous') {
      // It has no name to take the offset of: its place is worked out from its members.
    } else if (node.flexible) {
      this.entries.push(`  { ${node.id}, __builtin_offsetof(ipcinsp_root, ${d}), 0, _Alignof(__typeof__(${m}[0])), 14, 0, 0, 0 },`);
    } else {
      this.entries.push(`  { ${node.id}, __builtin_offsetof(ipcinsp_root, ${d}), sizeof(${m}), _Alignof(__typeof__(${m})), __builtin_classify_type(${m}), IPCINSP_SIGNED(${m}), IPCINSP_CHAR(${m}), IPCINSP_MANT(${m}) },`);
    }
    for (const member of node.members) this.emit(member);
    if (node.element) this.emit(node.element);
  }

  source(closure: string, typeName: string): string {
    const enumEntries = this.enums.flatMap((e, index) => e.constants.map((c, k) => `  { ${index}, ${k}, (long long)(${c.name}) },`));
    // Qualifiers change no layout, and a const member could not be set to find a bit-field's bits.
    return `#define const
#define volatile
${closure}
# 1 "<ipc-inspector layout probe>"
typedef __SIZE_TYPE__ ipcinsp_size;
typedef ${typeName} ipcinsp_user;
/* Wrapped, so that every member designator starts with a name (offsetof wants one), arrays too. */
typedef struct { ipcinsp_user o; } ipcinsp_root;
#define IPCINSP_M(d) (((ipcinsp_root *)0)->d)
#ifdef __SIZEOF_INT128__
#define IPCINSP_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, __int128: 1, char: ((char)-1 < 0), default: 0)
#else
#define IPCINSP_SIGNED(e) _Generic((e), signed char: 1, short: 1, int: 1, long: 1, long long: 1, char: ((char)-1 < 0), default: 0)
#endif
#define IPCINSP_CHAR(e) _Generic((e), char: 1, default: 0)
/* Which floating format: its mantissa digits (long double is x87's 64 on x86, binary128's 113 on arm64; 0 for others, e.g. __float128). */
#define IPCINSP_MANT(e) _Generic((e), float: __FLT_MANT_DIG__, double: __DBL_MANT_DIG__, long double: __LDBL_MANT_DIG__, default: 0)
static const struct { int id; long long offset; unsigned long long size, align; int type_class, is_signed, is_char, mantissa; } ipcinsp_nodes[] = {
${this.entries.join('\n')}
  { -1, 0, 0, 0, 0, 0, 0, 0 }
};
static const struct { int index, k; long long value; } ipcinsp_enums[] = {
${enumEntries.join('\n')}
  { -1, 0, 0 }
};
static union { ipcinsp_root r; unsigned char b[sizeof(ipcinsp_root) + ${this.flexible ? FLEXIBLE_ROOM : 1}]; } ipcinsp_buf;
static void ipcinsp_clear(ipcinsp_size start, ipcinsp_size end) {
  __builtin_memset(ipcinsp_buf.b + start, 0, end - start);
}
static void ipcinsp_bits(int id, ipcinsp_size start, ipcinsp_size end, int negative, int type_class) {
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
  __builtin_printf("B %d %lld %lld %d %d\\n", id, first, last - first + 1, negative, type_class);
}
int main(void) {
  __builtin_printf("R %llu %llu\\n", (unsigned long long)sizeof(ipcinsp_user), (unsigned long long)_Alignof(ipcinsp_user));
  for (int i = 0; ipcinsp_nodes[i].id >= 0; i++) {
    __builtin_printf("N %d %lld %llu %llu %d %d %d %d\\n", ipcinsp_nodes[i].id, ipcinsp_nodes[i].offset, ipcinsp_nodes[i].size, ipcinsp_nodes[i].align,
                     ipcinsp_nodes[i].type_class, ipcinsp_nodes[i].is_signed, ipcinsp_nodes[i].is_char, ipcinsp_nodes[i].mantissa);
  }
  for (int i = 0; ipcinsp_enums[i].index >= 0; i++) __builtin_printf("E %d %d %lld\\n", ipcinsp_enums[i].index, ipcinsp_enums[i].k, ipcinsp_enums[i].value);
${this.bitfields.join('\n')}
  return 0;
}
`;
  }
}

/** The probe for `typeName` (`struct Data`, a typedef name) declared in `unit`. */
export function buildProbe(unit: TranslationUnit, typeName: string): Probe {
  if (!unit.has(typeName)) throw new ProbeError(`No type "${typeName}" is declared in this file.`);
  const builder = new ProbeBuilder(unit);
  const declared: TypeExpr = unit.typedef(typeName) ?? { kind: 'spec', node: unit.body(typeName)! };
  const root = builder.expand('o', typeName, declared, 0);
  root.type = typeName;
  builder.emit(root);
  return { typeName, source: builder.source(unit.closure(typeName), typeName), root, enums: builder.enums, nodeCount: builder.count };
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

/** The layout from the probe's output; throws if the output does not match the probe. */
export function readProbeOutput(probe: Probe, output: string, where: { file: string; line: number }): CLayout {
  const measured = new Map<number, Measured>();
  let size = -1;
  let align = 0;
  for (const line of output.split('\n')) {
    const parts = line.trim().split(' ');
    if (parts[0] === 'E' && parts.length === 4 && /^-?\d+$/.test(parts[3])) {
      // An enum constant's value stays text: it may be beyond a double's exact range.
      const constant = probe.enums[Number(parts[1])]?.constants[Number(parts[2])];
      if (constant) constant.value = parts[3];
      continue;
    }
    const numbers = parts.slice(1).map(Number);
    if (numbers.some((n) => !Number.isSafeInteger(n))) {
      throw new ProbeError(`The layout probe printed an unexpected line: ${JSON.stringify(line.slice(0, 200))}`);
    }
    switch (parts[0]) {
      case 'R':
        [size, align] = numbers;
        break;
      case 'N': {
        const [id, offset, bytes, alignment, typeClass, signed, char, mantissa] = numbers;
        measured.set(id, { offset, size: bytes, align: alignment, typeClass, signed: signed === 1, char: char === 1, mantissa });
        break;
      }
      case 'B': {
        const [id, first, width, negative, typeClass] = numbers;
        if (first < 0) throw new ProbeError('A bit-field kept no bits when set to all ones: the probe is wrong.');
        measured.set(id, { offset: Math.floor(first / 8), size: Math.floor((first + width - 1) / 8) - Math.floor(first / 8) + 1, align: 1, typeClass, signed: negative === 1, char: false, bits: { first, width } });
        break;
      }
      case '':
        break;
      default:
        throw new ProbeError(`The layout probe printed an unexpected line: ${JSON.stringify(line.slice(0, 200))}`);
    }
  }
  if (size < 0) throw new ProbeError('The layout probe printed nothing.');
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
    return { name: node.name, type: node.type, kind: node.union ? 'union' : 'struct', offset: safeStart, size: end - safeStart, align: Math.max(1, ...members.map((m) => m.align)), members, anonymous: true };
  }
  const found = measured.get(node.id);
  if (!found) throw new ProbeError(`The layout probe did not report "${node.name}".`);
  const base = { name: node.name, type: node.type, offset: found.offset, size: found.size, align: found.align };
  if (node.shape === 'array') return { ...base, kind: 'array', element, count: node.flexible ? -1 : element && element.size > 0 ? Math.floor(found.size / element.size) : 0 };
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
