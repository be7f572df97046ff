// Layouts of C types, computed once and kept: a layout is looked up by the type, the file, the
// compiler and its flags, and is still valid while every file the preprocessor read has the same
// content (hashed: a timestamp can lie after a checkout).
import * as crypto from 'crypto';
import * as fs from 'fs';
import type { CLayout } from '../shared/cLayout';
import { parseC } from './cParser';
import { compileAndRun, CompilerSetup, preprocess } from './compiler';
import { TranslationUnit, TypeEntry } from './declarations';
import { buildProbe, readProbeOutput } from './probe';

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
export async function typesInFile(file: string, text: string, wasmDir?: string): Promise<TypeEntry[]> {
  const unit = await TranslationUnit.read(text, file, (t) => parseC(t, wasmDir));
  unit.dispose(); // the entries are plain data
  return unit.types();
}

export class LayoutCache {
  private readonly cached = new Map<string, Cached>();
  /** How many layouts were computed (not served from the cache): the tests and the bench read it. */
  computed = 0;

  constructor(private readonly wasmDir?: string) {}

  async layout(request: LayoutRequest): Promise<CLayout> {
    const key = JSON.stringify([request.file, request.typeName, request.setup.compiler, request.setup.flags, request.setup.cwd]);
    const hit = this.cached.get(key);
    if (hit && hit.inputs.every((input) => hashFile(input.file) === input.hash)) {
      this.cached.delete(key);
      this.cached.set(key, hit); // most recently used last
      return hit.layout;
    }
    const preprocessed = await preprocess(request.file, request.setup);
    const inputs = inputsOf(preprocessed).map((file) => ({ file, hash: hashFile(file) ?? '' }));
    const layout = await this.compute(preprocessed, request);
    this.computed++;
    this.cached.set(key, { layout, inputs });
    if (this.cached.size > MAX_CACHED) this.cached.delete(this.cached.keys().next().value!);
    return layout;
  }

  clear(): void {
    this.cached.clear();
  }

  private async compute(preprocessed: string, request: LayoutRequest): Promise<CLayout> {
    const unit = await TranslationUnit.read(preprocessed, request.file, (text) => parseC(text, this.wasmDir));
    let probe;
    try {
      probe = buildProbe(unit, request.typeName);
    } finally {
      unit.dispose(); // the probe keeps only text and plain data
    }
    const output = await compileAndRun(probe.source, request.setup);
    const entry = unit.types().find((t) => t.name === request.typeName);
    return readProbeOutput(probe, output, entry ?? { file: request.file, line: 1 });
  }
}
