// The Waits view of the IPC container: what is wrong first (deadlocks, dead owners, robust mutexes
// whose owner died, private locks in shared memory, semaphores nobody is left to post, full queues
// nobody receives from) in the error and warning colours, then every blocked thread under what it
// waits on, with the lock's state and its holder. The rows are src/ipc/waits/present.ts's; this file
// makes tree items of them, and names a lock by its field when an open contents view shows a C type
// over its object (redrawn when one is shown or taken away). It asks the refresher for waits only
// while it is visible (reading every thread's syscall and the lock bytes costs), and keeps its rows
// when a refresh made for another view did not read waits.
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { kindOf } from '../ipc/kinds';
import { listedObjectOf, type Snapshot } from '../ipc/snapshot';
import type { SharedObject } from '../ipc/waits/sharedMaps';
import { fieldPathAt } from '../shared/cLayout';
import { lockTypeOf } from '../shared/glibcLocks';
import { ContentsPanel } from './contentsPanel';
import { waitRows, type DiagnosisRow, type Severity, type WaitRow } from '../ipc/waits/present';
import type { ShellView } from './ipcView';

export const WAITS_VIEW = 'ipcInspector.waits';

export type WaitNode = WaitRow;

const COLOURS: Record<Severity, string> = { error: 'list.errorForeground', warning: 'list.warningForeground' };

/** The field a lock is in the C type shown over its object's open contents view ("mutex1", "slots[3].lock"), if one is. */
function fieldOf(snapshot: Snapshot, object: SharedObject, offset: bigint): string | undefined {
  const listed = listedObjectOf(snapshot, object);
  const cType = listed && ContentsPanel.cTypeOver(kindOf(listed).rowId(listed));
  return cType ? fieldPathAt(cType.layout, cType.placement, Number(offset), (field) => lockTypeOf(field.type) !== undefined) : undefined;
}

export class WaitsView implements vscode.TreeDataProvider<WaitNode>, vscode.Disposable {
  readonly treeView: vscode.TreeView<WaitNode>;
  private readonly changed = new vscode.EventEmitter<WaitNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private rows: WaitRow[] = [];
  private readonly parents = new Map<string, WaitNode>();
  private readonly byId = new Map<string, WaitNode>();
  private lastKey = '';
  private snapshot: Snapshot | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(context: IpcContext, shell: ShellView) {
    this.treeView = shell.treeView as vscode.TreeView<WaitNode>;
    this.disposables.push(
      this.changed,
      shell.attach(this as vscode.TreeDataProvider<unknown>),
      context.onDidChangeSnapshot((snapshot) => this.show(snapshot)),
      context.watch(this.treeView, ['waits']),
      context.onDidChangeNamespace((target) => (this.treeView.description = target?.label)),
      ContentsPanel.onDidChangeCTypes(() => this.show(this.snapshot)),
    );
    if (context.snapshots.current) this.show(context.snapshots.current);
  }

  /** Shows a refresh's waits; a refresh that did not read them (made for another view) leaves the rows as they are. */
  show(snapshot: Snapshot | undefined): void {
    if (snapshot && !snapshot.waits) return;
    this.snapshot = snapshot;
    const rows = snapshot
      ? waitRows({ picture: snapshot.waits, takenAt: snapshot.takenAt, fieldOf: (object, offset) => fieldOf(snapshot, object, offset) })
      : [];
    const key = JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.rows = rows;
    this.parents.clear();
    this.byId.clear();
    for (const row of rows) {
      this.byId.set(row.id, row);
      if (row.kind === 'target') {
        for (const child of row.children) {
          this.byId.set(child.id, child);
          this.parents.set(child.id, row);
        }
      }
    }
    this.changed.fire(undefined);
  }

  /** The diagnoses shown now. */
  get diagnoses(): DiagnosisRow[] {
    return this.rows.filter((r): r is DiagnosisRow => r.kind === 'diagnosis');
  }

  getChildren(element?: WaitNode): WaitNode[] {
    if (!element) return this.rows;
    return element.kind === 'target' ? element.children : [];
  }

  getParent(element: WaitNode): WaitNode | undefined {
    return this.parents.get(element.id);
  }

  getTreeItem(row: WaitNode): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label, row.kind === 'target' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = row.id;
    item.tooltip = row.tooltip;
    switch (row.kind) {
      case 'diagnosis':
        item.description = row.description;
        item.iconPath = new vscode.ThemeIcon(row.severity === 'error' ? 'error' : 'warning', new vscode.ThemeColor(COLOURS[row.severity]));
        item.contextValue = 'waitDiagnosis';
        item.accessibilityInformation = { label: row.ariaLabel };
        break;
      case 'target':
        item.description = row.description;
        item.iconPath = new vscode.ThemeIcon(row.lock ? 'lock' : 'inbox', row.problem ? new vscode.ThemeColor(COLOURS[row.problem]) : undefined);
        item.contextValue = row.lock ? 'waitLock' : 'waitObject';
        item.accessibilityInformation = { label: row.ariaLabel };
        break;
      case 'thread':
      case 'holder':
        item.description = row.description;
        item.iconPath = new vscode.ThemeIcon(row.kind === 'holder' ? 'key' : 'watch', row.problem ? new vscode.ThemeColor(COLOURS[row.problem]) : undefined);
        item.contextValue = row.kind === 'holder' ? 'waitHolder' : 'waitThread';
        item.accessibilityInformation = { label: row.ariaLabel };
        break;
      case 'note':
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = 'waitNote';
        // Its words, not its tooltip (what a tree item without one is read as): the count is the news.
        item.accessibilityInformation = { label: row.label };
        break;
    }
    return item;
  }

  /** The row of a graph node: a lock's or object's row, or the first row of a thread. */
  rowOfNode(nodeId: string): WaitNode | undefined {
    const direct = this.byId.get(nodeId);
    if (direct) return direct;
    for (const row of this.rows) {
      if (row.kind !== 'target') continue;
      const found = row.children.find((c) => c.node === nodeId);
      if (found) return found;
    }
    return undefined;
  }

  /** Selects and focuses the row of a graph node (shows the view first). */
  async revealNode(nodeId: string): Promise<boolean> {
    const row = this.rowOfNode(nodeId);
    if (!row) return false;
    await this.treeView.reveal(row, { select: true, focus: true, expand: true });
    return true;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
