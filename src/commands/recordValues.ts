// Record Values Over Time: a System V semaphore set's values and waiters (each semaphore's value,
// ncnt and zcnt), or a System V queue's messages and bytes, sampled at the recording rate into a
// view of their own (src/views/seriesPanel.ts) that plots them, as a contents view's recording
// plots a C type's fields. From a row of the Semaphores or Message Queues view, or a pick list.
import { QUEUE_COLUMNS, queueRow, semaphoreColumns, semaphoreRow } from '../ipc/recording/sampler';
import type { IpcObject } from '../ipc/snapshot';
import type { MsgQueueInfo } from '../ipc/sysvMsg/types';
import type { SemSetInfo } from '../ipc/sysvSem/types';
import { SeriesPanel } from '../views/seriesPanel';
import { chooseObjects, objectTitle } from './objectArgs';
import { dropUnsaved, recordingSettings } from './record';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

const isSetOrQueue = (object: IpcObject): object is SemSetInfo | MsgQueueInfo => object.kind === 'sysvSem' || object.kind === 'sysvMsg';

export const recordValues: Command = {
  id: 'ipcInspector.recordValues',
  what: 'Could not start recording',
  async run(env, ...args) {
    const [object] = await chooseObjects(env, args, {
      many: false,
      placeHolder: l10n.t('The semaphore set or message queue to record'),
      eligible: isSetOrQueue,
      none: l10n.t('No System V semaphore set or message queue to record.'),
    });
    if (!object) return undefined;
    const { rateHz, budgetBytes } = recordingSettings();
    const helper = env.ipc.helper();
    const title = objectTitle(object);
    const common = { rateHz, budgetBytes };
    const id = object.kind === 'sysvSem' ? `sem:${object.set.semid}` : `msg:${object.queue.msqid}`;
    const before = SeriesPanel.all().find((p) => p.id === id);
    if (before?.state === 'ended' && before.unsaved && !(await dropUnsaved(env, before.samples))) return undefined;
    const panel =
      object.kind === 'sysvSem'
        ? await SeriesPanel.record(env.ipc, `sem:${object.set.semid}`, l10n.t('{0}: values', title), {
            ...common,
            object: { kind: 'sysvSem', id: `sem:${object.set.semid}`, title, size: 0 },
            columns: semaphoreColumns(object.set.nsems),
            readRow: semaphoreRow(helper, object.set.semid, object.set.nsems),
          })
        : await SeriesPanel.record(env.ipc, `msg:${object.queue.msqid}`, l10n.t('{0}: depth', title), {
            ...common,
            object: { kind: 'sysvMsg', id: `msg:${object.queue.msqid}`, title, size: 0 },
            columns: QUEUE_COLUMNS,
            readRow: queueRow(helper, object.queue.msqid),
          });
    env.ipc.log.info(`recording ${panel.id} at ${rateHz} per second`);
    return panel;
  },
};
