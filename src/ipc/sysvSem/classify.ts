// System V semaphore sets, classified: each set of /proc/sysvipc/sem with the values of its
// semaphores (read by the helper: semctl GETALL, GETPID, GETNCNT, GETZCNT; read permission needed),
// the processes blocked on it (from the waiter scan), and a diagnosis in words.
//
// The kernel records no creator pid for a set, so "orphaned" rests on what it does record: nobody
// waits on it, and nobody has used it for the grace period, either ever (otime 0) or since every
// process that last operated on one of its semaphores exited. A set that was never used is offered
// to Clean Up unticked: its creator may simply not have needed it yet.
import { plural } from '../format';
import * as l10n from '../../shared/l10n';
import type { Names } from '../names';
import { INSPECTOR_WORDS, isInspector, NO_INSPECTOR, type InspectorPids } from '../inspector';
import { isAlive } from '../processes';
import type { Waiter } from '../waiters';
import type { SemSet } from '../family/sysvTables';
import type { SemaphoreInfo, SemSetInfo, SemSetState, SetValues } from './types';

export interface SemClassifyContext {
  names: Names;
  /** Waiters by semid (empty when not scanned). */
  waiters: Map<number, Waiter[]>;
  nowMs: number;
  graceMs: number;
  /** This window's helpers: a value they set (creating the set) is the inspector's, not a use. */
  inspector?: InspectorPids;
}

function when(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString();
}

/** Each semaphore with its values, its last operator and its waiters. */
function semaphoresOf(
  set: SemSet,
  values: SetValues,
  waiters: readonly Waiter[],
  names: Names,
  inspector: InspectorPids,
): { semaphores: SemaphoreInfo[]; setWaiters: Waiter[] } {
  const semaphores: SemaphoreInfo[] = Array.from({ length: set.nsems }, (_, index) => ({ index, waiters: [] }));
  if (values.read) {
    values.semaphores.forEach((v, index) => {
      const s = semaphores[index];
      if (!s) return;
      s.value = v.value;
      s.ncnt = v.ncnt;
      s.zcnt = v.zcnt;
      if (isInspector(inspector, v.lastPid)) {
        s.lastPid = v.lastPid;
        s.lastCommand = INSPECTOR_WORDS;
        s.byInspector = true;
      } else if (v.lastPid > 0) {
        s.lastPid = v.lastPid;
        s.lastCommand = names.command(v.lastPid);
        s.lastAlive = isAlive(names.process(v.lastPid));
      }
    });
  }
  const setWaiters: Waiter[] = [];
  for (const w of waiters) {
    // A task blocks on the first operation that cannot proceed; all of them are shown where it waits.
    const blocking = (w.ops ?? []).filter((op) => op.semnum < set.nsems && op.op <= 0);
    if (blocking.length === 0) {
      setWaiters.push(w);
      continue;
    }
    for (const op of blocking) semaphores[op.semnum].waiters.push({ ...w, wants: op.op < 0 ? 'increase' : 'zero' });
  }
  for (const s of semaphores) {
    const waiting = (s.ncnt ?? 0) + s.waiters.filter((w) => w.wants === 'increase').length;
    if (s.value === 0 && waiting > 0 && s.lastAlive === false) {
      s.diagnosis = l10n.t(
        'at 0 with {0} waiting; its last operator, pid {1}{2}, exited: held by a process that exited without SEM_UNDO',
        plural(Math.max(s.ncnt ?? 0, 1), 'process', 'processes'),
        s.lastPid,
        s.lastCommand ? ` (${s.lastCommand})` : '',
      );
    }
  }
  return { semaphores, setWaiters };
}

/** The state of a set from its semaphores, waiters and times. */
function stateOf(
  set: SemSet,
  values: SetValues,
  semaphores: SemaphoreInfo[],
  setWaiters: Waiter[],
  context: SemClassifyContext,
): { state: SemSetState; reason: string; certain: boolean; orphanAtMs?: number } {
  const stuck = semaphores.filter((s) => s.diagnosis);
  if (stuck.length > 0) return { state: 'stuck', reason: l10n.t('semaphore {0} {1}', stuck[0].index, stuck[0].diagnosis), certain: false };
  const waiting = setWaiters.length + semaphores.reduce((n, s) => n + Math.max(s.waiters.length, (s.ncnt ?? 0) + (s.zcnt ?? 0)), 0);
  if (waiting > 0) return { state: 'in-use', reason: l10n.t('{0} waiting on it', plural(waiting, 'process', 'processes')), certain: false };
  // The inspector setting values (at creation) is not a use: only users' operations count.
  const operators = [
    ...new Set(
      semaphores
        .filter((s) => !s.byInspector)
        .map((s) => s.lastPid)
        .filter((pid): pid is number => pid !== undefined),
    ),
  ];
  const alive = operators.filter((pid) => semaphores.find((s) => s.lastPid === pid)?.lastAlive !== false);
  if (alive.length > 0) {
    const pid = alive[0];
    const command = context.names.command(pid);
    return { state: 'in-use', reason: l10n.t('last used by pid {0}{1}, which is running', pid, command ? ` (${command})` : ''), certain: false };
  }
  if (!values.read) {
    return {
      state: 'unused',
      reason: l10n.t('nobody waits on it; its values could not be read ({0}), so who used it last is unknown', values.message),
      certain: false,
    };
  }
  const lastChangeMs = Math.max(set.otime, set.ctime) * 1000;
  const quietFor = context.nowMs - lastChangeMs;
  const graceText = `${Math.round(context.graceMs / 1000)} s`;
  if (set.otime === 0) {
    const reason = l10n.t(
      'never used since it was made ({0}); the kernel does not record who made a set, so whether its maker still needs it cannot be told',
      when(set.ctime),
    );
    return quietFor >= context.graceMs
      ? { state: 'orphaned', reason, certain: false }
      : { state: 'unused', reason: l10n.t('{0} (called orphaned after {1})', reason, graceText), certain: false, orphanAtMs: lastChangeMs + context.graceMs };
  }
  const reason = l10n.t(
    'nobody waits on it, and every process that last used it has exited ({0}); last used {1}',
    operators.map((pid) => l10n.t('pid {0}', pid)).join(', '),
    when(set.otime),
  );
  return quietFor >= context.graceMs
    ? { state: 'orphaned', reason, certain: true }
    : { state: 'unused', reason: l10n.t('{0} (called orphaned after {1})', reason, graceText), certain: false, orphanAtMs: lastChangeMs + context.graceMs };
}

/** Every set of the table, classified. `valuesOf` gives what the helper read for a semid. */
export function classifySemSets(sets: readonly SemSet[], valuesOf: (semid: number) => SetValues, context: SemClassifyContext): SemSetInfo[] {
  const { names } = context;
  return sets.map((set): SemSetInfo => {
    const values = valuesOf(set.semid);
    const { semaphores, setWaiters } = semaphoresOf(set, values, context.waiters.get(set.semid) ?? [], names, context.inspector ?? NO_INSPECTOR);
    const { state, reason, certain, orphanAtMs } = stateOf(set, values, semaphores, setWaiters, context);
    for (const w of setWaiters) w.command ??= names.command(w.pid);
    for (const s of semaphores) for (const w of s.waiters) w.command ??= names.command(w.pid);
    return {
      kind: 'sysvSem',
      set,
      semaphores,
      values,
      setWaiters,
      state,
      reason,
      certain,
      ownerName: names.user(set.uid),
      creatorUserName: names.user(set.cuid),
      groupName: names.group(set.gid),
      orphanAtMs,
    };
  });
}
