// Copy as Table: the selected objects (or every object of the view) as a Markdown table, for a bug
// report or a chat: kind, object, size, owner, mode, holders and state, in the view's own words.
import * as vscode from 'vscode';
import { TABLE_HEADER, tableRow } from '../ipc/objectTable';
import type { IpcObject } from '../ipc/snapshot';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function objectsTable(objects: readonly IpcObject[]): string {
  const rows = objects.map(tableRow);
  return [TABLE_HEADER, TABLE_HEADER.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n') + '\n';
}

export const copyAsTable: Command = {
  id: 'ipcInspector.copyAsTable',
  what: 'Could not copy the objects as a table',
  async run(env, clicked?: unknown, selected?: unknown): Promise<string | undefined> {
    let objects = env.views.all.map((v) => v.objectsFrom(clicked, selected)).find((found) => found.length > 0) ?? [];
    // From a view's title bar, nothing selected: every object of the views on screen.
    if (objects.length === 0) objects = env.views.all.filter((v) => v.treeView.visible).flatMap((v) => v.tree.allObjectNodes().map((node) => node.object));
    if (objects.length === 0) {
      void env.ipc.prompts.notify('info', l10n.t('No objects to copy: the view is empty.'));
      return undefined;
    }
    const table = objectsTable(objects);
    await vscode.env.clipboard.writeText(table);
    vscode.window.setStatusBarMessage(
      objects.length === 1 ? l10n.t('Copied a table of 1 object') : l10n.t('Copied a table of {0} objects', objects.length),
      3000,
    );
    return table;
  },
};
