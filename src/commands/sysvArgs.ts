// The questions every System V create command asks, once: the key (hex or decimal, IPC_PRIVATE,
// or ftok(file, project id) with a file picker), the mode, exclusive or not. Segments, semaphore
// sets and message queues are made with the same three.
import * as vscode from 'vscode';
import { formatKey, IPC_PRIVATE, parseKey, parseMode } from '../ipc/format';
import { ftok } from '../ipc/ftok';
import type { Snapshot } from '../ipc/snapshot';
import type { CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

type KeyKind = 'chosen' | 'private' | 'ftok';

export interface KeyChoice {
  key: number;
  description: string;
}

/** The steps of a create dialog: "Create Semaphore Set (2/5): key". */
export interface Steps {
  title: string;
  /** The noun in explanations: "segment", "set", "queue". */
  noun: string;
  total: number;
}

const step = (s: Steps, n: number, what: string) => `${s.title} (${n}/${s.total}): ${what}`;

async function chooseKeyKind(env: CommandEnv, steps: Steps): Promise<KeyKind | undefined> {
  const items: Array<vscode.QuickPickItem & { keyKind: KeyKind }> = [
    { label: 'Chosen key', description: 'hex (0x1234abcd) or decimal', keyKind: 'chosen' },
    { label: 'IPC_PRIVATE', description: `a new ${steps.noun} only reachable by its id`, keyKind: 'private' },
    { label: 'ftok(file, project id)', description: 'the key programs compute from a path', keyKind: 'ftok' },
  ];
  return (await env.ipc.prompts.quickPick(items, { title: step(steps, 1, 'key'), placeHolder: l10n.t('How should the {0} be found?', steps.noun) }))?.keyKind;
}

/** A project id for ftok: 1 to 255, or one character. */
export function projectId(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d{1,3}$/.test(trimmed)) {
    const n = Number(trimmed);
    return n >= 1 && n <= 255 ? n : undefined;
  }
  if ([...trimmed].length === 1) {
    const code = trimmed.charCodeAt(0);
    return code >= 1 && code <= 255 ? code : undefined;
  }
  return undefined;
}

/** Steps 1 and 2: how the object is found, and its key. Undefined when cancelled. */
export async function chooseKey(env: CommandEnv, steps: Steps): Promise<KeyChoice | undefined> {
  const kind = await chooseKeyKind(env, steps);
  if (!kind) return undefined;
  if (kind === 'private') return { key: IPC_PRIVATE, description: 'IPC_PRIVATE' };
  if (kind === 'chosen') {
    const text = await env.ipc.prompts.inputBox({
      title: step(steps, 2, 'key'),
      prompt: l10n.t('Key, in hex (0x…) or decimal'),
      placeHolder: l10n.t('0x1234abcd'),
      validateInput: (value) => {
        const parsed = parseKey(value);
        if (!parsed.ok) return parsed.error;
        return parsed.value === IPC_PRIVATE ? 'Key 0 is IPC_PRIVATE: choose IPC_PRIVATE in the first step instead' : undefined;
      },
    });
    if (text === undefined) return undefined;
    const parsed = parseKey(text);
    return parsed.ok ? { key: parsed.value, description: formatKey(parsed.value) } : undefined;
  }
  const files = await env.ipc.prompts.openDialog({
    title: l10n.t('ftok: the file or folder the programs use'),
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: l10n.t('Use for ftok'),
  });
  if (!files || files.length === 0) return undefined;
  const file = files[0].fsPath;
  const projText = await env.ipc.prompts.inputBox({
    title: step(steps, 2, 'ftok project id'),
    prompt: l10n.t('Project id for ftok("{0}", id): 1 to 255, or one character such as A', file),
    value: '1',
    validateInput: (value) => (projectId(value) === undefined ? 'Use a number from 1 to 255 or a single character' : undefined),
  });
  const proj = projText === undefined ? undefined : projectId(projText);
  if (proj === undefined) return undefined;
  const key = ftok(file, proj);
  return { key, description: `ftok("${file}", ${proj}) = ${formatKey(key)}` };
}

/** The permissions step. Undefined when cancelled. */
export async function chooseMode(env: CommandEnv, steps: Steps, n: number): Promise<number | undefined> {
  const text = await env.ipc.prompts.inputBox({
    title: step(steps, n, 'permissions'),
    prompt: l10n.t('Mode in octal (600 = only you) or rwx (rw-r-----)'),
    value: '600',
    validateInput: (value) => {
      const parsed = parseMode(value);
      return parsed.ok ? undefined : parsed.error;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parseMode(text);
  return parsed.ok ? parsed.value : undefined;
}

/**
 * Exclusive (IPC_EXCL) or open-or-create, asked only when the key is taken now (`existingId` finds
 * the object with the key in a fresh snapshot): a free key, or IPC_PRIVATE, is created exclusive,
 * so a key taken meanwhile fails with EEXIST rather than opening someone else's. Undefined when cancelled.
 */
export async function chooseExclusive(
  env: CommandEnv,
  key: number,
  noun: string,
  existingId: (snapshot: Snapshot) => number | undefined,
): Promise<boolean | undefined> {
  if (key === IPC_PRIVATE) return true;
  const snapshot = await env.ipc.refresh(true);
  const id = snapshot && existingId(snapshot);
  if (id === undefined) return true;
  const items = [
    { label: l10n.t('Open it'), description: l10n.t('use the existing {0} (id {1})', noun, id), exclusive: false },
    { label: l10n.t('Cancel'), description: l10n.t('keep the key for it, make nothing'), exclusive: undefined },
  ];
  const picked = await env.ipc.prompts.quickPick(items, {
    title: l10n.t('Key {0} is taken already: the {1} with id {2}', formatKey(key), noun, id),
    placeHolder: l10n.t('Open the existing {0}?', noun),
  });
  return picked?.exclusive;
}
