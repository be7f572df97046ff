// Create Semaphore Set…: key (hex/decimal, IPC_PRIVATE, or ftok), the number of semaphores (at most
// semmsl), their initial values (set once, when the set is made: the only value the inspector ever
// writes), mode, exclusive or not. semget + one SETALL through the helper; the new row is revealed.
import { formatKey, IPC_PRIVATE } from '../ipc/format';
import { formatLimit } from '../ipc/limits';
import type { Command, CommandEnv } from './registry';
import { chooseExclusive, chooseKey, chooseMode, type Steps } from './sysvArgs';
import { createdWords } from './createdWords';
import * as l10n from '../shared/l10n';

const STEPS: Steps = { title: l10n.t('Create Semaphore Set'), noun: 'set', total: 5 };
/** SEMVMX: the largest value a System V semaphore holds. */
const SEMVMX = 32767;

/** "3" or "1, 0, 0": one value for all, or one per semaphore; each 0..SEMVMX. */
export function parseInitialValues(text: string, count: number): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return 'Type one value for all, or one per semaphore (e.g. 1, 0, 0)';
  if (parts.length !== 1 && parts.length !== count) return `Give one value, or ${count} (one per semaphore)`;
  const values = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (values.some((v) => !Number.isInteger(v) || v > SEMVMX)) return `Values are whole numbers from 0 to ${SEMVMX} (SEMVMX)`;
  return values.length === 1 ? Array.from({ length: count }, () => values[0]) : values;
}

async function chooseCount(env: CommandEnv): Promise<number | undefined> {
  const snapshot = env.ipc.snapshots.current ?? (await env.ipc.refresh(true));
  const semmsl = snapshot?.limits.semmsl && !snapshot.limits.semmsl.unlimited ? Number(snapshot.limits.semmsl.raw) : undefined;
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (3/5): semaphores', STEPS.title),
    prompt: l10n.t('How many semaphores in the set{0}', semmsl ? `: 1 to ${formatLimit(snapshot?.limits.semmsl)} (semmsl)` : ''),
    value: '1',
    validateInput: (value) => {
      const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
      if (!Number.isInteger(n) || n < 1) return 'A whole number, at least 1';
      if (semmsl !== undefined && n > semmsl) return `More than this machine allows in one set (semmsl = ${semmsl})`;
      return undefined;
    },
  });
  return text === undefined ? undefined : Number(text.trim());
}

async function chooseValues(env: CommandEnv, count: number): Promise<number[] | undefined> {
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (4/5): initial values', STEPS.title),
    prompt:
      count === 1
        ? l10n.t('The value of the semaphore (1 = a free lock, 0 = taken)')
        : l10n.t('One value for all {0} semaphores, or one per semaphore separated by commas (1 = a free lock, 0 = taken)', count),
    value: '0',
    validateInput: (value) => {
      const parsed = parseInitialValues(value, count);
      return typeof parsed === 'string' ? parsed : undefined;
    },
  });
  const parsed = text === undefined ? undefined : parseInitialValues(text, count);
  return Array.isArray(parsed) ? parsed : undefined;
}

export const createSemaphoreSet: Command = {
  id: 'ipcInspector.createSemaphoreSet',
  what: 'Could not create the semaphore set',
  subject: 'set',
  async run(env) {
    const key = await chooseKey(env, STEPS);
    const count = key && (await chooseCount(env));
    const values = count ? await chooseValues(env, count) : undefined;
    const mode = values ? await chooseMode(env, STEPS, 5) : undefined;
    const exclusive =
      key && mode !== undefined ? await chooseExclusive(env, key.key, 'set', (s) => s.sem.sets.find((o) => o.set.key === key.key)?.set.semid) : undefined;
    if (!key || !count || !values || mode === undefined || exclusive === undefined) return undefined;
    const { created, semid } = await env.ipc.helper().semCreate(key.key, count, mode, exclusive, values);
    env.ipc.log.info(
      `${created ? 'created' : 'opened existing'} semaphore set ${key.description}, id ${semid}, ${count === 1 ? '1 semaphore' : `${count} semaphores`}`,
    );
    await env.ipc.refresh(true);
    await env.views.semaphores.reveal(`sem:${semid}`);
    const name = key.key === IPC_PRIVATE ? 'IPC_PRIVATE' : formatKey(key.key);
    void env.ipc.prompts.notify(
      'info',
      createdWords(
        created,
        l10n.t('semaphore set'),
        name,
        created
          ? count === 1
            ? l10n.t('id {0}, 1 semaphore = {1}', semid, values[0])
            : l10n.t('id {0}, {1} semaphores = {2}', semid, count, values.join(', '))
          : l10n.t('id {0}', semid),
      ),
    );
    return semid;
  },
};
