// What test/programs/dwarfvalues.cpp and .rs write, as the fields panel shows it, by member path
// (`payload[1].text`), and the panel's decoding of those paths (src/shared/cValues.ts) over a
// layout read from the programs' own debug information.
import * as assert from 'assert';
import type { CField, CLayout } from '../../src/shared/cLayout';
import { valueOf } from '../../src/shared/cValues';

/** The field at a path like `payload[1].text` (array elements shift the offsets). */
export function fieldAt(layout: CLayout, at: string): { field: CField; shift: number } {
  let field = layout.root;
  let shift = 0;
  for (const part of at.match(/[^.[\]]+|\[\d+\]/g)!) {
    if (part.startsWith('[')) {
      shift += Number(part.slice(1, -1)) * field.element!.size;
      field = field.element!;
    } else {
      const find = (f: CField): CField | undefined => {
        for (const m of f.members ?? []) {
          if (m.name === part) return m;
          if (m.anonymous || m.name.startsWith('(base ')) {
            const inner = find(m);
            if (inner) return inner;
          }
        }
        return undefined;
      };
      const found = find(field);
      assert.ok(found, `no member ${part} in ${field.name}`);
      field = found!;
    }
  }
  return { field, shift };
}

/** What the fields panel should show, by member path, for what each program wrote. */
export const CPP_EXPECTED: Record<string, string> = {
  magic: String(0xfeedbeef),
  version: '7',
  state: 'Full (2)',
  'sequence._M_i': '123456789012',
  'payload[0].id': '-1000',
  'payload[1].id': '-1001',
  'payload[0].value': '0.5',
  'payload[1].value': '1.5',
  'payload[0].text': '"msg-0"',
  'payload[1].text': '"msg-1"',
  'payload[0].kind': '5',
  'payload[1].kind': '4',
  'payload[0].level': '-3',
  'payload[1].level': '-4',
  'payload[0].urgent': 'true',
  'payload[1].urgent': 'false',
  big: 'BigTop (18446744073709551615)',
  'weights[1][2]': '12.25',
  'weights[0][1]': '1.25',
};

export const RUST_EXPECTED: Record<string, string> = {
  'header.magic': String(0xc0ffee),
  'header.level': 'High (300)',
  'header.flags': '9',
  'pair.__0': '-12',
  'pair.__1': '2.5',
  'stats.small': '7',
  'stats.big': String(2 ** 40),
  'stats.mid': '512',
  'command.(variant)': 'Move (1)',
  'command.Move.x': '-5',
  'command.Move.y': '6',
  'maybe.(variant)': 'Some (1)',
  'maybe.Some.__0': '77',
  'nonzero.(variant)': 'None (0)',
  'counter.v.value': '9000000001',
  'hits.v.value': '3',
  'name[0]': '114',
  'name[7]': '109',
  'grid[1][2]': '-6',
  'grid[0][1]': '-2',
  ok: 'true',
  letter: String('Z'.charCodeAt(0)),
};

/** The values the panel shows at `paths`, decoding bytes read by `byteAt` (-1: not read). */
export function shownValues(layout: CLayout, byteAt: (offset: number) => number, size: number, paths: string[]): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const at of paths) {
    const { field, shift } = fieldAt(layout, at);
    shown[at] = valueOf(layout, field, shift, byteAt, size).text;
  }
  return shown;
}
