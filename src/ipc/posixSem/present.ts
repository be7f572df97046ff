// How a POSIX named semaphore is put into words: name, value and waiters (glibc's layout, or
// "unknown layout"), holders as children.
import { modeToString } from '../format';
import * as l10n from '../../shared/l10n';
import { ChildRow, escapeCode, markdownTable, ObjectRow, RowContext, RowIcon, orphanedWord, orphanStateWords, processLabel } from '../objects';
import { holderDescription } from '../posixShm/present';
import type { Holder } from '../family/holders';
import type { PosixSemInfo, PosixSemState } from './types';

const STATE_WORDS: Record<PosixSemState, string> = {
  'in-use': l10n.t('in use'),
  unused: l10n.t('unused'),
  orphaned: l10n.t('orphaned (leaked)'),
  'removed-held': l10n.t('removed, still held'),
};

const ROW_ICONS: Record<PosixSemState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  'removed-held': 'removed-held',
};

export function psemTitle(info: PosixSemInfo): string {
  return info.removed ? l10n.t('{0} (removed)', info.name) : info.name;
}

export function psemStateWords(info: PosixSemInfo): string {
  return orphanStateWords(STATE_WORDS[info.state], info.state, info.certain);
}

/** "value 1", "value 0, 2 waiting", "unknown layout", "value not readable". */
export function psemValueWords(info: PosixSemInfo): string {
  const r = info.reading;
  if (!r.read) return r.why === 'denied' ? l10n.t('value not readable') : l10n.t('value unknown');
  if (r.layout === 'unknown') return l10n.t('unknown layout');
  return r.waiters > 0 ? l10n.t('value {0}, {1} waiting', r.value, r.waiters) : l10n.t('value {0}', r.value);
}

function holderCount(info: PosixSemInfo): number {
  return new Set(info.holders.map((h) => h.pid)).size;
}

export function psemDescription(info: PosixSemInfo): string {
  // The state first: a narrow side bar cuts the end off.
  const parts: string[] = [];
  if (info.state === 'orphaned') parts.push(orphanedWord(info.certain));
  if (info.state === 'removed-held') parts.push(l10n.t('removed'));
  parts.push(psemValueWords(info), holderCount(info) === 1 ? l10n.t('1 holder') : l10n.t('{0} holders', holderCount(info)));
  if (info.ownerName) parts.push(info.ownerName);
  return parts.join(' · ');
}

const NAME_ORIGIN_WORDS: Record<PosixSemInfo['nameFrom'], string> = {
  file: '',
  earlier: l10n.t(', as it was named before its removal'),
  mapping: l10n.t(': the name its holders mapped, which may be the temporary sem.XXXXXX glibc creates before linking the real name'),
};

export function psemTooltip(info: PosixSemInfo): string {
  const r = info.reading;
  const rows: Array<[string, string]> = [['Name', l10n.t('{0} (sem_open){1}', info.name, NAME_ORIGIN_WORDS[info.nameFrom])]];
  if (info.file && !info.removed) rows.push(['File', info.file.path]);
  rows.push(
    ['State', psemStateWords(info)],
    ['Why', info.reason],
    [
      'Value',
      r.read && r.layout === 'glibc'
        ? r.waiters === 1
          ? l10n.t("{0}, 1 waiter (read from the file in glibc's layout)", r.value)
          : l10n.t("{0}, {1} waiters (read from the file in glibc's layout)", r.value, r.waiters)
        : r.read
          ? l10n.t('unknown layout: {0}', r.why)
          : r.message,
    ],
  );
  if (info.file) {
    rows.push(
      ['Permissions', `${modeToString(info.file.mode)} (${(info.file.mode & 0o777).toString(8).padStart(4, '0')})`],
      ['Owner', l10n.t('{0}:{1} (uid {2}, gid {3})', info.ownerName, info.groupName, info.file.uid, info.file.gid)],
    );
  }
  rows.push([
    'Holders',
    info.holders.length === 0
      ? l10n.t('none')
      : holderCount(info) === 1
        ? l10n.t('1 process maps or holds it')
        : l10n.t('{0} processes map or hold it', holderCount(info)),
  ]);
  return l10n.t('**POSIX named semaphore {0}**\n\n{1}', escapeCode(psemTitle(info)), markdownTable(rows));
}

function holderRow(info: PosixSemInfo, h: Holder): ChildRow {
  return {
    id: `psem:${info.key}:${h.pid}:${h.via === 'map' ? h.start : `fd${h.fd}`}`,
    label: processLabel(h.pid, h.command),
    description: holderDescription(h),
    tooltip: l10n.t(
      'Process {0}{1} {2} semaphore {3}.',
      h.pid,
      h.command ? ` (${escapeCode(h.command)})` : '',
      h.via === 'map' ? 'maps' : l10n.t('holds open'),
      info.name,
    ),
    codicon: h.via === 'fd' ? 'file' : h.access === 'rw' ? 'edit' : 'eye',
    accessibilityLabel: l10n.t('Process {0}, {1}, {2}', h.pid, h.command ?? 'exited', holderDescription(h)),
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
    accessibilityLabel: l10n.t(
      'POSIX named semaphore {0}, {1}, state: {2}, {3}',
      info.name,
      psemValueWords(info),
      psemStateWords(info),
      holderCount(info) === 1 ? l10n.t('1 holder') : l10n.t('{0} holders', holderCount(info)),
    ),
    contextValue: psemContextValue(info, context.uid),
    children: info.holders.map((h) => holderRow(info, h)),
  };
}
