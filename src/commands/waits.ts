// The Waits view's commands: Show Wait Graph (the graph of who waits on whom, drawn), Copy as Text
// of a diagnosis (for a bug report), and opening the contents of the object a lock lives in.
import * as vscode from 'vscode';
import { listedObjectOf } from '../ipc/snapshot';
import type { DiagnosisRow } from '../ipc/waits/present';
import * as l10n from '../shared/l10n';
import { WaitGraphPanel } from '../views/waitGraphPanel';
import type { WaitNode } from '../views/waitsView';
import { openObjectContents } from './openContents';
import type { Command, CommandEnv } from './registry';

/** Opens the contents of the object a lock node of the graph lives in, at the lock's offset. */
async function openLock(env: CommandEnv, nodeId: string): Promise<void> {
  const snapshot = env.ipc.snapshots.current;
  const waits = snapshot?.waits;
  const node = waits?.read ? waits.graph.nodes.get(nodeId) : undefined;
  if (node?.kind !== 'lock') return;
  const object = listedObjectOf(snapshot, node.object);
  if (!object) {
    await env.ipc.prompts.notify(
      'info',
      l10n.t(
        '{0} lives in an object the views do not list (a file mapped shared, or memory only one process maps): its contents cannot be opened here.',
        node.label,
      ),
    );
    return;
  }
  const panel = await openObjectContents(env, object);
  await panel?.goTo(Number(node.offset));
}

export const showWaitGraph: Command = {
  id: 'ipcInspector.showWaitGraph',
  what: 'Could not show the wait-for graph',
  run(env) {
    return WaitGraphPanel.show(env.ipc, env.views.waits, (id) => openLock(env, id));
  },
};

export const copyDiagnosis: Command = {
  id: 'ipcInspector.copyDiagnosis',
  what: 'Could not copy the diagnosis',
  async run(env, clicked, selected) {
    const rows = (Array.isArray(selected) && selected.length > 0 ? selected : clicked ? [clicked] : env.views.waits.treeView.selection) as WaitNode[];
    let diagnoses = rows.filter((r): r is DiagnosisRow => !!r && r.kind === 'diagnosis');
    if (diagnoses.length === 0) diagnoses = env.views.waits.diagnoses;
    if (diagnoses.length === 0) {
      await env.ipc.prompts.notify('info', l10n.t('Nothing to copy: the Waits view shows no diagnosis.'));
      return;
    }
    const taken = env.ipc.snapshots.current?.takenAt;
    const lines = diagnoses.map((d) => `- ${d.text}`);
    if (taken) lines.push('', l10n.t('(IPC Inspector, {0})', new Date(taken).toISOString()));
    await vscode.env.clipboard.writeText(lines.join('\n'));
  },
};

export const openLockContents: Command = {
  id: 'ipcInspector.openLockContents',
  what: 'Could not open the contents',
  async run(env, clicked) {
    const row = clicked as WaitNode | undefined;
    if (row?.kind === 'target' && row.lock) await openLock(env, row.id);
  },
};
