// How a POSIX shared memory object (or a shared memfd, or anonymous shared memory) is put into words: row label, description,
// state words, tooltip, screen-reader label, its holders as child rows, and the /dev/shm limits line.
import { formatBytes, modeToString } from '../format';
import { executableName } from '../processes';
import * as l10n from '../../shared/l10n';
import { ChildRow, escapeCode, markdownTable, ObjectRow, RowContext, RowIcon, orphanedWord, orphanStateWords, processLabel } from '../objects';
import { mayReach, type Holder, type PosixState } from '../family/holders';
import type { PosixObjectInfo } from './types';
import type { ShmFsUsage } from '../family/devShm';

const STATE_WORDS: Record<PosixState, string> = {
  'in-use': l10n.t('in use'),
  unused: l10n.t('unused'),
  orphaned: l10n.t('orphaned (leaked)'),
  'removed-held': l10n.t('removed, still held'),
};

const ROW_ICONS: Record<PosixState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  'removed-held': 'removed-held',
};

/** /dev/shm is called nearly full from this share on. */
export const SHM_FS_WARNING = 0.8;

export function posixStateWords(info: PosixObjectInfo): string {
  if (info.state !== 'removed-held') return orphanStateWords(STATE_WORDS[info.state], info.state, info.certain);
  const parts: string[] = [];
  if (info.mappers > 0) parts.push(l10n.t('mapped'));
  if (info.openers > 0) parts.push(l10n.t('open'));
  // A memfd or anonymous shared memory never had a name to remove: held is all it can be.
  if (info.origin !== 'dev-shm') return l10n.t('{0} by {1}', parts.join('/'), holderPids(info));
  return l10n.t('removed, still {0} by {1}', parts.join('/'), holderPids(info));
}

/** The name as a user knows it, and the title used in messages (the Waits view names it the same). */
export function posixTitle(info: PosixObjectInfo): string {
  if (info.origin === 'memfd') return l10n.t('{0} (inode {1})', info.name, info.ino);
  if (info.origin === 'anonymous') return l10n.t('anonymous shared memory (inode {0})', info.ino);
  return info.removed ? l10n.t('{0} (removed)', info.name) : info.name;
}

/** What the object is, in words, for the tooltip's heading ('' when its title says it). */
function originWords(info: PosixObjectInfo): string {
  if (info.origin === 'memfd') return l10n.t('Memfd object');
  if (info.origin === 'anonymous') return '';
  return l10n.t('POSIX shared memory object');
}

/** How it was made: the Name row of the tooltip. */
function madeBy(info: PosixObjectInfo): string {
  if (info.origin === 'memfd') return l10n.t('{0} (memfd_create)', info.name);
  if (info.origin === 'anonymous') return l10n.t('none: mapped shared and anonymous (mmap with MAP_SHARED and MAP_ANONYMOUS), shared with children over fork');
  return l10n.t('{0} (shm_open)', info.name);
}

/** The programs that hold it, when it has no name of its own to tell it by: "postgres", "python3 app.py". */
function holderCommands(info: PosixObjectInfo): string {
  return [...new Set(info.holders.map((h) => (h.command ? executableName(h.command) : '')).filter(Boolean))].join(', ');
}

function holderPids(info: PosixObjectInfo): number {
  return new Set(info.holders.map((h) => h.pid)).size;
}

function holdersWords(info: PosixObjectInfo): string {
  const n = holderPids(info);
  if (n === 0) return l10n.t('no holder');
  return n === 1 ? l10n.t('1 holder') : l10n.t('{0} holders', n);
}

export function posixDescription(info: PosixObjectInfo): string {
  // The state first: a narrow side bar cuts the end off.
  const parts: string[] = [];
  if (info.state === 'orphaned') parts.push(orphanedWord(info.certain));
  if (info.state === 'removed-held' && info.origin === 'dev-shm') parts.push(l10n.t('removed'));
  if (info.file) {
    parts.push(formatBytes(info.file.size));
    if (info.file.allocated < info.file.size) parts.push(l10n.t('{0} allocated', formatBytes(info.file.allocated)));
  }
  parts.push(holdersWords(info));
  if (info.origin === 'anonymous' && holderCommands(info)) parts.push(holderCommands(info));
  if (info.ownerName) parts.push(info.ownerName);
  return parts.join(' · ');
}

export function posixAccessibilityLabel(info: PosixObjectInfo): string {
  const what =
    info.origin === 'memfd'
      ? l10n.t('Memfd object {0}, inode {1}', info.name, info.ino)
      : info.origin === 'anonymous'
        ? posixTitle(info)
        : l10n.t('POSIX shared memory object {0}', info.name);
  return [
    what,
    info.file ? formatBytes(info.file.size) : l10n.t('size unknown'),
    l10n.t('state: {0}', posixStateWords(info)),
    holdersWords(info),
    info.ownerName ? l10n.t('owner {0}', info.ownerName) : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function posixTooltip(info: PosixObjectInfo): string {
  const f = info.file;
  const rows: Array<[string, string]> = [['Name', madeBy(info)]];
  if (f && !info.removed) rows.push(['Path', f.path]);
  rows.push(['State', posixStateWords(info)], ['Why', info.reason]);
  if (f) {
    rows.push(
      ['Size', l10n.t('{0} ({1} bytes)', formatBytes(f.size), f.size.toLocaleString('en-US'))],
      ['Allocated', `${formatBytes(f.allocated)}${f.allocated < f.size ? l10n.t(' (sparse: never-written pages take no memory)') : ''}`],
      ['Permissions', `${modeToString(f.mode)} (${(f.mode & 0o777).toString(8).padStart(4, '0')})`],
      ['Owner', l10n.t('{0}:{1} (uid {2}, gid {3})', info.ownerName, info.groupName, f.uid, f.gid)],
      ['Modified', when(f.mtimeMs)],
      ['Changed', when(f.ctimeMs)],
    );
  } else {
    rows.push(['Size', l10n.t("unknown: only a holder's mapping reaches it, which needs root (CAP_SYS_ADMIN) to read")]);
  }
  rows.push(['Holders', holderSummary(info)]);
  if (info.origin === 'anonymous' && holderCommands(info)) rows.push([l10n.t('Programs'), holderCommands(info)]);
  rows.push(['Inode', l10n.t('{0} on device {1}:{2}', info.ino, info.devMajor, info.devMinor)]);
  if (info.unchecked > 0) {
    rows.push([
      l10n.t('Not checked'),
      l10n.t(
        "{0} process{1} whose maps and descriptors cannot be read here (other users', or more privileged than this user)",
        info.unchecked,
        info.unchecked === 1 ? '' : 'es',
      ),
    ]);
  }
  if (info.producer) rows.push([l10n.t('Made by'), l10n.t('probably {0} (a hint from the name, not a proof)', info.producer)]);
  const heading = [originWords(info), escapeCode(posixTitle(info))].filter(Boolean).join(' ');
  return `**${heading}**\n\n${markdownTable(rows)}`;
}

function holderSummary(info: PosixObjectInfo): string {
  if (info.holders.length === 0) return 'none';
  const parts: string[] = [];
  if (info.mappers > 0) parts.push(l10n.t('mapped by {0} process{1}', info.mappers, info.mappers === 1 ? '' : 'es'));
  if (info.openers > 0) parts.push(l10n.t('open in {0} process{1}', info.openers, info.openers === 1 ? '' : 'es'));
  return parts.join(', ');
}

function holderAccess(h: Holder): string {
  if (h.via === 'map') return h.access === 'rw' ? l10n.t('maps read-write') : h.access === 'ro' ? l10n.t('maps read-only') : l10n.t('maps with no access');
  return l10n.t('fd {0}, {1}', h.fd, h.access === 'rw' ? 'read-write' : h.access === 'ro' ? 'read-only' : 'write-only');
}

export function holderDescription(h: Holder): string {
  return h.via === 'map' ? `${holderAccess(h)} · ${h.start}-${h.end}` : holderAccess(h);
}

function holderRow(info: PosixObjectInfo, h: Holder): ChildRow {
  const where = h.via === 'map' ? l10n.t('at {0}-{1} ({2} bytes mapped)', h.start, h.end, h.length) : l10n.t('as descriptor {0}', h.fd);
  return {
    id: `${rowId(info)}:${h.pid}:${h.via === 'map' ? h.start : `fd${h.fd}`}`,
    label: processLabel(h.pid, h.command),
    description: holderDescription(h),
    tooltip: l10n.t(
      'Process {0}{1} {2} {3} {4}, {5}.',
      h.pid,
      h.command ? ` (${h.command})` : '',
      h.via === 'map' ? 'maps' : l10n.t('holds open'),
      posixTitle(info),
      where,
      holderAccess(h).replace(/^maps |^fd \d+, /, ''),
    ),
    codicon: h.via === 'fd' ? 'file' : h.access === 'rw' ? 'edit' : 'eye',
    accessibilityLabel: l10n.t('Process {0}, {1}, {2}', h.pid, h.command ?? 'exited', holderDescription(h)),
    contextValue: 'holder',
    pid: h.pid,
  };
}

/** The first word of a row's id and of its menu flags, by origin. */
const ROW_WORD: Record<PosixObjectInfo['origin'], { id: string; menu: string }> = {
  'dev-shm': { id: 'posix', menu: 'posixObject' },
  memfd: { id: 'memfd', menu: 'memfd' },
  anonymous: { id: 'anon', menu: 'anonShm' },
};

export function rowId(info: PosixObjectInfo): string {
  return `${ROW_WORD[info.origin].id}:${info.key}`;
}

/** Flags for the menus: kind, state, removed or linked, whether it can be read, mine. */
export function posixContextValue(info: PosixObjectInfo, uid: number): string {
  const flags = [`${ROW_WORD[info.origin].menu};state=${info.state}`];
  flags.push(info.removed ? 'removed' : 'linked');
  if (mayReach(info.readPaths, uid)) flags.push('readable');
  if (info.file && info.file.uid === uid) flags.push('mine');
  return flags.join(';');
}

export function posixRow(info: PosixObjectInfo, context: RowContext): ObjectRow {
  return {
    id: rowId(info),
    label: posixTitle(info),
    description: posixDescription(info),
    icon: ROW_ICONS[info.state],
    tooltip: posixTooltip(info),
    accessibilityLabel: posixAccessibilityLabel(info),
    contextValue: posixContextValue(info, context.uid),
    children: info.holders.map((h) => holderRow(info, h)),
  };
}

/** The limits line of the POSIX group: how full /dev/shm is. */
export function shmFsSummary(usage: ShmFsUsage | undefined, objects: number): string {
  const count = objects === 1 ? l10n.t('1 object') : l10n.t('{0} objects', objects);
  if (!usage || usage.size === 0) return count;
  const share = usage.used / usage.size;
  return l10n.t(
    '{0} · {1} of {2} used ({3}%){4}',
    count,
    formatBytes(usage.used),
    formatBytes(usage.size),
    Math.round(share * 100),
    share >= SHM_FS_WARNING ? l10n.t(', nearly full') : '',
  );
}

export function shmFsNearlyFull(usage: ShmFsUsage | undefined): boolean {
  return !!usage && usage.size > 0 && usage.used / usage.size >= SHM_FS_WARNING;
}
