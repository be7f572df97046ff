// Change Permissions…: the mode, and (when the helper runs as root) the owner and group: IPC_SET
// for a System V segment, chmod/chown for a POSIX object (on the very inode shown: the helper
// checks it). Names or numbers are accepted for users and groups.
import * as fs from 'fs';
import { modeToString, parseMode } from '../ipc/format';
import type { FileStat } from '../ipc/helperProtocol';
import { parseIdNames } from '../ipc/processes';
import type { IpcObject, MsgQueueInfo, PosixMqInfo, PosixObjectInfo, PosixSemInfo, SegmentInfo, SemSetInfo } from '../ipc/snapshot';
import { chooseObjects, isPosix, isSegment, objectLabel } from './objectArgs';
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

/** What the dialogs show of an object's permissions now. */
function current(object: Changeable): { mode: number; ownerName: string; groupName: string } {
  switch (object.kind) {
    case 'sysvShm':
      return { mode: object.segment.mode, ownerName: object.ownerName, groupName: object.groupName };
    case 'sysvSem':
      return { mode: object.set.mode, ownerName: object.ownerName, groupName: object.groupName };
    case 'sysvMsg':
      return { mode: object.queue.mode, ownerName: object.ownerName, groupName: object.groupName };
    case 'posixMq':
      return { mode: object.queue.mode & 0o777, ownerName: object.ownerName, groupName: object.groupName };
    default:
      return { mode: object.file!.mode & 0o777, ownerName: object.ownerName ?? '?', groupName: object.groupName ?? '?' };
  }
}

async function askChange(env: CommandEnv, object: Changeable, what: What): Promise<{ uid?: number; gid?: number; mode?: number } | undefined> {
  const now = current(object);
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

type Changeable = SegmentInfo | PosixObjectInfo | SemSetInfo | MsgQueueInfo | PosixSemInfo | PosixMqInfo;

/** Live System V objects, and POSIX ones that still have a name (a removed one cannot be reached by it). */
function changeable(object: IpcObject): object is Changeable {
  if (isSegment(object)) return !object.segment.dest;
  if (isPosix(object)) return object.origin === 'dev-shm' && !object.removed && object.file !== undefined;
  if (object.kind === 'posixSem') return !object.removed && object.file !== undefined;
  return true;
}

/** Applies the change where the object's kind keeps its permissions; returns the mode, uid and gid after. */
async function apply(
  env: CommandEnv,
  object: Changeable,
  change: { uid?: number; gid?: number; mode?: number },
): Promise<{ mode: number; uid: number; gid: number }> {
  const helper = env.ipc.helper();
  switch (object.kind) {
    case 'sysvShm':
      return helper.shmSet(object.segment.shmid, change);
    case 'sysvSem':
      return helper.semSet(object.set.semid, change);
    case 'sysvMsg':
      return helper.msgSet(object.queue.msqid, change);
    case 'posixShm':
    case 'posixSem':
      return helper.fileSet(object.file!.path, object, change) as Promise<FileStat>;
    case 'posixMq': {
      // /dev/mqueue is the queue's own file system: chmod/chown on the file is what mq permissions are.
      const file = object.queue.path;
      if ((await fs.promises.stat(file)).ino !== Number(object.key.split(':')[2])) {
        throw Object.assign(new Error(l10n.t('{0} is another queue now', object.name)), { code: 'ESTALE' });
      }
      if (change.mode !== undefined) await fs.promises.chmod(file, change.mode);
      if (change.uid !== undefined || change.gid !== undefined) await fs.promises.chown(file, change.uid ?? object.queue.uid, change.gid ?? object.queue.gid);
      const st = await fs.promises.stat(file);
      return { mode: st.mode, uid: st.uid, gid: st.gid };
    }
  }
}

export const changePermissions: Command = {
  id: 'ipcInspector.changePermissions',
  what: 'Could not change the permissions',
  async run(env, ...args) {
    const [object] = await chooseObjects(env, args, { many: false, placeHolder: l10n.t('Object whose permissions to change'), eligible: changeable });
    if (!object) return undefined;
    const { euid } = await env.ipc.helper().hello();
    const what = await chooseWhat(env, euid === 0);
    const change = what && (await askChange(env, object, what));
    if (!change) return undefined;
    const after = await apply(env, object, change);
    env.ipc.log.info(`changed ${objectLabel(object)}: mode ${(after.mode & 0o777).toString(8)}, uid ${after.uid}, gid ${after.gid}`);
    await env.ipc.refresh(true);
    return after;
  },
};
