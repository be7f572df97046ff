// The DWARF reader on hand-made debug information (test/support/dwarfBuilder.ts): what it reads
// from well-formed units of both byte orders and ELF classes, and what it says about hostile ones
// (reference loops, absurd sizes, truncation, damaged compression), never a crash or a hang; and a
// short fuzz campaign of byte flips and truncations (a longer one: IPCINSP_DWARF_FUZZ=N, and on
// real compiler output in test/native/ctypes/dwarf/files.test.ts).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DwarfError } from '../../../../src/ctypes/dwarf/bytes';
import { DebugTypes, NoDebugInfoError } from '../../../../src/ctypes/dwarf/debugTypes';
import { DwarfInfo, type DwarfSections, type SectionLoader } from '../../../../src/ctypes/dwarf/info';
import { ElfFile, ObjectFileError } from '../../../../src/ctypes/objectFile';
import { AT, DieSpec, elfFile, elfWithDwarf, FORM, TAG } from '../../../support/dwarfBuilder';
import { seededRandom } from '../../../support/random';

const int32: DieSpec = {
  label: 'int',
  tag: TAG.base_type,
  attrs: [
    [AT.name, FORM.string, 'int'],
    [AT.byte_size, FORM.data1, 4],
    [AT.encoding, FORM.data1, 5],
  ],
};
const u8: DieSpec = {
  label: 'u8',
  tag: TAG.base_type,
  attrs: [
    [AT.name, FORM.string, 'unsigned char'],
    [AT.byte_size, FORM.data1, 1],
    [AT.encoding, FORM.data1, 8],
  ],
};
const u64: DieSpec = {
  label: 'u64',
  tag: TAG.base_type,
  attrs: [
    [AT.name, FORM.string, 'long unsigned int'],
    [AT.byte_size, FORM.data1, 8],
    [AT.encoding, FORM.data1, 7],
  ],
};

/** struct sample { int id; unsigned char bits : 3 (at bit 32); unsigned char tag[4]; enum big e; } */
function sample(): DieSpec[] {
  return [
    int32,
    u8,
    u64,
    {
      label: 'big',
      tag: TAG.enumeration_type,
      attrs: [
        [AT.name, FORM.string, 'big'],
        [AT.byte_size, FORM.data1, 8],
        [AT.type, FORM.ref4, { ref: 'u64' }],
      ],
      children: [
        {
          tag: TAG.enumerator,
          attrs: [
            [AT.name, FORM.string, 'TOP'],
            [AT.const_value, FORM.data8, 0xffffffffffffffffn],
          ],
        },
        {
          tag: TAG.enumerator,
          attrs: [
            [AT.name, FORM.string, 'ONE'],
            [AT.const_value, FORM.data1, 1],
          ],
        },
      ],
    },
    {
      label: 'arr',
      tag: TAG.array_type,
      attrs: [[AT.type, FORM.ref4, { ref: 'u8' }]],
      children: [{ tag: TAG.subrange_type, attrs: [[AT.upper_bound, FORM.data1, 3]] }],
    },
    {
      tag: TAG.structure_type,
      attrs: [
        [AT.name, FORM.string, 'sample'],
        [AT.byte_size, FORM.data1, 16],
      ],
      children: [
        {
          tag: TAG.member,
          attrs: [
            [AT.name, FORM.string, 'id'],
            [AT.type, FORM.ref4, { ref: 'int' }],
            [AT.data_member_location, FORM.data1, 0],
          ],
        },
        {
          tag: TAG.member,
          attrs: [
            [AT.name, FORM.string, 'bits'],
            [AT.type, FORM.ref4, { ref: 'u8' }],
            [AT.bit_size, FORM.data1, 3],
            [AT.data_bit_offset, FORM.data1, 33],
          ],
        },
        {
          tag: TAG.member,
          attrs: [
            [AT.name, FORM.string, 'tag'],
            [AT.type, FORM.ref4, { ref: 'arr' }],
            [AT.data_member_location, FORM.data1, 5],
          ],
        },
        {
          tag: TAG.member,
          attrs: [
            [AT.name, FORM.string, 'e'],
            [AT.type, FORM.ref4, { ref: 'big' }],
            [AT.data_member_location, FORM.data1, 8],
          ],
        },
      ],
    },
  ];
}

async function layoutOf(bytes: Uint8Array, name: string) {
  const types = await DebugTypes.read(ElfFile.fromBytes(bytes, 'test.elf'));
  try {
    return await types.layout(name);
  } finally {
    types.close();
  }
}

/** Runs `fn`, which must fail with one of the reader's own errors (not a TypeError, RangeError...); returns its message. */
async function readerError(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    assert.ok(
      error instanceof DwarfError || error instanceof ObjectFileError || error instanceof NoDebugInfoError,
      `not a reader error: ${(error as Error)?.stack}`,
    );
    return (error as Error).message;
  }
  return '';
}

describe('DWARF reader: hand-made debug information', () => {
  for (const shape of [
    { wide: true, little: true },
    { wide: false, little: true },
    { wide: true, little: false },
    { wide: false, little: false },
  ]) {
    it(`reads a struct from ${shape.wide ? 64 : 32}-bit ${shape.little ? 'little' : 'big'}-endian ELF: members, a bit-field, an array, an enum up to 2^64`, async () => {
      const layout = await layoutOf(elfWithDwarf(sample(), shape), 'struct sample');
      assert.strictEqual(layout.size, 16);
      // i386 (the 32-bit files' machine) aligns 8-byte scalars to 4 in records.
      assert.strictEqual(layout.align, shape.wide ? 8 : 4);
      const [id, bits, tag, e] = layout.root.members!;
      assert.deepStrictEqual([id.name, id.kind, id.offset, id.size, id.signed], ['id', 'int', 0, 4, true]);
      // 3 bits from bit 33: little endian counts from bit 0 of byte 4 up; big endian from its top bit
      // down, so bits 6..4 of byte 4 (first 36, as the probe numbers bits: byte * 8 + bit from the least significant).
      assert.deepStrictEqual(bits.bits, shape.little ? { first: 33, width: 3 } : { first: 36, width: 3 });
      assert.deepStrictEqual([bits.type, bits.offset, bits.size, bits.signed], ['unsigned char : 3', 4, 1, false]);
      assert.deepStrictEqual([tag.type, tag.kind, tag.count, tag.offset, tag.size, tag.element!.type], ['unsigned char[4]', 'array', 4, 5, 4, 'unsigned char']);
      assert.deepStrictEqual([e.kind, e.type, e.signed, e.offset, e.size], ['enum', 'enum big', false, 8, 8]);
      assert.deepStrictEqual(layout.enums[e.enumIndex!].constants, [
        { name: 'TOP', value: '18446744073709551615' },
        { name: 'ONE', value: '1' },
      ]);
    });
  }

  it('reads zlib-compressed sections (SHF_COMPRESSED), and says what is wrong with damaged ones', async () => {
    const unit = elfWithDwarf(sample(), { compress: { '.debug_info': {}, '.debug_abbrev': {} } });
    assert.strictEqual((await layoutOf(unit, 'struct sample')).size, 16);
    const { info, abbrev } = await import('../../../support/dwarfBuilder').then((b) => b.dwarfUnit(sample()));
    const lying = elfFile({ '.debug_info': info, '.debug_abbrev': abbrev }, { compress: { '.debug_info': { claimedSize: info.length + 100 } } });
    assert.match(await readerError(() => layoutOf(lying, 'struct sample')), /decompresses to \d+ bytes, not the \d+ it claims/);
    const huge = elfFile({ '.debug_info': info, '.debug_abbrev': abbrev }, { compress: { '.debug_info': { claimedSize: 2 ** 40 } } });
    assert.match(await readerError(() => layoutOf(huge, 'struct sample')), /claims \d+ bytes once decompressed: too many/);
    const zstd = elfFile({ '.debug_info': info, '.debug_abbrev': abbrev }, { compress: { '.debug_info': { type: 2 } } });
    const zstdMessage = await readerError(() => layoutOf(zstd, 'struct sample'));
    // Node.js 20 has no zstd: it says so and what to do; a Node.js that has it fails on the (zlib) stream instead.
    assert.match(zstdMessage, /zstd, which this Node\.js \(v\d+[^)]*\) cannot decompress|does not decompress|decompresses to/);
  });

  it('refuses a typedef loop, a struct that contains itself, absurd sizes and counts, a member past the end', async () => {
    const loop = elfWithDwarf([
      {
        label: 'a',
        tag: TAG.typedef,
        attrs: [
          [AT.name, FORM.string, 'a_t'],
          [AT.type, FORM.ref4, { ref: 'b' }],
        ],
      },
      {
        label: 'b',
        tag: TAG.typedef,
        attrs: [
          [AT.name, FORM.string, 'b_t'],
          [AT.type, FORM.ref4, { ref: 'a' }],
        ],
      },
    ]);
    assert.match(await readerError(() => layoutOf(loop, 'a_t')), /too long \(a loop\?\)/);
    const self = elfWithDwarf([
      {
        label: 's',
        tag: TAG.structure_type,
        attrs: [
          [AT.name, FORM.string, 'self'],
          [AT.byte_size, FORM.data1, 8],
        ],
        children: [
          {
            tag: TAG.member,
            attrs: [
              [AT.name, FORM.string, 'me'],
              [AT.type, FORM.ref4, { ref: 's' }],
              [AT.data_member_location, FORM.data1, 0],
            ],
          },
        ],
      },
    ]);
    assert.match(await readerError(() => layoutOf(self, 'struct self')), /nests too deeply/);
    const absurd = elfWithDwarf([
      int32,
      {
        tag: TAG.structure_type,
        attrs: [
          [AT.name, FORM.string, 'huge'],
          [AT.byte_size, FORM.data8, 2 ** 60],
        ],
        children: [],
      },
    ]);
    assert.match(await readerError(() => layoutOf(absurd, 'struct huge')), /claims \d+ bytes/);
    const many = elfWithDwarf([
      int32,
      {
        label: 'arr',
        tag: TAG.array_type,
        attrs: [[AT.type, FORM.ref4, { ref: 'int' }]],
        children: [{ tag: TAG.subrange_type, attrs: [[AT.count, FORM.data8, 2n ** 62n]] }],
      },
      {
        tag: TAG.typedef,
        attrs: [
          [AT.name, FORM.string, 'many_t'],
          [AT.type, FORM.ref4, { ref: 'arr' }],
        ],
      },
    ]);
    assert.match(await readerError(() => layoutOf(many, 'many_t')), /claims \d+ elements/);
    const past = elfWithDwarf([
      int32,
      {
        tag: TAG.structure_type,
        attrs: [
          [AT.name, FORM.string, 'past'],
          [AT.byte_size, FORM.data1, 4],
        ],
        children: [
          {
            tag: TAG.member,
            attrs: [
              [AT.name, FORM.string, 'x'],
              [AT.type, FORM.ref4, { ref: 'int' }],
              [AT.data_member_location, FORM.data2, 9000],
            ],
          },
        ],
      },
    ]);
    assert.match(await readerError(() => layoutOf(past, 'struct past')), /lies past the end of its record/);
  });

  it('says so when there is no debug information, and names a type it does not have', async () => {
    const none = elfFile({ '.text': Uint8Array.of(0xc3) });
    assert.match(await readerError(() => DebugTypes.read(ElfFile.fromBytes(none, 'plain'))), /no debug information.*-g.*-dbgsym/);
    assert.match(await readerError(() => layoutOf(elfWithDwarf(sample()), 'struct nothing')), /No type "struct nothing"/);
  });

  it('every truncation of .debug_info and .debug_abbrev gives a clear error or a layout, never a crash', async () => {
    const { dwarfUnit } = await import('../../../support/dwarfBuilder');
    const { info, abbrev } = dwarfUnit(sample());
    for (let cut = 0; cut < info.length; cut++) {
      await readerError(() => layoutOf(elfFile({ '.debug_info': info.subarray(0, cut), '.debug_abbrev': abbrev }), 'struct sample'));
    }
    for (let cut = 0; cut < abbrev.length; cut++) {
      await readerError(() => layoutOf(elfFile({ '.debug_info': info, '.debug_abbrev': abbrev.subarray(0, cut) }), 'struct sample'));
    }
  });

  it('the index cache: reused while the file is the same, rebuilt when it changes or is corrupt', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-dwarf-cache-'));
    try {
      const file = path.join(dir, 'prog');
      const cacheDir = path.join(dir, 'cache');
      fs.writeFileSync(file, elfWithDwarf(sample()));
      const open = async (names?: string[]) => {
        const t = await DebugTypes.open(file, { cacheDir });
        try {
          await t.saved;
          names?.push(...(await t.types()).map((type) => type.name));
        } finally {
          t.close();
        }
        return t;
      };
      const fresh: string[] = [];
      assert.strictEqual((await open(fresh)).fromCache, false);
      const cachedNames: string[] = [];
      const second = await open(cachedNames);
      assert.strictEqual(second.fromCache, true);
      assert.deepStrictEqual(cachedNames, ['enum big', 'struct sample']); // named types only: base types are not offered
      assert.deepStrictEqual(cachedNames, fresh);
      const [cached] = fs.readdirSync(cacheDir);
      fs.writeFileSync(path.join(cacheDir, cached), '{"version":1,"names":[["x",');
      assert.strictEqual((await open()).fromCache, false, 'a corrupt cache is rebuilt');
      assert.strictEqual((await open()).fromCache, true);
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later);
      assert.strictEqual((await open()).fromCache, false, 'a changed file is indexed again');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a unit whose abbreviation table runs past the first piece read from the cache: read further, the same layout', async () => {
    const { dwarfUnit } = await import('../../../support/dwarfBuilder');
    const { info, abbrev } = dwarfUnit(sample());
    // 3,000 declarations no DIE uses (codes 1000 on, 8 bytes each) before the table's closing 0:
    // 24 KiB, past the 16 KiB a lazy reader reads first.
    const unused: number[] = [];
    for (let code = 1000; code < 4000; code++) unused.push(0x80 | (code & 0x7f), code >> 7, TAG.base_type, 0, AT.name, FORM.string, 0, 0);
    const long = Buffer.concat([abbrev.subarray(0, abbrev.length - 1), Uint8Array.from(unused), Uint8Array.of(0)]);
    assert.ok(long.length > 16 << 10);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-dwarf-abbrev-'));
    try {
      const file = path.join(dir, 'prog');
      fs.writeFileSync(file, elfFile({ '.debug_info': info, '.debug_abbrev': long }));
      const cacheDir = path.join(dir, 'cache');
      const layouts: string[] = [];
      for (let round = 0; round < 2; round++) {
        const types = await DebugTypes.open(file, { cacheDir });
        try {
          assert.strictEqual(types.fromCache, round === 1);
          layouts.push(JSON.stringify(await types.layout('struct sample')));
          await types.saved;
        } finally {
          types.close();
        }
      }
      assert.strictEqual(layouts[1], layouts[0]);
      assert.match(layouts[0], /"name":"bits"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // The same table read lazily into a buffer whose unread bytes are not zeros (an allocator's
    // leftovers): the scan stops at what was read, and reads more, never decoding the leftovers.
    const loaded = Buffer.alloc(long.length, 0xff);
    const reads: number[] = [];
    const sections: DwarfSections & { loader: SectionLoader } = {
      info,
      abbrev: loaded,
      loader: {
        ensure: (section, start, end) => {
          if (section !== 'abbrev') return;
          reads.push(end);
          long.copy(loaded, start, start, Math.min(end, long.length));
        },
        ensureString: () => undefined,
        text: () => undefined,
        windowStart: () => 0,
        size: (section) => (section === 'abbrev' ? long.length : section === 'info' ? info.length : 0),
      },
    };
    const lazy = new DwarfInfo(sections, true);
    lazy.readUnitHeaders();
    const top = lazy.readDie(lazy.units[0].firstDie);
    assert.ok(top, 'the unit DIE read through an abbreviation declared before the leftovers');
    assert.ok(reads.length >= 2 && reads[0] < long.length && reads.at(-1)! >= long.length, `read further: ${reads.join(', ')}`);
  });

  it('stops when its AbortSignal fires, and tells its progress', async () => {
    const controller = new AbortController();
    controller.abort();
    const bytes = elfWithDwarf(sample());
    await assert.rejects(DebugTypes.read(ElfFile.fromBytes(bytes), { signal: controller.signal }), /cancelled/);
    const seen: number[] = [];
    (await DebugTypes.read(ElfFile.fromBytes(bytes), { progress: (f) => seen.push(f) })).close();
    assert.strictEqual(seen.at(-1), 1);
  });

  it(`fuzz: random byte flips and truncations of a unit give layouts or clear errors (${Number(process.env.IPCINSP_DWARF_FUZZ ?? 300)} cases)`, async function () {
    const cases = Number(process.env.IPCINSP_DWARF_FUZZ ?? 300);
    this.timeout(Math.max(10_000, cases * 50));
    const clean = elfWithDwarf(sample());
    const random = seededRandom(0xd3a4f);
    for (let i = 0; i < cases; i++) {
      const bytes = Buffer.from(clean);
      const flips = 1 + Math.floor(random() * 8);
      for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      await readerError(async () => {
        const types = await DebugTypes.read(ElfFile.fromBytes(bytes.subarray(0, cut)));
        try {
          for (const t of await types.types()) await types.layout(t.name);
        } finally {
          types.close();
        }
      });
    }
  });
});
