// Attach / Detach: this window keeps a read-only attachment (a "hold") through the helper, e.g. so
// a segment survives its creator's exit while you look at it. Holds end with the window.
import type { Command } from './registry';
import { chooseSegments, segmentTitle } from './segmentArgs';

export const attach: Command = {
  id: 'ipcInspector.attach',
  what: 'Could not attach the segment',
  async run(inspector, ...args) {
    const segments = await chooseSegments(inspector, args, {
      many: true,
      placeHolder: 'Segment to keep attached from this window',
      eligible: (info) => !info.segment.dest && !inspector.holds.has(info.segment.shmid),
    });
    for (const info of segments) {
      await inspector.helper().attach(info.segment.shmid);
      inspector.holds.add(info.segment.shmid);
      inspector.log.info(`attached ${segmentTitle(info)} (held by this window)`);
    }
    await inspector.refresh(true);
    return segments.map((info) => info.segment.shmid);
  },
};

export const detach: Command = {
  id: 'ipcInspector.detach',
  what: 'Could not detach the segment',
  async run(inspector, ...args) {
    const segments = await chooseSegments(inspector, args, {
      many: true,
      placeHolder: 'Segment this window should stop holding',
      eligible: (info) => inspector.holds.has(info.segment.shmid),
    });
    for (const info of segments) {
      // One hold per window: detach until the helper holds it no more.
      while ((await inspector.helper().detach(info.segment.shmid)) > 0);
      inspector.holds.delete(info.segment.shmid);
      inspector.log.info(`detached ${segmentTitle(info)}`);
    }
    await inspector.refresh(true);
    return segments.map((info) => info.segment.shmid);
  },
};
