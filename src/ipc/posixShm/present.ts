// How a POSIX shared memory object (or a shared memfd) is put into words: row label, description,
// state words, tooltip, screen-reader label, its holders as child rows, and the /dev/shm limits line.
import { formatBytes, modeToString } from '../format';
import { ChildRow, escapeCode, markdownTable, ObjectRow, RowContext, RowIcon } from '../objects';
import type { Holder, PosixObjectInfo, PosixState } from './classify';
import type { ShmFsUsage } from './parse';

const STATE_WORDS: Record<PosixState, string> = {
  'in-use': 'in use',
  unused: 'unused',
  orphaned: 'orphaned (leaked)',
  'removed-held': 'removed, still held',
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
  if (info.state !== 'removed-held') return STATE_WORDS[info.state];
  const parts: string[] = [];
  if (info.mappers > 0) parts.push('mapped');
  if (info.openers > 0) parts.push('open');
  return `removed, still ${parts.join('/')} by ${holderPids(info)}`;
}

/** The name as a user knows it, and the title used in messages. */
export function posixTitle(info: PosixObjectInfo): string {
  if (info.origin === 'memfd') return `${info.name} (inode ${info.ino})`;
  return info.removed ? `${info.name} (removed)` : info.name;
}

function holderPids(info: PosixObjectInfo): number {
  return new Set(info.holders.map((h) => h.pid)).size;
}

function holdersWords(info: PosixObjectInfo): string {
  const n = holderPids(info);
  if (n === 0) return 'no holder';
  return n === 1 ? '1 holder' : `${n} holders`;
}

export function posixDescription(info: PosixObjectInfo): string {
  const parts: string[] = [];
  if (info.file) {
    parts.push(formatBytes(info.file.size));
    if (info.file.allocated < info.file.size) parts.push(`${formatBytes(info.file.allocated)} allocated`);
  }
  parts.push(holdersWords(info));
  if (info.ownerName) parts.push(info.ownerName);
  if (info.state === 'orphaned') parts.push('orphaned');
  if (info.state === 'removed-held') parts.push('removed');
  return parts.join(' · ');
}

export function posixAccessibilityLabel(info: PosixObjectInfo): string {
  const what = info.origin === 'memfd' ? `Memfd object ${info.name}, inode ${info.ino}` : `POSIX shared memory object ${info.name}`;
  return [
    what,
    info.file ? formatBytes(info.file.size) : 'size unknown',
    `state: ${posixStateWords(info)}`,
    holdersWords(info),
    info.ownerName ? `owner ${info.ownerName}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function posixTooltip(info: PosixObjectInfo): string {
  const f = info.file;
  const rows: Array<[string, string]> = [['Name', info.origin === 'memfd' ? `${info.name} (memfd_create)` : `${info.name} (shm_open)`]];
  if (f && !info.removed) rows.push(['Path', f.path]);
  rows.push(['State', posixStateWords(info)], ['Why', info.reason]);
  if (f) {
    rows.push(
      ['Size', `${formatBytes(f.size)} (${f.size.toLocaleString('en-US')} bytes)`],
      ['Allocated', `${formatBytes(f.allocated)}${f.allocated < f.size ? ' (sparse: never-written pages take no memory)' : ''}`],
      ['Permissions', `${modeToString(f.mode)} (${(f.mode & 0o777).toString(8).padStart(4, '0')})`],
      ['Owner', `${info.ownerName}:${info.groupName} (uid ${f.uid}, gid ${f.gid})`],
      ['Modified', when(f.mtimeMs)],
      ['Changed', when(f.ctimeMs)],
    );
  } else {
    rows.push(['Size', "unknown: only a holder's mapping reaches it, which needs root (CAP_SYS_ADMIN) to read"]);
  }
  rows.push(['Holders', holderSummary(info)], ['Inode', `${info.ino} on device ${info.devMajor}:${info.devMinor}`]);
  if (info.unchecked > 0) {
    rows.push([
      'Not checked',
      `${info.unchecked} process${info.unchecked === 1 ? '' : 'es'} whose maps and descriptors cannot be read here (other users', or more privileged than VS Code)`,
    ]);
  }
  if (info.producer) rows.push(['Made by', `probably ${info.producer} (a hint from the name, not a proof)`]);
  const heading = info.origin === 'memfd' ? 'Memfd object' : 'POSIX shared memory object';
  return `**${heading} ${escapeCode(posixTitle(info))}**\n\n${markdownTable(rows)}`;
}

function holderSummary(info: PosixObjectInfo): string {
  if (info.holders.length === 0) return 'none';
  const parts: string[] = [];
  if (info.mappers > 0) parts.push(`mapped by ${info.mappers} process${info.mappers === 1 ? '' : 'es'}`);
  if (info.openers > 0) parts.push(`open in ${info.openers} process${info.openers === 1 ? '' : 'es'}`);
  return parts.join(', ');
}

function holderAccess(h: Holder): string {
  if (h.via === 'map') return h.access === 'rw' ? 'maps read-write' : h.access === 'ro' ? 'maps read-only' : 'maps with no access';
  return `fd ${h.fd}, ${h.access === 'rw' ? 'read-write' : h.access === 'ro' ? 'read-only' : 'write-only'}`;
}

export function holderDescription(h: Holder): string {
  return h.via === 'map' ? `${holderAccess(h)} · ${h.start}-${h.end}` : holderAccess(h);
}

function holderRow(info: PosixObjectInfo, h: Holder): ChildRow {
  const where = h.via === 'map' ? `at ${h.start}-${h.end} (${h.length} bytes mapped)` : `as descriptor ${h.fd}`;
  return {
    id: `${rowId(info)}:${h.pid}:${h.via === 'map' ? h.start : `fd${h.fd}`}`,
    label: `${h.pid} ${h.command ?? '(exited)'}`,
    description: holderDescription(h),
    tooltip: `Process ${h.pid}${h.command ? ` (${h.command})` : ''} ${h.via === 'map' ? 'maps' : 'holds open'} ${posixTitle(info)} ${where}, ${holderAccess(h).replace(/^maps |^fd \d+, /, '')}.`,
    codicon: h.via === 'fd' ? 'file' : h.access === 'rw' ? 'edit' : 'eye',
    accessibilityLabel: `Process ${h.pid}, ${h.command ?? 'exited'}, ${holderDescription(h)}`,
    contextValue: 'holder',
    pid: h.pid,
  };
}

export function rowId(info: PosixObjectInfo): string {
  return `${info.origin === 'memfd' ? 'memfd' : 'posix'}:${info.key}`;
}

/** Flags for the menus: kind, state, removed or linked, whether it can be read, mine. */
export function posixContextValue(info: PosixObjectInfo, uid: number): string {
  const flags = [`${info.origin === 'memfd' ? 'memfd' : 'posixObject'};state=${info.state}`];
  flags.push(info.removed ? 'removed' : 'linked');
  if (info.readPaths.length > 0) flags.push('readable');
  if (info.file && info.file.uid === uid) flags.push('mine');
  return flags.join(';');
}

export function posixRow(info: PosixObjectInfo, context: RowContext): ObjectRow {
  return {
    id: rowId(info),
    label: info.origin === 'memfd' ? posixTitle(info) : info.removed ? `${info.name} (removed)` : info.name,
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
  const count = `${objects} object${objects === 1 ? '' : 's'}`;
  if (!usage || usage.size === 0) return count;
  const share = usage.used / usage.size;
  return `${count} · ${formatBytes(usage.used)} of ${formatBytes(usage.size)} used (${Math.round(share * 100)}%)${share >= SHM_FS_WARNING ? ', nearly full' : ''}`;
}

export function shmFsNearlyFull(usage: ShmFsUsage | undefined): boolean {
  return !!usage && usage.size > 0 && usage.used / usage.size >= SHM_FS_WARNING;
}
