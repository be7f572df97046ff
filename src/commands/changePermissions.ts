// Change Permissions…: the mode, and (when the helper runs as root) the owner and group, via
// IPC_SET. Names or numbers are accepted for users and groups.
import * as fs from 'fs';
import { modeToString, parseMode } from '../ipc/format';
import { parseIdNames } from '../ipc/processes';
import type { SegmentInfo } from '../ipc/snapshot';
import type { Inspector } from '../views/inspector';
import type { Command } from './registry';
import { chooseSegments, segmentTitle } from './segmentArgs';

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

async function chooseWhat(inspector: Inspector, canChown: boolean): Promise<What | undefined> {
  if (!canChown) return 'mode';
  const items: Array<{ label: string; description: string; what: What }> = [
    { label: 'Mode', description: 'read/write bits for owner, group, others', what: 'mode' },
    { label: 'Owner', description: 'user name or uid', what: 'owner' },
    { label: 'Group', description: 'group name or gid', what: 'group' },
  ];
  return (await inspector.prompts.quickPick(items, { title: 'Change Permissions', placeHolder: 'What to change' }))?.what;
}

async function askChange(inspector: Inspector, info: SegmentInfo, what: What): Promise<{ uid?: number; gid?: number; mode?: number } | undefined> {
  const s = info.segment;
  if (what === 'mode') {
    const text = await inspector.prompts.inputBox({
      title: `Permissions of ${segmentTitle(info)}`,
      prompt: `Mode in octal or rwx; now ${s.mode.toString(8).padStart(3, '0')} (${modeToString(s.mode)})`,
      value: s.mode.toString(8).padStart(3, '0'),
      validateInput: (value) => {
        const parsed = parseMode(value);
        return parsed.ok ? undefined : parsed.error;
      },
    });
    const parsed = text === undefined ? undefined : parseMode(text);
    return parsed?.ok ? { mode: parsed.value } : undefined;
  }
  const file = what === 'owner' ? '/etc/passwd' : '/etc/group';
  const text = await inspector.prompts.inputBox({
    title: `${what === 'owner' ? 'Owner' : 'Group'} of ${segmentTitle(info)}`,
    prompt: `${what === 'owner' ? 'User' : 'Group'} name or number; now ${what === 'owner' ? info.ownerName : info.groupName}`,
    validateInput: (value) => (resolveId(value, file) === undefined ? `No such ${what === 'owner' ? 'user' : 'group'} in ${file}` : undefined),
  });
  const id = text === undefined ? undefined : resolveId(text, file);
  if (id === undefined) return undefined;
  return what === 'owner' ? { uid: id } : { gid: id };
}

export const changePermissions: Command = {
  id: 'ipcInspector.changePermissions',
  what: 'Could not change the permissions',
  async run(inspector, ...args) {
    const [info] = await chooseSegments(inspector, args, { many: false, placeHolder: 'Segment whose permissions to change', eligible: (i) => !i.segment.dest });
    if (!info) return undefined;
    const { euid } = await inspector.helper().hello();
    const what = await chooseWhat(inspector, euid === 0);
    const change = what && (await askChange(inspector, info, what));
    if (!change) return undefined;
    const after = await inspector.helper().set(info.segment.shmid, change);
    inspector.log.info(`changed ${segmentTitle(info)}: mode ${after.mode.toString(8)}, uid ${after.uid}, gid ${after.gid}`);
    await inspector.refresh(true);
    return after;
  },
};
