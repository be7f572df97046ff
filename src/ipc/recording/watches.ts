// Watches over a recording: "field X == value", "X changes", "X leaves [min, max]", "bytes
// [offset, offset + length) change". Each is checked at every sample and fires at the sample where
// its condition became true. Honest about sampling: a hit says between which two sample times the
// change happened and the sampling period, because a change that is undone before the next sample
// is never seen.
import type { FieldValue } from './fields';
import * as l10n from '../../shared/l10n';

export type WatchCondition =
  | { kind: 'equals'; field: string; value: FieldValue }
  | { kind: 'changes'; field: string }
  | { kind: 'leaves-range'; field: string; min: FieldValue; max: FieldValue }
  | { kind: 'bytes-change'; offset: number; length: number };

export interface Watch {
  id: string;
  condition: WatchCondition;
}

export interface WatchHit {
  watchId: string;
  index: number;
  /** The sample's time (ms): the change happened after `after` and by this time. */
  time: number;
  /** The time of the sample before (undefined at the first sample). */
  after?: number;
  /** The value seen (field watches), as exact text. */
  value?: string;
  previous?: string;
  /** The period the recording samples at (ms): changes shorter than it can be missed. */
  samplePeriodMs: number;
}

/** What a watch reads at a sample: a field's value by name; a byte range's bytes. */
export interface WatchSubject {
  value(field: string): FieldValue | undefined;
  bytes(offset: number, length: number): Uint8Array | undefined;
}

interface WatchState {
  last?: FieldValue;
  lastBytes?: Buffer;
  /** For equals / leaves-range: whether the condition held at the sample before. */
  held?: boolean;
}

/** A hit without the parts it does not have (so one read back from a file is the same object). */
export function makeHit(hit: WatchHit): WatchHit {
  const out = { ...hit };
  for (const key of ['after', 'value', 'previous'] as const) if (out[key] === undefined || out[key] === null) delete out[key];
  return out;
}

/** The fields the watches read (so a caller can decode only those). */
export function watchedFields(watches: readonly Watch[]): string[] {
  return [...new Set(watches.flatMap((w) => ('field' in w.condition ? [w.condition.field] : [])))];
}

export function describeWatch(condition: WatchCondition): string {
  switch (condition.kind) {
    case 'equals':
      return `${condition.field} == ${condition.value}`;
    case 'changes':
      return `${condition.field} changes`;
    case 'leaves-range':
      return `${condition.field} leaves [${condition.min}, ${condition.max}]`;
    case 'bytes-change':
      return `bytes ${condition.offset}..${condition.offset + condition.length - 1} change`;
  }
}

export class WatchSet {
  private readonly states = new Map<string, WatchState>();
  private lastTime?: number;
  readonly hits: WatchHit[] = [];

  private readonly list: Watch[];

  constructor(
    watches: readonly Watch[],
    private readonly samplePeriodMs: number,
  ) {
    this.list = [...watches];
    for (const watch of watches) this.states.set(watch.id, {});
  }

  get watches(): readonly Watch[] {
    return this.list;
  }

  /** Adds a watch while recording: it is checked from the next sample on (its first sample only sets what it compares with). */
  add(watch: Watch): void {
    if (this.states.has(watch.id)) throw new RangeError(l10n.t('a watch {0} is already set', watch.id));
    this.list.push(watch);
    this.states.set(watch.id, {});
  }

  /** Checks every watch at sample `index`; returns (and keeps) the hits. */
  evaluate(index: number, time: number, subject: WatchSubject): WatchHit[] {
    const hits: WatchHit[] = [];
    for (const watch of this.watches) {
      const hit = this.check(watch, this.states.get(watch.id)!, subject);
      if (hit) hits.push(makeHit({ watchId: watch.id, index, time, after: this.lastTime, samplePeriodMs: this.samplePeriodMs, ...hit }));
    }
    this.lastTime = time;
    this.hits.push(...hits);
    return hits;
  }

  private check(watch: Watch, state: WatchState, subject: WatchSubject): Pick<WatchHit, 'value' | 'previous'> | undefined {
    const condition = watch.condition;
    if (condition.kind === 'bytes-change') {
      const bytes = subject.bytes(condition.offset, condition.length);
      if (!bytes) return undefined;
      const before = state.lastBytes;
      state.lastBytes = Buffer.from(bytes);
      return before && !before.equals(bytes) ? {} : undefined;
    }
    const value = subject.value(condition.field);
    if (value === undefined) return undefined;
    const previous = state.last;
    state.last = value;
    const texts = { value: String(value), previous: previous === undefined ? undefined : String(previous) };
    switch (condition.kind) {
      case 'changes':
        return previous !== undefined && previous !== value && !(Number.isNaN(previous) && Number.isNaN(value)) ? texts : undefined;
      case 'equals': {
        // eslint-disable-next-line eqeqeq -- a bigint field equals a number value (7n == 7)
        const holds = value == condition.value;
        const fired = holds && !state.held;
        state.held = holds;
        return fired ? texts : undefined;
      }
      case 'leaves-range': {
        const outside = value < condition.min || value > condition.max;
        const fired = outside && !state.held;
        state.held = outside;
        return fired ? texts : undefined;
      }
    }
  }
}
