// A real program with a great deal of debug information, made in seconds: a small C program that
// holds a System V segment (compiled with -g), whose .debug_info and .debug_abbrev are then replaced
// (objcopy --update-section) by one generated C++ unit of `records` structs in a namespace, each
// with a member. Reading its types takes long enough to see the progress and press Cancel, where a
// compiled program that big would take minutes to build.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const HOLDER = `#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
int main(int argc, char **argv) {
  int id = shmget((key_t)strtoul(argv[1], 0, 0), 4096, IPC_CREAT | 0600);
  if (id < 0 || shmat(id, 0, 0) == (void *)-1) { perror("shm"); return 1; }
  printf("ready %d\\n", id);
  fflush(stdout);
  char line[16];
  while (fgets(line, sizeof line, stdin)) {}
  return 0;
}
`;

function uleb(value: number, out: number[]): void {
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
}

/** One DWARF 4 unit (C++): an int, then namespace big { struct S0 { int a; }; ... } */
function generatedUnit(records: number): { info: Buffer; abbrev: Buffer } {
  const abbrev: number[] = [];
  const declare = (code: number, tag: number, children: boolean, attrs: Array<[number, number]>) => {
    uleb(code, abbrev);
    uleb(tag, abbrev);
    abbrev.push(children ? 1 : 0);
    for (const [at, form] of attrs) {
      uleb(at, abbrev);
      uleb(form, abbrev);
    }
    abbrev.push(0, 0);
  };
  declare(1, 0x11, true, [[0x13, 0x0b]]); // compile_unit: language data1
  declare(2, 0x24, false, [
    [0x03, 0x08],
    [0x0b, 0x0b],
    [0x3e, 0x0b],
  ]); // base_type: name string, byte_size, encoding
  declare(3, 0x39, true, [[0x03, 0x08]]); // namespace: name
  declare(4, 0x13, true, [
    [0x03, 0x08],
    [0x0b, 0x0b],
  ]); // structure_type: name, byte_size
  declare(5, 0x0d, false, [
    [0x03, 0x08],
    [0x49, 0x13],
    [0x38, 0x0b],
  ]); // member: name, type ref4, data_member_location
  abbrev.push(0);
  const header = 11; // unit_length 4, version 2, abbrev_offset 4, address_size 1
  const parts: Buffer[] = [];
  const head = Buffer.from([1, 0x04, 2, ...Buffer.from('int'), 0, 4, 5, 3, ...Buffer.from('big'), 0]);
  const intOffset = header + 2; // the base type DIE, after the unit's DIE (code + language)
  parts.push(head);
  let size = head.length;
  const chunk: number[] = [];
  for (let k = 0; k < records; k++) {
    chunk.push(4, ...Buffer.from(`S${k}`), 0, 4, 5, 0x61, 0, intOffset & 0xff, (intOffset >> 8) & 0xff, 0, 0, 0, 0);
    if (chunk.length > 1 << 20) {
      parts.push(Buffer.from(chunk));
      size += chunk.length;
      chunk.length = 0;
    }
  }
  chunk.push(0, 0); // the namespace's children end, then the unit's
  parts.push(Buffer.from(chunk));
  size += chunk.length;
  const prefix = Buffer.alloc(header);
  prefix.writeUInt32LE(header - 4 + size, 0);
  prefix.writeUInt16LE(4, 4);
  prefix.writeUInt32LE(0, 6);
  prefix[10] = 8;
  return { info: Buffer.concat([prefix, ...parts]), abbrev: Buffer.from(abbrev) };
}

/** Builds the program in `dir` (run it with a System V key: it prints "ready SHMID"); returns its path. */
export function bigDwarfProgram(dir: string, records = 3_000_000): string {
  const source = path.join(dir, 'bigtypes.c');
  const program = path.join(dir, 'bigtypes');
  fs.writeFileSync(source, HOLDER);
  execFileSync('cc', ['-g', '-o', program, source]);
  const { info, abbrev } = generatedUnit(records);
  fs.writeFileSync(`${program}.info`, info);
  fs.writeFileSync(`${program}.abbrev`, abbrev);
  execFileSync('objcopy', ['--update-section', `.debug_info=${program}.info`, '--update-section', `.debug_abbrev=${program}.abbrev`, program]);
  fs.rmSync(`${program}.info`);
  fs.rmSync(`${program}.abbrev`);
  return program;
}
