// How a System V semaphore set is put into words: its row, each semaphore as a child (value, last
// operator, who waits), the waiters under the semaphore they wait on, and the limits line.
import { formatKey, modeToString, plural } from '../format';
import * as l10n from '../../shared/l10n';
import { formatLimit, type IpcLimits } from '../limits';
import { ChildRow, escapeCode, formatTime, markdownTable, ObjectRow, RowContext, RowIcon, orphanedWord, orphanStateWords, processLabel } from '../objects';
import type { Waiter } from '../waiters';
import { INSPECTOR_WORDS } from '../inspector';
import type { SemaphoreInfo, SemSetInfo, SemSetState } from './types';

const STATE_WORDS: Record<SemSetState, string> = {
  'in-use': l10n.t('in use'),
  unused: l10n.t('unused'),
  orphaned: l10n.t('orphaned (leaked)'),
  stuck: l10n.t('stuck: a waiter may wait forever'),
};

const ROW_ICONS: Record<SemSetState, RowIcon> = {
  'in-use': 'in-use',
  unused: 'unused',
  orphaned: 'orphaned',
  stuck: 'problem',
};

export function semKey(info: SemSetInfo): string {
  return info.set.key === 0 ? 'private' : formatKey(info.set.key);
}

/** "0x7e001234 (id 5)" / "private (id 5)". */
export function semTitle(info: SemSetInfo): string {
  return l10n.t('{0} (id {1})', semKey(info), info.set.semid);
}

export function semStateWords(info: SemSetInfo): string {
  return orphanStateWords(STATE_WORDS[info.state], info.state, info.certain);
}

function waiting(info: SemSetInfo): number {
  return info.setWaiters.length + info.semaphores.reduce((n, s) => n + Math.max(s.waiters.length, (s.ncnt ?? 0) + (s.zcnt ?? 0)), 0);
}

/** "1, 0, 3" (values in order), or why they are unknown. */
function valuesText(info: SemSetInfo): string {
  if (!info.values.read) return info.values.why === 'denied' ? l10n.t('values not readable') : l10n.t('values unknown');
  const values = info.semaphores.map((s) => String(s.value ?? '?'));
  return values.length > 8 ? `${values.slice(0, 8).join(', ')}, …` : values.join(', ');
}

export function semDescription(info: SemSetInfo): string {
  // The state first: a narrow side bar cuts the end off.
  const parts: string[] = [];
  if (info.state === 'orphaned') parts.push(orphanedWord(info.certain));
  if (info.state === 'stuck') parts.push(l10n.t('stuck'));
  parts.push(plural(info.set.nsems, 'semaphore'), `= ${valuesText(info)}`);
  const n = waiting(info);
  if (n > 0) parts.push(l10n.t('{0} waiting', n));
  parts.push(info.ownerName);
  return parts.join(' · ');
}

export function semAccessibilityLabel(info: SemSetInfo): string {
  const key = semKey(info);
  return [
    l10n.t('Semaphore set {0}, id {1}', key === 'private' ? l10n.t('with private key') : l10n.t('key {0}', key), info.set.semid),
    plural(info.set.nsems, 'semaphore'),
    l10n.t('state: {0}', semStateWords(info)),
    info.values.read ? l10n.t('values {0}', valuesText(info)) : valuesText(info),
    l10n.t('{0} waiting', waiting(info)),
    l10n.t('owner {0}', info.ownerName),
  ].join(', ');
}

export function semTooltip(info: SemSetInfo): string {
  const s = info.set;
  const rows: Array<[string, string]> = [
    ['Key', s.key === 0 ? l10n.t('0x00000000 (IPC_PRIVATE)') : formatKey(s.key)],
    ['Id', String(s.semid)],
    ['State', semStateWords(info)],
    ['Why', info.reason],
    ['Semaphores', `${s.nsems}: ${valuesText(info)}`],
    ['Permissions', `${modeToString(s.mode)} (${s.mode.toString(8).padStart(4, '0')})`],
    ['Owner', l10n.t('{0}:{1} (uid {2}, gid {3})', info.ownerName, info.groupName, s.uid, s.gid)],
    ['Creator', l10n.t('{0} (uid {1}); the kernel keeps no creator pid for a set', info.creatorUserName, s.cuid)],
    [l10n.t('Last semop'), formatTime(s.otime)],
    [l10n.t('Changed at'), formatTime(s.ctime)],
  ];
  if (!info.values.read) rows.push(['Values', info.values.message]);
  return l10n.t('**Semaphore set {0}**\n\n{1}', semKey(info), markdownTable(rows));
}

function waiterWords(w: Waiter & { wants?: 'increase' | 'zero' }): string {
  const what = w.wants === 'zero' ? l10n.t('waits for 0') : w.wants === 'increase' ? l10n.t('waits for an increase') : l10n.t('blocked in semop');
  return `${what}${w.tid !== w.pid ? l10n.t(' (thread {0})', w.tid) : ''}`;
}

function waiterRow(idPrefix: string, w: Waiter & { wants?: 'increase' | 'zero' }): ChildRow {
  const ops = w.ops?.map((op) => l10n.t('sem {0} {1}{2}', op.semnum, op.op > 0 ? '+' : '', op.op)).join(', ');
  return {
    id: `${idPrefix}:wait:${w.tid}`,
    label: processLabel(w.pid, w.command),
    description: waiterWords(w),
    tooltip: l10n.t('Process {0}{1} is blocked in semop{2}.', w.pid, w.command ? ` (${escapeCode(w.command)})` : '', ops ? l10n.t(' asking {0}', ops) : ''),
    codicon: 'watch',
    accessibilityLabel: l10n.t('Process {0}, {1}, {2}', w.pid, w.command ?? 'exited', waiterWords(w)),
    contextValue: 'waiter',
    pid: w.pid,
  };
}

function lastOperatorWords(s: SemaphoreInfo): string {
  if (s.lastPid === undefined) return l10n.t('never operated');
  if (s.byInspector) return l10n.t('set by {0}', INSPECTOR_WORDS);
  const state = s.lastAlive === false ? 'exited' : s.lastAlive ? 'running' : l10n.t('not visible');
  return l10n.t('last op by {0}{1} ({2})', s.lastPid, s.lastCommand ? ` ${s.lastCommand}` : '', state);
}

function semaphoreRow(info: SemSetInfo, s: SemaphoreInfo): ChildRow {
  const id = `sem:${info.set.semid}:${s.index}`;
  const counts: string[] = [];
  if ((s.ncnt ?? 0) > 0) counts.push(l10n.t('{0} wait for increase', s.ncnt));
  if ((s.zcnt ?? 0) > 0) counts.push(l10n.t('{0} wait for zero', s.zcnt));
  const value = s.value === undefined ? '?' : String(s.value);
  const description = [lastOperatorWords(s), ...counts].join(' · ');
  const lines = [
    l10n.t('Semaphore {0} of set {1}: value {2}.', s.index, semTitle(info), value),
    s.byInspector
      ? l10n.t('Its value was last set by {0} (pid {1}), not by a user: no semop has used it since.', INSPECTOR_WORDS, s.lastPid)
      : s.lastPid !== undefined
        ? l10n.t(
            'The last semop on it was by pid {0}{1}, {2}.',
            s.lastPid,
            s.lastCommand ? ` (${escapeCode(s.lastCommand)})` : '',
            s.lastAlive === false ? l10n.t('which has exited') : s.lastAlive ? l10n.t('which is running') : l10n.t('which this user cannot see'),
          )
        : l10n.t('No semop has changed it yet.'),
    counts.length ? `${counts.join(', ')}.` : l10n.t('Nobody waits on it.'),
  ];
  if (s.diagnosis) lines.push(l10n.t('**{0}.** Its waiters will wait until another process raises it (or the set is removed).', s.diagnosis));
  return {
    id,
    label: l10n.t('sem {0} = {1}', s.index, value),
    description,
    tooltip: lines.join('\n\n'),
    codicon: s.diagnosis ? 'error' : s.waiters.length > 0 || (s.ncnt ?? 0) + (s.zcnt ?? 0) > 0 ? 'watch' : 'symbol-number',
    accessibilityLabel: l10n.t('Semaphore {0}, value {1}, {2}{3}', s.index, value, description, s.diagnosis ? `, ${s.diagnosis}` : ''),
    contextValue: 'semaphore',
    children: s.waiters.map((w) => waiterRow(id, w)),
  };
}

/** Flags for the menus: kind, state, mine. */
export function semContextValue(info: SemSetInfo, uid: number): string {
  const flags = [`semSet;state=${info.state}`, 'live'];
  if (info.set.uid === uid || info.set.cuid === uid) flags.push('mine');
  return flags.join(';');
}

export function semRow(info: SemSetInfo, context: RowContext): ObjectRow {
  const children = info.semaphores.map((s) => semaphoreRow(info, s));
  children.push(...info.setWaiters.map((w) => waiterRow(`sem:${info.set.semid}`, w)));
  return {
    id: `sem:${info.set.semid}`,
    label: `${semKey(info)} · ${info.set.semid}`,
    description: semDescription(info),
    icon: ROW_ICONS[info.state],
    tooltip: semTooltip(info),
    accessibilityLabel: semAccessibilityLabel(info),
    contextValue: semContextValue(info, context.uid),
    children,
  };
}

/** The limits line: sets of semmni, semaphores of semmns. */
export function semLimitsSummary(limits: IpcLimits, sets: readonly SemSetInfo[]): string {
  const semaphores = sets.reduce((n, s) => n + s.set.nsems, 0);
  const setsText = limits.semmni ? l10n.t('{0}/{1} sets', sets.length, formatLimit(limits.semmni)) : l10n.t('{0} sets', sets.length);
  const semText = limits.semmns ? l10n.t('{0}/{1} semaphores', semaphores, formatLimit(limits.semmns)) : l10n.t('{0} semaphores', semaphores);
  return `${setsText} · ${semText}`;
}
