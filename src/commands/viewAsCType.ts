// View as C Type…: shows an object's bytes as a struct, union or typedef from the workspace's C files
// (or a declaration typed in), laid out by the user's own compiler, or from the debug information
// of the programs holding the object (debugTypeItems.ts: C, C++ and Rust, no header needed), at an
// offset or as an array. Runs on a row (opening its contents), from the contents view's toolbar, or
// from the palette (the contents view in front, or one asked for). The choice is remembered per
// System V key or POSIX name.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { CTypeChoice } from '../services/cTypes';
import type { TypeEntry } from '../ctypes/declarations';
import { isCompileError, isCompilerMissing, ProbeError } from '../ctypes/errors';
import { formatBytes } from '../ipc/format';
import type { CPlacement } from '../shared/cLayout';
import { ContentsPanel } from '../views/contentsPanel';
import { completeStep } from '../walkthrough';
import { DebugItem, debugTypeItems, followDebugItem, isDebugItem } from './debugTypeItems';
import { targetPanel } from './contentsTarget';
import type { PromptSteps } from '../prompts';
import type { Command, CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

const TITLE = 'View as C Type';
/** Files looked at for types: enough for a large project, bounded for a monorepo. */
const MAX_FILES = 5000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const EXCLUDE = '**/{node_modules,.git,.vscode-test,out,dist}/**';

interface TypeItem extends vscode.QuickPickItem {
  entry?: TypeEntry;
  typeIn?: true;
}

const ICONS: Record<TypeEntry['kind'], string> = {
  struct: '$(symbol-structure)',
  union: '$(symbol-structure)',
  enum: '$(symbol-enum)',
  typedef: '$(symbol-type-parameter)',
};

/** Types found per file, kept while the file's size and time stay the same: the next pick list is quick. */
const typesByFile = new Map<string, { mtimeMs: number; size: number; entries: TypeEntry[] }>();

/** A file whose types could not be read, and why (said in the pick list and the log, never dropped). */
interface Unreadable {
  file: string;
  why: string;
}

async function typesOf(env: CommandEnv, file: string): Promise<TypeEntry[]> {
  const stat = fs.statSync(file);
  if (stat.size > MAX_FILE_BYTES) return [];
  const known = typesByFile.get(file);
  if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known.entries;
  const entries = await env.ipc.cTypes.typesInFile(file, fs.readFileSync(file, 'utf8'));
  typesByFile.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, entries });
  return entries;
}

/** The named types of the workspace's C files, one item each, as `struct Data` with `file:line`; and the files that failed. */
async function workspaceTypes(env: CommandEnv): Promise<{ items: TypeItem[]; unreadable: Unreadable[] }> {
  const files = await vscode.workspace.findFiles('**/*.{c,h}', EXCLUDE, MAX_FILES);
  // C files open in an editor count too, from outside the workspace as well (the demo's headers).
  const listed = new Set(files.map((uri) => uri.fsPath));
  for (const document of vscode.workspace.textDocuments) {
    if (document.uri.scheme === 'file' && /\.[ch]$/.test(document.uri.fsPath) && !listed.has(document.uri.fsPath)) files.push(document.uri);
  }
  files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const items: TypeItem[] = [];
  const unreadable: Unreadable[] = [];
  for (const uri of files) {
    let entries: TypeEntry[];
    try {
      entries = await typesOf(env, uri.fsPath);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      env.ipc.log.warn(`View as C Type: the types of ${uri.fsPath} could not be read: ${why}`);
      unreadable.push({ file: uri.fsPath, why });
      continue;
    }
    const seen = new Set<string>();
    for (const entry of entries) {
      if (seen.has(entry.name)) continue;
      seen.add(entry.name);
      items.push({ label: `${ICONS[entry.kind]} ${entry.name}`, description: `${vscode.workspace.asRelativePath(uri)}:${entry.line}`, entry });
    }
  }
  return { items, unreadable };
}

/** What the pick list says when files could not be read: the reason, once, when every file failed for the same one. */
function unreadableItems(unreadable: Unreadable[]): TypeItem[] {
  if (unreadable.length === 0) return [];
  const reasons = new Set(unreadable.map((u) => u.why));
  const label =
    reasons.size === 1
      ? l10n.t('{0} C files could not be read: {1}', unreadable.length, unreadable[0].why)
      : l10n.t('{0} C files could not be read (Show Log for why)', unreadable.length);
  return [{ label: `$(warning) ${label}`, kind: vscode.QuickPickItemKind.Separator } as TypeItem];
}

/**
 * Whether a one-line text was several lines once: the input box is one line, and a pasted text
 * loses its line breaks there (`#include <stdint.h>struct probe2 {...`). A directive has a line of
 * its own, and a // comment runs to the end of its line: after either, more text on the same line
 * means lines were joined, and the compiler would see something else than what was pasted.
 */
function joinedLines(text: string): boolean {
  if (/\S\s*#\s*(include|define|if|ifdef|ifndef|endif|pragma)\b/.test(text)) return true;
  if (/^\s*#\s*include\s*(<[^>]*>|"[^"]*")\s*\S/.test(text)) return true;
  return /\/\/[^\n]*[;{}]/.test(text);
}

/** The untitled C editor declarations are written in (kept while it is open: the next time it is shown again, as it was left). */
let declarationDocument: vscode.TextDocument | undefined;

const DECLARATION_TEMPLATE = [
  '/* View as C Type: write or paste the declaration below, with the #include lines it needs,',
  '   then choose "Use the Declaration in the Editor" at the top of the window. */',
  '',
  '',
].join('\n');

/** Several lines, written in an untitled C editor beside the contents view; the box stays open (its item takes the text). */
async function declarationFromEditor(ask: PromptSteps): Promise<string | undefined> {
  const use = {
    label: l10n.t('$(check) Use the Declaration in the Editor'),
    detail: l10n.t('The whole text of the editor, as it is: several lines, #include lines too'),
  };
  const answer = ask.quickPick([use], {
    title: l10n.t('{0}: a declaration in the editor', TITLE),
    placeHolder: l10n.t('Write or paste in the editor, then choose this (Escape: cancel)'),
    // Open while the user types in the editor.
    ignoreFocusOut: true,
  });
  if (!declarationDocument || declarationDocument.isClosed) {
    declarationDocument = await vscode.workspace.openTextDocument({ language: 'c', content: DECLARATION_TEMPLATE });
  }
  const editor = await vscode.window.showTextDocument(declarationDocument, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  if (!(await answer)) return undefined;
  return declarationDocument.getText();
}

/** A declaration typed or pasted in (one line in the box, or several in an editor), and the type of it to show. */
async function typedDeclaration(env: CommandEnv, ask: PromptSteps): Promise<Pick<CTypeChoice, 'file' | 'typeName' | 'declaration'> | undefined> {
  const line = await ask.inputBox({
    title: l10n.t('{0}: a declaration', TITLE),
    prompt: l10n.t('A C declaration on one line. For several lines (#include lines, a pasted header), leave this empty and press Enter: an editor opens.'),
    placeHolder: l10n.t('struct point { int32_t x, y; };  (empty: an editor for several lines)'),
    ignoreFocusOut: true,
    validateInput: (value) =>
      joinedLines(value)
        ? l10n.t('This box holds one line, and the lines pasted here were joined. Empty it and press Enter for an editor that keeps them.')
        : undefined,
  });
  if (line === undefined) return undefined;
  const text = line.trim() === '' ? await declarationFromEditor(ask) : line;
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new ProbeError(l10n.t('The text declares no struct, union, enum or typedef.'));
  const declaration = /^\s*#\s*include\b/m.test(text) ? text : `#include <stdint.h>\n#include <stddef.h>\n#include <stdbool.h>\n${text}`;
  const entries = await env.ipc.cTypes.typesInFile('<declaration>', declaration);
  if (entries.length === 0) throw new ProbeError(l10n.t('The text declares no struct, union, enum or typedef.'));
  const entry =
    entries.length === 1
      ? entries[0]
      : (
          await ask.quickPick(
            entries.map((e) => ({ label: e.name, entry: e })),
            { title: l10n.t('{0}: which type?', TITLE) },
          )
        )?.entry;
  return entry ? { file: '', typeName: entry.name, declaration } : undefined;
}

type TypeChoice = Pick<CTypeChoice, 'file' | 'typeName' | 'declaration' | 'debug'>;

/** The types of the programs holding the object; never fails (what went wrong is an item that says it). */
async function programTypes(env: CommandEnv, panel: ContentsPanel, signal: AbortSignal): Promise<DebugItem[]> {
  try {
    return await debugTypeItems(env, panel.source.id, signal);
  } catch (error) {
    if (signal.aborted) return [];
    const why = error instanceof Error ? error.message : String(error);
    env.ipc.log.warn(`View as C Type: the programs' types could not be read: ${why}`);
    return [{ label: l10n.t("$(warning) The programs' types could not be read"), detail: why, problem: why }];
  }
}

async function pickType(env: CommandEnv, ask: PromptSteps, panel: ContentsPanel): Promise<TypeChoice | undefined> {
  const typeIn: TypeItem = { label: '$(edit) Type or paste a declaration…', typeIn: true };
  // The list opens at once and fills when the workspace's files and the programs' debug information
  // are read (busy meanwhile); closing it stops the reading.
  const reading = new AbortController();
  const items = Promise.all([workspaceTypes(env), programTypes(env, panel, reading.signal)]).then(
    ([{ items: found, unreadable }, fromPrograms]): Array<TypeItem | DebugItem> => [
      typeIn,
      ...fromPrograms,
      ...unreadableItems(unreadable),
      ...(found.length > 0
        ? [{ label: 'In the workspace', kind: vscode.QuickPickItemKind.Separator } as TypeItem]
        : [{ label: "No struct, union or typedef in the workspace's .c and .h files", kind: vscode.QuickPickItemKind.Separator } as TypeItem]),
      ...found,
    ],
  );
  const picked = await ask.quickPick(items, {
    title: TITLE,
    placeHolder: l10n.t('The struct, union or typedef to see the bytes as (type to filter)'),
    matchOnDescription: true,
    // Open while a big program's types are read: a click on the reading's Cancel (or elsewhere) must not close it.
    ignoreFocusOut: true,
  });
  if (!picked) {
    reading.abort();
    return undefined;
  }
  if (isDebugItem(picked)) return followDebugItem(env, ask, picked);
  const item = picked as TypeItem;
  if (item.typeIn) return typedDeclaration(env, ask);
  return item.entry ? { file: item.entry.file, typeName: item.entry.name } : undefined;
}

/** "0x40", "64", "4 KiB" are not all offsets: decimal or 0x hex bytes only. */
function parseOffset(text: string): number | undefined {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

async function askOffset(ask: PromptSteps, size: number): Promise<number | undefined> {
  const text = await ask.inputBox({
    title: l10n.t('{0}: where it starts', TITLE),
    prompt: l10n.t('Offset in bytes (decimal or 0x hex), below {0}', size),
    value: '0x0',
    validateInput: (value) => {
      const n = parseOffset(value);
      if (n === undefined) return 'A whole number of bytes: 64 or 0x40.';
      return n >= size ? `Past the end: the object has ${size} bytes.` : undefined;
    },
  });
  return text === undefined ? undefined : parseOffset(text);
}

async function pickPlacement(ask: PromptSteps, size: number, typeName: string): Promise<CPlacement | undefined> {
  const items = [
    { label: 'At offset 0', detail: l10n.t('One {0} at the start', typeName), how: 'start' as const },
    { label: 'At an offset…', detail: l10n.t('One {0} where you say', typeName), how: 'offset' as const },
    { label: 'As an array…', detail: l10n.t('N of them, or as many as fit in the {0}', formatBytes(size)), how: 'array' as const },
  ];
  const picked = await ask.quickPick(items, { title: l10n.t('{0}: {1} where?', TITLE, typeName) });
  if (!picked) return undefined;
  if (picked.how === 'start') return { offset: 0, count: 1 };
  const offset = await askOffset(ask, Math.max(1, size));
  if (offset === undefined) return undefined;
  if (picked.how === 'offset') return { offset, count: 1 };
  const text = await ask.inputBox({
    title: l10n.t('{0}: how many', TITLE),
    prompt: l10n.t('Number of elements; empty for as many as fit'),
    validateInput: (value) => (value.trim() === '' || /^[1-9]\d{0,8}$/.test(value.trim()) ? undefined : 'A whole number from 1, or empty.'),
  });
  if (text === undefined) return undefined;
  return { offset, count: text.trim() === '' ? -1 : Number(text.trim()) };
}

/** A layout failure in words, with the action that helps. */
async function reportLayoutFailure(env: CommandEnv, typeName: string, error: unknown): Promise<void> {
  if (isCompilerMissing(error)) {
    const chosen = await env.ipc.prompts.notify('error', error.message, 'Open Settings');
    if (chosen === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'ipcInspector.cTypes.compiler');
    return;
  }
  if (isCompileError(error)) {
    const chosen = await env.ipc.prompts.notify(
      'error',
      l10n.t('{0} could not be laid out: the compiler said {1}', typeName, error.message),
      'Show Problems',
      'Show Log',
    );
    env.ipc.log.error(`View as C Type: ${typeName}: ${error.output}`);
    if (chosen === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    if (chosen === 'Show Log') env.ipc.log.show(true);
    return;
  }
  await env.ipc.prompts.notify('error', l10n.t('{0} could not be laid out: {1}', typeName, error instanceof Error ? error.message : String(error)));
}

/** Said once a window: in Restricted Mode the folder's compiler settings and compile_commands.json are left out. */
let restrictedModeSaid = false;

function sayRestrictedMode(env: CommandEnv): void {
  if (vscode.workspace.isTrusted || restrictedModeSaid) return;
  restrictedModeSaid = true;
  const manage = l10n.t('Manage Workspace Trust');
  void env.ipc.prompts
    .notify(
      'info',
      l10n.t(
        "Restricted Mode: View as C Type lays out with your own compiler settings and ignores this folder's compile_commands.json and C type settings, so nothing the folder names is run. Trust the folder to use them.",
      ),
      manage,
    )
    .then((chosen) => {
      if (chosen === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
}

export const viewAsCType: Command = {
  id: 'ipcInspector.viewAsCType',
  what: 'Could not show the bytes as a C type',
  async run(env, arg) {
    const panel = await targetPanel(env, arg);
    if (!panel) return undefined;
    // In front now, while the user answers; not after the layout, which can take seconds: by then
    // the user may have gone to another tab on purpose.
    if (!panel.panel.visible) panel.panel.reveal(undefined, true);
    // The questions in one box that stays open from the first to the last (see PromptSteps).
    const ask = env.ipc.prompts.steps();
    let type: Awaited<ReturnType<typeof pickType>>;
    let placement: CPlacement | undefined;
    try {
      type = await pickType(env, ask, panel);
      if (!type) return undefined;
      placement = await pickPlacement(ask, panel.size, type.typeName);
      if (!placement) return undefined;
    } finally {
      ask.dispose();
    }
    const choice: CTypeChoice = { ...type, placement };
    sayRestrictedMode(env);
    let layout;
    try {
      const title = type.debug
        ? l10n.t('Laying out {0} from the debug information of {1}…', type.typeName, vscode.workspace.asRelativePath(type.debug.elf, false))
        : l10n.t('Laying out {0} with the C compiler…', type.typeName);
      layout = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => env.ipc.cTypes.layoutOf(choice));
    } catch (error) {
      await reportLayoutFailure(env, type.typeName, error);
      return undefined;
    }
    if (layout.size > panel.size - placement.offset) {
      void env.ipc.prompts.notify(
        'warning',
        l10n.t(
          '{0} is {1}, more than the {2} from offset {3} to the end: the fields past the end are marked.',
          type.typeName,
          formatBytes(layout.size),
          formatBytes(Math.max(0, panel.size - placement.offset)),
          placement.offset,
        ),
      );
    }
    await panel.setCType({ layout, placement });
    await env.ipc.cTypes.remember(panel.source.memoryKey, choice);
    completeStep('cTypeShown');
    return layout;
  },
};

export const clearCType: Command = {
  id: 'ipcInspector.clearCType',
  what: 'Could not clear the C type',
  async run(env, arg) {
    const panelId = (arg as { panelId?: unknown } | undefined)?.panelId;
    const panel = ContentsPanel.all().find((p) => (typeof panelId === 'string' ? p.source.id === panelId : p.panel.active));
    if (!panel) return undefined;
    await panel.setCType(null);
    await env.ipc.cTypes.remember(panel.source.memoryKey, undefined);
    return true;
  },
};
