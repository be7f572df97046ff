// Create Shared Memory Segment…: key (hex/decimal, IPC_PRIVATE, or ftok(file, project id)), size
// with units (checked against shmmax), mode, exclusive or not; then the new row is revealed.
// The helper only calls shmget: nothing is attached or written.
import { formatBytes, formatKey, IPC_PRIVATE, parseSize } from '../ipc/format';
import type { Command, CommandEnv } from './registry';
import { chooseExclusive, chooseKey, chooseMode, type Steps } from './sysvArgs';
import { createdWords } from './createdWords';
import * as l10n from '../shared/l10n';

const STEPS: Steps = { title: l10n.t('Create Shared Memory Segment'), noun: 'segment', total: 4 };

async function chooseSize(env: CommandEnv): Promise<number | undefined> {
  const limits = env.ipc.snapshots.current?.limits ?? (await env.ipc.refresh(true))?.limits;
  const shmmax = limits?.shmmax && !limits.shmmax.unlimited ? Number(limits.shmmax.raw) : undefined;
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('Create Shared Memory Segment (3/4): size'),
    prompt: l10n.t('Size: bytes or with a unit (4096, 4 KiB, 1 MiB){0}', shmmax ? `; at most ${formatBytes(shmmax)} (shmmax)` : ''),
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

export const createSegment: Command = {
  id: 'ipcInspector.createSegment',
  what: 'Could not create the segment',
  subject: 'segment',
  async run(env) {
    const key = await chooseKey(env, STEPS);
    const size = key && (await chooseSize(env));
    const mode = size !== undefined && size !== 0 ? await chooseMode(env, STEPS, 4) : undefined;
    const exclusive =
      key && mode !== undefined
        ? await chooseExclusive(env, key.key, 'segment', (s) => s.segments.find((o) => o.segment.key === key.key && !o.segment.dest)?.segment.shmid)
        : undefined;
    if (!key || !size || mode === undefined || exclusive === undefined) return undefined;
    const { created, shmid } = await env.ipc.helper().shmCreate(key.key, size, mode, exclusive);
    env.ipc.log.info(`${created ? 'created' : 'found existing'} segment ${key.description}, id ${shmid}, ${size} bytes, mode ${mode.toString(8)}`);
    const snapshot = await env.ipc.refresh(true);
    await env.views.sharedMemory.reveal(`shm:${shmid}`);
    // An existing segment is as large as it is (at least the size asked for): say its own size.
    const actual = created ? size : (snapshot?.segments.find((s) => s.segment.shmid === shmid)?.segment.size ?? size);
    const name = key.key === IPC_PRIVATE ? 'IPC_PRIVATE' : formatKey(key.key);
    void env.ipc.prompts.notify('info', createdWords(created, l10n.t('segment'), name, l10n.t('id {0}, {1}', shmid, formatBytes(Number(actual)))));
    return shmid;
  },
};
