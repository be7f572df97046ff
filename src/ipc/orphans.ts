// Which objects are orphaned, of every kind, and what removing them frees: what Clean Up Orphaned…
// offers and what the status bar counts, decided in one place (each kind's module says it of its own).
import { allObjects, kindOf } from './kinds';
import type { IpcObject, Snapshot } from './snapshot';

export function isOrphaned(object: IpcObject): boolean {
  return kindOf(object).isOrphaned(object);
}

export function orphansOf(snapshot: Snapshot | undefined): IpcObject[] {
  return snapshot ? allObjects(snapshot).filter(isOrphaned) : [];
}

/** An orphan every process could be checked for (Clean Up ticks it; the others are "orphaned (uncertain)"). */
export function isCertainOrphan(object: IpcObject): boolean {
  return kindOf(object).certain(object);
}

/** How many of these orphans are uncertain. */
export function uncertainCount(orphans: readonly IpcObject[]): number {
  return orphans.filter((o) => !isCertainOrphan(o)).length;
}

/** Memory freed by removing it: a segment's size, a file's allocated bytes, a queue's queued bytes. */
export function freedBytes(object: IpcObject): number {
  return kindOf(object).freedBytes(object);
}
