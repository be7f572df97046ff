// Random C declarations for layout tests: scalars of every width, arrays of up to three dimensions,
// nested and anonymous structs and unions, bit-fields (unnamed and zero-width ones too), enums,
// packed and aligned attributes, #pragma pack, and flexible array members. Seeded: a failing seed
// replays.
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

/** `count` struct and union types (named `struct g_N` / `union g_N`, some through typedefs `g_N_t`). */
export function generateStructs(seed: number, count: number): Generated {
  const next = seededU32(seed);
  const pick = <T>(list: readonly T[]): T => list[next() % list.length];
  const chance = (percent: number): boolean => next() % 100 < percent;
  const lines = [
    '#include <stdint.h>',
    '#include <stddef.h>',
    'enum e_small { S0, S1, S2 };',
    'enum e_big { B0 = -5, B1 = 70000 };',
    'typedef enum e_small e_small;',
    'typedef enum e_big e_big;',
  ];
  const names: string[] = [];
  const made: string[] = [];
  const flexible = new Set<string>();
  const scalarMember = (name: string): string =>
    `${pick(SCALARS)} ${name}${chance(25) ? `[${1 + (next() % 5)}]` : ''}${chance(10) ? `[${1 + (next() % 3)}][${1 + (next() % 3)}]` : ''};`;
  for (let n = 0; n < count; n++) {
    const union = chance(20);
    const tag = `${union ? 'union' : 'struct'} g_${n}`;
    const members: string[] = [];
    const memberCount = 1 + (next() % 8);
    for (let m = 0; m < memberCount; m++) {
      const name = `m${m}`;
      const roll = next() % 100;
      if (roll < 45) {
        members.push(scalarMember(name));
      } else if (roll < 65 && !union) {
        const [type, bits] = pick(BITFIELD_TYPES);
        if (chance(15)) members.push(`${type} : ${chance(50) ? 0 : 1 + (next() % bits)};`);
        else members.push(`${type} ${name} : ${1 + (next() % bits)};`);
      } else if (roll < 80 && made.length > 0) {
        members.push(`${pick(made)} ${name}${chance(30) ? `[${1 + (next() % 3)}]` : ''};`);
      } else if (roll < 90) {
        const inner = chance(50) ? 'union' : 'struct';
        members.push(`${inner} { ${scalarMember(`${name}a`)} ${scalarMember(`${name}b`)} }${chance(50) ? ` ${name}` : ''};`);
      } else {
        members.push(`${pick(SCALARS)} ${name} __attribute__((aligned(${pick([1, 2, 4, 8, 16, 32])})));`);
      }
    }
    if (!union && chance(10)) members.push(`${pick(['int', 'char', 'double'])} flex[];`);
    const attribute = chance(15) ? ' __attribute__((packed))' : chance(10) ? ` __attribute__((aligned(${pick([4, 8, 16, 64])})))` : '';
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
    else made.push(tag);
  }
  return { source: `${lines.join('\n')}\n`, names, flexible };
}
