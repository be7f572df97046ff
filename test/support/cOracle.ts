// An oracle for C layouts that no one here wrote: the DWARF gcc -g emits, read through gdb's Python
// API. Both it and our layouts are flattened to one map from member path (`pos[0].x`, `un.u`) to
// [first bit, bits], with `path#` the element count of each array, `path kind` what a scalar is
// (int, float, complex, decimal, pointer, enum, bool) and `path signed` whether an integer is
// signed, so they compare as a whole. A member we show only as bytes (`other`: va_list) is compared
// by its place and size; what gdb sees inside it is left out.
//
// And an oracle for values: gdb printing each member of an object a compiled program initialized,
// beside the object's bytes as the program holds them (read from the executable, nothing runs).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CField, CLayout } from '../../src/shared/cLayout';

export type Flat = Record<string, number | string | [number, number]>;

const GDB_DUMP = `
import gdb, json
KINDS = {gdb.TYPE_CODE_INT: 'int', gdb.TYPE_CODE_CHAR: 'int', gdb.TYPE_CODE_FLT: 'float', gdb.TYPE_CODE_COMPLEX: 'complex',
         gdb.TYPE_CODE_DECFLOAT: 'decimal', gdb.TYPE_CODE_PTR: 'pointer', gdb.TYPE_CODE_ENUM: 'enum', gdb.TYPE_CODE_BOOL: 'bool'}
def scalar(t, path, out):
    t = t.strip_typedefs()
    kind = KINDS.get(t.code)
    if kind is None:
        return
    out[path + ' kind'] = kind
    if kind in ('int', 'enum'):
        out[path + ' signed'] = 1 if t.is_signed else 0
def dump(t, base, path, out):
    t = t.strip_typedefs()
    if t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        for f in t.fields():
            if not hasattr(f, 'bitpos') or f.bitpos is None:
                continue
            if not f.name:
                if f.bitsize:
                    continue  # an unnamed bit-field is padding
                dump(f.type, base + f.bitpos, path, out)  # anonymous struct or union
                continue
            sub = path + '.' + f.name if path else f.name
            if f.bitsize:
                out[sub] = [base + f.bitpos, f.bitsize]
                scalar(f.type, sub, out)
                continue
            out[sub] = [base + f.bitpos, f.type.strip_typedefs().sizeof * 8]
            scalar(f.type, sub, out)
            dump(f.type, base + f.bitpos, sub, out)
    elif t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        el = t.target()
        # gdb gives a flexible array member one element of a zero-sized array; ours says -1
        out[path + '#'] = -1 if t.sizeof == 0 and hi >= lo else hi - lo + 1
        out[path + '[0]'] = [base, el.strip_typedefs().sizeof * 8]
        scalar(el, path + '[0]', out)
        dump(el, base, path + '[0]', out)
result = {}
for name in NAMES:
    t = gdb.lookup_type(name)
    out = {'': [0, t.sizeof * 8]}
    dump(t, 0, '', out)
    result[name] = out
print('ORACLE' + json.dumps(result))
`;

/** Layouts of `names` per gdb, from `source` compiled with `gcc -g` (one object of each type is defined so DWARF keeps it). */
export function gdbLayouts(source: string, names: string[], flags: string[] = []): Record<string, Flat> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-oracle-'));
  try {
    const uses = names.map((name, i) => `${name} ipcinsp_oracle_use_${i};`).join('\n');
    fs.writeFileSync(
      path.join(dir, 'o.c'),
      `${source.replace(/\bint\s+main\s*\(/, 'int ipcinsp_oracle_renamed_main(')}\n${uses}\nint main(void) { return 0; }\n`,
    );
    execFileSync('gcc', [...flags, '-g', '-w', '-O0', '-o', path.join(dir, 'o'), path.join(dir, 'o.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.writeFileSync(path.join(dir, 'dump.py'), `NAMES = ${JSON.stringify(names)}\n${GDB_DUMP}`);
    const out = execFileSync('gdb', ['-batch', '-nx', '-ex', `source ${path.join(dir, 'dump.py')}`, path.join(dir, 'o')], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const line = out.split('\n').find((l) => l.startsWith('ORACLE'));
    if (!line) throw new Error(`gdb printed no layout:\n${out.slice(0, 2000)}`);
    return JSON.parse(line.slice('ORACLE'.length)) as Record<string, Flat>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What a scalar field is, in gdbLayouts()'s words. */
function kindOf(field: CField): string | undefined {
  if (field.kind === 'float') return field.complex ? 'complex' : field.decimal ? 'decimal' : 'float';
  return ['int', 'enum', 'bool', 'pointer'].includes(field.kind) ? field.kind : undefined;
}

/** Our layout flattened like gdbLayouts(). */
export function flatten(layout: CLayout): Flat {
  const out: Flat = { '': [0, layout.size * 8] };
  const scalar = (field: CField, at: string) => {
    const kind = kindOf(field);
    if (kind) out[`${at} kind`] = kind;
    if (field.kind === 'int' || field.kind === 'enum') out[`${at} signed`] = field.signed ? 1 : 0;
    if (field.kind === 'other') out[`${at} opaque`] = 1;
  };
  const walk = (field: CField, at: string): void => {
    for (const member of field.members ?? []) {
      if (member.anonymous) {
        walk(member, at);
        continue;
      }
      const sub = at ? `${at}.${member.name}` : member.name;
      out[sub] = member.bits ? [member.bits.first, member.bits.width] : [member.offset * 8, member.size * 8];
      scalar(member, sub);
      walk(member, sub);
    }
    if (field.element) {
      out[`${at}#`] = field.count ?? 0;
      out[`${at}[0]`] = [field.element.offset * 8, field.element.size * 8];
      scalar(field.element, `${at}[0]`);
      walk(field.element, `${at}[0]`);
    }
  };
  walk(layout.root, '');
  return out;
}

/**
 * Where `ours` and gdb's `oracle` differ, one line each (empty when they agree). Inside a member we
 * show only as bytes (`path opaque`), what gdb sees is not ours to compare.
 */
export function differences(ours: Flat, oracle: Flat): string[] {
  const opaque = Object.keys(ours)
    .filter((key) => key.endsWith(' opaque'))
    .map((key) => key.slice(0, -' opaque'.length));
  const hidden = (key: string) =>
    opaque.some((at) => key.startsWith(`${at}[`) || key.startsWith(`${at}.`) || key.startsWith(`${at}#`) || key.startsWith(`${at} `));
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(ours), ...Object.keys(oracle)])) {
    if (hidden(key)) continue;
    const [a, b] = [JSON.stringify(ours[key]), JSON.stringify(oracle[key])];
    if (a !== b) lines.push(`${key}: ours ${a ?? 'missing'}, gdb ${b ?? 'missing'}`);
  }
  return lines;
}

const GDB_VALUES = `
import gdb, json
def leaves(v, path, out):
    t = v.type.strip_typedefs()
    if t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        for f in t.fields():
            if not f.name:
                if not f.bitsize:
                    leaves(v[f], path, out)
                continue
            leaves(v[f], path + '.' + f.name if path else f.name, out)
    elif t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        for i in range(lo, min(hi, lo + 63) + 1):
            leaves(v[i], '%s[%d]' % (path, i), out)
    else:
        out[path] = v.format_string(raw=True)
v = gdb.parse_and_eval(VARIABLE)
size = v.type.strip_typedefs().sizeof
raw = gdb.parse_and_eval('*(unsigned char (*)[%d])&%s' % (size, VARIABLE))
out = {}
leaves(v, '', out)
print('VALUES' + json.dumps({'bytes': [int(raw[i]) for i in range(size)], 'values': out}))
`;

/**
 * gdb's text for every member (`a.b[1].c`) of the object `variable` that `source` defines with an
 * initializer, and the object's bytes, from `gcc -g` of it: what a program holds, read without running it.
 */
export function gdbValues(source: string, variable: string, flags: string[] = []): { bytes: number[]; values: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-values-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'v.c'),
      `${source}
int main(void) { return 0; }
`,
    );
    execFileSync('gcc', [...flags, '-g', '-w', '-O0', '-o', path.join(dir, 'v'), path.join(dir, 'v.c')]);
    fs.writeFileSync(
      path.join(dir, 'values.py'),
      `VARIABLE = ${JSON.stringify(variable)}
${GDB_VALUES}`,
    );
    const out = execFileSync('gdb', ['-batch', '-nx', '-ex', `source ${path.join(dir, 'values.py')}`, path.join(dir, 'v')], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => l.startsWith('VALUES'));
    if (!line) throw new Error(`gdb printed no values:\n${out.slice(0, 2000)}`);
    return JSON.parse(line.slice('VALUES'.length)) as { bytes: number[]; values: Record<string, string> };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The field at a gdb path like `path[1][0].x` (anonymous members looked through), and the shift of
 * the array elements on the way; a field we show as bytes (`other`) for any path inside it.
 */
export function fieldAtPath(layout: CLayout, at: string): { field: CField; shift: number } | undefined {
  let field: CField | undefined = layout.root;
  let shift = 0;
  const member = (record: CField, name: string): CField | undefined => {
    for (const m of record.members ?? []) {
      if (m.anonymous) {
        const inner = member(m, name);
        if (inner) return inner;
      } else if (m.name === name) return m;
    }
    return undefined;
  };
  for (const part of at.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (!field) return undefined;
    if (field.kind === 'other') break; // shown as its bytes: what gdb sees inside is its

    if (part.startsWith('[')) {
      shift += Number(part.slice(1, -1)) * (field.element?.size ?? 0);
      field = field.element;
    } else {
      field = member(field, part);
    }
  }
  return field ? { field, shift } : undefined;
}

/** A floating value's text as a number (gdb writes `inf`, `-nan(0x8000000000000)`). */
function numberOf(text: string): number {
  if (/^-?inf/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/nan/i.test(text)) return NaN;
  return Number(text);
}

function sameNumber(a: number, b: number, relative: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Whether the fields panel's text for a field says what gdb's does: the same integer, the same
 * enum constant, the same floating value (to the precision the panel keeps: a double's), the same
 * decimal as written, the same complex parts. Undefined when the field is one we show as bytes.
 */
export function sameAsGdbText(field: CField, ours: string, gdb: string): boolean | undefined {
  switch (field.kind) {
    case 'enum': {
      const name = /^(\S+) \(/.exec(ours)?.[1];
      const noConstant = / \(no constant\)$/.test(ours);
      return noConstant ? gdb === ours.replace(/ \(no constant\)$/, '') || gdb.includes(`unknown: 0x${BigInt(ours.split(' ')[0]).toString(16)}`) : name === gdb;
    }
    case 'float': {
      if (field.decimal) return ours === gdb;
      const relative = field.size <= 4 || (field.complex && field.size <= 8) ? 1e-7 : 1e-15;
      if (field.complex) {
        const [oursRe, oursIm] = ours.replace(/i$/, '').split(' + ');
        const [gdbRe, gdbIm] = gdb.replace(/i$/, '').split(' + ');
        return sameNumber(numberOf(oursRe), numberOf(gdbRe), relative) && sameNumber(numberOf(oursIm), numberOf(gdbIm), relative);
      }
      return sameNumber(numberOf(ours), numberOf(gdb), relative);
    }
    case 'pointer':
      return (ours === 'NULL' ? '0x0' : ours) === gdb.replace(/^\(.*\) /, '');
    case 'other':
      return undefined;
    default:
      // int and bool as gdb writes them; a char by its number (gdb escapes in octal, the panel in hex).
      return field.char ? ours.split(' ')[0] === gdb.split(' ')[0] : ours === gdb;
  }
}
