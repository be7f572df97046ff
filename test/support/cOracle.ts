// An oracle for C layouts that no one here wrote: the DWARF gcc -g emits, read through gdb's Python
// API. Both it and our layouts are flattened to one map from member path (`pos[0].x`, `un.u`) to
// [first bit, bits], with `path#` the element count of each array and `path signed` whether a
// bit-field is signed, so they compare as a whole.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CField, CLayout } from '../../src/shared/cLayout';

export type Flat = Record<string, number | [number, number]>;

const GDB_DUMP = `
import gdb, json
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
                out[sub + ' signed'] = 1 if f.type.strip_typedefs().is_signed else 0
                continue
            out[sub] = [base + f.bitpos, f.type.strip_typedefs().sizeof * 8]
            dump(f.type, base + f.bitpos, sub, out)
    elif t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        el = t.target()
        # gdb gives a flexible array member one element of a zero-sized array; ours says -1
        out[path + '#'] = -1 if t.sizeof == 0 and hi >= lo else hi - lo + 1
        out[path + '[0]'] = [base, el.strip_typedefs().sizeof * 8]
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
    execFileSync('gcc', [...flags, '-g', '-w', '-O0', '-o', path.join(dir, 'o'), path.join(dir, 'o.c')]);
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

/** Our layout flattened like gdbLayouts(). */
export function flatten(layout: CLayout): Flat {
  const out: Flat = { '': [0, layout.size * 8] };
  const walk = (field: CField, at: string): void => {
    for (const member of field.members ?? []) {
      if (member.anonymous) {
        walk(member, at);
        continue;
      }
      const sub = at ? `${at}.${member.name}` : member.name;
      out[sub] = member.bits ? [member.bits.first, member.bits.width] : [member.offset * 8, member.size * 8];
      if (member.bits) out[`${sub} signed`] = member.signed ? 1 : 0;
      walk(member, sub);
    }
    if (field.element) {
      out[`${at}#`] = field.count ?? 0;
      out[`${at}[0]`] = [field.element.offset * 8, field.element.size * 8];
      walk(field.element, `${at}[0]`);
    }
  };
  walk(layout.root, '');
  return out;
}
