// The Shared Memory view: its tree, the TreeView showing it, and what the commands need from it
// (which objects the user clicked or selected, revealing a new row). It redraws on every snapshot
// that changed, on hold changes and on the "only mine" setting, and asks the context to poll /proc
// while it is visible.
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import type { IpcObject } from '../ipc/snapshot';
import { Node, ObjectNode, SharedMemoryTree } from './sharedMemoryTree';

export const SHARED_MEMORY_VIEW = 'ipcInspector.sharedMemory';

export class SharedMemoryView implements vscode.Disposable {
  readonly tree: SharedMemoryTree;
  readonly treeView: vscode.TreeView<Node>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: IpcContext) {
    this.tree = new SharedMemoryTree(context.holds, { onlyMine: context.settings.onlyMine, uid: context.uid });
    this.treeView = vscode.window.createTreeView(SHARED_MEMORY_VIEW, { treeDataProvider: this.tree, canSelectMany: true, showCollapseAll: true });
    this.disposables.push(
      this.tree,
      this.treeView,
      context.onDidChangeSnapshot((snapshot) => this.show(snapshot)),
      context.holds.onDidChange(() => this.tree.show(context.snapshots.current)),
      context.onDidChangeSettings((event) => {
        if (event.affectsConfiguration('ipcInspector.showOnlyMySegments')) this.tree.setFilter({ onlyMine: context.settings.onlyMine, uid: context.uid });
        if (event.affectsConfiguration('ipcInspector.helperPath')) this.updateMessage();
      }),
      context.watch(this.treeView),
      // Enter and Delete act on the selected objects (package.json keybindings); on a group row
      // they keep their usual meaning.
      this.treeView.onDidChangeSelection(() => {
        const selected = this.treeView.selection.some((node) => node.kind === 'object' || node.kind === 'child');
        void vscode.commands.executeCommand('setContext', 'ipcInspector.objectSelected', selected);
      }),
    );
  }

  private show(snapshot: Parameters<SharedMemoryTree['show']>[0]): void {
    this.tree.show(snapshot);
    this.updateMessage();
  }

  /**
   * The line above the rows: what the user should know even when objects are listed. The listing
   * needs no helper, but contents, create, remove and the rest do.
   */
  private updateMessage(): void {
    const problem = this.context.helperProblem();
    this.treeView.message = problem ? `${problem} Listing works without it; contents, creating and removing do not.` : undefined;
  }

  /**
   * The objects a command acts on: the clicked row plus the selection, or the selection alone.
   * A holder's row stands for its object.
   */
  objectsFrom(clicked?: unknown, selected?: unknown): IpcObject[] {
    const objectOf = (node: Node): ObjectNode | undefined => (node.kind === 'object' ? node : node.kind === 'child' ? node.parent : undefined);
    // VS Code's selection can still hold a row that a refresh just removed: only listed rows count.
    const listed = () => this.treeView.selection.filter((node) => {
      const object = objectOf(node);
      return object && this.tree.node(object.row.id);
    });
    const nodes = Array.isArray(selected) && selected.length > 0 ? (selected as Node[]) : clicked ? [clicked as Node] : listed();
    const objects = new Map<string, IpcObject>();
    for (const node of nodes) {
      if (!node || typeof node !== 'object' || !('kind' in node)) continue;
      const object = objectOf(node);
      if (object) objects.set(object.row.id, this.tree.node(object.row.id)?.object ?? object.object);
    }
    return [...objects.values()];
  }

  /** Selects and focuses an object's row (by tree id) after a refresh showed it. */
  async reveal(id: string): Promise<void> {
    const node = this.tree.node(id);
    if (node) await this.treeView.reveal(node, { select: true, focus: true });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
