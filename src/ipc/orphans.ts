// Which objects are orphaned, of every kind, and what removing them frees: what Clean Up Orphaned…
// offers and what the status bar counts, decided in one place.
import { allObjects, type IpcObject, type Snapshot } from './snapshot';

export function isOrphaned(object: IpcObject): boolean {
  switch (object.kind) {
    case 'sysvShm':
      return object.classification.state === 'orphaned';
    case 'posixShm':
      // A memfd has no name to remove it by: it goes when its last holder does.
      return object.state === 'orphaned' && object.origin === 'dev-shm';
    default:
      return object.state === 'orphaned';
  }
}

export function orphansOf(snapshot: Snapshot | undefined): IpcObject[] {
  return snapshot ? allObjects(snapshot).filter(isOrphaned) : [];
}

/** Memory freed by removing it: a segment's size, a file's allocated bytes, a queue's queued bytes. */
export function freedBytes(object: IpcObject): number {
  switch (object.kind) {
    case 'sysvShm':
      return object.segment.size;
    case 'posixShm':
    case 'posixSem':
      return object.file?.allocated ?? 0;
    case 'sysvMsg':
      return object.queue.cbytes;
    case 'posixMq':
      return object.queue.qsize ?? 0;
    case 'sysvSem':
      return 0;
  }
}
