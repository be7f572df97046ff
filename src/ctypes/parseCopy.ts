// The copy of a C file the parser reads. tree-sitter's C grammar knows standard C and a few GNU
// words, not everything a compiler takes: GNU attributes anywhere, C23 `[[...]]` attributes after
// `struct`, GNU spellings of keywords (`__signed__ char`), `_Complex`, and macros that stand where
// the grammar expects nothing (`PACKED`, `ALIGN(16)`, `PACK1 struct ...`). Each is blanked or
// rewritten here to an equivalent of the same length, so every position in the copy is that of the
// original: declarations handed to the compiler are always cut from the original text, never from
// this copy. Hand-written: no library prepares C for tree-sitter this way.

/** A range [start, end) of the text. */
export interface Span {
  start: number;
  end: number;
}

const IDENTIFIER = /\b[A-Za-z_]\w*/g;

/**
 * `text` with comments blanked and the insides of string and character literals too (delimiters and
 * newlines kept): what is left is code, so the scans below cannot be misled by a `[[` or a
 * `__attribute__((` in a comment.
 */
export function codeOnly(text: string): string {
  return text.replace(NOT_CODE, (found) => {
    if (found[0] === '"' || found[0] === "'") {
      const inside = found.slice(1, found.endsWith(found[0]) && found.length > 1 ? -1 : undefined);
      return found[0] + inside.replace(/[^\n]/g, ' ') + found.slice(1 + inside.length);
    }
    return found.replace(/[^\n]/g, ' ');
  });
}

/** Comments (a `//` one continued by a backslash too) and string and character literals (up to the line's end when unterminated). */
const NOT_CODE = /\/\*[\s\S]*?(?:\*\/|$(?![\s\S]))|\/\/(?:[^\n\\]|\\[\s\S])*|"(?:[^"\\\n]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[\s\S])*'?/g;

/** The index just past the bracket that closes the one at `open` (`(` or `[`), or -1 when unbalanced. */
function closing(code: string, open: number): number {
  const opener = code[open];
  const closer = opener === '(' ? ')' : ']';
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === opener) depth++;
    else if (code[i] === closer && --depth === 0) return i + 1;
  }
  return -1;
}

const GNU_ATTRIBUTE = /\b(?:__attribute(?:__)?|__declspec)\s*\(|\[\[/g;

/** GNU `__attribute__((...))`, `__declspec(...)` and C23 `[[...]]` attributes in `code` (see codeOnly). */
export function attributeSpans(code: string): Span[] {
  const spans: Span[] = [];
  GNU_ATTRIBUTE.lastIndex = 0;
  for (let match = GNU_ATTRIBUTE.exec(code); match; match = GNU_ATTRIBUTE.exec(code)) {
    const open = match[0] === '[[' ? match.index : match.index + match[0].length - 1;
    const end = closing(code, open);
    if (end < 0) break; // unbalanced: left to the parser
    spans.push({ start: match.index, end });
    GNU_ATTRIBUTE.lastIndex = end;
  }
  return spans;
}

/** `text` with `spans` replaced by spaces (newlines kept). */
export function blankSpans(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let out = '';
  let copied = 0;
  for (const span of sorted) {
    if (span.start < copied) continue; // inside one already blanked
    out += text.slice(copied, span.start) + text.slice(span.start, span.end).replace(/[^\n]/g, ' ');
    copied = span.end;
  }
  return out + text.slice(copied);
}

/** `text` with every GNU and C23 attribute replaced by as many spaces (newlines kept). */
export function blankAttributes(text: string): string {
  return blankSpans(text, attributeSpans(codeOnly(text)));
}

const NAME_OR_TAG = /\b(?:(struct|union|enum)\s+)?([A-Za-z_]\w*)/g;

/**
 * The names inside `spans` of `code` that lie within [start, end): what an attribute uses
 * (`aligned(LINE)`, `aligned(__alignof__(struct ebt_replace))`), tags as `struct X`.
 */
export function identifiersIn(code: string, spans: readonly Span[], start: number, end: number): string[] {
  const names: string[] = [];
  for (const span of spans) {
    if (span.end <= start || span.start >= end) continue;
    for (const match of code.slice(Math.max(span.start, start), Math.min(span.end, end)).matchAll(NAME_OR_TAG)) {
      names.push(match[1] ? `${match[1]} ${match[2]}` : match[2]);
    }
  }
  return names;
}

// GNU spellings of keywords, and _Complex, as words the grammar knows, of the same length or padded
// with spaces. _Complex becomes a qualifier: the parser then sees its floating type, and the
// compiler (which gets the original) says it is complex.
const KEYWORDS: Record<string, string> = {
  __signed__: 'signed',
  __signed: 'signed',
  __volatile__: 'volatile',
  __volatile: 'volatile',
  __const__: 'const',
  __const: 'const',
  __restrict: 'restrict',
  _Complex: 'volatile',
  __complex__: 'volatile',
  __complex: 'volatile',
};
const KEYWORD = new RegExp(`\\b(?:${Object.keys(KEYWORDS).join('|')})\\b`, 'g');

/** `text` with the GNU keyword spellings of `code` (same positions) rewritten for the parser. */
export function normalizeKeywords(text: string, code: string): string {
  let out = '';
  let copied = 0;
  KEYWORD.lastIndex = 0;
  for (let match = KEYWORD.exec(code); match; match = KEYWORD.exec(code)) {
    out += text.slice(copied, match.index) + KEYWORDS[match[0]].padEnd(match[0].length, ' ');
    copied = match.index + match[0].length;
  }
  return out + text.slice(copied);
}

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?((?:[^\n\\]|\\[\s\S])*)/gm;
const PRAGMA_OPERATOR = /\b_Pragma\s*\(\s*"\s*"\s*\)/g; // its string's inside is blank in code

/**
 * Macros the file defines to stand for attributes, pragmas or nothing (`#define PACKED
 * __attribute__((packed))`, `#define ALIGN(n) __attribute__((aligned(n)))`, `#define PACK1
 * _Pragma("pack(1)")`, `#define __user`): where the grammar expects no word at all. A macro
 * defined twice counts only if every definition is such; one defined as another such macro counts too.
 */
export function attributeMacros(code: string): Map<string, boolean> {
  const bodies = new Map<string, { functionLike: boolean; bodies: string[] }>();
  for (const match of code.matchAll(DEFINE)) {
    const body = blankAttributes(match[3].replace(/\\\n/g, ' ')).replace(PRAGMA_OPERATOR, ' ');
    const known = bodies.get(match[1]) ?? { functionLike: match[2] !== undefined, bodies: [] };
    known.bodies.push(body);
    bodies.set(match[1], known);
  }
  const macros = new Map<string, boolean>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, known] of bodies) {
      if (macros.has(name)) continue;
      // Nothing but other such macros (an empty argument list allowed): `#define N 3` is not one.
      const onlyMacros = known.bodies.every((body) => /^\s*$/.test(body.replace(IDENTIFIER, (w) => (macros.has(w) ? ' ' : w)).replace(/\(\s*\)/g, ' ')));
      if (onlyMacros) {
        macros.set(name, known.functionLike);
        changed = true;
      }
    }
  }
  return macros;
}

/** The words of C's basic types (the type specifiers that are keywords). */
export const BASIC_TYPE_WORDS = ['char', 'short', 'int', 'long', 'signed', 'unsigned', 'float', 'double', 'void', '_Bool', 'bool'];

/** A directive line with the lines a backslash continues it on. */
const DIRECTIVE_LINE = /^[ \t]*#(?:[^\n\\]|\\[\s\S])*/gm;
const NOT_A_MACRO = new Set([
  'auto',
  'const',
  'extern',
  'inline',
  'register',
  'restrict',
  'static',
  'volatile',
  'typedef',
  'struct',
  'union',
  'enum',
  '_Thread_local',
  'thread_local',
  '__thread',
  '__extension__',
  '__inline',
  '__inline__',
  '_Noreturn',
  'noreturn',
  '_Atomic',
  'constexpr',
  'else',
  'return',
  'do',
  // A type word before `struct` is no macro: `int f(a) struct s *a;` (an old-style definition).
  ...BASIC_TYPE_WORDS,
]);

/** Where the directives are: nothing is blanked inside a `#define` (its name must stay). */
function directiveSpans(code: string): Span[] {
  return [...code.matchAll(DIRECTIVE_LINE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Whether `at` is inside one of `spans` (sorted, not overlapping). */
function inside(spans: readonly Span[], at: number): boolean {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (spans[mid].end <= at) low = mid + 1;
    else if (spans[mid].start > at) high = mid - 1;
    else return true;
  }
  return false;
}

/**
 * The uses of macros that stand where the grammar expects no word, to be blanked: those `macros`
 * names (see attributeMacros), with their arguments; and any other word (with arguments) right
 * before `struct`, `union`, `enum` or `typedef` at the start of a declaration (`PACK1 struct P {`),
 * where valid C never has one.
 */
export function macroSpans(code: string, macros: ReadonlyMap<string, boolean>): Span[] {
  const directives = directiveSpans(code);
  const spans: Span[] = [];
  for (const match of macros.size > 0 ? code.matchAll(IDENTIFIER) : []) {
    const functionLike = macros.get(match[0]);
    if (functionLike === undefined || inside(directives, match.index)) continue;
    let end = match.index + match[0].length;
    if (functionLike) {
      const open = code.slice(end).search(/\S/) + end;
      if (code[open] === '(') end = closing(code, open) < 0 ? end : closing(code, open);
    }
    spans.push({ start: match.index, end });
  }
  for (const match of code.matchAll(/\b(?:struct|union|enum|typedef)\b/g)) {
    if (inside(directives, match.index)) continue;
    const before: Span[] = [];
    let at = match.index;
    for (;;) {
      const word = wordBefore(code, at);
      if (!word || NOT_A_MACRO.has(code.slice(word.start, word.nameEnd)) || inside(directives, word.start)) break;
      before.push({ start: word.start, end: word.end });
      at = word.start;
    }
    if (before.length > 0 && startsDeclaration(code, at, directives)) spans.push(...before);
  }
  return [...spans, ...afterDeclaratorSpans(code, directives)];
}

/** Words before a `(` that make what follows its `)` no declarator: a cast, a sizeof, a condition. */
const NOT_A_DECLARATOR = new Set([
  'sizeof',
  '_Alignof',
  'alignof',
  '__alignof__',
  '__alignof',
  'typeof',
  '__typeof__',
  '__typeof',
  '_Generic',
  '_Static_assert',
  'static_assert',
  'if',
  'while',
  'for',
  'switch',
  'return',
  'defined',
  '_Atomic',
  '_Alignas',
  'alignas',
]);

/**
 * Macros after a function's parameter list (glibc's `) __THROW __nonnull ((1)) __wur;`), to be
 * blanked: words, with their arguments, between the `)` of `name(...)` and the `;`, `,`, `=` or `{`
 * that ends the declarator, where valid C has none (but an old-style definition's parameter types).
 */
function afterDeclaratorSpans(code: string, directives: readonly Span[]): Span[] {
  const spans: Span[] = [];
  const opens: number[] = [];
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '(') opens.push(i);
    if (code[i] !== ')' || opens.length === 0) continue;
    const open = opens.pop()!;
    if (inside(directives, i)) continue;
    const before = wordBefore(code, open);
    const name = before ? code.slice(before.start, before.nameEnd) : '';
    const afterParen = /\)\s*$/.test(code.slice(Math.max(0, open - 64), open));
    if (!afterParen && (!before || before.end !== before.nameEnd || NOT_A_DECLARATOR.has(name) || NOT_A_MACRO.has(name))) continue;
    const words: Span[] = [];
    let at = i + 1;
    for (;;) {
      const word = /^\s*([A-Za-z_]\w*)/.exec(code.slice(at, at + 256));
      if (!word || NOT_A_MACRO.has(word[1])) break;
      const start = at + word[0].length - word[1].length;
      let end = start + word[1].length;
      const open2 = code.slice(end).search(/\S/) + end;
      if (code[open2] === '(') end = Math.max(end, closing(code, open2));
      words.push({ start, end });
      at = end;
    }
    const next = code.slice(at).search(/\S/);
    if (words.length > 0 && next >= 0 && /[;,={]/.test(code[at + next])) spans.push(...words);
  }
  return spans;
}

/** The word (with a parenthesized argument list) that ends right before `at`, if one does. */
function wordBefore(code: string, at: number): { start: number; nameEnd: number; end: number } | undefined {
  let i = at - 1;
  while (i >= 0 && /\s/.test(code[i])) i--;
  const end = i + 1;
  if (code[i] === ')') {
    let depth = 0;
    for (; i >= 0; i--) {
      if (code[i] === ')') depth++;
      else if (code[i] === '(' && --depth === 0) break;
    }
    i--;
    while (i >= 0 && /[ \t]/.test(code[i])) i--;
  }
  const nameEnd = i + 1;
  while (i >= 0 && /\w/.test(code[i])) i--;
  const start = i + 1;
  if (start === nameEnd || !/[A-Za-z_]/.test(code[start])) return undefined;
  return { start, nameEnd, end };
}

/** Whether a declaration can start at `at`: after `;`, `{`, `}`, a directive line, or at the top. */
function startsDeclaration(code: string, at: number, directives: readonly Span[]): boolean {
  let i = at - 1;
  while (i >= 0 && /\s/.test(code[i])) {
    if (code[i] === '\n' && inside(directives, i - 1)) return true;
    i--;
  }
  return i < 0 || code[i] === ';' || code[i] === '{' || code[i] === '}' || inside(directives, i);
}

const CPLUSPLUS_IF = /^\s*#\s*(?:(ifdef)\s+__cplusplus|(ifndef)\s+__cplusplus|if\s+(!?)\s*defined\s*\(?\s*__cplusplus\s*\)?)\s*(?:\/[/*].*)?$/;
const IF_LINE = /^\s*#\s*if/;
const ELSE_LINE = /^\s*#\s*(else|elif)\b/;
const ENDIF_LINE = /^\s*#\s*endif\b/;

/**
 * `text` with what a C compiler never sees blanked out (newlines kept): the branches of
 * `#ifdef __cplusplus` blocks meant for C++ (the `extern "C" {` of most headers), and those blocks'
 * directives. The parser cannot match `extern "C" {` and its `}` across two #if blocks.
 */
export function blankCplusplus(text: string): string {
  const lines = text.split('\n');
  const blank = (i: number) => (lines[i] = lines[i].replace(/[^\n]/g, ' '));
  for (let i = 0; i < lines.length; i++) {
    const match = CPLUSPLUS_IF.exec(lines[i]);
    if (!match) continue;
    const block = blockAt(lines, i);
    if (!block) continue; // unterminated, or an #elif chain: left to the long way
    // Whether the first branch is for C++ (then it goes) or for C (then the #else branch goes).
    const firstIsCplusplus = Boolean(match[1]) || (!match[2] && !match[3]);
    const cplusplus = firstIsCplusplus ? [i + 1, block.elseAt ?? block.endAt] : block.elseAt !== undefined ? [block.elseAt + 1, block.endAt] : [0, 0];
    for (let j = cplusplus[0]; j < cplusplus[1]; j++) blank(j);
    for (const directive of [i, block.elseAt, block.endAt]) if (directive !== undefined) blank(directive);
    i = block.endAt;
  }
  return lines.join('\n');
}

/** The #else and #endif lines of the #if block opened at line `start`; undefined if it has an #elif or no end. */
function blockAt(lines: string[], start: number): { elseAt?: number; endAt: number } | undefined {
  let depth = 0;
  let elseAt: number | undefined;
  for (let j = start + 1; j < lines.length; j++) {
    if (IF_LINE.test(lines[j])) depth++;
    else if (ENDIF_LINE.test(lines[j])) {
      if (depth === 0) return { elseAt, endAt: j };
      depth--;
    } else if (depth === 0 && ELSE_LINE.test(lines[j])) {
      if (/^\s*#\s*elif/.test(lines[j])) return undefined;
      elseAt = j;
    }
  }
  return undefined;
}

/** What the parser reads and what the declarations' names are found with, all at the original's positions. */
export interface ParseCopy {
  /** The text the parser reads. */
  parse: string;
  /** Code only (comments and literals blanked), attributes kept: where names inside attributes are found. */
  code: string;
  /** The attributes of `code`. */
  attributes: Span[];
}

/**
 * The parser's copy of `text` (line markers already blanked): C++-only branches, attributes and
 * attribute-like macros blanked, GNU keyword spellings rewritten. `preprocessed`: macros are
 * already expanded (no macro to look for).
 */
export function parseCopy(text: string, preprocessed: boolean): ParseCopy {
  const cOnly = blankCplusplus(text);
  const code = codeOnly(cOnly);
  const attributes = attributeSpans(code);
  const macros = preprocessed ? [] : macroSpans(blankSpans(code, attributes), attributeMacros(code));
  const blanked = blankSpans(cOnly, [...attributes, ...macros]);
  return { parse: normalizeKeywords(blanked, code), code, attributes };
}
