// The type declarations of one C translation unit, read with tree-sitter's C parser: which struct,
// union, enum and typedef names it declares and where (through the preprocessor's line markers), the
// declarations one type needs (its closure, in the order they appear, with #pragma pack kept in
// place), and what a type is made of (members, arrays, pointers, bit-fields, typedef chains), which
// the layout probe asks the compiler about. Nothing here decides a size or an offset: the compiler does.
import type { Node, Tree } from './cParser';

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

const ATTRIBUTE = /\b__attribute(?:__)?\s*\(/g;

/** `text` with every `__attribute__((...))` replaced by as many spaces (newlines kept). */
export function blankAttributes(text: string): string {
  let out = '';
  let copied = 0;
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(text); match; match = ATTRIBUTE.exec(text)) {
    let depth = 0;
    let i = match.index + match[0].length - 1;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"' || c === "'") {
        for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
      } else if (c === '(') {
        depth++;
      } else if (c === ')' && --depth === 0) {
        break;
      }
    }
    if (depth !== 0) break; // unbalanced: leave the rest to the parser
    out += text.slice(copied, match.index) + text.slice(match.index, i + 1).replace(/[^\n]/g, ' ');
    copied = i + 1;
    ATTRIBUTE.lastIndex = copied;
  }
  return out + text.slice(copied);
}

const TAGGED = new Set(['struct_specifier', 'union_specifier', 'enum_specifier']);
const CONTAINERS = new Set(['preproc_ifdef', 'preproc_if', 'preproc_else', 'preproc_elif', 'preproc_elifdef', 'linkage_specification', 'declaration_list']);
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
  if (node.type === 'type_definition') {
    for (const declarator of node.childrenForFieldName('declarator')) {
      const name = derive({ kind: 'spec', node }, declarator).name;
      if (name) defines.add(name);
    }
  }
  return defines;
}

export class TranslationUnit {
  private readonly items: Item[] = [];
  private readonly byName = new Map<string, Item[]>();
  /** typedef name -> its type; tag -> its specifier with a body. */
  private readonly typedefs = new Map<string, TypeExpr>();
  private readonly bodies = new Map<string, Node>();
  private readonly entries: TypeEntry[] = [];

  /**
   * `text` is preprocessed text with line markers, or a file as it is (then every line is `file`'s
   * own); `parse` parses it. The parser reads a copy with line markers and GNU attributes blanked
   * out: the preprocessor puts markers inside declarations (a macro from a system header, like
   * stdbool's `bool`), and tree-sitter misreads `union __attribute__((packed)) u {`. Blanking keeps
   * every position, so the declarations handed to the compiler are cut from the original text,
   * markers and attributes included.
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
    return new TranslationUnit(await parse(blankAttributes(lines.join('\n'))), text, file, markers);
  }

  /** The unit's nodes live in the parser's memory until dispose(): call it when done with the unit. */
  private constructor(private readonly tree: Tree, private readonly original: string, private readonly file: string, private readonly markers: LineMarker[]) {
    this.addAll(tree.rootNode);
  }

  /**
   * The declarations at file scope, also inside what a file not yet preprocessed wraps them in:
   * include guards and other #if blocks, and `extern "C" { }`.
   */
  private addAll(parent: Node): void {
    for (const node of parent.namedChildren) {
      if (!node) continue;
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
    return this.items
      .filter((item) => wanted.has(item) || item.layoutPragma)
      .map((item) => `# ${item.line} "${item.file.replace(/["\\]/g, '\\$&')}"\n${item.text}\n`)
      .join('');
  }

  /** A node's text as the file has it (the parser read a copy with markers and attributes blanked). */
  private textOf(node: Node): string {
    return this.original.slice(node.startIndex, node.endIndex);
  }

  private addTopLevel(node: Node): void {
    if (node.type === 'preproc_call') {
      const directive = node.childForFieldName('directive')?.text ?? '';
      const argument = node.childForFieldName('argument')?.text ?? '';
      if (directive === '#pragma' && LAYOUT_PRAGMA.test(argument)) this.addItem(node, `#pragma ${argument.trim()}`, new Set(), () => new Set(), true);
      return;
    }
    if (node.type === 'type_definition') {
      this.addDeclaration(node, this.textOf(node));
      const type = node.childForFieldName('type');
      if (type) {
        for (const declarator of node.childrenForFieldName('declarator')) {
          const { name, type: expr } = derive({ kind: 'spec', node: type }, declarator);
          if (name && declarator) {
            this.typedefs.set(name, expr);
            this.entries.push({ name, kind: 'typedef', ...this.locate(declarator.startPosition.row) });
          }
        }
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
    this.addDeclaration(specifier, `${this.original.slice(specifier.startIndex, end).trimEnd().replace(/;$/, '')};`);
  }

  private addDeclaration(node: Node, text: string): void {
    const taggedInside = descendants(node, TAGGED);
    const defines = definedNames(node, taggedInside);
    if (defines.size === 0) return;
    let refs: Set<string> | undefined;
    this.addItem(node, text, defines, () => (refs ??= referencedNames(node)), false);
    for (const tagged of taggedInside) {
      const tag = tagName(tagged);
      if (!tag || !tagged.childForFieldName('body') || this.bodies.has(tag)) continue;
      this.bodies.set(tag, tagged);
      this.entries.push({ name: tag, kind: tagged.type.replace('_specifier', '') as DeclKind, ...this.locate(tagged.startPosition.row) });
    }
  }

  private addItem(node: Node, text: string, defines: Set<string>, refs: () => Set<string>, layoutPragma: boolean): void {
    const item: Item = { index: this.items.length, text, ...this.locate(node.startPosition.row), defines, refs, layoutPragma };
    this.items.push(item);
    for (const name of defines) {
      const list = this.byName.get(name);
      if (list) list.push(item);
      else this.byName.set(name, [item]);
    }
  }
}
