// A corpus of real C headers for the layout tests: every struct and union a header declares (as tags,
// or as typedefs of untagged ones), laid out the short way and the long way as View as C Type lays
// them out, each compared member by member with gdb's reading of gcc's DWARF (cOracle.ts). Also
// checks the pick list: every such type the preprocessed header declares must be offered from the
// header as it is.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { parseC } from '../../src/ctypes/cParser';
import { TranslationUnit } from '../../src/ctypes/declarations';
import { LayoutCache, typesInFile } from '../../src/ctypes/layouts';
import { differences, flatten, gdbLayouts, type Flat } from './cOracle';
import { testParser } from './parserFiles';

export type Way = 'short' | 'long';

export interface CorpusOptions {
  flags?: string[];
  ways?: Way[];
  /** Layouts computed at once (each is one or two compiler runs). */
  concurrency?: number;
}

export interface CorpusProblem {
  header: string;
  type: string;
  way?: Way;
  problem: string;
}

export interface CorpusReport {
  headers: number;
  /** Headers that do not compile alone (they need another included first): not counted. */
  skipped: Array<{ header: string; reason: string }>;
  types: number;
  layouts: number;
  /** Layouts refused or different from gdb's. */
  failures: CorpusProblem[];
  /** Types the preprocessed header declares that the pick list (the header read as it is) does not offer. */
  pickListMisses: CorpusProblem[];
  /** Per type: whether some layout took the short way (one compiler run on the header itself). */
  shortWayTaken: number;
}

interface HeaderTypes {
  header: string;
  names: string[];
  oracle: Record<string, Flat>;
}

/** The struct and union types `header` itself declares, as its preprocessed text has them (#if branches decided). */
async function declaredTypes(header: string, flags: string[]): Promise<string[]> {
  execFileSync('cc', [...flags, '-fsyntax-only', '-x', 'c', header], { stdio: ['ignore', 'ignore', 'pipe'] });
  const preprocessed = execFileSync('cc', [...flags, '-E', '-x', 'c', header], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const unit = await TranslationUnit.read(preprocessed, header, (text) => parseC(text, testParser));
  try {
    return unit
      .types()
      .filter((entry) => entry.file === header)
      .filter((entry) => {
        if (entry.kind === 'struct' || entry.kind === 'union') return true;
        const type = entry.kind === 'typedef' ? unit.typedef(entry.name) : undefined;
        return (
          type?.kind === 'spec' &&
          /^(struct|union)_specifier$/.test(type.node.type) &&
          type.node.childForFieldName('body') !== null &&
          !type.node.childForFieldName('name')
        );
      })
      .map((entry) => entry.name);
  } finally {
    unit.dispose();
  }
}

/** gdb's layouts of `names`, all at once, or one by one when one of them makes the whole fail. */
function oracleFor(header: string, names: string[], flags: string[]): Record<string, Flat> {
  const source = `#include "${header}"\n`;
  try {
    return gdbLayouts(source, names, flags);
  } catch {
    const each: Record<string, Flat> = {};
    for (const name of names) {
      try {
        Object.assign(each, gdbLayouts(source, [name], flags));
      } catch {
        // gdb has no layout for it: counted as a failure below
      }
    }
    return each;
  }
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Lays out every struct and union of `headers` both ways and compares each with gdb's. */
export async function checkCorpus(headers: string[], options: CorpusOptions = {}): Promise<CorpusReport> {
  const flags = options.flags ?? [];
  const ways = options.ways ?? ['short', 'long'];
  const report: CorpusReport = { headers: 0, skipped: [], types: 0, layouts: 0, failures: [], pickListMisses: [], shortWayTaken: 0 };
  const found: HeaderTypes[] = [];
  for (const header of headers) {
    let names: string[];
    try {
      names = await declaredTypes(header, flags);
    } catch (error) {
      report.skipped.push({ header, reason: String((error as { stderr?: string }).stderr ?? error).split('\n')[0] });
      continue;
    }
    report.headers++;
    const text = fs.readFileSync(header, 'utf8');
    const offered = new Set((await typesInFile(header, text, testParser)).map((entry) => entry.name));
    const outsideDirectives = text.replace(/^[ \t]*#(?:[^\n\\]|\\[\s\S])*/gm, '');
    for (const name of names) {
      // A name made by a macro (asound.h's `#define __snd_pcm_mmap_status snd_pcm_mmap_status`) is
      // not in the header's declarations as they are: nothing to offer it from.
      const written = new RegExp(`\\b${name.replace(/^(struct|union) /, '')}\\b`).test(outsideDirectives);
      if (!offered.has(name) && written) report.pickListMisses.push({ header, type: name, problem: 'not in the pick list' });
    }
    if (names.length > 0) found.push({ header, names, oracle: oracleFor(header, names, flags) });
  }
  const setup = { compiler: 'cc', flags, cwd: os.tmpdir() };
  const tasks = found.flatMap(({ header, names, oracle }) => names.map((type) => ({ header, type, oracle: oracle[type] })));
  report.types = tasks.length;
  await pool(tasks, options.concurrency ?? 2, async ({ header, type, oracle }) => {
    for (const way of ways) {
      report.layouts++;
      if (!oracle) {
        report.failures.push({ header, type, way, problem: 'gdb has no layout for it' });
        continue;
      }
      try {
        // A cache per layout: each is computed once, and lastLongWayReason is its own.
        const cache = new LayoutCache(testParser, way === 'short');
        const layout = await cache.layout({ file: header, typeName: type, setup });
        if (way === 'short' && cache.lastLongWayReason === undefined) report.shortWayTaken++;
        const diff = differences(flatten(layout), oracle);
        if (diff.length > 0) report.failures.push({ header, type, way, problem: diff.slice(0, 5).join('; ') });
      } catch (error) {
        report.failures.push({ header, type, way, problem: `refused: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  });
  return report;
}
