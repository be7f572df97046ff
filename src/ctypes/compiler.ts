// Running the user's C compiler: preprocessing a file with the project's flags, compiling the layout
// probe (and, rarely, linking and running it), and reading the compiler's messages into locations a
// diagnostic can point at.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as l10n from '../shared/l10n';

export interface CompilerSetup {
  /** The compiler's command, e.g. `cc`, `gcc`, `/usr/bin/clang`. */
  compiler: string;
  /** The project's flags for this file (-I, -D, -m32, -fpack-struct...), without -c, -o or inputs. */
  flags: string[];
  /** Where the flags are relative to (compile_commands.json's `directory`). */
  cwd: string;
}

import { CompileError, CompilerMissing, type CompilerMessage } from './errors';

export { CompileError, CompilerMissing, type CompilerMessage };

const MAX_OUTPUT = 256 * 1024 * 1024;
const COMPILE_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 30_000;
const DIAGNOSTIC = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning|note): (.*)$/;

/** The compiler's messages about located lines (`file:line:col: error: text`), in order. */
export function parseCompilerMessages(stderr: string): CompilerMessage[] {
  const messages: CompilerMessage[] = [];
  for (const line of stderr.split('\n')) {
    const match = DIAGNOSTIC.exec(line);
    if (!match) continue;
    const severity = match[4] === 'fatal error' ? 'error' : (match[4] as CompilerMessage['severity']);
    messages.push({ file: match[1], line: Number(match[2]), column: Number(match[3] ?? 1), severity, message: match[5] });
  }
  return messages;
}

interface Ran {
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeout: number): Promise<Ran> {
  if (!fs.existsSync(cwd)) {
    return Promise.reject(
      new CompileError(
        l10n.t('the folder the flags are relative to, {0}, does not exist (is compile_commands.json from another machine or a container?)', cwd),
        [],
        '',
      ),
    );
  }
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !fs.existsSync(command) && !stderr) {
        reject(
          new CompilerMissing(
            `The C compiler "${command}" was not found. Install one (on Debian or Ubuntu: sudo apt install gcc) or set "ipcInspector.cTypes.compiler" to its path.`,
          ),
        );
        return;
      }
      if (error.killed) {
        reject(new Error(l10n.t('"{0}" took more than {1} s and was stopped.', command, Math.round(timeout / 1000))));
        return;
      }
      const messages = parseCompilerMessages(stderr);
      const first = messages.find((m) => m.severity === 'error');
      const summary = first ? `${path.basename(first.file)}:${first.line}: ${first.message}` : stderr.trim().split('\n').slice(-3).join(' ') || error.message;
      reject(new CompileError(summary, messages, stderr));
    });
  });
}

const DROP_ALONE = new Set(['-c', '-E', '-S', '-M', '-MM', '-MD', '-MMD', '-MG', '-MP', '--coverage', '-pipe', '-pedantic', '-pedantic-errors']);
const DROP_WITH_VALUE = new Set(['-o', '-MF', '-MT', '-MQ']);
/** Preprocessing only: the probe is already preprocessed, and a forced include could clash with it. */
const PREPROCESSOR_WITH_VALUE = new Set(['-include', '-imacros', '-I', '-isystem', '-iquote', '-idirafter', '-D', '-U']);
const SOURCE = /\.(c|cc|cpp|cxx|h|hpp|i|s|S|o)$/;

/**
 * A project's compile flags reduced to those that may change a preprocessing (`forProbe` false) or
 * a layout (`forProbe` true: -m32, -fpack-struct, -fshort-enums, -std... but no -I, -D or -include).
 */
export function layoutFlags(flags: readonly string[], forProbe = false): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (DROP_WITH_VALUE.has(flag) || (forProbe && PREPROCESSOR_WITH_VALUE.has(flag))) {
      i++;
      continue;
    }
    if (PREPROCESSOR_WITH_VALUE.has(flag)) {
      kept.push(flag, ...flags.slice(i + 1, i + 2)); // its value may look like a source (-include cfg.h)
      i++;
      continue;
    }
    if (forProbe && /^-(I|D|U|isystem|iquote|idirafter)./.test(flag)) continue;
    if (DROP_ALONE.has(flag) || /^-W/.test(flag) || /^-f(sanitize|profile|coverage)/.test(flag) || /^-o./.test(flag)) continue;
    if (!flag.startsWith('-') && SOURCE.test(flag)) continue;
    kept.push(flag);
  }
  return kept;
}

/** `cc -E` of the file: the text the parser reads, with line markers into the user's files. */
/** Messages in plain text, whatever the project asked for (Meson asks for colours): they are parsed. */
const PLAIN_MESSAGES = '-fdiagnostics-color=never';

export async function preprocess(file: string, setup: CompilerSetup): Promise<string> {
  const args = [...layoutFlags(setup.flags), PLAIN_MESSAGES, '-E', '-x', 'c', file];
  return (await run(setup.compiler, args, setup.cwd, COMPILE_TIMEOUT_MS)).stdout;
}

/** The files a make-style dependency list (`cc -MD`) names, after the target; `\\ `, `$$` and line continuations undone. */
export function parseDependencies(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const colon = joined.search(/:(\s|$)/);
  const files: string[] = [];
  let current = '';
  for (let i = colon + 1; i < joined.length; i++) {
    const c = joined[i];
    if (c === '\\' && (joined[i + 1] === ' ' || joined[i + 1] === '#')) current += joined[++i];
    else if (c === '$' && joined[i + 1] === '$') current += joined[++i];
    else if (/\s/.test(c)) {
      if (current) files.push(current);
      current = '';
      if (c === '\n') break; // the next rule: -MP's phony targets
    } else current += c;
  }
  if (current) files.push(current);
  return files;
}

export interface CompiledProbe {
  /** The object file the compiler wrote. */
  object: Uint8Array;
  /** The files the compiler read, when it read the user's file itself (from its dependency list). */
  inputs: string[];
  /** Links the object and runs it: what it printed. */
  run(): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * Compiles the probe (`cc -c`, no link) with the project's flags: those of layouts only when the
 * probe carries a preprocessed copy of the declarations, the preprocessor's too when it includes the
 * user's file (`includesUserFile`). Optimisation, debug information and link-time optimisation are
 * turned off: none changes a layout, and each would cost time or leave no data to read.
 */
export async function compileProbe(source: string, setup: CompilerSetup, includesUserFile: boolean): Promise<CompiledProbe> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'ipcinsp-probe-'));
  const dispose = () => fs.promises.rm(dir, { recursive: true, force: true });
  try {
    const input = path.join(dir, 'probe.c');
    const objectFile = path.join(dir, 'probe.o');
    const dependencies = path.join(dir, 'probe.d');
    await fs.promises.writeFile(input, source);
    // gnu11 unless the project says otherwise (the probe needs _Alignof and _Generic, which gcc and
    // clang take in every mode); -w: the user's declarations are theirs, their warnings not ours.
    const flags = ['-std=gnu11', ...layoutFlags(setup.flags, !includesUserFile), PLAIN_MESSAGES, '-w', '-O0', '-g0', '-fno-lto', '-fno-data-sections'];
    const depend = includesUserFile ? ['-MD', '-MF', dependencies] : [];
    await run(setup.compiler, [...flags, ...depend, '-c', '-o', objectFile, input], setup.cwd, COMPILE_TIMEOUT_MS);
    const object = await fs.promises.readFile(objectFile);
    const inputs = includesUserFile
      ? parseDependencies(await fs.promises.readFile(dependencies, 'utf8'))
          .map((file) => path.resolve(setup.cwd, file))
          .filter((file) => file !== input)
      : [];
    const runProbe = async () => {
      const program = path.join(dir, 'probe');
      await run(setup.compiler, [...layoutFlags(setup.flags, true), '-o', program, objectFile], setup.cwd, COMPILE_TIMEOUT_MS);
      return (await run(program, [], dir, PROBE_TIMEOUT_MS)).stdout;
    };
    return { object, inputs, run: runProbe, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
