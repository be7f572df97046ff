// Create POSIX Shared Memory Object…: name, size with units, mode (and, only for a name taken
// already, whether to open that object); what
// shm_open(O_CREAT) + ftruncate do, through the helper, with nothing written or mapped (a new
// object is all holes and takes no memory). The new row is revealed.
import * as path from 'path';
import { formatBytes, parseMode, parseSize } from '../ipc/format';
import { parseObjectName } from '../ipc/family/devShm';
import { rowId } from '../ipc/posixShm/present';
import type { Command, CommandEnv } from './registry';
import { createdWords } from './createdWords';
import * as l10n from '../shared/l10n';

const TITLE = 'Create POSIX Shared Memory Object';

async function chooseName(env: CommandEnv, dir: string): Promise<string | undefined> {
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (1/3): name', TITLE),
    prompt: l10n.t('Name as shm_open takes it; the object is the file {0}/NAME', dir),
    placeHolder: l10n.t('/my_buffer'),
    validateInput: (value) => {
      const parsed = parseObjectName(value);
      return parsed.ok ? undefined : parsed.error;
    },
  });
  const parsed = text === undefined ? undefined : parseObjectName(text);
  return parsed?.ok ? parsed.value : undefined;
}

async function chooseSize(env: CommandEnv, free: number | undefined): Promise<number | undefined> {
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (2/3): size', TITLE),
    prompt: l10n.t(
      'Size: bytes or with a unit (4096, 4 KiB, 1 MiB). Nothing is allocated until a program writes{0}',
      free !== undefined ? `; ${formatBytes(free)} of /dev/shm is free` : '',
    ),
    value: '4 KiB',
    validateInput: (value) => {
      const parsed = parseSize(value);
      return parsed.ok ? undefined : parsed.error;
    },
  });
  const parsed = text === undefined ? undefined : parseSize(text);
  return parsed?.ok ? parsed.value : undefined;
}

async function chooseMode(env: CommandEnv): Promise<number | undefined> {
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} (3/3): permissions', TITLE),
    prompt: l10n.t('Mode in octal (600 = only you) or rwx (rw-r-----); set exactly, whatever the umask'),
    value: '600',
    validateInput: (value) => {
      const parsed = parseMode(value);
      return parsed.ok ? undefined : parsed.error;
    },
  });
  const parsed = text === undefined ? undefined : parseMode(text);
  return parsed?.ok ? parsed.value : undefined;
}

/**
 * Whether to create exclusive (O_EXCL): asked only when an object has the name already (in a fresh
 * snapshot), to open it or make nothing. A free name is created exclusive, so a name taken
 * meanwhile fails with EEXIST rather than opening someone else's object. Undefined when cancelled.
 */
async function chooseExclusive(env: CommandEnv, name: string): Promise<boolean | undefined> {
  const snapshot = await env.ipc.refresh(true);
  const existing = snapshot?.posix.objects.find((o) => o.origin === 'dev-shm' && !o.removed && o.name === name);
  if (!existing) return true;
  const items = [
    {
      label: l10n.t('Open it'),
      description: existing.file
        ? l10n.t('use the existing object ({0}), as it is', formatBytes(existing.file.size))
        : l10n.t('use the existing object, as it is'),
      exclusive: false,
    },
    { label: l10n.t('Cancel'), description: l10n.t('make nothing'), exclusive: undefined },
  ];
  const picked = await env.ipc.prompts.quickPick(items, {
    title: l10n.t('{0} exists already', name),
    placeHolder: l10n.t('Open the existing object?'),
  });
  return picked?.exclusive;
}

export const createPosixObject: Command = {
  id: 'ipcInspector.createPosixObject',
  what: 'Could not create the POSIX object',
  subject: 'object',
  async run(env) {
    const snapshot = env.ipc.snapshots.current ?? (await env.ipc.refresh(true));
    const dir = snapshot?.posix.dir ?? '/dev/shm';
    const usage = snapshot?.posix.usage;
    const name = await chooseName(env, dir);
    const size = name && (await chooseSize(env, usage && usage.size - usage.used));
    const mode = size ? await chooseMode(env) : undefined;
    const exclusive = name && mode !== undefined ? await chooseExclusive(env, name) : undefined;
    if (!name || !size || mode === undefined || exclusive === undefined) return undefined;
    const file = path.posix.join(dir, name.slice(1));
    const { created, stat } = await env.ipc.helper().fileCreate(file, size, mode, exclusive);
    env.ipc.log.info(`${created ? 'created' : 'opened existing'} POSIX object ${name}: ${stat.size} bytes, mode ${(stat.mode & 0o777).toString(8)}`);
    const fresh = await env.ipc.refresh(true);
    const info = fresh?.posix.objects.find((o) => o.ino === stat.ino && o.name === name);
    if (info) await env.views.sharedMemory.reveal(rowId(info));
    void env.ipc.prompts.notify(
      'info',
      createdWords(
        created,
        l10n.t('POSIX object'),
        name,
        created
          ? l10n.t('{0}, mode {1}: nothing is allocated until a program writes', formatBytes(stat.size), (stat.mode & 0o777).toString(8))
          : formatBytes(stat.size),
      ),
    );
    return name;
  },
};
