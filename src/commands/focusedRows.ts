// Enter and Delete in an IPC view (package.json keybindings): they act on the row the keyboard focus
// is on, as VS Code's own trees do, not on the row clicked last. The keybindings pass
// { $treeViewId, $focusedTreeItem: true }, which VS Code turns into the view's focused element (the
// context its own view actions get). The focused row stands alone, or with the rows selected with
// it when it is one of them (several rows selected on purpose). On a group's row, Enter opens or
// closes the group as usual.
import * as vscode from 'vscode';
import type { Node } from '../views/ipcTree';
import { openContents } from './openContents';
import type { Command, CommandEnv } from './registry';
import { remove } from './remove';

/** The rows a key acts on: the focused one, or the selection it belongs to. */
function rowsOf(env: CommandEnv, focused: unknown): Node[] {
  if (!focused || typeof focused !== 'object') return [];
  const view = env.views.all.find((v) => v.treeView.selection.includes(focused as Node)) ?? undefined;
  return view ? [...view.treeView.selection] : [focused as Node];
}

/** A group's or a note's row: Enter there keeps its usual meaning (open or close the group). */
const isObjectRow = (row: Node) => row.kind === 'object' || row.kind === 'child';

export const openFocused: Command = {
  id: 'ipcInspector.openFocused',
  what: 'Could not open the contents',
  async run(env, focused) {
    const rows = rowsOf(env, focused);
    if (rows.length === 0) return undefined;
    if (!isObjectRow(rows[0])) return vscode.commands.executeCommand('list.select');
    return openContents.run(env, rows[0]);
  },
};

export const removeFocused: Command = {
  id: 'ipcInspector.removeFocused',
  what: 'Could not remove',
  run(env, focused) {
    const rows = rowsOf(env, focused).filter(isObjectRow);
    return rows.length > 0 ? remove.run(env, undefined, rows) : undefined;
  },
};
