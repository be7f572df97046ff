// Which file system a directory of a process's tree is on, read from /proc/PID/mountinfo: text the
// kernel prints from its own mount table, so nothing of the file system is asked (a FUSE daemon
// that stopped answering would hang a stat or statfs of it; the mount table answers at once).
//
// Why: another namespace's /dev/shm is reached through /proc/PID/root/dev/shm, and whatever its
// user mounted there is what the views would list, and Remove and Clean Up would act on. An
// unprivileged user may bind-mount any directory it can read (a root-owned one on disk) over
// /dev/shm in a user and mount namespace of its own. Only tmpfs and hugetlbfs hold shared memory.
import * as fs from 'fs';
import * as l10n from '../shared/l10n';

export interface MountEntry {
  id: number;
  parent: number;
  major: number;
  minor: number;
  /** Where the process sees it, from its root ("/dev/shm"). */
  mountPoint: string;
  /** The file system's type as the kernel names it ("tmpfs", "ext4", "fuse.sshfs"). */
  fsType: string;
}

/** The file systems shared memory lives on. */
export const SHARED_MEMORY_FS = new Set(['tmpfs', 'hugetlbfs']);

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The lines of /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS". */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const head = line.slice(0, separator).split(' ');
    const tail = line.slice(separator + 3).split(' ');
    const dev = /^(\d+):(\d+)$/.exec(head[2] ?? '');
    if (head.length < 6 || !dev || !/^\d+$/.test(head[0]) || !/^\d+$/.test(head[1]) || !tail[0]) continue;
    entries.push({
      id: Number(head[0]),
      parent: Number(head[1]),
      major: Number(dev[1]),
      minor: Number(dev[2]),
      mountPoint: unescape(head[4]),
      fsType: tail[0],
    });
  }
  return entries;
}

/** The mount stacked topmost on `mount` at `mountPoint` (later mounts on the same point hide earlier ones). */
function topmost(entries: readonly MountEntry[], mount: MountEntry, mountPoint: string): MountEntry {
  for (;;) {
    const above = entries.filter((e) => e.parent === mount.id && e.mountPoint === mountPoint && e.id !== mount.id);
    if (above.length === 0) return mount;
    mount = above[above.length - 1];
  }
}

/**
 * The mount an absolute path (with no symlink in it) lands on in the process's tree, walked as the
 * kernel does: from the root mount, component by component, into the topmost mount on each.
 * Undefined when the table has no root.
 */
export function mountAt(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  const ids = new Set(entries.map((e) => e.id));
  const root = entries.find((e) => e.mountPoint === '/' && !ids.has(e.parent)) ?? entries.find((e) => e.mountPoint === '/');
  if (!root) return undefined;
  let mount = topmost(entries, root, '/');
  let prefix = '';
  for (const part of path.split('/').filter((p) => p !== '')) {
    prefix += `/${part}`;
    const here = entries.filter((e) => e.parent === mount.id && e.mountPoint === prefix);
    if (here.length > 0) mount = topmost(entries, here[here.length - 1], prefix);
  }
  return mount;
}

/** The names directly in `dir` that have a file system mounted on them (they are not its files). */
export function mountedNames(entries: readonly MountEntry[], mount: MountEntry, dir: string): Set<string> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const names = new Set<string>();
  for (const e of entries) {
    if (e.parent !== mount.id || !e.mountPoint.startsWith(prefix)) continue;
    const name = e.mountPoint.slice(prefix.length);
    if (name !== '' && !name.includes('/')) names.add(name);
  }
  return names;
}

export type SharedMemoryDir = { ok: true; fsType: string; mountedNames: Set<string> } | { ok: false; fsType: string | undefined; why: string };

/**
 * Whether `dir` (/dev/shm, or /proc/PID/root/dev/shm of another mount namespace) is on tmpfs or
 * hugetlbfs, from the mount table of the process whose tree it is in; and which of its names are
 * mount points (to be left out: lstat of one would cross into the file system mounted there).
 * Other directories (a test's fixture) are not checked: undefined.
 */
export function checkSharedMemoryDir(dir: string, procRoot = '/proc'): SharedMemoryDir | undefined {
  const inProcess = /^\/proc\/(\d+)\/root(\/.*)$/.exec(dir);
  if (!inProcess && dir !== '/dev/shm') return undefined;
  const table = inProcess ? `${procRoot}/${inProcess[1]}/mountinfo` : `${procRoot}/self/mountinfo`;
  const where = inProcess ? inProcess[2] : dir;
  let entries: MountEntry[];
  try {
    entries = parseMountinfo(fs.readFileSync(table, 'latin1'));
  } catch (error) {
    return {
      ok: false,
      fsType: undefined,
      why: l10n.t('its mount table {0} could not be read ({1})', table, (error as NodeJS.ErrnoException).code ?? String(error)),
    };
  }
  const mount = mountAt(entries, where);
  if (!mount) return { ok: false, fsType: undefined, why: l10n.t('{0} lists no root mount', table) };
  if (!SHARED_MEMORY_FS.has(mount.fsType)) {
    return { ok: false, fsType: mount.fsType, why: l10n.t('it is on {0}, not tmpfs or hugetlbfs, so its files are not shared memory objects', mount.fsType) };
  }
  return { ok: true, fsType: mount.fsType, mountedNames: mountedNames(entries, mount, where) };
}
