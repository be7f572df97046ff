// Running the user's C compiler: preprocessing a file with the project's flags, compiling and running
// the layout probe, and reading the compiler's messages into locations a diagnostic can point at.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface CompilerSetup {
  /** The compiler's command, e.g. `cc`, `gcc`, `/usr/bin/clang`. */
  compiler: string;
  /** The project's flags for this file (-I, -D, -m32, -fpack-struct...), without -c, -o or inputs. */
  flags: string[];
  /** Where the flags are relative to (compile_commands.json's `directory`). */
  cwd: string;
}

export interface CompilerMessage {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

/** The compiler refused the file or the probe: its own words, and where. */
export class CompileError extends Error {
  constructor(message: string, readonly messages: CompilerMessage[], readonly output: string) {
    super(message);
  }
}

/** No compiler at the configured command. */
export class CompilerMissing extends Error {}

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
    return Promise.reject(new CompileError(`the folder the flags are relative to, ${cwd}, does not exist (is compile_commands.json from another machine or a container?)`, [], ''));
  }
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !fs.existsSync(command) && !stderr) {
        reject(new CompilerMissing(`The C compiler "${command}" was not found. Install one (on Debian or Ubuntu: sudo apt install gcc) or set "ipcInspector.cTypes.compiler" to its path.`));
        return;
      }
      if (error.killed) {
        reject(new Error(`"${command}" took more than ${Math.round(timeout / 1000)} s and was stopped.`));
        return;
      }
      const messages = parseCompilerMessages(stderr);
      const first = messages.find((m) => m.severity === 'error');
      const summary = first ? `${path.basename(first.file)}:${first.line}: ${first.message}` : stderr.trim().split('\n').slice(-3).join(' ') || error.message;
      reject(new CompileError(summary, messages, stderr));
    });
  });
}

const DROP_ALONE = new Set(['-c', '-E', '-S', '-M', '-MM', '-MD', '-MMD', '-MG', '-MP', '--coverage', '-pipe']);
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

/** Compiles the probe with the project's flags, runs it, and returns what it printed. */
export async function compileAndRun(source: string, setup: CompilerSetup): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'ipcinsp-probe-'));
  try {
    const input = path.join(dir, 'probe.c');
    const output = path.join(dir, 'probe');
    await fs.promises.writeFile(input, source);
    // -w: the user's declarations are theirs; warnings about them are not ours to fail on. The
    // probe is C11 (_Alignof, _Generic) whatever -std the project uses: -std does not change layouts.
    await run(setup.compiler, [...layoutFlags(setup.flags, true), PLAIN_MESSAGES, '-std=gnu11', '-w', '-O0', '-o', output, input], setup.cwd, COMPILE_TIMEOUT_MS);
    return (await run(output, [], dir, PROBE_TIMEOUT_MS)).stdout;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
