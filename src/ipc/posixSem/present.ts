// How a POSIX named semaphore is put into words: name, value and waiters (glibc's layout, or
// "unknown layout"), holders as children.
import { modeToString } from '../format';
import { ChildRow, escapeCode, markdownTable, ObjectRow, RowContext, RowIcon } from '../objects';
import { holderDescription } from '../posixShm/present';
import type { Holder } from '../posixShm/classify';
import type { PosixSemInfo, PosixSemState } from './classify';

const STATE_WORDS: Record<PosixSemState, string> = {
  'in-use': 'in use',
  unused: 'unused',
  orphaned: 'orphaned (leaked)',
  'removed-held': 'removed, still held',
};

const ROW_ICONS: Record<PosixSemState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  'removed-held': 'removed-held',
};

export function psemTitle(info: PosixSemInfo): string {
  return info.removed ? `${info.name} (removed)` : info.name;
}

export function psemStateWords(info: PosixSemInfo): string {
  return STATE_WORDS[info.state];
}

/** "value 1", "value 0, 2 waiting", "unknown layout", "value not readable". */
export function psemValueWords(info: PosixSemInfo): string {
  const r = info.reading;
  if (!r.read) return r.why === 'denied' ? 'value not readable' : 'value unknown';
  if (r.layout === 'unknown') return 'unknown layout';
  return r.waiters > 0 ? `value ${r.value}, ${r.waiters} waiting` : `value ${r.value}`;
}

function holderCount(info: PosixSemInfo): number {
  return new Set(info.holders.map((h) => h.pid)).size;
}

export function psemDescription(info: PosixSemInfo): string {
  const parts = [psemValueWords(info), holderCount(info) === 1 ? '1 holder' : `${holderCount(info)} holders`];
  if (info.ownerName) parts.push(info.ownerName);
  if (info.state === 'orphaned') parts.push('orphaned');
  if (info.state === 'removed-held') parts.push('removed');
  return parts.join(' · ');
}

const NAME_ORIGIN_WORDS: Record<PosixSemInfo['nameFrom'], string> = {
  file: '',
  earlier: ', as it was named before its removal',
  mapping: ': the name its holders mapped, which may be the temporary sem.XXXXXX glibc creates before linking the real name',
};

export function psemTooltip(info: PosixSemInfo): string {
  const r = info.reading;
  const rows: Array<[string, string]> = [['Name', `${info.name} (sem_open)${NAME_ORIGIN_WORDS[info.nameFrom]}`]];
  if (info.file && !info.removed) rows.push(['File', info.file.path]);
  rows.push(
    ['State', psemStateWords(info)],
    ['Why', info.reason],
    [
      'Value',
      r.read && r.layout === 'glibc'
        ? `${r.value}, ${r.waiters} waiter(s) (read from the file in glibc's layout)`
        : r.read
          ? `unknown layout: ${r.why}`
          : r.message,
    ],
  );
  if (info.file) {
    rows.push(
      ['Permissions', `${modeToString(info.file.mode)} (${(info.file.mode & 0o777).toString(8).padStart(4, '0')})`],
      ['Owner', `${info.ownerName}:${info.groupName} (uid ${info.file.uid}, gid ${info.file.gid})`],
    );
  }
  rows.push(['Holders', info.holders.length === 0 ? 'none' : `${holderCount(info)} process(es) map or hold it`]);
  return `**POSIX named semaphore ${escapeCode(psemTitle(info))}**\n\n${markdownTable(rows)}`;
}

function holderRow(info: PosixSemInfo, h: Holder): ChildRow {
  return {
    id: `psem:${info.key}:${h.pid}:${h.via === 'map' ? h.start : `fd${h.fd}`}`,
    label: `${h.pid} ${h.command ?? '(exited)'}`,
    description: holderDescription(h),
    tooltip: `Process ${h.pid}${h.command ? ` (${escapeCode(h.command)})` : ''} ${h.via === 'map' ? 'maps' : 'holds open'} semaphore ${info.name}.`,
    codicon: h.via === 'fd' ? 'file' : h.access === 'rw' ? 'edit' : 'eye',
    accessibilityLabel: `Process ${h.pid}, ${h.command ?? 'exited'}, ${holderDescription(h)}`,
    contextValue: 'holder',
    pid: h.pid,
  };
}

export function psemContextValue(info: PosixSemInfo, uid: number): string {
  const flags = [`posixSem;state=${info.state}`, info.removed ? 'removed' : 'linked'];
  if (info.file && info.file.uid === uid) flags.push('mine');
  return flags.join(';');
}

export function psemRow(info: PosixSemInfo, context: RowContext): ObjectRow {
  return {
    id: `psem:${info.key}`,
    label: psemTitle(info),
    description: psemDescription(info),
    icon: ROW_ICONS[info.state],
    tooltip: psemTooltip(info),
    accessibilityLabel: `POSIX named semaphore ${info.name}, ${psemValueWords(info)}, state: ${psemStateWords(info)}, ${holderCount(info)} holder(s)`,
    contextValue: psemContextValue(info, context.uid),
    children: info.holders.map((h) => holderRow(info, h)),
  };
}
