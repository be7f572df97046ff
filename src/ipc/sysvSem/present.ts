// How a System V semaphore set is put into words: its row, each semaphore as a child (value, last
// operator, who waits), the waiters under the semaphore they wait on, and the limits line.
import { formatKey, modeToString, plural } from '../format';
import { formatLimit, type IpcLimits } from '../limits';
import { ChildRow, escapeCode, formatTime, markdownTable, ObjectRow, RowContext, RowIcon } from '../objects';
import type { Waiter } from '../waiters';
import type { SemaphoreInfo, SemSetInfo, SemSetState } from './classify';

const STATE_WORDS: Record<SemSetState, string> = {
  'in-use': 'in use',
  unused: 'unused',
  orphaned: 'orphaned (leaked)',
  stuck: 'stuck: a waiter may wait forever',
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
  return `${semKey(info)} (id ${info.set.semid})`;
}

export function semStateWords(info: SemSetInfo): string {
  return STATE_WORDS[info.state];
}

function waiting(info: SemSetInfo): number {
  return info.setWaiters.length + info.semaphores.reduce((n, s) => n + Math.max(s.waiters.length, (s.ncnt ?? 0) + (s.zcnt ?? 0)), 0);
}

/** "1, 0, 3" (values in order), or why they are unknown. */
function valuesText(info: SemSetInfo): string {
  if (!info.values.read) return info.values.why === 'denied' ? 'values not readable' : 'values unknown';
  const values = info.semaphores.map((s) => String(s.value ?? '?'));
  return values.length > 8 ? `${values.slice(0, 8).join(', ')}, …` : values.join(', ');
}

export function semDescription(info: SemSetInfo): string {
  const parts = [plural(info.set.nsems, 'semaphore'), `= ${valuesText(info)}`];
  const n = waiting(info);
  if (n > 0) parts.push(`${n} waiting`);
  parts.push(info.ownerName);
  if (info.state === 'orphaned') parts.push('orphaned');
  if (info.state === 'stuck') parts.push('stuck');
  return parts.join(' · ');
}

export function semAccessibilityLabel(info: SemSetInfo): string {
  const key = semKey(info);
  return [
    `Semaphore set ${key === 'private' ? 'with private key' : `key ${key}`}, id ${info.set.semid}`,
    plural(info.set.nsems, 'semaphore'),
    `state: ${semStateWords(info)}`,
    info.values.read ? `values ${valuesText(info)}` : valuesText(info),
    `${waiting(info)} waiting`,
    `owner ${info.ownerName}`,
  ].join(', ');
}

export function semTooltip(info: SemSetInfo): string {
  const s = info.set;
  const rows: Array<[string, string]> = [
    ['Key', s.key === 0 ? '0x00000000 (IPC_PRIVATE)' : formatKey(s.key)],
    ['Id', String(s.semid)],
    ['State', semStateWords(info)],
    ['Why', info.reason],
    ['Semaphores', `${s.nsems}: ${valuesText(info)}`],
    ['Permissions', `${modeToString(s.mode)} (${s.mode.toString(8).padStart(4, '0')})`],
    ['Owner', `${info.ownerName}:${info.groupName} (uid ${s.uid}, gid ${s.gid})`],
    ['Creator', `${info.creatorUserName} (uid ${s.cuid}); the kernel keeps no creator pid for a set`],
    ['Last semop', formatTime(s.otime)],
    ['Changed at', formatTime(s.ctime)],
  ];
  if (!info.values.read) rows.push(['Values', info.values.message]);
  return `**Semaphore set ${semKey(info)}**\n\n${markdownTable(rows)}`;
}

function waiterWords(w: Waiter & { wants?: 'increase' | 'zero' }): string {
  const what = w.wants === 'zero' ? 'waits for 0' : w.wants === 'increase' ? 'waits for an increase' : 'blocked in semop';
  return `${what}${w.tid !== w.pid ? ` (thread ${w.tid})` : ''}`;
}

function waiterRow(idPrefix: string, w: Waiter & { wants?: 'increase' | 'zero' }): ChildRow {
  const ops = w.ops?.map((op) => `sem ${op.semnum} ${op.op > 0 ? '+' : ''}${op.op}`).join(', ');
  return {
    id: `${idPrefix}:wait:${w.tid}`,
    label: `${w.pid} ${w.command ?? '(exited)'}`,
    description: waiterWords(w),
    tooltip: `Process ${w.pid}${w.command ? ` (${escapeCode(w.command)})` : ''} is blocked in semop${ops ? ` asking ${ops}` : ''}.`,
    codicon: 'watch',
    accessibilityLabel: `Process ${w.pid}, ${w.command ?? 'exited'}, ${waiterWords(w)}`,
    contextValue: 'waiter',
    pid: w.pid,
  };
}

function lastOperatorWords(s: SemaphoreInfo): string {
  if (s.lastPid === undefined) return 'never operated';
  const state = s.lastAlive === false ? 'exited' : s.lastAlive ? 'running' : 'not visible';
  return `last op by ${s.lastPid}${s.lastCommand ? ` ${s.lastCommand}` : ''} (${state})`;
}

function semaphoreRow(info: SemSetInfo, s: SemaphoreInfo): ChildRow {
  const id = `sem:${info.set.semid}:${s.index}`;
  const counts: string[] = [];
  if ((s.ncnt ?? 0) > 0) counts.push(`${s.ncnt} wait for increase`);
  if ((s.zcnt ?? 0) > 0) counts.push(`${s.zcnt} wait for zero`);
  const value = s.value === undefined ? '?' : String(s.value);
  const description = [lastOperatorWords(s), ...counts].join(' · ');
  const lines = [
    `Semaphore ${s.index} of set ${semTitle(info)}: value ${value}.`,
    s.lastPid !== undefined
      ? `The last semop on it was by pid ${s.lastPid}${s.lastCommand ? ` (${escapeCode(s.lastCommand)})` : ''}, ${s.lastAlive === false ? 'which has exited' : s.lastAlive ? 'which is running' : 'which this user cannot see'}.`
      : 'No semop has changed it yet.',
    counts.length ? `${counts.join(', ')}.` : 'Nobody waits on it.',
  ];
  if (s.diagnosis) lines.push(`**${s.diagnosis}.** Its waiters will wait until another process raises it (or the set is removed).`);
  return {
    id,
    label: `sem ${s.index} = ${value}`,
    description,
    tooltip: lines.join('\n\n'),
    codicon: s.diagnosis ? 'error' : s.waiters.length > 0 || (s.ncnt ?? 0) + (s.zcnt ?? 0) > 0 ? 'watch' : 'symbol-number',
    accessibilityLabel: `Semaphore ${s.index}, value ${value}, ${description}${s.diagnosis ? `, ${s.diagnosis}` : ''}`,
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
  const setsText = limits.semmni ? `${sets.length}/${formatLimit(limits.semmni)} sets` : `${sets.length} sets`;
  const semText = limits.semmns ? `${semaphores}/${formatLimit(limits.semmns)} semaphores` : `${semaphores} semaphores`;
  return `${setsText} · ${semText}`;
}
