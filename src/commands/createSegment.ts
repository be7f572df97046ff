// Create Shared Memory Segment…: key (hex/decimal, IPC_PRIVATE, or ftok(file, project id)), size
// with units (checked against shmmax), mode, exclusive or not; then the new row is revealed.
// The helper only calls shmget: nothing is attached or written.
import * as vscode from 'vscode';
import { formatBytes, formatKey, IPC_PRIVATE, parseKey, parseMode, parseSize } from '../ipc/format';
import { ftok } from '../ipc/ftok';
import type { Command, CommandEnv } from './registry';

type KeyKind = 'chosen' | 'private' | 'ftok';

interface KeyChoice {
  key: number;
  description: string;
}

async function chooseKeyKind(env: CommandEnv): Promise<KeyKind | undefined> {
  const items: Array<vscode.QuickPickItem & { keyKind: KeyKind }> = [
    { label: 'Chosen key', description: 'hex (0x1234abcd) or decimal', keyKind: 'chosen' },
    { label: 'IPC_PRIVATE', description: 'a new segment only reachable by its id', keyKind: 'private' },
    { label: 'ftok(file, project id)', description: 'the key programs compute from a path', keyKind: 'ftok' },
  ];
  return (await env.ipc.prompts.quickPick(items, { title: 'Create Shared Memory Segment (1/4): key', placeHolder: 'How should the segment be found?' }))?.keyKind;
}

async function chooseKey(env: CommandEnv, kind: KeyKind): Promise<KeyChoice | undefined> {
  if (kind === 'private') return { key: IPC_PRIVATE, description: 'IPC_PRIVATE' };
  if (kind === 'chosen') {
    const text = await env.ipc.prompts.inputBox({
      title: 'Create Shared Memory Segment (2/4): key',
      prompt: 'Key, in hex (0x…) or decimal',
      placeHolder: '0x1234abcd',
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
  const files = await env.ipc.prompts.openDialog({ title: 'ftok: the file or folder the programs use', canSelectFiles: true, canSelectFolders: true, canSelectMany: false, openLabel: 'Use for ftok' });
  if (!files || files.length === 0) return undefined;
  const file = files[0].fsPath;
  const projText = await env.ipc.prompts.inputBox({
    title: 'Create Shared Memory Segment (2/4): ftok project id',
    prompt: `Project id for ftok("${file}", id): 1 to 255, or one character such as A`,
    value: '1',
    validateInput: (value) => (projectId(value) === undefined ? 'Use a number from 1 to 255 or a single character' : undefined),
  });
  const proj = projText === undefined ? undefined : projectId(projText);
  if (proj === undefined) return undefined;
  const key = ftok(file, proj);
  return { key, description: `ftok("${file}", ${proj}) = ${formatKey(key)}` };
}

function projectId(text: string): number | undefined {
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

async function chooseSize(env: CommandEnv): Promise<number | undefined> {
  const limits = env.ipc.snapshots.current?.limits ?? (await env.ipc.refresh(true))?.limits;
  const shmmax = limits?.shmmax && !limits.shmmax.unlimited ? Number(limits.shmmax.raw) : undefined;
  const text = await env.ipc.prompts.inputBox({
    title: 'Create Shared Memory Segment (3/4): size',
    prompt: `Size: bytes or with a unit (4096, 4 KiB, 1 MiB)${shmmax ? `; at most ${formatBytes(shmmax)} (shmmax)` : ''}`,
    value: '4 KiB',
    validateInput: (value) => {
      const parsed = parseSize(value);
      if (!parsed.ok) return parsed.error;
      if (shmmax !== undefined && parsed.value > shmmax) return `Larger than this machine's limit for one segment, shmmax = ${formatBytes(shmmax)}`;
      return undefined;
    },
  });
  if (text === undefined) return undefined;
  const parsed = parseSize(text);
  return parsed.ok ? parsed.value : undefined;
}

async function chooseMode(env: CommandEnv): Promise<number | undefined> {
  const text = await env.ipc.prompts.inputBox({
    title: 'Create Shared Memory Segment (4/4): permissions',
    prompt: 'Mode in octal (600 = only you) or rwx (rw-r-----)',
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

async function chooseExclusive(env: CommandEnv, key: number): Promise<boolean | undefined> {
  if (key === IPC_PRIVATE) return true; // always a new segment
  const items = [
    { label: 'Exclusive', description: 'fail if a segment with this key exists (IPC_EXCL)', exclusive: true },
    { label: 'Open or create', description: 'use the existing segment when the key is taken', exclusive: false },
  ];
  return (await env.ipc.prompts.quickPick(items, { title: `Key ${formatKey(key)} taken already?`, placeHolder: 'Exclusive or not' }))?.exclusive;
}

export const createSegment: Command = {
  id: 'ipcInspector.createSegment',
  what: 'Could not create the segment',
  subject: 'segment',
  async run(env) {
    const kind = await chooseKeyKind(env);
    const key = kind && (await chooseKey(env, kind));
    const size = key && (await chooseSize(env));
    const mode = size !== undefined && size !== 0 ? await chooseMode(env) : undefined;
    const exclusive = key && mode !== undefined ? await chooseExclusive(env, key.key) : undefined;
    if (!key || !size || mode === undefined || exclusive === undefined) return undefined;
    const shmid = await env.ipc.helper().create(key.key, size, mode, exclusive);
    env.ipc.log.info(`created segment ${key.description}, id ${shmid}, ${size} bytes, mode ${mode.toString(8)}`);
    await env.ipc.refresh(true);
    await env.views.sharedMemory.reveal(`shm:${shmid}`);
    void env.ipc.prompts.notify('info', `Created segment ${key.key === IPC_PRIVATE ? 'IPC_PRIVATE' : formatKey(key.key)} (id ${shmid}, ${formatBytes(size)}).`);
    return shmid;
  },
};
