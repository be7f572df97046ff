// One view of the IPC container: its tree (ipcTree.ts, with this view's groups), the TreeView
// showing it, and what the commands need from it (which objects the user clicked or selected,
// revealing a new row). It redraws on every snapshot that changed, on hold changes and on the
// "only mine" setting, and asks the context to poll /proc while it is visible (for the kinds it
// shows: semaphore values and waiters are read only while a view showing them is visible).
import * as vscode from 'vscode';
import type { IpcContext, Need } from '../context';
import type { IpcObject } from '../ipc/snapshot';
import type { GroupId } from './groups';
import { IpcTree, Node, ObjectNode } from './ipcTree';

/** A view as the shell registered it at activation: its TreeView, and where the real tree plugs in. */
export interface ShellView {
  id: string;
  treeView: vscode.TreeView<unknown>;
  attach(tree: vscode.TreeDataProvider<unknown>): vscode.Disposable;
}

export interface ViewSpec {
  groups: readonly GroupId[];
  /** What a refresh must read for this view beyond the listing. */
  needs: readonly Need[];
  /** Rows open their contents on a double click (shared memory has contents; sets do not). */
  opensOnClick: boolean;
}

/** How long after a double click its toggle of the row is expected (it follows the second click at once). */
const TOGGLE_WINDOW_MS = 1000;

export class IpcView implements vscode.Disposable {
  /** The view's id (package.json contributes.views). */
  readonly id: string;
  readonly tree: IpcTree;
  readonly treeView: vscode.TreeView<Node>;
  /** When the user last selected something here: commands run from a key act on the latest view. */
  lastActive = 0;
  /** A row whose next expand or collapse is the one a double click makes, to be undone (see keepExpansion). */
  private toggleToUndo: { node: Node; until: number } | undefined;
  /** The last expand or collapse seen, in case the double click's command comes after it. */
  private lastToggle: { node: Node; now: 'expanded' | 'collapsed'; at: number } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** The TreeView is the one the shell registered at activation (src/extension.ts); this view's tree plugs into it. */
  constructor(
    private readonly context: IpcContext,
    shell: ShellView,
    readonly spec: ViewSpec,
  ) {
    this.tree = new IpcTree(spec.groups, context.holds, { onlyMine: context.settings.onlyMine, uid: context.uid }, spec.opensOnClick);
    this.id = shell.id;
    this.treeView = shell.treeView as vscode.TreeView<Node>;
    this.disposables.push(
      this.tree,
      shell.attach(this.tree as vscode.TreeDataProvider<unknown>),
      context.onDidChangeSnapshot((snapshot) => this.show(snapshot)),
      context.holds.onDidChange(() => this.tree.show(context.snapshots.current)),
      context.onDidChangeSettings((event) => {
        if (event.affectsConfiguration('ipcInspector.showOnlyMySegments')) this.tree.setFilter({ onlyMine: context.settings.onlyMine, uid: context.uid });
        if (event.affectsConfiguration('ipcInspector.helperPath')) this.updateMessage();
      }),
      context.watch(this.treeView, spec.needs),
      // Which namespace the rows are of, beside the title, whenever it is not this window's.
      context.onDidChangeNamespace((target) => (this.treeView.description = target?.label)),
      // Enter and Delete act on the selected objects (package.json keybindings); on a group row
      // they keep their usual meaning.
      // A double click opens a row's contents, and VS Code also toggles a row it double-clicks (no
      // option turns that off for extensions' trees): that toggle is undone, so the row stays as it was.
      this.treeView.onDidExpandElement((event) => this.undoToggle(event.element, 'expanded')),
      this.treeView.onDidCollapseElement((event) => this.undoToggle(event.element, 'collapsed')),
      this.treeView.onDidChangeSelection(() => {
        this.lastActive = Date.now();
        const selected = this.treeView.selection.some((node) => node.kind === 'object' || node.kind === 'child');
        void vscode.commands.executeCommand('setContext', 'ipcInspector.objectSelected', selected);
      }),
    );
    this.treeView.description = context.namespace?.label;
    if (context.snapshots.current) this.show(context.snapshots.current);
  }

  private show(snapshot: Parameters<IpcTree['show']>[0]): void {
    this.tree.show(snapshot);
    this.updateMessage();
  }

  /**
   * The line above the rows: what the user should know even when objects are listed. The listing
   * needs no helper, but contents, values, messages, creating and removing do.
   */
  private updateMessage(): void {
    const problem = this.context.helperProblem();
    this.treeView.message = problem ? `${problem} Listing works without it; contents, values, creating and removing do not.` : undefined;
  }

  /**
   * The objects a command acts on: the clicked row plus the selection, or the selection alone.
   * A child row (a holder, a semaphore, a message) stands for its object.
   */
  objectsFrom(clicked?: unknown, selected?: unknown): IpcObject[] {
    const objectOf = (node: Node): ObjectNode | undefined => (node.kind === 'object' ? node : node.kind === 'child' ? node.parent : undefined);
    // A row of another view is that view's to answer for.
    const ours = (node: unknown): node is Node =>
      !!node &&
      typeof node === 'object' &&
      'kind' in node &&
      (() => {
        const object = objectOf(node as Node);
        return !!object && this.spec.groups.includes(object.group);
      })();
    // VS Code's selection can still hold a row that a refresh just removed: only listed rows count.
    const listed = () =>
      this.treeView.selection.filter((node) => {
        const object = objectOf(node);
        return object && this.tree.node(object.row.id);
      });
    const given = Array.isArray(selected) && selected.length > 0 ? (selected as unknown[]) : clicked ? [clicked] : listed();
    const objects = new Map<string, IpcObject>();
    for (const node of given) {
      if (!ours(node)) continue;
      const object = objectOf(node)!;
      objects.set(object.row.id, this.tree.node(object.row.id)?.object ?? object.object);
    }
    return [...objects.values()];
  }

  /**
   * The row was double-clicked to open its contents: the expand or collapse VS Code makes of it
   * (just before or just after this call: the two reach the extension in either order) is undone.
   */
  keepExpansion(node: Node): void {
    const toggled = this.lastToggle;
    if (toggled && toggled.node === node && Date.now() - toggled.at <= TOGGLE_WINDOW_MS) {
      this.lastToggle = undefined;
      this.revert(node, toggled.now);
      return;
    }
    this.toggleToUndo = { node, until: Date.now() + TOGGLE_WINDOW_MS };
  }

  private undoToggle(node: Node, now: 'expanded' | 'collapsed'): void {
    const pending = this.toggleToUndo;
    if (!pending || Date.now() > pending.until || node !== pending.node) {
      this.lastToggle = { node, now, at: Date.now() };
      return;
    }
    this.toggleToUndo = undefined;
    this.revert(node, now);
  }

  /** Puts the row back as it was before the double click's toggle (the row has the tree's focus then). */
  private revert(node: Node, now: 'expanded' | 'collapsed'): void {
    if (now === 'expanded') void vscode.commands.executeCommand('list.collapse');
    else void this.treeView.reveal(node, { expand: true, select: false, focus: false });
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
