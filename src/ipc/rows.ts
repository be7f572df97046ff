// Any IPC object into its row, by its kind's `present` module: the one place that knows every kind,
// so the trees, the pick lists and the filters are written once.
import type { ObjectRow, RowContext } from './objects';
import { pmqRow } from './posixMq/present';
import { psemRow } from './posixSem/present';
import { posixRow, rowId } from './posixShm/present';
import type { IpcObject } from './snapshot';
import { msgRow } from './sysvMsg/present';
import { semRow } from './sysvSem/present';
import { segmentRow } from './sysvShm/present';

export function objectRow(object: IpcObject, context: RowContext): ObjectRow {
  switch (object.kind) {
    case 'sysvShm':
      return segmentRow(object, context);
    case 'posixShm':
      return posixRow(object, context);
    case 'sysvSem':
      return semRow(object, context);
    case 'posixSem':
      return psemRow(object, context);
    case 'sysvMsg':
      return msgRow(object, context);
    case 'posixMq':
      return pmqRow(object, context);
  }
}

/** The tree id of an object's row, without building the row: `shm:5`, `posix:0:27:2`, `sem:3`... */
export function objectRowId(object: IpcObject): string {
  switch (object.kind) {
    case 'sysvShm':
      return `shm:${object.segment.shmid}`;
    case 'posixShm':
      return rowId(object);
    case 'sysvSem':
      return `sem:${object.set.semid}`;
    case 'posixSem':
      return `psem:${object.key}`;
    case 'sysvMsg':
      return `msg:${object.queue.msqid}`;
    case 'posixMq':
      return `pmq:${object.key}`;
  }
}

/** The uids an object belongs to (owner, and for System V objects the creator too). */
export function ownerUids(object: IpcObject): number[] {
  switch (object.kind) {
    case 'sysvShm':
      return [object.segment.uid, object.segment.cuid];
    case 'sysvSem':
      return [object.set.uid, object.set.cuid];
    case 'sysvMsg':
      return [object.queue.uid, object.queue.cuid];
    case 'posixMq':
      return [object.queue.uid];
    case 'posixShm':
    case 'posixSem':
      return object.file ? [object.file.uid] : [];
  }
}
