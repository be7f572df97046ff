// The file names of a unit's line table header (.debug_line, versions 2 to 5): what a type's
// DW_AT_decl_file number means. Only the header is read, never the line program.
import * as path from 'path';
import { Cursor } from './bytes';
import { DW_FORM } from './constants';
import { DwarfInfo, Unit } from './info';

const DW_LNCT_path = 1;
const DW_LNCT_directory_index = 2;
/** A header listing more entries than this is damage. */
const MAX_ENTRIES = 1_000_000;

/** The unit's file names, indexed as DW_AT_decl_file counts them (from 1 before DWARF 5, from 0 in it). */
export function fileNames(info: DwarfInfo, unit: Unit): string[] {
  const top = info.top(unit);
  if (top.stmtList === undefined || !info.sections.line) return [];
  const loader = info.sections.loader;
  loader?.ensure('line', top.stmtList, top.stmtList + 12);
  const line = info.sections.line; // (read lazily: there once ensured)
  const c = new Cursor(line, info.littleEndian, '.debug_line', top.stmtList);
  let offsetSize = 4;
  let length = c.u32();
  if (length === 0xffffffff) {
    length = c.u64();
    offsetSize = 8;
  }
  loader?.ensure('line', c.at, c.at + 16);
  const version = c.u16();
  if (version >= 5) c.skip(2); // address size, segment selector size
  const headerLength = c.offset(offsetSize);
  // The header only: the line program after it is never read.
  loader?.ensure('line', c.at, c.at + Math.min(headerLength, line.length));
  c.skip(version >= 4 ? 5 : 4); // min instruction length, [max ops], default_is_stmt, line_base, line_range
  const opcodeBase = c.u8();
  c.skip(Math.max(0, opcodeBase - 1));
  const compDir = top.compDir ?? '';
  if (version >= 5) {
    const dirs = entries(info, c, unit, offsetSize).map((e) => e.path);
    const files = entries(info, c, unit, offsetSize);
    return files.map((f) => join(compDir, dirs[f.dir] ?? '', f.path));
  }
  const dirs = [compDir];
  for (let s = c.cString(); s !== ''; s = c.cString()) {
    if (dirs.length > MAX_ENTRIES) break;
    dirs.push(s);
  }
  const files = [''];
  for (let s = c.cString(); s !== ''; s = c.cString()) {
    const dir = c.uleb();
    c.skipLeb();
    c.skipLeb();
    files.push(join(compDir, dirs[dir] ?? '', s));
    if (files.length > MAX_ENTRIES) break;
  }
  return files;
}

function join(compDir: string, dir: string, file: string): string {
  if (path.posix.isAbsolute(file)) return file;
  return path.posix.join(path.posix.isAbsolute(dir) ? dir : path.posix.join(compDir, dir), file);
}

/** A DWARF 5 entry list: its format (content type, form pairs), then the entries. */
function entries(info: DwarfInfo, c: Cursor, unit: Unit, offsetSize: number): Array<{ path: string; dir: number }> {
  const formatCount = c.u8();
  const format: Array<[number, number]> = [];
  for (let i = 0; i < formatCount; i++) format.push([c.uleb(), c.uleb()]);
  const count = c.uleb();
  if (count > MAX_ENTRIES) return [];
  const shape = { addressSize: unit.addressSize, offsetSize, version: 5 };
  const out: Array<{ path: string; dir: number }> = [];
  for (let i = 0; i < count; i++) {
    let name = '';
    let dir = 0;
    for (const [type, form] of format) {
      if (type === DW_LNCT_path) {
        if (form === DW_FORM.line_strp) name = sectionString(info, 'lineStr', c.offset(offsetSize));
        else if (form === DW_FORM.strp) name = sectionString(info, 'str', c.offset(offsetSize));
        else if (form === DW_FORM.string) name = c.cString();
        else info.skipForm(c, form, { ...unit, ...shape });
      } else if (type === DW_LNCT_directory_index && (form === DW_FORM.udata || form === DW_FORM.data1 || form === DW_FORM.data2)) {
        dir = form === DW_FORM.udata ? c.uleb() : form === DW_FORM.data1 ? c.u8() : c.u16();
      } else {
        info.skipForm(c, form, { ...unit, ...shape });
      }
    }
    out.push({ path: name, dir });
  }
  return out;
}

function sectionString(info: DwarfInfo, section: 'str' | 'lineStr', offset: number): string {
  return info.text(section, offset);
}
