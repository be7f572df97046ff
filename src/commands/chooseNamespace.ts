// Choose IPC Namespace…: every IPC namespace on the machine (distinct /proc/*/ns/ipc), each with its
// container where the cgroup path says (Docker, Podman, containerd, CRI-O, Kubernetes pods, LXC)
// and its first processes, so the user recognises it; this window's own first. The views then show
// that namespace's objects of every kind (entering it needs CAP_SYS_ADMIN: without it the command
// says so and the views stay where they were). Contents views of the previous namespace close.
import { checkSharedMemoryDir } from '../ipc/mounts';
import { containerLabel, listIpcNamespaces, type IpcNamespace } from '../ipc/namespaces';
import { ContentsPanel } from '../views/contentsPanel';
import type { Command } from './registry';
import { reportFailure } from './registry';
import * as l10n from '../shared/l10n';

function labelOf(ns: IpcNamespace): string {
  if (ns.isOwn) return "This window's namespace";
  return ns.container ? containerLabel(ns.container, ns.containerName ?? ns.container.name) : `ipc:[${ns.inode}]`;
}

/** Said of a namespace whose /dev/shm is not shared memory (another user mounted something there): its files are not offered. */
function shmNote(ns: IpcNamespace): string {
  if (ns.isOwn) return '';
  const where = checkSharedMemoryDir(`/proc/${ns.entryPid}/root/dev/shm`);
  return where && !where.ok ? ` · ${l10n.t('its /dev/shm is not listed: {0}', where.why)}` : '';
}

function itemOf(ns: IpcNamespace, shownInode: number | undefined) {
  const count = `${ns.pids.length} process${ns.pids.length === 1 ? '' : 'es'}`;
  const shown = (ns.isOwn && shownInode === undefined) || ns.inode === shownInode;
  return {
    label: `${shown ? '$(check) ' : ''}${labelOf(ns)}`,
    description: `ipc:[${ns.inode}] · ${count}`,
    detail: ns.processes.map((p) => `${p.pid} ${p.command}`).join(' · ') + shmNote(ns),
    ns,
  };
}

export const chooseNamespace: Command = {
  id: 'ipcInspector.chooseNamespace',
  what: 'Could not show that IPC namespace',
  async run(env) {
    const listing = listIpcNamespaces();
    const shownInode = env.ipc.namespace?.inode;
    const unseen =
      listing.unreadable === 0
        ? ''
        : ' ' +
          (listing.unreadable === 1
            ? l10n.t("1 process could not be looked at (another user's): more namespaces may exist.")
            : l10n.t("{0} processes could not be looked at (other users'): more namespaces may exist.", listing.unreadable));
    const picked = await env.ipc.prompts.quickPick(
      listing.namespaces.map((ns) => itemOf(ns, shownInode)),
      {
        title: l10n.t('Choose IPC Namespace'),
        placeHolder: l10n.t(
          'The namespace whose objects the views show (System V objects and POSIX queues through a helper inside it, /dev/shm of its processes).{0}',
          unseen,
        ),
        matchOnDescription: true,
        matchOnDetail: true,
      },
    );
    if (!picked) return undefined;
    const ns = picked.ns;
    const target = ns.isOwn ? undefined : { inode: ns.inode, pid: ns.entryPid, label: labelOf(ns) };
    if (target?.inode === shownInode) return target ?? 'own'; // already shown: nothing to switch
    try {
      await env.ipc.showNamespace(target);
    } catch (error) {
      reportFailure(env.ipc, error, `Could not show IPC namespace ${target?.label ?? ''} (the views stay where they were)`);
      return undefined;
    }
    for (const panel of ContentsPanel.all()) panel.dispose(); // they read through the previous namespace's helper
    void env.ipc.prompts.notify(
      'info',
      target ? l10n.t('The views show IPC namespace {0} (ipc:[{1}]).', target.label, target.inode) : l10n.t("The views show this window's IPC namespace."),
    );
    return target ?? 'own';
  },
};
