// The type declarations of one C translation unit, read with tree-sitter's C parser: which struct,
// union, enum and typedef names it declares and where (through the preprocessor's line markers), the
// declarations one type needs (its closure, in the order they appear, with #pragma pack kept in
// place), and what a type is made of (members, arrays, pointers, bit-fields, typedef chains), which
// the layout probe asks the compiler about. Nothing here decides a size or an offset: the compiler does.
import type { Node, Tree } from './cParser';
import { BASIC_TYPE_WORDS, identifiersIn, parseCopy, ParseCopy } from './parseCopy';

export type DeclKind = 'struct' | 'union' | 'enum' | 'typedef';

/** A named type as the user picks it: `struct Data`, `union U`, `enum E` or a typedef name. */
export interface TypeEntry {
  name: string;
  kind: DeclKind;
  file: string;
  line: number;
}

/** A type as C builds it: a specifier, then pointers, arrays and functions derived from it. */
export type TypeExpr =
  | { kind: 'spec'; node: Node }
  | { kind: 'pointer'; to: TypeExpr }
  | { kind: 'array'; of: TypeExpr; size: Node | null }
  | { kind: 'function'; returns: TypeExpr };

interface Item {
  index: number;
  node: Node;
  text: string;
  file: string;
  line: number;
  defines: Set<string>;
  /** The names it uses, found when the closure first reaches it (most declarations of a file never are). */
  refs: () => Set<string>;
  /** A #pragma that changes layouts (pack, scalar_storage_order): kept wherever it is in the closure. */
  layoutPragma: boolean;
}

interface LineMarker {
  row: number;
  line: number;
  file: string;
}

const TAGGED = new Set(['struct_specifier', 'union_specifier', 'enum_specifier']);
// ERROR too: where the parser gave up on part of a file (glibc's `__THROW __nonnull ((1))` after a
// function), the declarations it still recognised inside are kept.
const CONTAINERS = new Set([
  'preproc_ifdef',
  'preproc_if',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
  'linkage_specification',
  'declaration_list',
  'ERROR',
]);
const LAYOUT_PRAGMA = /^\s*(pack|scalar_storage_order)\b/;
const LINE_MARKER = /^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"/;

/** `struct X`, `union X`, `enum X` for a tagged specifier with a name; undefined for an anonymous one. */
export function tagName(node: Node): string | undefined {
  const name = node.childForFieldName('name');
  return name ? `${node.type.replace('_specifier', '')} ${name.text}` : undefined;
}

function unescapeCString(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** The name a declarator declares, and its type built from `base` (C's inside-out reading). */
export function derive(base: TypeExpr, declarator: Node | null): { name: string | undefined; type: TypeExpr } {
  if (!declarator) return { name: undefined, type: base };
  switch (declarator.type) {
    case 'pointer_declarator':
    case 'abstract_pointer_declarator':
      return derive({ kind: 'pointer', to: base }, declarator.childForFieldName('declarator'));
    case 'array_declarator':
    case 'abstract_array_declarator':
      return derive({ kind: 'array', of: base, size: declarator.childForFieldName('size') }, declarator.childForFieldName('declarator'));
    case 'function_declarator':
    case 'abstract_function_declarator':
      return derive({ kind: 'function', returns: base }, declarator.childForFieldName('declarator'));
    case 'parenthesized_declarator':
    case 'abstract_parenthesized_declarator':
    case 'attributed_declarator':
      return derive(base, declarator.namedChildren.find((child) => child !== null && child.type !== 'attribute_declaration') ?? null);
    default:
      return { name: declarator.text, type: base };
  }
}

/** Every node below `node` (itself included) of one of `types`: the search runs inside the parser, not node by node here. */
function descendants(node: Node, types: ReadonlySet<string>): Node[] {
  const found = node.descendantsOfType([...types]).filter((n): n is Node => n !== null && n.id !== node.id);
  return types.has(node.type) ? [node, ...found] : found;
}

// tree-sitter reads the <stdint.h> names (uint32_t, size_t...) as primitive types: they are typedefs here.
const REF_NODES = new Set(['type_identifier', 'primitive_type', 'identifier', 'struct_specifier', 'union_specifier', 'enum_specifier']);

/** The names a declaration uses: typedef names, tags, and identifiers (enum constants in sizes). */
function referencedNames(node: Node): Set<string> {
  const refs = new Set<string>();
  for (const found of descendants(node, REF_NODES)) {
    if (TAGGED.has(found.type)) {
      const tag = tagName(found);
      if (tag) refs.add(tag);
    } else {
      refs.add(found.text);
    }
  }
  return refs;
}

/** The names a declaration brings in: tags with bodies (nested ones too: C gives them file scope), typedefs, enum constants. */
function definedNames(node: Node, taggedInside: Node[]): Set<string> {
  const defines = new Set<string>();
  for (const tagged of taggedInside) {
    const tag = tagName(tagged);
    // A tag without a body is only a definition when it is the whole declaration (`struct X;`).
    if (tag && (tagged.childForFieldName('body') || tagged === node)) defines.add(tag);
    const body = tagged.childForFieldName('body');
    if (tagged.type === 'enum_specifier' && body) {
      for (const enumerator of body.namedChildren) {
        const name = enumerator?.type === 'enumerator' ? enumerator.childForFieldName('name') : null;
        if (name) defines.add(name.text);
      }
    }
  }
  if (node.type === 'type_definition') for (const declared of typedefNames(node)) defines.add(declared.name);
  return defines;
}

/** tree-sitter's primitive types that are C keywords (the others, like `uint32_t`, are typedef names to it). */
const KEYWORD_TYPES = new Set(['char', 'int', 'float', 'double', 'void']);

/**
 * The names a typedef declares, with their types. A word the parser took for the name but that is
 * a macro before it (`typedef struct {...} PACKED pq_t;`: tree-sitter reads `PACKED` as the name
 * and `pq_t` as an error) gives way to the word after it; a keyword's word (`char`, when a
 * spelling it does not know came before) is never a name.
 */
function typedefNames(node: Node): Array<{ name: string; type: TypeExpr; at: Node }> {
  const type = node.childForFieldName('type');
  if (!type) return [];
  const names: Array<{ name: string; type: TypeExpr; at: Node }> = [];
  for (const declarator of node.childrenForFieldName('declarator')) {
    if (!declarator || (declarator.type === 'primitive_type' && KEYWORD_TYPES.has(declarator.text))) continue;
    const derived = derive({ kind: 'spec', node: type }, declarator);
    const after = declarator.nextSibling;
    const realName = declarator.type === 'type_identifier' && after?.type === 'ERROR' && /^[A-Za-z_]\w*$/.test(after.text.trim()) ? after : undefined;
    if (realName) names.push({ name: realName.text.trim(), type: derived.type, at: realName });
    else if (derived.name) names.push({ name: derived.name, type: derived.type, at: declarator });
  }
  return names;
}

const PREPROCESSOR_NODES = new Set(['preproc_if', 'preproc_ifdef', 'preproc_def', 'preproc_function_def', 'preproc_call', 'preproc_include']);
const TYPE_NAME_NODES = new Set(['type_identifier', 'primitive_type', 'struct_specifier', 'union_specifier', 'enum_specifier']);

/**
 * Type names that are C's own or the standard library's integers: a declaration may use them without
 * the file declaring them. Only integers: the probe checks each one's class, so a wrong guess cannot
 * pass unnoticed (a struct or an array would be a record or a different size).
 */
const STANDARD_SCALARS = new Set([
  ...BASIC_TYPE_WORDS,
  ...[
    '__int128',
    '_Float16',
    '_Float32',
    '_Float64',
    '_Float128',
    '__float128',
    '__fp16',
    '_Float32x',
    '_Float64x',
    '_Float128x',
    '__float80',
    '__ibm128',
    '__bf16',
    '_Decimal32',
    '_Decimal64',
    '_Decimal128',
    '__int128_t',
    '__uint128_t',
  ],
  ...['size_t', 'ssize_t', 'ptrdiff_t', 'intptr_t', 'uintptr_t', 'intmax_t', 'uintmax_t', 'wchar_t', 'char16_t', 'char32_t', 'sig_atomic_t'],
  ...[8, 16, 32, 64].flatMap((bits) => [
    `int${bits}_t`,
    `uint${bits}_t`,
    `int_least${bits}_t`,
    `uint_least${bits}_t`,
    `int_fast${bits}_t`,
    `uint_fast${bits}_t`,
  ]),
  ...[
    'off_t',
    'off64_t',
    'pid_t',
    'uid_t',
    'gid_t',
    'mode_t',
    'key_t',
    'time_t',
    'dev_t',
    'ino_t',
    'nlink_t',
    'blksize_t',
    'blkcnt_t',
    'clock_t',
    'suseconds_t',
    'useconds_t',
    'socklen_t',
    'in_addr_t',
    'in_port_t',
  ],
]);

/**
 * Whether tree-sitter found an error under `node`, other than its one known gap: it has no rule for
 * an unnamed bit-field (`int : 3;`), which it reads with a missing name or an error after the type.
 */
function hasParseError(node: Node): boolean {
  if (!node.hasError) return false;
  for (const child of node.children) {
    if (!child) continue;
    const unnamedBitField =
      node.type === 'field_declaration' && ((child.isError && child.text.startsWith(':')) || (child.isMissing && child.type === 'field_identifier'));
    if (unnamedBitField) continue;
    if (child.isError || child.isMissing || hasParseError(child)) return true;
  }
  return false;
}

/** `#ifndef X` / `#define X` / … / `#endif` around a whole header, with no #else. */
function isIncludeGuard(node: Node): boolean {
  if (!/^#\s*ifndef$/.test(node.child(0)?.text ?? '') || node.childForFieldName('alternative')) return false;
  const name = node.childForFieldName('name')?.text;
  const first = node.namedChildren.find((child) => child !== null && child.type !== 'comment' && child.id !== node.childForFieldName('name')?.id);
  return first?.type === 'preproc_def' && first.childForFieldName('name')?.text === name;
}

export class TranslationUnit {
  private readonly items: Item[] = [];
  private readonly byName = new Map<string, Item[]>();
  /** typedef name -> its type; tag -> its specifier with a body. */
  private readonly typedefs = new Map<string, TypeExpr>();
  private readonly bodies = new Map<string, Node>();
  private readonly entries: TypeEntry[] = [];
  /** The macros the file defines itself (a file not yet preprocessed): one used as a type could be anything. */
  private readonly macros = new Set<string>();

  /**
   * `text` is preprocessed text with line markers, or a file as it is (then every line is `file`'s
   * own); `parse` parses it. The parser reads a copy with line markers blanked out (the
   * preprocessor puts them inside declarations: a macro from a system header, like stdbool's
   * `bool`), and what tree-sitter's grammar does not know blanked or rewritten (parseCopy.ts:
   * attributes, GNU keyword spellings, attribute-like macros). Every position is kept, so the
   * declarations handed to the compiler are cut from the original text, markers and attributes included.
   */
  static async read(text: string, file: string, parse: (text: string) => Promise<Tree>): Promise<TranslationUnit> {
    const lines = text.split('\n');
    const markers: LineMarker[] = [];
    for (let row = 0; row < lines.length; row++) {
      const match = lines[row].startsWith('#') ? LINE_MARKER.exec(lines[row]) : null;
      if (!match) continue;
      markers.push({ row, line: Number(match[1]), file: unescapeCString(match[2]) });
      lines[row] = ' '.repeat(lines[row].length);
    }
    const copy = parseCopy(lines.join('\n'), markers.length > 0);
    return new TranslationUnit(await parse(copy.parse), copy, text, file, markers);
  }

  /** The unit's nodes live in the parser's memory until dispose(): call it when done with the unit. */
  private constructor(
    private readonly tree: Tree,
    private readonly copy: ParseCopy,
    private readonly original: string,
    private readonly file: string,
    private readonly markers: LineMarker[],
  ) {
    this.addAll(tree.rootNode);
  }

  /**
   * The declarations at file scope, also inside what a file not yet preprocessed wraps them in:
   * include guards and other #if blocks, and `extern "C" { }`.
   */
  private addAll(parent: Node): void {
    for (const node of parent.namedChildren) {
      if (!node) continue;
      if (node.type === 'preproc_def' || node.type === 'preproc_function_def') {
        const name = node.childForFieldName('name')?.text;
        if (name) this.macros.add(name);
      }
      if (CONTAINERS.has(node.type)) this.addAll(node);
      else this.addTopLevel(node);
    }
  }

  dispose(): void {
    this.tree.delete();
  }

  /** Every named type declared, in order (struct, union and enum tags with a body, and typedefs). */
  types(): TypeEntry[] {
    return this.entries;
  }

  /** Whether `name` (as `struct X`, `enum E` or a typedef name) is declared. */
  has(name: string): boolean {
    return this.typedefs.has(name) || this.bodies.has(name);
  }

  /** A typedef's type, or undefined. */
  typedef(name: string): TypeExpr | undefined {
    return this.typedefs.get(name);
  }

  /** The specifier with the body of `struct X` / `union X` / `enum X`, or undefined when incomplete. */
  body(tag: string): Node | undefined {
    return this.bodies.get(tag);
  }

  /** Where a node starts, in the user's files (line markers followed). */
  locate(row: number): { file: string; line: number } {
    let low = 0;
    let high = this.markers.length - 1;
    let found: LineMarker | undefined;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.markers[mid].row < row) {
        found = this.markers[mid];
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found ? { file: found.file, line: found.line + (row - found.row - 1) } : { file: this.file, line: row + 1 };
  }

  /**
   * The declarations `name` needs, in their original order, each after a line marker so that the
   * compiler's messages point into the user's files; layout pragmas are kept between them.
   */
  closure(name: string): string {
    const wanted = this.needed(name);
    return this.items
      .filter((item) => wanted.has(item) || item.layoutPragma)
      .map((item) => `# ${item.line} "${item.file.replace(/["\\]/g, '\\$&')}"\n${item.text}\n`)
      .join('');
  }

  /** The declarations `name` needs, found by following the names each one uses. */
  private needed(name: string): Set<Item> {
    const wanted = new Set<Item>();
    const queue = [name];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const next = queue.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      for (const item of this.byName.get(next) ?? []) {
        if (wanted.has(item)) continue;
        wanted.add(item);
        for (const ref of item.refs()) if (!seen.has(ref)) queue.push(ref);
      }
    }
    return wanted;
  }

  /**
   * Why this file, read as it is (not preprocessed), may not tell everything about `name`'s members,
   * or undefined when it does: then the compiler can be handed the file itself and no preprocessed
   * copy needs reading. Anything unsure sends the caller the long way: a type from another header
   * (other than the standard integer names, whose class the probe checks), a declaration in an #if
   * branch or with a directive inside, a macro used as a type, a name declared twice, a parse error.
   */
  whyNotStandalone(name: string): string | undefined {
    if (this.markers.length > 0) return 'the text is preprocessed';
    for (const item of this.needed(name)) {
      if (hasParseError(item.node)) return `a declaration at line ${item.line} does not parse as it is`;
      const container = this.conditionalAround(item.node);
      if (container) return `the declaration at line ${item.line} is inside ${container}`;
      if (descendants(item.node, PREPROCESSOR_NODES).length > 0) return `the declaration at line ${item.line} has a preprocessor directive inside`;
      for (const defined of item.defines) {
        if (defined.includes(' ') ? this.definitions(defined) > 1 : (this.byName.get(defined)?.length ?? 0) > 1) {
          return `"${defined}" is declared more than once`;
        }
      }
      for (const used of descendants(item.node, TYPE_NAME_NODES)) {
        if (used.parent && TAGGED.has(used.parent.type) && used.type === 'type_identifier') continue; // a tag's own name
        const text = TAGGED.has(used.type) ? tagName(used) : used.text;
        if (!text || this.byName.has(text) || (!this.macros.has(text) && STANDARD_SCALARS.has(text))) continue;
        return this.macros.has(text) ? `"${text}" is a macro` : `"${text}" comes from another file`;
      }
    }
    return undefined;
  }

  /** How many bodies the unit has for a tag (two #if branches can each have one). */
  private definitions(tag: string): number {
    return (this.byName.get(tag) ?? []).filter((item) => descendants(item.node, TAGGED).some((t) => tagName(t) === tag && t.childForFieldName('body'))).length;
  }

  /** The #if block around a node that is not an include guard, described; undefined if none. */
  private conditionalAround(node: Node): string | undefined {
    for (let parent = node.parent; parent; parent = parent.parent) {
      if (parent.isError) return 'a part of the file the parser could not read (an #if block could hide there)';
      if (parent.type === 'preproc_ifdef' && isIncludeGuard(parent)) continue;
      if (parent.type.startsWith('preproc_')) return `an #${parent.child(0)?.text.replace(/^#\s*/, '') ?? 'if'} block`;
    }
    return undefined;
  }

  /** A node's text as the file has it (the parser read a copy with markers and attributes blanked). */
  private textOf(node: Node): string {
    return this.original.slice(node.startIndex, node.endIndex);
  }

  private addTopLevel(node: Node): void {
    if (node.type === 'preproc_call') {
      const directive = node.childForFieldName('directive')?.text ?? '';
      const argument = node.childForFieldName('argument')?.text ?? '';
      if (directive === '#pragma' && LAYOUT_PRAGMA.test(argument)) {
        this.addItem(node, `#pragma ${argument.trim()}`, new Set(), () => new Set(), true);
      }
      return;
    }
    if (node.type === 'type_definition') {
      this.addDeclaration(node, this.textOf(node));
      for (const { name, type, at } of typedefNames(node)) {
        this.typedefs.set(name, type);
        this.entries.push({ name, kind: 'typedef', ...this.locate(at.startPosition.row) });
      }
      return;
    }
    // `struct X {...};` (tree-sitter gives the specifier alone at the top) or a declaration of
    // variables whose type has a body: only the type part is wanted, with what follows its body up
    // to the declarators or the `;`: `struct X {...} __attribute__((packed));` is packed.
    const specifier = TAGGED.has(node.type) ? node : node.type === 'declaration' ? node.childForFieldName('type') : null;
    if (!specifier || !TAGGED.has(specifier.type)) return;
    const declarator = node.type === 'declaration' ? node.childForFieldName('declarator') : null;
    const semicolon = node.type === 'declaration' ? null : node.nextSibling?.type === ';' ? node.nextSibling : null;
    const end = declarator?.startIndex ?? (node.type === 'declaration' ? node.endIndex : semicolon?.startIndex) ?? specifier.endIndex;
    const text = this.original.slice(specifier.startIndex, end).trimEnd().replace(/;$/, '');
    // After a line marker (a macro's attribute from a system header, as glibc's __EPOLL_PACKED) the `;` needs a line of its own.
    this.addDeclaration(specifier, `${text}${/\n#[^\n]*$/.test(text) ? '\n' : ''};`);
  }

  private addDeclaration(node: Node, text: string): void {
    const taggedInside = descendants(node, TAGGED);
    const defines = definedNames(node, taggedInside);
    if (defines.size === 0) return;
    let refs: Set<string> | undefined;
    // The names its attributes use count too (`aligned(LINE)`): the parser never saw them.
    const inAttributes = () => identifiersIn(this.copy.code, this.copy.attributes, node.startIndex, node.startIndex + text.length);
    this.addItem(node, text, defines, () => (refs ??= new Set([...referencedNames(node), ...inAttributes()])), false);
    for (const tagged of taggedInside) {
      const tag = tagName(tagged);
      if (!tag || !tagged.childForFieldName('body') || this.bodies.has(tag)) continue;
      this.bodies.set(tag, tagged);
      this.entries.push({ name: tag, kind: tagged.type.replace('_specifier', '') as DeclKind, ...this.locate(tagged.startPosition.row) });
    }
  }

  private addItem(node: Node, text: string, defines: Set<string>, refs: () => Set<string>, layoutPragma: boolean): void {
    const item: Item = { index: this.items.length, node, text, ...this.locate(node.startPosition.row), defines, refs, layoutPragma };
    this.items.push(item);
    for (const name of defines) {
      const list = this.byName.get(name);
      if (list) list.push(item);
      else this.byName.set(name, [item]);
    }
  }
}
