// A small DWARF and ELF writer for the reader's tests: hand-made debug information, well formed or
// hostile on purpose (reference loops, absurd sizes, lists that never end), in an ELF file of
// either class and byte order, its sections optionally compressed (SHF_COMPRESSED).
import * as zlib from 'zlib';

export const TAG = {
  compile_unit: 0x11,
  base_type: 0x24,
  structure_type: 0x13,
  member: 0x0d,
  typedef: 0x16,
  array_type: 0x01,
  subrange_type: 0x21,
  enumeration_type: 0x04,
  enumerator: 0x28,
  pointer_type: 0x0f,
} as const;
export const AT = {
  name: 0x03,
  byte_size: 0x0b,
  type: 0x49,
  data_member_location: 0x38,
  encoding: 0x3e,
  upper_bound: 0x2f,
  count: 0x37,
  const_value: 0x1c,
  bit_size: 0x0d,
  data_bit_offset: 0x6b,
  language: 0x13,
  sibling: 0x01,
} as const;
export const FORM = { data1: 0x0b, data2: 0x05, data4: 0x06, data8: 0x07, udata: 0x0f, sdata: 0x0d, string: 0x08, ref4: 0x13, flag_present: 0x19 } as const;

export type Value = number | bigint | string | { ref: string };
export interface DieSpec {
  label?: string;
  tag: number;
  attrs: Array<[at: number, form: number, value: Value]>;
  children?: DieSpec[];
}

function uleb(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function sleb(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function fixed(value: bigint | number, size: number, little: boolean): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return little ? out : out.reverse();
}

/** One DWARF 5 compile unit (C, 8-byte addresses) holding `dies`, with its abbreviations (one per DIE). */
export function dwarfUnit(dies: DieSpec[], little = true, language = 0x0c): { info: Uint8Array; abbrev: Uint8Array } {
  const abbrev: number[] = [];
  const body: number[] = [];
  const labels = new Map<string, number>();
  const patches: Array<{ at: number; label: string }> = [];
  let code = 0;
  const HEADER = 12; // unit_length 4, version 2, unit_type 1, address_size 1, abbrev_offset 4
  const write = (die: DieSpec) => {
    code++;
    abbrev.push(...uleb(code), ...uleb(die.tag), die.children ? 1 : 0);
    for (const [at, form] of die.attrs) abbrev.push(...uleb(at), ...uleb(form));
    abbrev.push(0, 0);
    if (die.label) labels.set(die.label, HEADER + body.length);
    body.push(...uleb(code));
    for (const [, form, value] of die.attrs) {
      if (typeof value === 'object') {
        patches.push({ at: body.length, label: value.ref });
        body.push(0, 0, 0, 0);
      } else if (form === FORM.string) body.push(...Buffer.from(String(value)), 0);
      else if (form === FORM.udata) body.push(...uleb(value as number));
      else if (form === FORM.sdata) body.push(...sleb(value as number));
      else if (form === FORM.flag_present) continue;
      else body.push(...fixed(value as number, { [FORM.data1]: 1, [FORM.data2]: 2, [FORM.data4]: 4, [FORM.data8]: 8 }[form] ?? 4, little));
    }
    if (die.children) {
      for (const child of die.children) write(child);
      body.push(0);
    }
  };
  write({ tag: TAG.compile_unit, attrs: [[AT.language, FORM.data1, language]], children: dies });
  abbrev.push(0);
  for (const patch of patches) {
    const target = labels.get(patch.label);
    if (target === undefined) throw new Error(`no DIE labelled ${patch.label}`);
    body.splice(patch.at, 4, ...fixed(target, 4, little));
  }
  const length = HEADER - 4 + body.length;
  const info = [...fixed(length, 4, little), ...fixed(5, 2, little), 1, 8, ...fixed(0, 4, little), ...body];
  return { info: Uint8Array.from(info), abbrev: Uint8Array.from(abbrev) };
}

export interface ElfOptions {
  wide?: boolean;
  little?: boolean;
  /** Section names to store SHF_COMPRESSED with zlib (or claim `type` and `size`). */
  compress?: Record<string, { type?: number; claimedSize?: number }>;
  machine?: number;
}

/** An ELF executable holding `sections` (name -> bytes), with a section name table. */
export function elfFile(sections: Record<string, Uint8Array>, options: ElfOptions = {}): Buffer {
  const wide = options.wide ?? true;
  const little = options.little ?? true;
  const names = ['', ...Object.keys(sections), '.shstrtab'];
  const shstrtab: number[] = [];
  const nameOffsets = names.map((n) => {
    const at = shstrtab.length;
    shstrtab.push(...Buffer.from(n), 0);
    return at;
  });
  const ehsize = wide ? 64 : 52;
  const shentsize = wide ? 64 : 40;
  const data: number[] = [];
  const placed: Array<{ offset: number; size: number; flags: number }> = [{ offset: 0, size: 0, flags: 0 }];
  const word = (v: number) => fixed(v, wide ? 8 : 4, little);
  for (const name of Object.keys(sections)) {
    let bytes = Array.from(sections[name]);
    let flags = 0;
    const compressed = options.compress?.[name];
    if (compressed) {
      flags = 0x800;
      const header = wide
        ? [...fixed(compressed.type ?? 1, 4, little), 0, 0, 0, 0, ...word(compressed.claimedSize ?? bytes.length), ...word(1)]
        : [...fixed(compressed.type ?? 1, 4, little), ...word(compressed.claimedSize ?? bytes.length), ...word(1)];
      bytes = [...header, ...zlib.deflateSync(Uint8Array.from(bytes))];
    }
    placed.push({ offset: ehsize + data.length, size: bytes.length, flags });
    data.push(...bytes);
  }
  placed.push({ offset: ehsize + data.length, size: shstrtab.length, flags: 0 });
  data.push(...shstrtab);
  while (data.length % 8) data.push(0);
  const shoff = ehsize + data.length;
  const header = [0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, little ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  header.push(...fixed(2, 2, little), ...fixed(options.machine ?? (wide ? 62 : 3), 2, little), ...fixed(1, 4, little));
  header.push(...word(0), ...word(0), ...word(shoff), ...fixed(0, 4, little));
  header.push(...fixed(ehsize, 2, little), ...fixed(0, 2, little), ...fixed(0, 2, little), ...fixed(shentsize, 2, little));
  header.push(...fixed(names.length, 2, little), ...fixed(names.length - 1, 2, little));
  const table: number[] = [];
  names.forEach((_, i) => {
    const s = placed[i];
    const type = i === 0 ? 0 : i === names.length - 1 ? 3 : 1;
    if (wide) {
      table.push(...fixed(nameOffsets[i], 4, little), ...fixed(type, 4, little), ...word(s.flags), ...word(0), ...word(s.offset), ...word(s.size));
      table.push(...fixed(0, 4, little), ...fixed(0, 4, little), ...word(1), ...word(0));
    } else {
      table.push(...fixed(nameOffsets[i], 4, little), ...fixed(type, 4, little), ...word(s.flags), ...word(0), ...word(s.offset), ...word(s.size));
      table.push(...fixed(0, 4, little), ...fixed(0, 4, little), ...word(1), ...word(0));
    }
  });
  return Buffer.from([...header, ...data, ...table]);
}

/** An ELF file with one DWARF unit of `dies`. */
export function elfWithDwarf(dies: DieSpec[], options: ElfOptions & { language?: number } = {}): Buffer {
  const unit = dwarfUnit(dies, options.little ?? true, options.language);
  return elfFile({ '.debug_info': unit.info, '.debug_abbrev': unit.abbrev }, options);
}
