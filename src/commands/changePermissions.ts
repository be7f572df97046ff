// Change Permissions…: the mode, and (when the helper runs as root) the owner and group, applied
// where the object's kind keeps them (IPC_SET for System V objects, chmod/chown on the very inode
// for POSIX ones: the kind's module says how). Names or numbers are accepted for users and groups.
import * as fs from 'fs';
import { modeToString, parseMode } from '../ipc/format';
import { kindOf } from '../ipc/kinds';
import { parseIdNames } from '../ipc/processes';
import type { IpcObject } from '../ipc/snapshot';
import { chooseObjects, objectLabel } from './objectArgs';
import type { Command, CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

type What = 'mode' | 'owner' | 'group';

/** A user or group given by name or number, resolved through /etc/passwd or /etc/group. */
export function resolveId(text: string, file: '/etc/passwd' | '/etc/group'): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  let names: Map<number, string>;
  try {
    names = parseIdNames(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  for (const [id, name] of names) if (name === trimmed) return id;
  return undefined;
}

async function chooseWhat(env: CommandEnv, canChown: boolean): Promise<What | undefined> {
  if (!canChown) return 'mode';
  const items: Array<{ label: string; description: string; what: What }> = [
    { label: 'Mode', description: 'read/write bits for owner, group, others', what: 'mode' },
    { label: 'Owner', description: 'user name or uid', what: 'owner' },
    { label: 'Group', description: 'group name or gid', what: 'group' },
  ];
  return (await env.ipc.prompts.quickPick(items, { title: l10n.t('Change Permissions'), placeHolder: l10n.t('What to change') }))?.what;
}

async function askChange(env: CommandEnv, object: IpcObject, what: What): Promise<{ uid?: number; gid?: number; mode?: number } | undefined> {
  const now = kindOf(object).permissions(object);
  if (what === 'mode') {
    const text = await env.ipc.prompts.inputBox({
      title: l10n.t('Permissions of {0}', objectLabel(object)),
      prompt: l10n.t('Mode in octal or rwx; now {0} ({1})', now.mode.toString(8).padStart(3, '0'), modeToString(now.mode)),
      value: now.mode.toString(8).padStart(3, '0'),
      validateInput: (value) => {
        const parsed = parseMode(value);
        return parsed.ok ? undefined : parsed.error;
      },
    });
    const parsed = text === undefined ? undefined : parseMode(text);
    return parsed?.ok ? { mode: parsed.value } : undefined;
  }
  const file = what === 'owner' ? '/etc/passwd' : '/etc/group';
  const text = await env.ipc.prompts.inputBox({
    title: l10n.t('{0} of {1}', what === 'owner' ? 'Owner' : 'Group', objectLabel(object)),
    prompt: l10n.t('{0} name or number; now {1}', what === 'owner' ? 'User' : 'Group', what === 'owner' ? now.ownerName : now.groupName),
    validateInput: (value) => (resolveId(value, file) === undefined ? `No such ${what === 'owner' ? 'user' : 'group'} in ${file}` : undefined),
  });
  const id = text === undefined ? undefined : resolveId(text, file);
  if (id === undefined) return undefined;
  return what === 'owner' ? { uid: id } : { gid: id };
}

export const changePermissions: Command = {
  id: 'ipcInspector.changePermissions',
  what: 'Could not change the permissions',
  async run(env, ...args) {
    const [object] = await chooseObjects(env, args, {
      many: false,
      placeHolder: l10n.t('Object whose permissions to change'),
      eligible: (o): o is IpcObject => kindOf(o).removable(o),
    });
    if (!object) return undefined;
    const { euid } = await env.ipc.helper().hello();
    const what = await chooseWhat(env, euid === 0);
    const change = what && (await askChange(env, object, what));
    if (!change) return undefined;
    const after = await kindOf(object).setPermissions(env.ipc.helper(), object, change);
    env.ipc.log.info(`changed ${objectLabel(object)}: mode ${(after.mode & 0o777).toString(8)}, uid ${after.uid}, gid ${after.gid}`);
    await env.ipc.refresh(true);
    return after;
  },
};
