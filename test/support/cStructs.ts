// Random C declarations for layout tests: scalars of every width, arrays of up to three dimensions,
// nested and anonymous structs and unions, bit-fields (unnamed and zero-width ones too), enums,
// packed and aligned attributes, #pragma pack, and flexible array members. With `extended`, also
// what real headers have beyond those: bit-fields in unions, _Complex in its spellings, GNU keyword
// spellings (__signed__ char), aligned(CONSTANT) with the constant an enum's, enum constants of
// 2^64 - 1, _Float64x, _Float128 and _Decimal types, va_list, __typeof__(type), big-endian records
// (scalar_storage_order) and, with `msExtensions`, tagged structs as anonymous members. Seeded: a
// failing seed replays.
import { seededU32 } from './random';

const SCALARS = [
  'char',
  'signed char',
  'unsigned char',
  'short',
  'unsigned short',
  'int',
  'unsigned',
  'long',
  'unsigned long',
  'long long',
  'unsigned long long',
  'float',
  'double',
  'long double',
  '_Bool',
  'int8_t',
  'uint16_t',
  'int32_t',
  'uint64_t',
  'size_t',
  'void *',
  'char *',
  'e_small',
  'e_big',
];
const EXTENDED_SCALARS = [
  '_Complex double',
  'float _Complex',
  'double __complex__',
  '__signed__ char',
  '__signed short',
  '__volatile__ int',
  '__const long',
  '_Float64x',
  '_Float128',
  '_Decimal32',
  '_Decimal64',
  '_Decimal128',
  'e_huge',
  'va_list',
  '__typeof__(char[3])',
  '__typeof__(e_small)',
];
const EXTENDED_BITFIELD_TYPES: Array<[string, number]> = [
  ['__signed__ char', 8],
  ['short', 16],
  ['long long', 64],
  ['__s8g', 8],
];
const BITFIELD_TYPES: Array<[string, number]> = [
  ['unsigned', 32],
  ['int', 32],
  ['unsigned char', 8],
  ['unsigned short', 16],
  ['unsigned long long', 64],
  ['_Bool', 1],
  ['signed char', 8],
];

export interface Generated {
  source: string;
  names: string[];
  /** Those with a flexible array member (they cannot be members of another type). */
  flexible: Set<string>;
}

export interface GenerateOptions {
  /** The constructs real headers have beyond the basic ones (see the file's header). */
  extended?: boolean;
  /** Tagged structs as anonymous members too: to be compiled with -fms-extensions. */
  msExtensions?: boolean;
}

/** `count` struct and union types (named `struct g_N` / `union g_N`, some through typedefs `g_N_t`). */
export function generateStructs(seed: number, count: number, options: GenerateOptions = {}): Generated {
  const next = seededU32(seed);
  const pick = <T>(list: readonly T[]): T => list[next() % list.length];
  const chance = (percent: number): boolean => next() % 100 < percent;
  const extended = options.extended === true;
  const scalars = extended ? [...SCALARS, ...EXTENDED_SCALARS] : SCALARS;
  const bitFieldTypes = extended ? [...BITFIELD_TYPES, ...EXTENDED_BITFIELD_TYPES] : BITFIELD_TYPES;
  const lines = [
    '#include <stdint.h>',
    '#include <stddef.h>',
    'enum e_small { S0, S1, S2 };',
    'enum e_big { B0 = -5, B1 = 70000 };',
    'typedef enum e_small e_small;',
    'typedef enum e_big e_big;',
  ];
  if (extended) {
    lines.push(
      '#include <stdarg.h>',
      'enum e_huge { H0 = 0xFFFFFFFFFFFFFFFFull, H1 = 1 };',
      'typedef enum e_huge e_huge;',
      'typedef __signed__ char __s8g;',
      'enum { GEN_ALIGN = 16 };',
    );
  }
  const names: string[] = [];
  const made: string[] = [];
  const flexible = new Set<string>();
  const scalarMember = (name: string): string =>
    `${pick(scalars)} ${name}${chance(25) ? `[${1 + (next() % 5)}]` : ''}${chance(10) ? `[${1 + (next() % 3)}][${1 + (next() % 3)}]` : ''};`;
  const madeStructs: string[] = [];
  for (let n = 0; n < count; n++) {
    const union = chance(20);
    const tag = `${union ? 'union' : 'struct'} g_${n}`;
    // A big-endian record: not one with a va_list or a _Decimal, which gcc keeps in the machine's order only.
    const bigEndian = extended && chance(12);
    const members: string[] = [];
    const memberCount = 1 + (next() % 8);
    let msAnonymous = false;
    for (let m = 0; m < memberCount; m++) {
      // Names of their own when a struct's members can show up in another's (-fms-extensions).
      const name = options.msExtensions ? `g${n}m${m}` : `m${m}`;
      const roll = next() % 100;
      if (roll < 45) {
        members.push(scalarMember(name));
      } else if (roll < 65 && (!union || extended)) {
        const [type, bits] = pick(bitFieldTypes);
        if (chance(15) && !union) members.push(`${type} : ${chance(50) ? 0 : 1 + (next() % bits)};`);
        else members.push(`${type} ${name} : ${1 + (next() % bits)};`);
      } else if (roll < 80 && made.length > 0) {
        members.push(`${pick(made)} ${name}${chance(30) ? `[${1 + (next() % 3)}]` : ''};`);
      } else if (roll < 90) {
        const inner = chance(50) ? 'union' : 'struct';
        members.push(`${inner} { ${scalarMember(`${name}a`)} ${scalarMember(`${name}b`)} }${chance(50) ? ` ${name}` : ''};`);
      } else if (options.msExtensions && madeStructs.length > 0 && !msAnonymous && chance(40)) {
        // An anonymous member of a tagged type (-fms-extensions): one a struct, of a struct without one.
        members.push(`${pick(madeStructs)};`);
        msAnonymous = true;
      } else {
        const alignment = extended && chance(30) ? 'GEN_ALIGN' : pick([1, 2, 4, 8, 16, 32]);
        members.push(`${pick(scalars)} ${name} __attribute__((aligned(${alignment})));`);
      }
    }
    const orderable = !members.some((member) => /va_list|_Decimal|_Float64x|_Float128|long double|__typeof__\(e_small\)/.test(member));
    if (!union && chance(10)) members.push(`${pick(['int', 'char', 'double'])} flex[];`);
    const attribute =
      bigEndian && orderable
        ? ' __attribute__((scalar_storage_order("big-endian")))'
        : chance(15)
          ? ' __attribute__((packed))'
          : chance(10)
            ? ` __attribute__((aligned(${pick([4, 8, 16, 64])})))`
            : '';
    const pack = chance(15) ? pick([1, 2, 4]) : 0;
    if (pack) lines.push(`#pragma pack(push, ${pack})`);
    lines.push(`${tag.split(' ')[0]}${attribute} ${tag.split(' ')[1]} {\n  ${members.join('\n  ')}\n};`);
    if (pack) lines.push('#pragma pack(pop)');
    if (chance(30)) {
      lines.push(`typedef ${tag} g_${n}_t;`);
      names.push(`g_${n}_t`);
    } else {
      names.push(tag);
    }
    // Types with a flexible array member cannot be members themselves; others can be reused.
    if (members.some((member) => member.includes('flex[]'))) flexible.add(names[names.length - 1]);
    else {
      made.push(tag);
      if (!union && !msAnonymous) madeStructs.push(tag);
    }
  }
  return { source: `${lines.join('\n')}\n`, names, flexible };
}
