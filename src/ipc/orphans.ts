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

/** Memory freed by removing it: a segment's size, a file's allocated bytes, a queue's queued bytes. */
export function freedBytes(object: IpcObject): number {
  return kindOf(object).freedBytes(object);
}
