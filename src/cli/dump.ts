// `ipc-inspector dump OBJECT`: an object's bytes as `xxd` prints them (same lines, so the two can be
// diffed), or with --type NAME the fields of a type laid out by the same engines as View as C Type
// (src/ctypes): declared in a C file (--header FILE: the system compiler's layout) or described by a
// program's debug information (--from FILE: its DWARF, C, C++ or Rust, walking only the units that
// name the type), and decoded as the fields panel decodes them (src/shared/cValues.ts).
// Pages without data are never read on our initiative (reading a never-touched page of a System V
// segment allocates it): where they are known to be zeros (holes, pages never touched and not in
// swap) zeros are printed, as xxd would print them.
import * as fs from 'fs';
import * as path from 'path';
import { readResident, type ByteSource } from '../ipc/byteSource';
import { findAgain, kindOf, objectLabel, subjectOf, type Kind } from '../ipc/kinds';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import { elementCount, hasChildren, type CField, type CLayout } from '../shared/cLayout';
import { valueOf } from '../shared/cValues';
import { isCompileError, isCompilerMissing } from '../ctypes/errors';
import { parserFilesIn } from '../ctypes/parserFiles';
import * as l10n from '../shared/l10n';
import { CliFailure, exitStatusOf, failureWords, UsageError } from './exit';
import { findObject } from './lookup';
import type { CliSession } from './session';
import type { Output } from './terminal';

export interface DumpArgs {
  object: string;
  kind?: Kind[];
  offset?: number;
  length?: number;
  type?: string;
  header?: string;
  /** A program, library or debug file whose DWARF describes --type. */
  from?: string;
  json?: boolean;
  /** The C compiler for --type (default cc). */
  compiler?: string;
}

/** Bytes read per helper round of a dump: output streams, memory stays bounded. */
const CHUNK = 1 << 20;
/** Bytes read for --type without --length: the type, or more for a flexible array member. */
const TYPE_WINDOW = 64 * 1024;
/** Elements of one array printed before "… N more". */
const MAX_ELEMENTS = 256;

/** One line of `xxd`: offset, 8 groups of 2 bytes, the printable characters. */
export function xxdLine(offset: number, bytes: Uint8Array): string {
  let hex = '';
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    hex += bytes[i].toString(16).padStart(2, '0');
    if (i % 2 === 1 && i !== 15) hex += ' ';
    text += bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : '.';
  }
  return `${offset.toString(16).padStart(8, '0')}: ${hex.padEnd(39)}  ${text}`;
}

/** The range asked for, checked against the object's size now. */
export function rangeOf(size: number, offset = 0, length?: number): { offset: number; length: number } {
  const shown = (n: number) => (Number.isNaN(n) ? l10n.t('not a number') : n);
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new UsageError(l10n.t('--offset must be a whole number of bytes, 0 or more (got {0}).', shown(offset)));
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new UsageError(l10n.t('--length must be a whole number of bytes, 0 or more (got {0}).', shown(length)));
  }
  if (offset > size) throw new UsageError(l10n.t('--offset {0} lies past the end of the object ({1} bytes).', offset, size));
  const rest = size - offset;
  if (length !== undefined && length > rest) {
    throw new UsageError(l10n.t('--offset {0} --length {1} reaches past the end of the object ({2} bytes).', offset, length, size));
  }
  return { offset, length: length ?? rest };
}

async function openSource(session: CliSession, snapshot: Snapshot, object: IpcObject): Promise<ByteSource> {
  const kind = kindOf(object);
  if (!kind.hasContents(object)) {
    throw new UsageError(l10n.t('{0} has no bytes to dump: `ipc-inspector show` says what it holds.', objectLabel(object)));
  }
  return kind.openContents(session.helper(), object, () => findAgain(snapshot, object));
}

/** Reads [offset, offset + length) in pieces, calling `each` with every piece in order. */
async function readRange(source: ByteSource, pageSize: number, offset: number, length: number, each: (at: number, bytes: Buffer) => void): Promise<void> {
  const gapsAreZeros = source.gapsAreZeros();
  for (let at = offset; at < offset + length; at += CHUNK) {
    const size = Math.min(CHUNK, offset + length - at);
    const read = await readResident(source, pageSize, at, size, !gapsAreZeros);
    each(at, read.bytes);
  }
}

export async function dump(session: CliSession, out: Output, args: DumpArgs): Promise<number> {
  if (args.header !== undefined && args.from !== undefined) {
    throw new UsageError(l10n.t('--header and --from are two places to take --type from: give one of them.'));
  }
  if ((args.type === undefined) !== (args.header === undefined && args.from === undefined)) {
    throw new UsageError(
      l10n.t('--type goes with --header or --from: the type NAME declared in a C FILE, or described by the debug information of a program FILE.'),
    );
  }
  const snapshot = await session.snapshot();
  const object = findObject(snapshot, args.object, args.kind);
  try {
    return await dumpObject(session, out, args, snapshot, object);
  } catch (error) {
    if (error instanceof UsageError || error instanceof CliFailure) throw error;
    // Said of the object found, whose it is and who may read it (as the editor says it).
    throw new CliFailure(failureWords(error, l10n.t('Could not dump {0}', objectLabel(object)), subjectOf(object)), exitStatusOf(error));
  }
}

async function dumpObject(session: CliSession, out: Output, args: DumpArgs, snapshot: Snapshot, object: IpcObject): Promise<number> {
  const source = await openSource(session, snapshot, object);
  const header = await source.describe();
  if (args.type !== undefined) return dumpType(out, args, source, header.size, snapshot.limits.pageSize);
  const range = rangeOf(header.size, args.offset, args.length);
  if (args.json) {
    const parts: string[] = [];
    await readRange(source, snapshot.limits.pageSize, range.offset, range.length, (_at, bytes) => parts.push(bytes.toString('hex')));
    out.line(JSON.stringify({ object: kindOf(object).exported(object), offset: range.offset, length: range.length, hex: parts.join('') }, null, 2));
    return 0;
  }
  await readRange(source, snapshot.limits.pageSize, range.offset, range.length, (at, bytes) => {
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i += 16) lines.push(xxdLine(at + i, bytes.subarray(i, i + 16)));
    out.out.write(`${lines.join('\n')}\n`);
  });
  return 0;
}

type Engine = typeof import('./ctypesEngine');

/** The C type engine, required on first use (in the bundle, its own file dist/cli-ctypes.js: esbuild.js LAZY). */
function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./ctypesEngine') as Engine;
}

/** Where the C parser's WebAssembly is: beside the bundle (dist/), or dist/ of the checkout. */
function parserDir(): string {
  const beside = path.join(__dirname, 'tree-sitter.wasm');
  return fs.existsSync(beside) ? __dirname : path.resolve(__dirname, '..', '..', '..', 'dist');
}

async function layoutOf(args: DumpArgs): Promise<CLayout> {
  return args.from !== undefined ? layoutFromDebugInfo(args.type!, args.from) : layoutFromHeader(args);
}

/** --type NAME --from FILE: from the file's debug information, or its separate debug file (found as gdb finds it). */
async function layoutFromDebugInfo(type: string, from: string): Promise<CLayout> {
  const file = path.resolve(from);
  if (!fs.existsSync(file)) throw new UsageError(l10n.t('--from {0}: no such file.', from));
  const engine = loadEngine();
  try {
    const source = await engine.findDebugFile(file);
    return await engine.DebugTypes.layoutByName(source.debugFile, type);
  } catch (error) {
    if (!engine.isDebugInfoError(error)) throw error;
    throw new UsageError(l10n.t('--type {0} cannot be laid out from {1}: {2}', type, from, error.message));
  }
}

async function layoutFromHeader(args: DumpArgs): Promise<CLayout> {
  const file = path.resolve(args.header!);
  if (!fs.existsSync(file)) throw new UsageError(l10n.t('--header {0}: no such file.', args.header));
  const engine = loadEngine();
  const cache = new engine.LayoutCache(parserFilesIn(parserDir()));
  try {
    return await cache.layout({ file, typeName: args.type!, setup: { compiler: args.compiler ?? 'cc', flags: [], cwd: path.dirname(file) } });
  } catch (error) {
    if (isCompilerMissing(error)) {
      throw new UsageError(
        l10n.t(
          'The C compiler "{0}" was not found. Install one (on Debian or Ubuntu: sudo apt install gcc) or give its path with --compiler.',
          args.compiler ?? 'cc',
        ),
      );
    }
    const words = isCompileError(error)
      ? error.messages.map((m) => `${m.file}:${m.line}:${m.column}: ${m.message}`).join('\n') || error.message
      : (error as Error).message;
    throw new UsageError(l10n.t('--type {0} cannot be laid out from {1}: {2}', args.type, args.header, words));
  }
}

interface FieldValue {
  name: string;
  type: string;
  offset: number;
  size: number;
  value: string;
  fields?: FieldValue[];
  more?: number;
}

function fieldValues(layout: CLayout, field: CField, shift: number, byteAt: (o: number) => number, end: number, base: number): FieldValue {
  const value = valueOf(layout, field, shift, byteAt, end);
  const entry: FieldValue = { name: field.name, type: field.type, offset: base + shift + field.offset, size: field.size, value: value.text };
  if (!hasChildren(field)) return entry;
  if (field.kind === 'array' && field.element) {
    if (field.element.char && field.element.size === 1) return entry;
    const count = elementCount(field, shift, end);
    const shown = Math.min(count, MAX_ELEMENTS);
    entry.fields = [];
    for (let i = 0; i < shown; i++) {
      entry.fields.push({ ...fieldValues(layout, field.element, shift + i * field.element.size, byteAt, end, base), name: `[${i}]` });
    }
    if (count > shown) entry.more = count - shown;
    return entry;
  }
  entry.fields = (field.members ?? []).map((member) => fieldValues(layout, member, shift, byteAt, end, base));
  return entry;
}

function fieldLines(entry: FieldValue, depth: number): string[] {
  const own = `${entry.offset.toString(16).padStart(8, '0')}  ${'  '.repeat(depth)}${entry.name}  ${entry.type}${entry.fields ? '' : ` = ${entry.value}`}`;
  const more = entry.more ? [`${' '.repeat(10)}${'  '.repeat(depth + 1)}${l10n.t('… {0} more', entry.more)}`] : [];
  return [own, ...(entry.fields ?? []).flatMap((f) => fieldLines(f, depth + 1)), ...more];
}

async function dumpType(out: Output, args: DumpArgs, source: ByteSource, size: number, pageSize: number): Promise<number> {
  const layout = await layoutOf(args);
  const offset = rangeOf(size, args.offset).offset;
  // The type's bytes and what follows, up to TYPE_WINDOW (a flexible array member runs on into it).
  const range = rangeOf(size, offset, args.length ?? Math.min(size - offset, Math.max(layout.size, TYPE_WINDOW)));
  if (range.length < layout.size) {
    throw new UsageError(l10n.t('{0} takes {1} bytes, but only {2} are left of the object after offset {3}.', layout.name, layout.size, range.length, offset));
  }
  const bytes = Buffer.alloc(range.length);
  await readRange(source, pageSize, range.offset, range.length, (at, piece) => piece.copy(bytes, at - range.offset));
  const root = fieldValues(layout, { ...layout.root, name: layout.name }, 0, (o) => (o >= 0 && o < bytes.length ? bytes[o] : -1), bytes.length, range.offset);
  if (args.json) {
    out.line(JSON.stringify({ type: layout.name, file: layout.file, line: layout.line, size: layout.size, offset: range.offset, value: root }, null, 2));
    return 0;
  }
  for (const line of fieldLines(root, 0)) out.say(line);
  return 0;
}
