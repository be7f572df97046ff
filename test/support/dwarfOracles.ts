// Oracles for layouts read from DWARF that no one here wrote: gdb's `ptype /o TYPE` and pahole's
// `pahole -C TYPE`, parsed member by member into one flat form, beside ours in the same form, so
// a test compares them whole. Each member is `TYPE.member` -> `@bit/bytes[:bits][ type]`: its
// offset in bits from the start of TYPE, its size in bytes (for a bit-field, its bit width instead)
// and, where the oracle spells types as the language does, its type.
import { execFileSync, spawnSync } from 'child_process';
import type { CField, CLayout } from '../../src/shared/cLayout';

export type Members = Record<string, string>;

/** Integer type names in one canonical spelling (`long unsigned int` = `unsigned long`). */
export function normalizeType(text: string): string {
  return text
    .replace(/\b(?:(?:unsigned|signed|short|long|int|char)\s+)*(?:unsigned|signed|short|long|int|char)\b/g, (words) => {
      const w = words.split(/\s+/);
      const count = (x: string) => w.filter((y) => y === x).length;
      const sign = count('unsigned') ? 'unsigned ' : count('signed') && count('char') ? 'signed ' : '';
      const longs = count('long');
      const size = count('short') ? 'short' : longs === 2 ? 'long long' : longs === 1 ? 'long' : '';
      const base = count('char') ? 'char' : size ? '' : 'int';
      return `${sign}${size}${size && base ? ' ' : ''}${base}`.trim();
    })
    .replace(/\s*\*/g, ' *')
    .replace(/\s+/g, ' ')
    .replace(/ ,/g, ',')
    .trim();
}

interface Entry {
  name: string | null;
  bit: number;
  size: number;
  width?: number;
  type?: string;
}

function key(typeName: string, e: Entry, withType: boolean): [string, string] {
  const size = e.width !== undefined ? `:${e.width}` : `/${e.size}`;
  return [`${typeName}.${e.name}`, `@${e.bit}${size}${withType && e.type !== undefined ? ` ${normalizeType(e.type)}` : ''}`];
}

/** Splits `TYPE NAME[2][3] : 5;` (C, C++) or `NAME: TYPE,` (Rust) into name, type, width. */
function declaration(decl: string, rust: boolean): { name: string; type?: string; width?: number } | undefined {
  if (rust) {
    const m = /^([\w$]+): (.*),$/.exec(decl);
    return m ? { name: m[1], type: m[2] } : undefined;
  }
  const fn = /\(\*+\s*([\w$.]+)\)\s*\(.*\);$/.exec(decl);
  if (fn) return { name: fn[1] }; // a function pointer: its type is not compared
  const m = /^(.*?)\s*([\w$.]+)((?:\[\d*\])*)(?:\s*:\s*(\d+))?;$/.exec(decl);
  if (!m) return undefined;
  return { name: m[2], type: m[4] ? `${m[1]} : ${m[4]}` : `${m[1]}${m[3]}`, width: m[4] ? Number(m[4]) : undefined };
}

interface GdbNode {
  bit: number;
  size: number;
  name: string;
  entries: Array<Entry | GdbNode>;
}

/**
 * gdb's `ptype /o` of each type, top-level members only (the members of an anonymous record shown
 * inline count as the parent's, as C sees them). One gdb run for all of them.
 */
export function gdbMembers(file: string, typeNames: string[], rust = false): Members {
  const args = ['-batch', '-nx'];
  for (const name of typeNames) args.push('-ex', `echo @@TYPE ${name}\\n`, '-ex', `ptype /o ${name}`);
  // gdb's exit status is that of its last command: a type it cannot parse is a missing chunk instead.
  const run = spawnSync('gdb', [...args, file], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  if (run.error) throw run.error;
  const out = run.stdout;
  const result: Members = {};
  for (const chunk of out.split(/^@@TYPE /m).slice(1)) {
    const typeName = chunk.slice(0, chunk.indexOf('\n'));
    const header = /^.*type = .*$/m.exec(chunk)?.[0] ?? '';
    // C++ templates: `T payload[2]` with `[with T = ring::Msg]` said once in the header.
    const substitutions = (/\[with (.*?)\](?= : | \{$)/.exec(header)?.[1] ?? '').split(/,\s*(?=\w+ = )/).flatMap((s) => {
      const m = /^(\w+) = (.*)$/.exec(s.trim());
      return m ? [[m[1], m[2]] as const] : [];
    });
    const substitute = (text: string) => substitutions.reduce((t, [from, to]) => t.replace(new RegExp(`\\b${from}\\b`, 'g'), to), text);
    const root: GdbNode = { bit: 0, size: 0, name: '', entries: [] };
    const stack: GdbNode[] = [root];
    for (const line of chunk.split('\n').slice(2)) {
      const withOffset = /^\/\*\s+(\d+)(?::\s*(\d+))?\s+\|\s+(\d+) \*\/\s{4}\s*(.*)$/.exec(line);
      const unionMember = /^\/\*\s{10,}(\d+) \*\/\s{4}\s*(.*)$/.exec(line);
      const close = /^\s+[})]\s*([\w$]*)\s*[;,]\s*$/.exec(line);
      const current = stack[stack.length - 1];
      if (close && stack.length > 1) {
        const node = stack.pop()!;
        if (close[1]) node.name = close[1];
        stack[stack.length - 1].entries.push(node);
        continue;
      }
      let bit: number;
      let size: number;
      let decl: string;
      if (withOffset) {
        bit = Number(withOffset[1]) * 8 + Number(withOffset[2] ?? 0);
        size = Number(withOffset[3]);
        decl = withOffset[4];
      } else if (unionMember) {
        bit = current.bit;
        size = Number(unionMember[1]);
        decl = unionMember[2];
      } else continue;
      if (decl.endsWith('{') || (rust && decl.endsWith('('))) {
        // Rust names a variant where it opens (`Move {`), C and C++ a member where it closes (`} named;`).
        stack.push({ bit, size, name: rust ? (/^([\w$]+) [{(]$/.exec(decl)?.[1] ?? '') : '', entries: [] });
        continue;
      }
      if (rust && /^[\w$]+,$/.test(decl)) {
        // In a tuple struct (`Say (`) a field is its type alone, named by its place as rustc names it; elsewhere a variant without data.
        if (stack.length === 1 && /\($/.test(header)) current.entries.push({ name: `__${current.entries.length}`, bit, size, type: decl.slice(0, -1) });
        else current.entries.push({ name: decl.slice(0, -1), bit, size });
        continue;
      }
      const d = declaration(decl, rust);
      if (!d || d.name.startsWith('_vptr')) continue;
      current.entries.push({ name: d.name, bit, size, width: d.width, type: d.type === undefined ? undefined : substitute(d.type) });
    }
    const flatten = (node: GdbNode) => {
      for (const e of node.entries) {
        if ('entries' in e) {
          if (e.name) result[`${typeName}.${e.name}`] = `@${e.bit}/${e.size}`;
          else flatten(e);
        } else {
          const [k, v] = key(typeName, e, true);
          result[k] = v;
        }
      }
    };
    flatten(root);
  }
  return result;
}

/** pahole's view of a type's direct members (and, for C++, its bases as `(base NAME)`). */
export function paholeMembers(file: string, typeName: string, asked = typeName, withTypes = true): Members {
  const out = execFileSync('pahole', ['-C', asked, file], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  // A typedef of a record: pahole says only that; its record says the rest.
  const typedef = /^typedef (?:struct|union) (\S+) \S+;$/m.exec(out.trim());
  if (typedef) return paholeMembers(file, typeName, typedef[1], withTypes);
  const result: Members = {};
  // Inline records: a named one is one member (its closing line has its name); an anonymous one's members are the parent's.
  const stack: Array<Array<[string, string]>> = [[]];
  for (const raw of out.split('\n')) {
    const line = raw.replace(/\s*__attribute__\(\((?:[^()]|\([^()]*\))*\)\)/g, '');
    if (/^\t+.*\{\s*$/.test(line)) {
      stack.push([]);
      continue;
    }
    const close = /^\t+\}\s*([\w$]*)\s*;\s*\/\*\s*(\d+)\s+(\d+)\s*\*\/$/.exec(line);
    if (close && stack.length > 1) {
      const inner = stack.pop()!;
      const parent = stack[stack.length - 1];
      if (close[1]) parent.push([`${typeName}.${close[1]}`, `@${Number(close[2]) * 8}/${close[3]}`]);
      else parent.push(...inner);
      continue;
    }
    const current = stack[stack.length - 1];
    const base = /^\t\/\* (?:struct|class) (\S+)\s+<ancestor>; \*\/\s+\/\*\s*(\d+)\s+(\d+)\s*\*\/$/.exec(line);
    if (base) {
      const offset = Number(base[2]);
      current.push([`${typeName}.(base ${base[1]})`, offset === 4294967295 ? 'virtual' : `@${offset * 8}/${base[3]}`]);
      continue;
    }
    const m = /^\t+(.*?);\s*\/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*\/$/.exec(line);
    if (!m) continue;
    const d = declaration(`${m[1].replace(/\s+/g, ' ')};`.replace(/:(\d+);$/, ' : $1;'), false);
    if (!d || d.name.startsWith('_vptr')) continue;
    const bit = Number(m[2]) * 8 + Number(m[3] ?? 0);
    current.push(key(typeName, { name: d.name, bit, size: Number(m[4]), width: d.width, type: d.type }, withTypes));
  }
  for (const [k, v] of stack[0]) result[k] = v;
  return result;
}

/** Our layout in the same form: each named record reachable from the root, its direct members. */
export function ourMembers(
  layout: CLayout,
  options: { withTypes?: boolean; bases?: 'pahole' | 'none' } = {},
): { members: Record<string, Members>; records: string[] } {
  const members: Record<string, Members> = {};
  const records: string[] = [];
  const visit = (record: CField, typeName: string, seen: Set<string>) => {
    if (seen.has(typeName)) return;
    seen.add(typeName);
    records.push(typeName);
    const out: Members = {};
    const base = record.offset * 8;
    const add = (field: CField) => {
      if (field.anonymous) {
        for (const m of field.members ?? []) add(m);
        return;
      }
      if (field.name.startsWith('_vptr') || field.name.startsWith('(virtual base')) {
        if (options.bases === 'pahole' && field.name.startsWith('(virtual base')) {
          out[`${typeName}.(base ${field.name.slice('(virtual base '.length, -1)})`] = 'virtual';
        }
        return;
      }
      if (field.name.startsWith('(base ')) {
        if (options.bases === 'pahole') out[`${typeName}.${field.name}`] = `@${field.offset * 8 - base}/${field.size}`;
        return;
      }
      const entry: Entry = field.bits
        ? { name: field.name, bit: field.bits.first - base, size: field.size, width: field.bits.width, type: field.type }
        : {
            name: field.name,
            bit: field.offset * 8 - base,
            size: field.size,
            // Function pointers are spelled with their parameters by the oracles; records are shown inline, untyped.
            type: field.type.includes('(*)') || field.kind === 'struct' || field.kind === 'union' ? undefined : field.type,
          };
      const [k, v] = key(typeName, entry, options.withTypes !== false);
      out[k] = v;
    };
    for (const m of record.members ?? []) add(m);
    members[typeName] = out;
    const nested = (field: CField) => {
      for (const m of field.members ?? []) {
        if (m.anonymous) nested(m);
        else walk(m);
      }
    };
    const walk = (field: CField) => {
      let f = field;
      while (f.kind === 'array' && f.element) f = f.element;
      if ((f.kind === 'struct' || f.kind === 'union') && !f.type.includes('{…}') && !f.name.startsWith('(')) visit(f, f.type, seen);
      else if ((f.kind === 'struct' || f.kind === 'union') && f.name.startsWith('(base ')) visit(f, f.type, seen);
    };
    nested(record);
  };
  visit(layout.root, layout.name, new Set());
  return { members, records };
}

/**
 * Our values and the oracle's for every key either has ('(missing)' where one lacks it). A type is
 * compared where both sides spell one (the oracles show records inline, without a type).
 */
export function compareMembers(ours: Members, oracle: Members): { ours: Members; oracle: Members } {
  const mine: Members = {};
  const theirs: Members = {};
  for (const k of new Set([...Object.keys(oracle), ...Object.keys(ours)])) {
    let a = ours[k] ?? '(missing)';
    let b = oracle[k] ?? '(missing)';
    // gdb names a type declared inside a class without the class: `__int_type`.
    if (a !== b && a.includes(' ') && b.includes(' ') && a.split(' ')[0] === b.split(' ')[0] && a.endsWith(`::${b.slice(b.indexOf(' ') + 1)}`)) b = a;
    if (a.includes(' ') !== b.includes(' ') && a !== '(missing)' && b !== '(missing)') {
      a = a.split(' ')[0];
      b = b.split(' ')[0];
    }
    mine[k] = a;
    theirs[k] = b;
  }
  return { ours: mine, oracle: theirs };
}
