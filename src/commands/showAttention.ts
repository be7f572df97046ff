// Show What Needs Attention (the status-bar item's click): opens the view with the first orphaned
// object and selects it, or, when only a limit is near, opens the view with that group; a deadlock
// or a lock never released comes first (the Waits view on its diagnosis).
import * as vscode from 'vscode';
import { attentionOf } from '../views/attention';
import type { GroupId } from '../views/groups';
import type { IpcView } from '../views/ipcView';
import { WAITS_VIEW } from '../views/waitsView';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';
import { ATTENTION_NEEDS } from '../ipc/snapshot';

export const showAttention: Command = {
  id: 'ipcInspector.showAttention',
  what: 'Could not show what needs attention',
  async run(env): Promise<string | undefined> {
    const snapshot = await env.ipc.refresh(true, ATTENTION_NEEDS);
    const { orphans, nearLimits } = attentionOf(snapshot);
    // Threads stuck for good come first: the Waits view, on its first diagnosis.
    const stuck = env.views.waits.diagnoses.find((d) => d.severity === 'error');
    if (stuck) {
      await vscode.commands.executeCommand(`${WAITS_VIEW}.focus`);
      await env.views.waits.treeView.reveal(stuck, { select: true, focus: true });
      return stuck.id;
    }
    const viewOf = (group: GroupId): IpcView | undefined =>
      [env.views.sharedMemory, env.views.semaphores, env.views.messageQueues].find((v) => v.spec.groups.includes(group));
    for (const orphan of orphans) {
      // The row of the orphan in the view that lists its kind (a filtered-out row cannot be shown).
      for (const view of [env.views.sharedMemory, env.views.semaphores, env.views.messageQueues]) {
        const node = view.tree.allObjectNodes().find((n) => n.object === orphan);
        if (!node) continue;
        await vscode.commands.executeCommand(`${view.id}.focus`);
        await view.reveal(node.row.id);
        return node.row.id;
      }
    }
    const near = nearLimits.find((n) => viewOf(n.group));
    if (near) {
      const view = viewOf(near.group)!;
      await vscode.commands.executeCommand(`${view.id}.focus`);
      await view.treeView.reveal(view.tree.groupNode(near.group), { select: true, focus: true });
      return `group:${near.group}`;
    }
    void env.ipc.prompts.notify(
      'info',
      orphans.length > 0
        ? l10n.t('The orphaned objects are hidden by "Show Only My Segments" (ipcInspector.showOnlyMySegments).')
        : l10n.t('Nothing needs attention now: no orphaned object, no limit near.'),
    );
    return undefined;
  },
};
