// Lock / Unlock: SHM_LOCK keeps a segment's pages in RAM (never swapped); SHM_UNLOCK undoes it.
import type { Command } from './registry';
import { chooseSegments, objectTitle } from './objectArgs';
import * as l10n from '../shared/l10n';

function lockCommand(id: string, lock: boolean): Command {
  return {
    id,
    what: lock ? 'Could not lock the segment' : 'Could not unlock the segment',
    async run(env, ...args) {
      const segments = await chooseSegments(env, args, {
        many: true,
        placeHolder: lock ? l10n.t('Segments to lock in memory') : l10n.t('Segments to unlock'),
        also: (info) => info.segment.locked !== lock,
      });
      for (const info of segments) {
        if (lock) await env.ipc.helper().shmLock(info.segment.shmid);
        else await env.ipc.helper().shmUnlock(info.segment.shmid);
        env.ipc.log.info(`${lock ? 'locked' : 'unlocked'} ${objectTitle(info)}`);
      }
      await env.ipc.refresh(true);
      return segments.map((info) => info.segment.shmid);
    },
  };
}

export const lock = lockCommand('ipcInspector.lock', true);
export const unlock = lockCommand('ipcInspector.unlock', false);
