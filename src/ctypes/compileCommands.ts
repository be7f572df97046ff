// The flags a project compiles a file with, from its compile_commands.json (CMake, Meson, Bear), the
// way clangd finds them: the file's own entry, else the entry of the nearest file (a header has none).
import * as fs from 'fs';
import * as path from 'path';

export interface FileFlags {
  flags: string[];
  cwd: string;
  /** The compile_commands.json they came from. */
  from: string;
}

const WRAPPERS = new Set(['ccache', 'sccache', 'distcc', 'icecc', 'buildcache']);

interface Entry {
  directory: string;
  file: string;
  arguments?: string[];
  command?: string;
}

/** Splits a command line as a POSIX shell would (quotes and backslashes; no expansions). */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1])) word += command[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function commonPrefixLength(a: string, b: string): number {
  const pa = a.split(path.sep);
  const pb = b.split(path.sep);
  let n = 0;
  while (n < pa.length && n < pb.length && pa[n] === pb[n]) n++;
  return n;
}

/** Flags of `file` from `database` (a compile_commands.json path), or undefined when it has none that fit. */
export function flagsFromDatabase(database: string, file: string): FileFlags | undefined {
  let entries: Entry[];
  try {
    entries = JSON.parse(fs.readFileSync(database, 'utf8')) as Entry[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  const target = path.resolve(file);
  let best: { entry: Entry; score: number } | undefined;
  for (const entry of entries) {
    if (typeof entry?.directory !== 'string' || typeof entry.file !== 'string') continue;
    const entryFile = path.resolve(entry.directory, entry.file);
    const score = entryFile === target ? Number.MAX_SAFE_INTEGER : commonPrefixLength(entryFile, target);
    if (!best || score > best.score) best = { entry, score };
  }
  if (!best) return undefined;
  const words = Array.isArray(best.entry.arguments) ? best.entry.arguments.map(String) : splitCommand(best.entry.command ?? '');
  // Meson and others put a compiler cache in front (`ccache cc ...`): the compiler comes after it.
  let first = 0;
  while (first < words.length - 1 && WRAPPERS.has(path.basename(words[first]))) first++;
  return { flags: words.slice(first + 1), cwd: best.entry.directory, from: database };
}

/**
 * The compile_commands.json of a file of the workspace: beside it or in a build/ folder, going up
 * to its workspace folder and no further. A file outside every workspace folder has none: a
 * database found by walking up through /tmp could be anyone's, and its flags are run.
 */
export function findDatabase(file: string, roots: readonly string[]): string | undefined {
  const resolved = path.resolve(file);
  const root = roots.map((r) => path.resolve(r)).find((r) => resolved === r || resolved.startsWith(r + path.sep));
  if (!root) return undefined;
  for (let dir = path.dirname(resolved); ; dir = path.dirname(dir)) {
    for (const candidate of [path.join(dir, 'compile_commands.json'), path.join(dir, 'build', 'compile_commands.json')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    if (dir === root || path.dirname(dir) === dir) break;
  }
  return undefined;
}
