// The layout probe: a small C file, generated from a type's declarations, whose constant tables say
// what the compiler decided about every member: offset, size, alignment, type class, signedness,
// floating format. Each bit-field gets a copy of its record with that field set to all ones: the
// bits it kept are where it lies. The file is compiled (not linked) with the user's compiler and
// flags and the tables are read from the object file (probeRead.ts), so the layout is the target's
// ABI, packing pragmas and attributes included. A record too big to copy per bit-field is searched
// at run time instead.
import type { CEnum } from '../shared/cLayout';
import type { Node } from './cParser';
import { derive, tagName, TranslationUnit, TypeExpr } from './declarations';
import { probePreamble, searchProgram } from './probeSource';
import * as l10n from '../shared/l10n';
import { ProbeError } from './errors';

/** Beyond these a type is refused rather than probed (a probe that big takes long to compile). */
export const MAX_PROBE_NODES = 50_000;
const MAX_DEPTH = 64;
/** The probe's one member around the user's type: a name no macro of theirs is likely to have. */
const ROOT_MEMBER = 'ipcinsp_o';
/** Scalars set to 1 per record body to find its byte order (scalar_storage_order): one is enough, a second in case the first is a byte. */
const ORDER_PROBES_PER_BODY = 2;

type Shape = 'record' | 'anonymous' | 'array' | 'value' | 'bitfield';

/** C expressions of a byte range of the probe's root. */
interface Window {
  start: string;
  end: string;
}

export interface ProbeNode {
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
  /** A value whose type the parser saw to be a pointer. */
  pointer?: boolean;
  /** A value whose type the parser read as an integer or floating word, or an enum: `= 1` initializes it. */
  arithmetic?: boolean;
  /** A value the parser cannot tell is not a floating type (`double`, `_Float64x`, a typedef from elsewhere). */
  maybeFloat?: boolean;
  /** A value whose type could be an array the parser does not see (`va_list`, `__typeof__(x)`, a name from elsewhere). */
  maybeHiddenArray?: boolean;
  /** A bit-field, or an anonymous member: C expressions of the byte range its bits must be in (between its named neighbours). */
  window?: Window;
  /** A bit-field's declared type, to cast to (absent for an untagged enum declared in place). */
  castType?: string;
  /** A bit-field of a plain integer type (no `signed` or `unsigned` on the way): -funsigned-bitfields makes it unsigned. */
  plain?: boolean;
  /** For an untagged enum: whether it has a negative constant, as a C expression (then its type is signed). */
  enumNegative?: string;
  /** A record or anonymous member, when byte orders are probed: the scalars of its own body set to 1, one object each. */
  orderProbes?: number[];
}

export interface ProbeOptions {
  /**
   * The program will be linked and run to find the bits of bit-fields in records too big for an
   * object each; then the declarations are a copy (with const taken out), never the user's file.
   */
  runnable: boolean;
  /** The project compiles with gcc's -funsigned-bitfields. */
  unsignedBitfields: boolean;
  /** -fms-extensions or -fplan9-extensions: a tagged struct or a typedef without a member name is an anonymous member. */
  msExtensions?: boolean;
  /** Records may have a byte order of their own (scalar_storage_order, -fsso-struct): find each one's. */
  storageOrder?: boolean;
}

type MemberSpec =
  | { kind: 'anonymous'; union: boolean; body: Node; type: string }
  | { kind: 'bitfield'; name: string; type: TypeExpr; width: string }
  | { kind: 'member'; name: string; type: TypeExpr };

export interface Probe {
  typeName: string;
  source: string;
  root: ProbeNode;
  enums: CEnum[];
  nodeCount: number;
  bitFieldIds: number[];
  storageOrder: boolean;
}

export { ProbeError } from './errors';

function isBool(type: TypeExpr): boolean {
  return type.kind === 'spec' && (type.node.text === '_Bool' || type.node.text === 'bool');
}

const TAGGED = new Set(['struct_specifier', 'union_specifier', 'enum_specifier']);
const TYPEOF = new Set(['typeof', '__typeof__', '__typeof', 'typeof_unqual', '__typeof_unqual__']);
/** tree-sitter's types of C's own integer words (`int`, `unsigned long`): what the compiler has without a header. */
const KEYWORD_INTEGERS = /^(?:(?:signed|unsigned|short|long|int|char|__int128|_Bool|bool)\s*)+$/;

const ARITHMETIC_SPECIFIERS = new Set(['sized_type_specifier', 'enum_specifier']);
/** tree-sitter's primitive types that are not arithmetic (the others are C's words or <stdint.h>'s integers). */
const NOT_ARITHMETIC = new Set(['void', 'max_align_t', 'nullptr_t', 'charptr_t', 'bool']);

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

  constructor(
    private readonly unit: TranslationUnit,
    private readonly options: ProbeOptions & { include?: string },
  ) {}

  /** Follows typedef names (and `__typeof__(type)`) down to a specifier, pointer, array or function. */
  private resolve(type: TypeExpr): TypeExpr {
    for (let hops = 0; hops < MAX_DEPTH; hops++) {
      if (type.kind !== 'spec') return type;
      const node = type.node;
      const descriptor = node.type === 'macro_type_specifier' && TYPEOF.has(node.childForFieldName('name')?.text ?? '') ? node.childForFieldName('type') : null;
      const descriptorType = descriptor?.childForFieldName('type');
      if (descriptor && descriptorType) {
        type = derive({ kind: 'spec', node: descriptorType }, descriptor.childForFieldName('declarator')).type;
        continue;
      }
      if (node.type !== 'type_identifier' && node.type !== 'primitive_type') return type;
      const next = this.unit.typedef(node.text);
      // Not a typedef here: a built-in (int, _Bool, __int128, _Float128...). Were it undeclared,
      // compiling the probe says so in the compiler's own words.
      if (!next) return type;
      type = next;
    }
    throw new ProbeError(l10n.t('A typedef chain is too long (a loop?).'));
  }

  /**
   * Whether an integer type is spelled without `signed` or `unsigned` anywhere down its typedef
   * chain (gcc's "plain", which -funsigned-bitfields makes unsigned); undefined when the chain leaves
   * the file through a name it does not declare (`int32_t` read as it is: glibc spells it `signed int`).
   */
  private isPlainInteger(type: TypeExpr): boolean | undefined {
    for (let hops = 0; hops < MAX_DEPTH && type.kind === 'spec'; hops++) {
      const node = type.node;
      if (/\b(signed|unsigned)\b/.test(node.text) || TAGGED.has(node.type) || isBool(type)) return false;
      const next = this.unit.typedef(node.text);
      if (!next) return KEYWORD_INTEGERS.test(node.text) || node.type === 'sized_type_specifier' ? true : undefined;
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
    if (type.kind === 'pointer') return { ...this.node('value', name, display, expr), pointer: true };
    const spec = type.node;
    if (spec.type === 'struct_specifier' || spec.type === 'union_specifier') {
      const body = this.bodyOf(spec);
      if (!body) throw new ProbeError(l10n.t('"{0}" is declared but never defined here: its layout is unknown.', tagName(spec) ?? display));
      const node = this.node('record', name, display, expr);
      node.union = spec.type === 'union_specifier';
      const start = `__builtin_offsetof(ipcinsp_root, ${expr})`;
      node.members = this.members(expr, body, node.union, { start, end: `(${start} + sizeof(IPCINSP_M(${expr})))` }, depth);
      return node;
    }
    const node = this.node('value', name, display, expr);
    if (spec.type === 'enum_specifier') node.enumIndex = this.enumOf(spec);
    // The compiler classes _Bool as an integer: the declaration says bool.
    node.boolean = isBool(type);
    node.arithmetic = !node.boolean && (ARITHMETIC_SPECIFIERS.has(spec.type) || (spec.type === 'primitive_type' && !NOT_ARITHMETIC.has(spec.text)));
    // What the compiler is asked only where the parser cannot rule it out (each question costs compile time per member).
    const integer = spec.type === 'enum_specifier' || (/^(sized_type_specifier|primitive_type)$/.test(spec.type) && !/\b(float|double)\b/.test(spec.text));
    node.maybeFloat = !integer && !node.boolean;
    node.maybeHiddenArray = spec.type !== 'enum_specifier' && spec.type !== 'sized_type_specifier' && spec.type !== 'primitive_type';
    return node;
  }

  private bodyOf(spec: Node): Node | undefined {
    return spec.childForFieldName('body') ?? this.unit.body(tagName(spec) ?? '')?.childForFieldName('body') ?? undefined;
  }

  /**
   * The body a member declared without a name brings in, as an anonymous member: an untagged
   * struct or union; with -fms-extensions also a tagged one or a typedef of one. Otherwise a tagged
   * one only declares its tag (gcc: "declaration does not declare anything").
   */
  private anonymousBody(typeNode: Node): { union: boolean; body: Node; type: string } | undefined {
    const isRecord = (node: Node) => node.type === 'struct_specifier' || node.type === 'union_specifier';
    if (isRecord(typeNode) && !typeNode.childForFieldName('name')) {
      const body = typeNode.childForFieldName('body');
      return body ? { union: typeNode.type === 'union_specifier', body, type: typeNode.type === 'union_specifier' ? 'union {…}' : 'struct {…}' } : undefined;
    }
    if (!this.options.msExtensions) return undefined;
    const resolved = this.resolve({ kind: 'spec', node: typeNode });
    const body = resolved.kind === 'spec' && isRecord(resolved.node) ? this.bodyOf(resolved.node) : undefined;
    return body && resolved.kind === 'spec'
      ? { union: resolved.node.type === 'union_specifier', body, type: typeText({ kind: 'spec', node: typeNode }) }
      : undefined;
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
        const anonymous = this.anonymousBody(typeNode);
        if (anonymous) specs.push({ kind: 'anonymous', ...anonymous });
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

  /**
   * The members of a body whose bytes are within `window`. A bit-field or an anonymous member has no
   * address: its bits are searched between the named members around it in a struct, anywhere in the
   * window in a union (all of whose members start at its start).
   */
  private members(expr: string, body: Node, union: boolean, window: Window, depth: number): ProbeNode[] {
    const members: ProbeNode[] = [];
    const anonymous = new Map<ProbeNode, Node>();
    for (const spec of this.specsOf(body)) {
      if (spec.kind === 'anonymous') {
        const node = this.node('anonymous', spec.union ? '(anonymous union)' : '(anonymous struct)', spec.type, expr);
        node.union = spec.union;
        anonymous.set(node, spec.body);
        members.push(node);
      } else if (spec.kind === 'bitfield') {
        members.push(this.bitField(expr, spec));
      } else {
        members.push(this.expand(`${expr}.${spec.name}`, spec.name, spec.type, depth + 1));
      }
    }
    const addressable = (m: ProbeNode | undefined) => m !== undefined && m.shape !== 'bitfield' && m.shape !== 'anonymous';
    members.forEach((member, i) => {
      if (member.shape !== 'bitfield' && member.shape !== 'anonymous') return;
      if (union) {
        member.window = window;
        return;
      }
      const before = members.slice(0, i).reverse().find(addressable);
      const after = members.slice(i + 1).find(addressable);
      member.window = {
        start: before && !before.flexible ? `(__builtin_offsetof(ipcinsp_root, ${before.expr}) + sizeof(IPCINSP_M(${before.expr})))` : window.start,
        end: after ? `__builtin_offsetof(ipcinsp_root, ${after.expr})` : window.end,
      };
    });
    for (const [node, inner] of anonymous) node.members = this.members(expr, inner, node.union, node.window!, depth + 1);
    // Only unnamed bit-fields inside: padding, shown as a gap.
    return members.filter((m) => m.shape !== 'anonymous' || m.members.length > 0);
  }

  private bitField(expr: string, spec: Extract<MemberSpec, { kind: 'bitfield' }>): ProbeNode {
    const node = this.node('bitfield', spec.name, `${typeText(spec.type)} : ${spec.width}`, `${expr}.${spec.name}`);
    const resolved = this.resolve(spec.type);
    if (resolved.kind === 'spec' && resolved.node.type === 'enum_specifier') node.enumIndex = this.enumOf(resolved.node);
    node.boolean = isBool(resolved);
    const inPlaceEnum = spec.type.kind === 'spec' && spec.type.node.type === 'enum_specifier' && !tagName(spec.type.node);
    if (inPlaceEnum) node.enumNegative = this.enums[node.enumIndex ?? -1]?.constants.map((c) => `(${c.name}) < 0`).join(' || ') || '0';
    else node.castType = typeText(spec.type);
    const plain = this.isPlainInteger(spec.type);
    if (plain === undefined && this.options.unsignedBitfields && this.options.include) {
      // Read as it is, the file does not say how its type is spelled: the preprocessed copy will.
      throw new ProbeError(l10n.t('Whether "{0}" is signed under -funsigned-bitfields depends on how another file spells its type.', spec.name));
    }
    node.plain = plain !== false;
    return node;
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

  /** Per named record, when byte orders are probed: whether its type was declared in the order that is not the machine's. */
  private readonly declaredOrders: string[] = [];
  /** The probe's tables: one constant entry per member (the compiler works them all out while compiling). */
  private readonly entries: string[] = [];
  /** One object per bit-field, its parent record with that field set to all ones: its bits are in the object file. */
  private readonly bitObjects: string[] = [];
  /** What the program does instead when a parent record is too big for that (only when it is allowed to run). */
  private readonly bitSearches: string[] = [];
  readonly bitFieldIds: number[] = [];

  /** An object of the named record `parentExpr` with `designator` set to `value`, if the record is small enough. */
  private recordObject(symbol: string, parentExpr: string, designator: string, value: string): string {
    const parent = `__typeof__(IPCINSP_M(${parentExpr}))`;
    return `static const ${parent} ${symbol}[sizeof(${parent}) <= IPCINSP_BITS_MAX] IPCINSP_USED = { { ${designator} = ${value} } };`;
  }

  /** Records `node` and everything under it. */
  emit(node: ProbeNode, parentExpr: string): void {
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
      this.entries.push(`  { ${node.id}, ${start}, (${end}) - (${start}), ${base}, ${typeClass}, ${signed}, 0, 0, 0, 1 },`);
      this.bitObjects.push(this.recordObject(`ipcinsp_bits_${node.id}`, parentExpr, `.${node.name}`, '-1'));
      // Set to 1, its lowest bit says which end of its bytes comes first (scalar_storage_order).
      if (this.options.storageOrder) this.bitObjects.push(this.recordObject(`ipcinsp_one_${node.id}`, parentExpr, `.${node.name}`, '1'));
      if (this.options.runnable) {
        this.bitSearches.push(`  ipcinsp_clear(${start}, ${end}); ipcinsp_buf.r.${d} = -1; ipcinsp_bits(${node.id}, ${start}, ${end});`);
      }
    } else if (node.shape === 'anonymous') {
      // It has no name to take the offset of: its place is worked out from its members.
    } else if (node.flexible) {
      this.entries.push(`  { ${node.id}, __builtin_offsetof(ipcinsp_root, ${d}), 0, _Alignof(__typeof__(${m}[0])), 14, 0, 0, 0, 0, 1 },`);
    } else {
      // The last column: whether the member keeps its type when used as a value (an array decays to a pointer).
      const value = node.shape === 'value';
      const keeps = value && node.maybeHiddenArray ? `__builtin_types_compatible_p(__typeof__(${m}), __typeof__(0 ? (${m}) : (${m})))` : '1';
      const format = value && node.maybeFloat ? `IPCINSP_MANT(${m}), IPCINSP_DEC(${m})` : '0, 0';
      const integer = value ? `IPCINSP_SIGNED(${m}), IPCINSP_CHAR(${m})` : '0, 0';
      this.entries.push(
        `  { ${node.id}, __builtin_offsetof(ipcinsp_root, ${d}), sizeof(${m}), _Alignof(__typeof__(${m})), __builtin_classify_type(${m}), ${integer}, ${format}, ${keeps} },`,
      );
    }
    // A bit-field's parent is the nearest record with a name to designate it by (an anonymous
    // member's fields are designated through it, as C11 allows).
    const childParent = node.shape === 'anonymous' ? parentExpr : d;
    if (this.options.storageOrder && (node.shape === 'record' || node.shape === 'anonymous')) this.emitOrderProbes(node, childParent);
    for (const member of node.members) this.emit(member, childParent);
    if (node.element) this.emit(node.element, d);
  }

  /**
   * Objects of the record with one scalar of this body set to 1 (an integer's 1 or a float's
   * exponent shows at one end of its bytes): which end says the body's byte order.
   */
  private emitOrderProbes(node: ProbeNode, namedParent: string): void {
    node.orderProbes = [];
    // A named record declared with the attribute says so itself, even with no scalar to probe (gcc 9 on).
    if (node.shape === 'record') {
      const type = `__typeof__(IPCINSP_M(${node.expr}))`;
      this.declaredOrders.push(`  { ${node.id}, IPCINSP_DECLARED_REVERSED(${type}) },`);
    }
    for (const member of node.members) {
      let leaf: ProbeNode | undefined = member;
      while (leaf?.shape === 'array' && !leaf.flexible) leaf = leaf.element;
      if (!leaf?.arithmetic) continue;
      const designator = leaf.expr.slice(namedParent.length);
      this.bitObjects.push(this.recordObject(`ipcinsp_order_${leaf.id}`, namedParent, designator, '1'));
      node.orderProbes.push(leaf.id);
      if (node.orderProbes.length === ORDER_PROBES_PER_BODY || node.union) break;
    }
  }

  source(declarations: string, typeName: string): string {
    const enumEntries = this.enums.flatMap((e, index) => e.constants.map((c, k) => `  { ${index}, ${k}, (long long)(${c.name}), (${c.name}) < 0 },`));
    // Qualifiers change no layout, and a const member could not be set to find a bit-field's bits
    // (only done in a program that runs: the declarations are then a copy, not the user's file).
    const qualifiers = this.options.runnable ? '#define const\n#define volatile\n' : '';
    return `${qualifiers}${declarations}
${probePreamble(typeName, this.options.unsignedBitfields)}
static const struct { long long id, offset, size, align, type_class, is_signed, is_char, mantissa, decimal, keeps_type; } ipcinsp_nodes[] IPCINSP_USED = {
  { -2, 0, sizeof(ipcinsp_user), _Alignof(ipcinsp_user), 0, 0, 0, 0, 0, 1 },
${this.entries.join('\n')}
  { -1, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
};
static const struct { long long index, k, value, negative; } ipcinsp_enums[] IPCINSP_USED = {
${enumEntries.join('\n')}
  { -1, 0, 0, 0 }
};
static const struct { long long id, reversed; } ipcinsp_orders[] IPCINSP_USED = {
${this.declaredOrders.join('\n')}
  { -1, 0 }
};
${this.bitObjects.join('\n')}
${this.options.runnable ? searchProgram(this.bitSearches, this.flexible) : ''}`;
  }
}

/**
 * The probe for `typeName` (`struct Data`, a typedef name) declared in `unit`. Its declarations are
 * the type's closure cut from the unit, or, given `include`, the user's file itself (the compiler then
 * preprocesses it: `unit` was read from that file as it is).
 */
export function buildProbe(unit: TranslationUnit, typeName: string, options: ProbeOptions & { include?: string }): Probe {
  if (!unit.has(typeName)) throw new ProbeError(l10n.t('No type "{0}" is declared in this file.', typeName));
  const builder = new ProbeBuilder(unit, options);
  const declared: TypeExpr = unit.typedef(typeName) ?? { kind: 'spec', node: unit.body(typeName)! };
  const root = builder.expand(ROOT_MEMBER, typeName, declared, 0);
  root.type = typeName;
  builder.emit(root, ROOT_MEMBER);
  const declarations = options.include ? `#include "${options.include}"` : unit.closure(typeName);
  return {
    typeName,
    source: builder.source(declarations, typeName),
    root,
    enums: builder.enums,
    nodeCount: builder.count,
    bitFieldIds: builder.bitFieldIds,
    storageOrder: options.storageOrder === true,
  };
}
