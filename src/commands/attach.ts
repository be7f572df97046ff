// Attach / Detach: this window keeps a read-only attachment (a "hold") through the helper, e.g. so
// a segment survives its creator's exit while you look at it. Holds end with the window.
import type { Command } from './registry';
import { chooseSegments, objectTitle } from './objectArgs';
import * as l10n from '../shared/l10n';

export const attach: Command = {
  id: 'ipcInspector.attach',
  what: 'Could not attach the segment',
  async run(env, ...args) {
    const segments = await chooseSegments(env, args, {
      many: true,
      placeHolder: l10n.t('Segment to keep attached from this window'),
      also: (info) => !info.segment.dest && !env.ipc.holds.has(info.segment.shmid),
    });
    for (const info of segments) {
      await env.ipc.helper().shmAttach(info.segment.shmid);
      env.ipc.holds.add(info.segment.shmid);
      env.ipc.log.info(`attached ${objectTitle(info)} (held by this window)`);
    }
    await env.ipc.refresh(true);
    return segments.map((info) => info.segment.shmid);
  },
};

export const detach: Command = {
  id: 'ipcInspector.detach',
  what: 'Could not detach the segment',
  async run(env, ...args) {
    const segments = await chooseSegments(env, args, {
      many: true,
      placeHolder: l10n.t('Segment this window should stop holding'),
      also: (info) => env.ipc.holds.has(info.segment.shmid),
    });
    for (const info of segments) {
      // One hold per window: detach until the helper holds it no more.
      while ((await env.ipc.helper().shmDetach(info.segment.shmid)) > 0);
      env.ipc.holds.delete(info.segment.shmid);
      env.ipc.log.info(`detached ${objectTitle(info)}`);
    }
    await env.ipc.refresh(true);
    return segments.map((info) => info.segment.shmid);
  },
};
