// View as C Type's types from the programs themselves: for the object a contents view shows, the
// processes holding it (the snapshot's attachments and holders), the programs and libraries they
// run, and those programs' own DWARF (src/ctypes/dwarf, loaded with the C type engine on first
// use): a section of the pick list per program, `ring::Slot<Msg>  from ./consumer (pid 4711)`, the
// types declared in the program's own files, with a search through all of them for a big one.
// Libraries with a separate debug file (libc) are offered one item each, read when chosen. Any ELF
// file can be opened too ("Open ELF file…"). The first read of a big program shows its progress
// and can be cancelled; a program without debug information says how to get it.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CTypeChoice } from '../services/cTypes';
import type { DebugSource } from '../ctypes/dwarf/debugFiles';
import type { DebugTypes, NamedType } from '../ctypes/dwarf/debugTypes';
import type { DebugLibrary } from '../ctypes/dwarf/library';
import { allObjects, kindOf } from '../ipc/kinds';
import type { Snapshot } from '../ipc/snapshot';
import type { PromptSteps } from '../prompts';
import * as l10n from '../shared/l10n';
import type { CommandEnv } from './registry';

/** A choice made in the pick list: the type and where it came from. */
export type DebugChoice = Pick<CTypeChoice, 'file' | 'typeName' | 'debug'>;

/** A debug file as the pick list shows it. */
interface Shown {
  source: DebugSource;
  /** `./consumer`, or the full path outside the workspace. */
  name: string;
  pids: number[];
}

/** An item that is a type from debug information, or leads to one. */
export interface DebugItem extends vscode.QuickPickItem {
  debugType?: DebugChoice;
  /** Search all the types of this file (an input box, then the matches). */
  searchIn?: Shown;
  /** Read this file's types (a library, or a program whose reading was cancelled), then pick. */
  readFile?: Shown;
  /** Choose any ELF file. */
  openElf?: true;
  /** Chosen, it says this (why there are no types, and what to do). */
  problem?: string;
}

/** Types of a program listed at once; more are found by searching. */
const LISTED = 2000;
/** Matches of a search shown. */
const FOUND = 1000;
/** Reading that takes longer than this shows its progress (with Cancel). */
const PROGRESS_AFTER_MS = 300;

const ICONS: Record<number, string> = {
  0x13: '$(symbol-structure)',
  0x02: '$(symbol-class)',
  0x17: '$(symbol-structure)',
  0x04: '$(symbol-enum)',
  0x16: '$(symbol-type-parameter)',
};

const TITLE = 'View as C Type';

/**
 * The processes whose programs may know the layout of the object a contents view shows (its source
 * id is the object's row id, or a row under it: a queue's message), but not this window's own helper.
 */
export function holderPids(snapshot: Snapshot | undefined, sourceId: string): number[] {
  if (!snapshot) return [];
  const object = allObjects(snapshot).find((o) => {
    const id = kindOf(o).rowId(o);
    return sourceId === id || sourceId.startsWith(`${id}:`);
  });
  if (!object) return [];
  return kindOf(object)
    .programPids(object)
    .filter((pid) => pid !== process.pid && !isOurHelper(pid))
    .sort((a, b) => a - b);
}

/** This window's own helper (it holds what the contents view reads): a child of ours running ipc-helper. */
function isOurHelper(pid: number): boolean {
  if (parentOf(pid) !== process.pid) return false;
  try {
    return /^ipc-helper/.test(fs.readlinkSync(`/proc/${pid}/exe`).split('/').pop() ?? '');
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** `./consumer` inside the workspace, the full path elsewhere. */
function shownName(file: string): string {
  const relative = vscode.workspace.asRelativePath(file, false);
  return relative === file ? file : `./${relative}`;
}

function pidsText(pids: number[]): string {
  if (pids.length === 0) return '';
  if (pids.length === 1) return l10n.t(' (pid {0})', pids[0]);
  return l10n.t(' (pids {0})', pids.length > 3 ? `${pids.slice(0, 3).join(', ')}, …` : pids.join(', '));
}

function separator(label: string): DebugItem {
  return { label, kind: vscode.QuickPickItemKind.Separator };
}

function typeItems(env: CommandEnv, shown: Shown, types: NamedType[]): DebugItem[] {
  const library = env.ipc.cTypes.debugTypes();
  const debug = library.ref(shown.source);
  const from = l10n.t('from {0}{1}', shown.name, pidsText(shown.pids));
  return types.map((t) => ({
    label: `${ICONS[t.tag] ?? '$(symbol-structure)'} ${t.name}`,
    description: from,
    debugType: { file: shown.source.elf, typeName: t.name, debug },
  }));
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads a debug file's types; when that takes a while, with a progress notification whose Cancel
 * stops it (as does `outer`, the pick list going away).
 */
async function readTypes(library: DebugLibrary, shown: Shown, outer?: AbortSignal): Promise<DebugTypes> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  outer?.addEventListener('abort', abort);
  let fraction = 0;
  let report: ((fraction: number) => void) | undefined;
  const reading = library.types(shown.source.debugFile, {
    signal: controller.signal,
    progress: (f) => {
      fraction = f;
      report?.(f);
    },
  });
  try {
    const quick = await Promise.race([
      reading.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), PROGRESS_AFTER_MS)),
    ]);
    if (quick) return await reading;
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: l10n.t('Reading the types of {0}…', shown.name), cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(abort);
        let shownPercent = 0;
        report = (f) => {
          const percent = Math.floor(f * 100);
          if (percent > shownPercent) progress.report({ increment: percent - shownPercent });
          shownPercent = Math.max(shownPercent, percent);
        };
        report(fraction);
        return reading;
      },
    );
  } finally {
    outer?.removeEventListener('abort', abort);
  }
}

/** The items of one debug file: its own types (or its first ones), and a search when there are more. */
async function fileItems(env: CommandEnv, shown: Shown, types: DebugTypes, signal?: AbortSignal): Promise<DebugItem[]> {
  const own = await types.ownTypes(LISTED, signal);
  // A file that says nothing of where its types were declared lists its types in file order instead.
  const listed = own.total > 0 ? own : { types: [], total: 0 };
  const items = typeItems(env, shown, listed.types);
  if (listed.total === 0) {
    return [
      {
        label: l10n.t('$(search) Search the {0} types of {1}…', types.count.toLocaleString(), shown.name),
        description: l10n.t('none declared in its own files'),
        searchIn: shown,
      },
    ];
  }
  if (types.count > listed.types.length) {
    items.push({
      label: l10n.t('$(search) Search all {0} types of {1}…', types.count.toLocaleString(), shown.name),
      description: l10n.t('{0} shown: those declared in its own files', listed.types.length.toLocaleString()),
      searchIn: shown,
    });
  }
  return items;
}

/** The pick list's items for the processes holding the object: one section per program, libraries to read on demand, and what has no debug information. */
export async function debugTypeItems(env: CommandEnv, sourceId: string, signal: AbortSignal): Promise<DebugItem[]> {
  const snapshot = env.ipc.snapshots.current ?? (await env.ipc.refresh());
  const pids = holderPids(snapshot, sourceId);
  const openElf: DebugItem = {
    label: l10n.t('$(file-binary) Open ELF file…'),
    description: l10n.t('a program or library with debug information'),
    openElf: true,
  };
  if (pids.length === 0) return [openElf];
  const library = env.ipc.cTypes.debugTypes();
  const { found, missing } = await library.sourcesOf(pids);
  const items: DebugItem[] = [openElf];
  for (const source of found) {
    const shown: Shown = { source, name: shownName(source.elf), pids: source.pids };
    const embedded = source.debugFile === source.open;
    if (!source.executable && !embedded) continue; // a system library: offered below, read when chosen
    items.push(separator(`${shown.name}${pidsText(source.pids)}`));
    try {
      items.push(...(await fileItems(env, shown, await readTypes(library, shown, signal), signal)));
    } catch (error) {
      if (signal.aborted) throw error;
      if (isAbort(error)) {
        items.push({ label: l10n.t('$(debug-restart) Read the types of {0} (cancelled)…', shown.name), readFile: shown });
      } else {
        env.ipc.log.warn(`View as C Type: the types of ${source.elf} could not be read: ${message(error)}`);
        items.push({ label: l10n.t('$(warning) The types of {0} could not be read', shown.name), detail: message(error), problem: message(error) });
      }
    }
  }
  for (const entry of missing.filter((m) => m.executable)) {
    items.push(separator(`${shownName(entry.elf)}${pidsText(entry.pids)}`));
    items.push({ label: l10n.t('$(warning) {0} has no debug information', shownName(entry.elf)), detail: entry.reason, problem: entry.reason });
  }
  const libraries = found.filter((s) => !s.executable && s.debugFile !== s.open);
  const bare = missing.filter((m) => !m.executable);
  if (libraries.length > 0 || bare.length > 0) items.push(separator(l10n.t('Libraries')));
  for (const source of libraries) {
    const shown: Shown = { source, name: shownName(source.elf), pids: source.pids };
    items.push({
      label: l10n.t('$(library) Types of {0}…', path.basename(source.elf)),
      description: l10n.t('{0}, debug information in {1}', source.elf, source.debugFile),
      readFile: shown,
    });
  }
  if (bare.length > 0) {
    for (const entry of bare) env.ipc.log.info(`View as C Type: ${entry.reason}`);
    const names = bare.map((m) => m.elf.split('/').pop()).join(', ');
    const why = l10n.t('Their debug packages (Debian and Ubuntu: -dbgsym or -dbg) would give their types.');
    items.push({ label: l10n.t('$(info) {0} libraries without debug information', bare.length), description: names, detail: why, problem: `${names}: ${why}` });
  }
  return items;
}

/** The types of one file to pick from (its own, or the matches of a search), or undefined. */
async function pickFrom(env: CommandEnv, ask: PromptSteps, shown: Shown, types: DebugTypes): Promise<DebugChoice | undefined> {
  const picked = await ask.quickPick(await fileItems(env, shown, types), {
    title: l10n.t('{0}: types of {1}', TITLE, shown.name),
    placeHolder: l10n.t('The struct, union or typedef to see the bytes as (type to filter)'),
    matchOnDescription: true,
  });
  return picked ? followDebugItem(env, ask, picked) : undefined;
}

async function search(env: CommandEnv, ask: PromptSteps, shown: Shown): Promise<DebugChoice | undefined> {
  const text = await ask.inputBox({
    title: l10n.t('{0}: search the types of {1}', TITLE, shown.name),
    prompt: l10n.t('Part of the name: Slot, ring::, Msg>'),
    validateInput: (value) => (value.trim() === '' ? l10n.t('Type part of a name.') : undefined),
  });
  if (!text) return undefined;
  const types = await readTypes(env.ipc.cTypes.debugTypes(), shown);
  const found = await types.search(text.trim(), FOUND);
  if (found.total === 0) {
    await env.ipc.prompts.notify('info', l10n.t('No type of {0} has "{1}" in its name.', shown.name, text.trim()));
    return undefined;
  }
  const items: DebugItem[] = typeItems(env, shown, found.types);
  if (found.total > found.types.length) {
    items.push(separator(l10n.t('{0} more: search for more of the name', (found.total - found.types.length).toLocaleString())));
  }
  const picked = await ask.quickPick(items, {
    title: l10n.t('{0}: {1} types of {2} match "{3}"', TITLE, found.total, shown.name, text.trim()),
    matchOnDescription: true,
  });
  return picked?.debugType;
}

/** Any ELF file the user chooses: its debug file found, read, and its types to pick from. */
async function openElf(env: CommandEnv, ask: PromptSteps): Promise<DebugChoice | undefined> {
  const files = await env.ipc.prompts.openDialog({
    title: l10n.t('{0}: a program or library with debug information', TITLE),
    openLabel: l10n.t('Read Its Types'),
    canSelectMany: false,
    canSelectFiles: true,
    canSelectFolders: false,
  });
  const file = files?.[0]?.fsPath;
  if (!file) return undefined;
  const library = env.ipc.cTypes.debugTypes();
  let shown: Shown;
  let types: DebugTypes;
  try {
    const source = await library.find(file);
    shown = { source, name: shownName(file), pids: [] };
    types = await readTypes(library, shown);
  } catch (error) {
    if (isAbort(error)) return undefined;
    await env.ipc.prompts.notify('error', l10n.t('No types from {0}: {1}', shownName(file), message(error)));
    return undefined;
  }
  return pickFrom(env, ask, shown, types);
}

/** What choosing a debug item leads to: its type, or the next question. */
export async function followDebugItem(env: CommandEnv, ask: PromptSteps, item: DebugItem): Promise<DebugChoice | undefined> {
  if (item.debugType) return item.debugType;
  if (item.openElf) return openElf(env, ask);
  if (item.searchIn) return search(env, ask, item.searchIn);
  if (item.problem !== undefined) {
    await env.ipc.prompts.notify('warning', item.problem);
    return undefined;
  }
  if (item.readFile) {
    let types: DebugTypes;
    try {
      types = await readTypes(env.ipc.cTypes.debugTypes(), item.readFile);
    } catch (error) {
      if (!isAbort(error)) await env.ipc.prompts.notify('error', l10n.t('No types from {0}: {1}', item.readFile.name, message(error)));
      return undefined;
    }
    return pickFrom(env, ask, item.readFile, types);
  }
  return undefined;
}

/** Whether an item belongs to this file's list (the pick list passes the others on). */
export function isDebugItem(item: vscode.QuickPickItem): item is DebugItem {
  const d = item as DebugItem;
  return d.debugType !== undefined || d.searchIn !== undefined || d.readFile !== undefined || d.openElf === true || d.problem !== undefined;
}
