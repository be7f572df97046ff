// Layouts of C types, computed once and kept: a layout is looked up by the type, the file, the
// compiler and its flags, and is still valid while every file the preprocessor read has the same
// content (hashed: a timestamp can lie after a checkout).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { CLayout } from '../shared/cLayout';
import { parseC, ParserFiles } from './cParser';
import { compileProbe, CompilerMissing, CompilerSetup, preprocess } from './compiler';
import { TranslationUnit, TypeEntry } from './declarations';
import { readObjectSymbols } from './objectFile';
import { buildProbe, Probe, ProbeOptions } from './probe';
import { needsBitSearch, PROBE_SYMBOL, ProbeObject, readProbe } from './probeRead';

export interface LayoutRequest {
  file: string;
  typeName: string;
  setup: CompilerSetup;
}

interface Cached {
  layout: CLayout;
  inputs: Array<{ file: string; hash: string }>;
}

const MAX_CACHED = 64;
/** A file bigger than this is not parsed as it is (the short way): its preprocessed copy is read instead. */
const MAX_STANDALONE_BYTES = 1 << 20;
/** Line-marker names that are not files. */
const NOT_A_FILE = /^<.*>$/;

function hashFile(file: string): string | undefined {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The files the preprocessor read, from its line markers. */
function inputsOf(preprocessed: string): string[] {
  const files = new Set<string>();
  for (const match of preprocessed.matchAll(/^# \d+ "((?:[^"\\]|\\.)*)"/gm)) {
    const file = match[1].replace(/\\(.)/g, '$1');
    if (!NOT_A_FILE.test(file)) files.add(file);
  }
  return [...files];
}

/** The named types of a file as it is (not preprocessed): what the pick list offers. */
export async function typesInFile(file: string, text: string, parser: ParserFiles): Promise<TypeEntry[]> {
  const unit = await TranslationUnit.read(text, file, (t) => parseC(t, parser));
  unit.dispose(); // the entries are plain data
  return unit.types();
}

export class LayoutCache {
  private readonly cached = new Map<string, Cached>();
  /** How many layouts were computed (not served from the cache): the tests and the bench read it. */
  computed = 0;

  /** `shortWay` false: always preprocess first (the tests compare both ways). */
  constructor(
    private readonly parser: ParserFiles,
    private readonly shortWay = true,
  ) {}

  /** Why the last layout computed took the long way (for the tests and the bench); undefined if it did not. */
  lastLongWayReason: string | undefined;

  async layout(request: LayoutRequest): Promise<CLayout> {
    const key = JSON.stringify([request.file, request.typeName, request.setup.compiler, request.setup.flags, request.setup.cwd]);
    const hit = this.cached.get(key);
    if (hit && hit.inputs.every((input) => hashFile(input.file) === input.hash)) {
      this.cached.delete(key);
      this.cached.set(key, hit); // most recently used last
      return hit.layout;
    }
    const computed = (await this.fromFileAsItIs(request)) ?? (await this.fromPreprocessed(request));
    this.computed++;
    const inputs = computed.inputs.map((file) => ({ file, hash: hashFile(file) ?? '' }));
    this.cached.set(key, { layout: computed.layout, inputs });
    if (this.cached.size > MAX_CACHED) this.cached.delete(this.cached.keys().next().value!);
    return computed.layout;
  }

  clear(): void {
    this.cached.clear();
  }

  /**
   * The short way, one compiler run: the file is parsed as it is, and the probe includes it, so the
   * compiler preprocesses it while compiling. Taken only when the file alone says everything about
   * the type's members (see whyNotStandalone); undefined whenever anything is unsure, and the long
   * way then gives the answer, or the error in the preprocessed file's terms.
   */
  private async fromFileAsItIs(request: LayoutRequest): Promise<{ layout: CLayout; inputs: string[] } | undefined> {
    this.lastLongWayReason = undefined;
    if (!this.shortWay) return undefined;
    const refuse = (reason: string) => {
      this.lastLongWayReason = reason;
      return undefined;
    };
    let text: string;
    try {
      if (fs.statSync(request.file).size > MAX_STANDALONE_BYTES) return refuse('the file is large');
      text = fs.readFileSync(request.file, 'utf8');
    } catch {
      return refuse('the file cannot be read'); // the long way says why, in the compiler's words
    }
    if (!path.isAbsolute(request.file) || /["\n\\]/.test(request.file)) return refuse('its path cannot be #included');
    const unit = await TranslationUnit.read(text, request.file, (t) => parseC(t, this.parser));
    let probe: Probe;
    try {
      const reason = unit.has(request.typeName) ? unit.whyNotStandalone(request.typeName) : 'the type is not declared in the file itself';
      if (reason) return refuse(reason);
      // A header it includes may set a byte order that reaches this file's records.
      const storageOrder = /^\s*#\s*include\s*"/m.test(text);
      probe = buildProbe(unit, request.typeName, { ...probeOptions(request.setup.flags, text, false, storageOrder), include: request.file });
    } catch (error) {
      return refuse(error instanceof Error ? error.message : String(error));
    } finally {
      unit.dispose();
    }
    const entry = unit.types().find((t) => t.name === request.typeName);
    try {
      const compiled = await compileProbe(probe.source, request.setup, true);
      try {
        const object = probeObject(compiled.object);
        if (needsBitSearch(probe, object)) return refuse('a bit-field is in a record too big to lay out without running the probe');
        return { layout: readProbe(probe, object, entry ?? { file: request.file, line: 1 }), inputs: compiled.inputs };
      } finally {
        await compiled.dispose();
      }
    } catch (error) {
      if (error instanceof CompilerMissing) throw error;
      return refuse(error instanceof Error ? error.message : String(error));
    }
  }

  /** The long way: the compiler preprocesses the file, the parser reads all of it, the probe carries the type's declarations. */
  private async fromPreprocessed(request: LayoutRequest): Promise<{ layout: CLayout; inputs: string[] }> {
    const preprocessed = await preprocess(request.file, request.setup);
    const unit = await TranslationUnit.read(preprocessed, request.file, (text) => parseC(text, this.parser));
    let probe: Probe;
    try {
      probe = buildProbe(unit, request.typeName, probeOptions(request.setup.flags, preprocessed, true));
    } finally {
      unit.dispose(); // the probe keeps only text and plain data
    }
    const entry = unit.types().find((t) => t.name === request.typeName);
    const compiled = await compileProbe(probe.source, request.setup, false);
    try {
      const object = probeObject(compiled.object);
      const searched = needsBitSearch(probe, object) ? await compiled.run() : '';
      return { layout: readProbe(probe, object, entry ?? { file: request.file, line: 1 }, searched), inputs: inputsOf(preprocessed) };
    } finally {
      await compiled.dispose();
    }
  }
}

/**
 * What the probe must look for, from the flags and the text the declarations come from: byte
 * orders of their own only where something can set one (the attribute or pragma, -fsso-struct).
 */
function probeOptions(flags: readonly string[], text: string, runnable: boolean, storageOrder = false): ProbeOptions {
  return {
    runnable,
    unsignedBitfields: unsignedBitfields(flags),
    msExtensions: msExtensions(flags),
    storageOrder: storageOrder || /\bscalar_storage_order\b/.test(text) || flags.some((flag) => /^-fsso-struct=(big|little)-endian$/.test(flag)),
  };
}

/** gcc's -fms-extensions (or -fplan9-extensions, which implies it) in effect: the last word wins. */
export function msExtensions(flags: readonly string[]): boolean {
  let on = false;
  for (const flag of flags) {
    if (flag === '-fms-extensions' || flag === '-fplan9-extensions') on = true;
    if (flag === '-fno-ms-extensions') on = false;
  }
  return on;
}

/** gcc's -funsigned-bitfields in effect (the last of the four spellings wins). */
export function unsignedBitfields(flags: readonly string[]): boolean {
  let unsigned = false;
  for (const flag of flags) {
    if (flag === '-funsigned-bitfields' || flag === '-fno-signed-bitfields') unsigned = true;
    if (flag === '-fsigned-bitfields' || flag === '-fno-unsigned-bitfields') unsigned = false;
  }
  return unsigned;
}

function probeObject(bytes: Uint8Array): ProbeObject {
  return readObjectSymbols(bytes, (name) => PROBE_SYMBOL.test(name));
}
