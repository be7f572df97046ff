// Open Message: the bytes of one queued System V message in the contents view (a click on a
// message row). Read with MSG_COPY: the message stays in the queue, for the program it is meant for.
import { MessageSource } from '../ipc/sysvMsg/source';
import { ContentsPanel } from '../views/contentsPanel';
import type { Command } from './registry';

export const openMessage: Command = {
  id: 'ipcInspector.openMessage',
  what: 'Could not open the message',
  subject: 'queue',
  async run(env, msqid, index) {
    if (typeof msqid !== 'number' || typeof index !== 'number') return undefined;
    const queue = env.ipc.snapshots.current?.msg.queues.find((q) => q.queue.msqid === msqid);
    const { mtype, text } = await env.ipc.helper().msgRead(msqid, index);
    const source = new MessageSource(env.ipc.helper(), msqid, queue?.queue.key ?? 0, index, mtype, text);
    return ContentsPanel.show(env.ipc, source);
  },
};
