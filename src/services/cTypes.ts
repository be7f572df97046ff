// The C types shown over objects' bytes (View as C Type…): which type each object was given
// (remembered per System V key or POSIX name, in the workspace), the layouts (computed by the
// user's compiler, cached, or read from a program's own debug information), and the compiler's
// messages as diagnostics on the user's files. The engine that does the work (tree-sitter, the
// probe, the DWARF reader) is loaded on first use, never at activation.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import * as l10n from '../shared/l10n';
import type { CompilerSetup } from '../ctypes/compiler';
import type { TypeEntry } from '../ctypes/declarations';
import type { DebugLibrary, DebugRef } from '../ctypes/dwarf/library';
import { isCompileError, type CompileError } from '../ctypes/errors';
import type { ParserFiles } from '../ctypes/parserFiles';
import type { CLayout, CPlacement } from '../shared/cLayout';

/** What the user chose for an object: a type from a file (or a declaration typed in, or a program's debug information), and where it sits. */
export interface CTypeChoice {
  /** The C file declaring the type; for a type from debug information, the program or library it came from. */
  file: string;
  typeName: string;
  placement: CPlacement;
  /** The declaration typed or pasted in, when the type came from no file of the workspace. */
  declaration?: string;
  /** The debug information the type came from (by path and build-id), when it came from a program's own. */
  debug?: DebugRef;
}

const MEMORY_PREFIX = 'ipcInspector.cType:';

function isDebugRef(value: unknown): value is DebugRef {
  const v = value as Partial<DebugRef> | undefined;
  return typeof v?.elf === 'string' && typeof v.path === 'string' && (v.buildId === undefined || typeof v.buildId === 'string');
}

function isChoice(value: unknown): value is CTypeChoice {
  const v = value as Partial<CTypeChoice> | undefined;
  return (
    typeof v?.file === 'string' &&
    typeof v.typeName === 'string' &&
    typeof v.placement?.offset === 'number' &&
    typeof v.placement.count === 'number' &&
    (v.debug === undefined || isDebugRef(v.debug))
  );
}

type Engine = typeof import('../ctypes/engine');

/** How long a declaration typed in is kept unused. */
const DECLARATION_KEPT_MS = 7 * 24 * 3600 * 1000;

/** Removes the declaration files of `dir` last used before `time` (ms); one that cannot be removed stays. */
function removeUnusedSince(dir: string, time: number): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !/\.(h|part)$/.test(entry.name)) continue;
    const file = path.join(dir, entry.name);
    try {
      if (fs.statSync(file).mtimeMs < time) fs.unlinkSync(file);
    } catch {
      // Gone already (another window), or not ours to remove: it does no harm where it is.
    }
  }
}

/**
 * The engine, required when first needed. In the extension this require is of its own bundle,
 * dist/ctypes.js (esbuild.js keeps it out of the main one: activation never loads tree-sitter); in
 * the tests, of the module itself.
 */
function loadEngine(): Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../ctypes/engine') as Engine;
}

export class CTypes implements vscode.Disposable {
  private loaded: { engine: Engine; layouts: InstanceType<Engine['LayoutCache']> } | undefined;
  private library: DebugLibrary | undefined;
  private declarationsReady = false;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('IPC Inspector C types');

  constructor(
    private readonly parser: ParserFiles,
    private readonly memento: vscode.Memento | undefined,
    /** Where the extension may keep files (the debug files' name indexes and the declarations typed in go in folders there). */
    private readonly storagePath: string,
    /** The DWARF index's worker thread script (src/assets.ts). */
    private readonly dwarfWalk?: string,
  ) {}

  /** The debug files types are read from (the DWARF reader, loaded with the engine on first use). */
  debugTypes(): DebugLibrary {
    if (!this.library) {
      const cacheDir = path.join(this.storagePath, 'debug-type-index');
      this.library = new (this.engine().engine.DebugLibrary)(cacheDir, {}, this.dwarfWalk);
    }
    return this.library;
  }

  private engine(): { engine: Engine; layouts: InstanceType<Engine['LayoutCache']> } {
    if (!this.loaded) {
      const engine = loadEngine();
      this.loaded = { engine, layouts: new engine.LayoutCache(this.parser) };
    }
    return this.loaded;
  }

  /** The named types a C file declares as it is (not preprocessed): what the pick list offers. */
  async typesInFile(file: string, text: string): Promise<TypeEntry[]> {
    return this.engine().engine.typesInFile(file, text, this.parser);
  }

  /** The choice remembered for an object (ByteSource.memoryKey), if any. */
  remembered(memoryKey: string): CTypeChoice | undefined {
    const value = this.memento?.get<unknown>(MEMORY_PREFIX + memoryKey);
    return isChoice(value) ? value : undefined;
  }

  async remember(memoryKey: string, choice: CTypeChoice | undefined): Promise<void> {
    await this.memento?.update(MEMORY_PREFIX + memoryKey, choice);
  }

  /**
   * A file holding a declaration typed in (the compiler needs a file): the same text, the same file
   * (named by its hash), in the extension's own storage folder (declarations/, 0700), not in /tmp: a
   * window that ends without deactivating (killed, crashed) leaves nothing behind there. Windows
   * share the folder, and a file another window wrote first holds the same text. A file is touched
   * when used, and the first use in a window removes the ones unused for a week.
   */
  declarationFile(text: string): string {
    const dir = path.join(this.storagePath, 'declarations');
    if (!this.declarationsReady) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      removeUnusedSince(dir, Date.now() - DECLARATION_KEPT_MS);
      this.declarationsReady = true;
    }
    const file = path.join(dir, `${crypto.createHash('sha256').update(text).digest('hex').slice(0, 16)}.h`);
    if (fs.existsSync(file)) {
      try {
        const now = new Date();
        fs.utimesSync(file, now, now);
      } catch {
        // another user's window wrote it (a shared data folder): used all the same
      }
      return file;
    }
    // Whole or not at all: written aside, then linked into place (another window reading it, or one
    // killed while writing, never sees half a declaration under the name that is reused).
    const aside = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
    fs.writeFileSync(aside, text.endsWith('\n') ? text : `${text}\n`, { flag: 'wx', mode: 0o600 });
    try {
      fs.linkSync(aside, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another window's, the same text
    } finally {
      fs.rmSync(aside, { force: true });
    }
    return file;
  }

  /**
   * The compiler, its flags for `file` (the project's compile_commands.json, then the settings) and
   * where to run it. A declaration typed in gets the settings' flags only.
   */
  setupFor(file: string, typedIn = false): CompilerSetup {
    // In Restricted Mode VS Code gives these settings' user values only (package.json's
    // restrictedConfigurations), and the folder's compile_commands.json is not read: nothing the
    // folder names (a compiler, a -fplugin=) runs until the folder is trusted.
    const config = vscode.workspace.getConfiguration('ipcInspector.cTypes');
    const compiler = config.get<string>('compiler', '').trim() || 'cc';
    const extra = config.get<string[]>('flags', []).filter((f) => typeof f === 'string');
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const useDatabase = vscode.workspace.isTrusted && !typedIn && config.get<boolean>('useCompileCommands', true);
    const { engine } = this.engine();
    const database = useDatabase ? engine.findDatabase(file, roots) : undefined;
    const fromDatabase = database ? engine.flagsFromDatabase(database, file) : undefined;
    return { compiler, flags: [...(fromDatabase?.flags ?? []), ...extra], cwd: fromDatabase?.cwd ?? path.dirname(file) };
  }

  /**
   * The layout of a chosen type. A compile error also becomes diagnostics on the files it names
   * (the Problems view), and a success clears the ones of the file.
   */
  async layoutOf(choice: Pick<CTypeChoice, 'file' | 'typeName' | 'declaration' | 'debug'>): Promise<CLayout> {
    if (choice.debug) return this.debugTypes().layout(choice.debug, choice.typeName);
    const file = choice.declaration !== undefined ? this.declarationFile(choice.declaration) : choice.file;
    try {
      const layout = await this.engine().layouts.layout({ file, typeName: choice.typeName, setup: this.setupFor(file, choice.declaration !== undefined) });
      this.diagnostics.delete(vscode.Uri.file(file));
      // A declaration typed in lives in a file of this window's (a hash for a name): not a name the user knows.
      return choice.declaration !== undefined ? { ...layout, file: l10n.t('typed declaration') } : layout;
    } catch (error) {
      if (isCompileError(error)) this.showDiagnostics(error);
      throw error;
    }
  }

  private showDiagnostics(error: CompileError): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const message of error.messages) {
      if (message.severity === 'note' || !path.isAbsolute(message.file) || !fs.existsSync(message.file)) continue;
      const line = Math.max(0, message.line - 1);
      const column = Math.max(0, message.column - 1);
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, column, line, column + 1),
        message.message,
        message.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'IPC Inspector (C type layout)';
      const list = byFile.get(message.file) ?? [];
      list.push(diagnostic);
      byFile.set(message.file, list);
    }
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.library?.dispose();
  }
}
