// Lock / Unlock: SHM_LOCK keeps a segment's pages in RAM (never swapped); SHM_UNLOCK undoes it.
import type { Command } from './registry';
import { chooseSegments, segmentTitle } from './segmentArgs';

function lockCommand(id: string, lock: boolean): Command {
  return {
    id,
    what: lock ? 'Could not lock the segment' : 'Could not unlock the segment',
    async run(inspector, ...args) {
      const segments = await chooseSegments(inspector, args, {
        many: true,
        placeHolder: lock ? 'Segments to lock in memory' : 'Segments to unlock',
        eligible: (info) => info.segment.locked !== lock,
      });
      for (const info of segments) {
        if (lock) await inspector.helper().lock(info.segment.shmid);
        else await inspector.helper().unlock(info.segment.shmid);
        inspector.log.info(`${lock ? 'locked' : 'unlocked'} ${segmentTitle(info)}`);
      }
      await inspector.refresh(true);
      return segments.map((info) => info.segment.shmid);
    },
  };
}

export const lock = lockCommand('ipcInspector.lock', true);
export const unlock = lockCommand('ipcInspector.unlock', false);
