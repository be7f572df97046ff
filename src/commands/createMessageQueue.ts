// Create Message Queue…: System V (key, mode, exclusive: msgget) or POSIX (name, mode, exclusive,
// capacity: mq_open with O_CREAT), through the helper. Nothing is sent. The new row is revealed.
import { formatKey, IPC_PRIVATE, parseMode } from '../ipc/format';
import { parseObjectName } from '../ipc/family/devShm';
import { reportFailure, type Command, type CommandEnv } from './registry';
import { chooseExclusive, chooseKey, chooseMode, type Steps } from './sysvArgs';
import { createdWords } from './createdWords';
import * as l10n from '../shared/l10n';

const SYSV_STEPS: Steps = { title: l10n.t('Create System V Message Queue'), noun: 'queue', total: 3 };
const POSIX_TITLE = 'Create POSIX Message Queue';

async function chooseFamily(env: CommandEnv): Promise<'sysv' | 'posix' | undefined> {
  const items = [
    { label: 'System V queue', description: 'msgget: found by a key; its messages can be looked at without consuming them', family: 'sysv' as const },
    { label: 'POSIX queue', description: 'mq_open: found by a name such as /jobs', family: 'posix' as const },
  ];
  return (await env.ipc.prompts.quickPick(items, { title: l10n.t('Create Message Queue'), placeHolder: l10n.t('Which kind of queue?') }))?.family;
}

async function createSysv(env: CommandEnv): Promise<number | undefined> {
  const key = await chooseKey(env, SYSV_STEPS);
  const mode = key ? await chooseMode(env, SYSV_STEPS, 3) : undefined;
  const exclusive =
    key && mode !== undefined ? await chooseExclusive(env, key.key, 'queue', (s) => s.msg.queues.find((o) => o.queue.key === key.key)?.queue.msqid) : undefined;
  if (!key || mode === undefined || exclusive === undefined) return undefined;
  const { created, msqid } = await env.ipc.helper().msgCreate(key.key, mode, exclusive);
  env.ipc.log.info(`${created ? 'created' : 'opened existing'} message queue ${key.description}, id ${msqid}`);
  await env.ipc.refresh(true);
  await env.views.messageQueues.reveal(`msg:${msqid}`);
  const name = key.key === IPC_PRIVATE ? 'IPC_PRIVATE' : formatKey(key.key);
  void env.ipc.prompts.notify('info', createdWords(created, l10n.t('message queue'), name, l10n.t('id {0}', msqid)));
  return msqid;
}

function positive(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return 0;
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

async function createPosix(env: CommandEnv): Promise<string | undefined> {
  const nameText = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (1/4): name', POSIX_TITLE),
    prompt: l10n.t('Name as mq_open takes it'),
    placeHolder: l10n.t('/jobs'),
    validateInput: (value) => {
      const parsed = parseObjectName(value, { semaphorePrefixAllowed: true });
      return parsed.ok ? undefined : parsed.error;
    },
  });
  const parsedName = nameText === undefined ? undefined : parseObjectName(nameText, { semaphorePrefixAllowed: true });
  if (!parsedName?.ok) return undefined;
  const name = parsedName.value;
  const snapshot = env.ipc.snapshots.current;
  const maxText = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (2/4): capacity', POSIX_TITLE),
    prompt: l10n.t(
      'Most messages it holds (empty: the system default{0})',
      snapshot?.limits.mqMsgMax ? `; at most ${snapshot.limits.mqMsgMax.raw} (msg_max)` : '',
    ),
    value: '',
    validateInput: (value) => (positive(value) === undefined ? 'A whole number, or empty for the default' : undefined),
  });
  const maxmsg = maxText === undefined ? undefined : positive(maxText);
  if (maxmsg === undefined) return undefined;
  const sizeText = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (3/4): message size', POSIX_TITLE),
    prompt: l10n.t(
      'Largest message in bytes (empty: the system default{0})',
      snapshot?.limits.mqMsgsizeMax ? `; at most ${snapshot.limits.mqMsgsizeMax.raw} (msgsize_max)` : '',
    ),
    value: '',
    validateInput: (value) => (positive(value) === undefined ? 'A whole number of bytes, or empty for the default' : undefined),
  });
  const msgsize = sizeText === undefined ? undefined : positive(sizeText);
  if (msgsize === undefined || (maxmsg === 0) !== (msgsize === 0)) {
    if (msgsize !== undefined) {
      void env.ipc.prompts.notify('warning', l10n.t('Give both the capacity and the message size, or neither (mq_open takes both or uses both defaults).'));
    }
    return undefined;
  }
  const modeText = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (4/4): permissions', POSIX_TITLE),
    prompt: l10n.t('Mode in octal (600 = only you) or rwx (rw-r-----)'),
    value: '600',
    validateInput: (value) => {
      const parsed = parseMode(value);
      return parsed.ok ? undefined : parsed.error;
    },
  });
  const mode = modeText === undefined ? undefined : parseMode(modeText);
  if (!mode?.ok) return undefined;
  const exclusive = await chooseExclusiveQueue(env, name);
  if (exclusive === undefined) return undefined;
  const { created, attr } = await env.ipc.helper().mqCreate(name, mode.value, exclusive, maxmsg, msgsize);
  env.ipc.log.info(`${created ? 'created' : 'opened existing'} POSIX message queue ${name}: ${attr.maxmsg} messages of ${attr.msgsize} bytes`);
  await env.ipc.refresh(true);
  const info = env.ipc.snapshots.current?.mqueue.queues.find((q) => q.name === name);
  if (info) await env.views.messageQueues.reveal(`pmq:${info.key}`);
  void env.ipc.prompts.notify(
    'info',
    createdWords(created, l10n.t('POSIX message queue'), name, l10n.t('{0} messages of at most {1} bytes', attr.maxmsg, attr.msgsize)) +
      (env.ipc.snapshots.current?.mqueue.mounted
        ? ''
        : ` ${l10n.t('{0} is not mounted, so it cannot be listed.', env.ipc.snapshots.current?.mqueue.dir ?? '/dev/mqueue')}`),
  );
  return name;
}

export const createMessageQueue: Command = {
  id: 'ipcInspector.createMessageQueue',
  what: 'Could not create the message queue',
  subject: 'queue',
  async run(env, family) {
    const which = family === 'posix' || family === 'sysv' ? family : await chooseFamily(env);
    if (which === 'sysv') return createSysv(env);
    if (which !== 'posix') return undefined;
    try {
      return await createPosix(env);
    } catch (error) {
      // A POSIX queue's errors are worded as such (its limits are not System V's).
      reportFailure(env.ipc, error, 'Could not create the POSIX message queue', { kind: 'posixQueue' });
      return undefined;
    }
  },
};

/**
 * Whether to create the POSIX queue exclusive (O_EXCL): asked only when a queue has the name
 * already, to open it or make nothing; a free name is created exclusive (a name taken meanwhile
 * fails with EEXIST). Without /dev/mqueue mounted no name can be seen, so it is asked plainly.
 * Undefined when cancelled.
 */
async function chooseExclusiveQueue(env: CommandEnv, name: string): Promise<boolean | undefined> {
  const snapshot = await env.ipc.refresh(true);
  if (snapshot && !snapshot.mqueue.mounted) {
    // Without /dev/mqueue the names cannot be seen: asked as before, whether a queue has it or not.
    const picked = await env.ipc.prompts.quickPick(
      [
        { label: 'Exclusive', description: l10n.t('fail if a queue with this name exists (O_EXCL)'), exclusive: true },
        { label: 'Open or create', description: l10n.t('leave an existing queue as it is'), exclusive: false },
      ],
      { title: l10n.t('{0}: /dev/mqueue is not mounted, so an existing queue cannot be seen', name), placeHolder: l10n.t('Exclusive or not') },
    );
    return picked?.exclusive;
  }
  if (!snapshot?.mqueue.queues.some((q) => q.name === name)) return true;
  const picked = await env.ipc.prompts.quickPick(
    [
      { label: l10n.t('Open it'), description: l10n.t('use the existing queue, as it is'), exclusive: false },
      { label: l10n.t('Cancel'), description: l10n.t('make nothing'), exclusive: undefined },
    ],
    { title: l10n.t('{0} exists already', name), placeHolder: l10n.t('Open the existing queue?') },
  );
  return picked?.exclusive;
}
