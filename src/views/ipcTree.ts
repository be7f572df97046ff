// The data of an IPC view: its groups (views/groups.ts), each with its limits line; every object as
// its kind's `present` module words it (icon and colour per state, description, tooltip,
// screen-reader label), its children (holders, semaphores, waiters, messages) below it. Every view
// of the IPC container is this tree with other groups. Rows have stable ids, so expansion and
// selection survive refreshes.
import * as vscode from 'vscode';
import type { Holds } from '../holds';
import type { ChildRow, ObjectRow, RowIcon } from '../ipc/objects';
import { objectRow, ownerUids } from '../ipc/rows';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import { GROUPS, type GroupId, type GroupSpec } from './groups';
import * as l10n from '../shared/l10n';

export type { GroupId } from './groups';

export type ObjectNode = { kind: 'object'; group: GroupId; object: IpcObject; row: ObjectRow };
export type ChildNode = { kind: 'child'; parent: ObjectNode; row: ChildRow };

export type Node =
  | { kind: 'group'; group: GroupId }
  | ObjectNode
  | ChildNode
  | { kind: 'note'; group: GroupId; id: string; text: string; tooltip: string; command?: vscode.Command };

const ROW_ICONS: Record<RowIcon, [string, string | undefined]> = {
  'in-use': ['pass-filled', 'charts.green'],
  unused: ['circle-large-outline', undefined],
  orphaned: ['warning', 'list.warningForeground'],
  'removed-held': ['trash', 'list.errorForeground'],
  locked: ['lock', 'charts.purple'],
  problem: ['error', 'list.errorForeground'],
};

export interface TreeFilter {
  onlyMine: boolean;
  uid: number;
}

/** Opens a row's contents on the second click of a double click (a single click only selects). */
export const ROW_CLICK_COMMAND = 'ipcInspector.rowClicked';

export class IpcTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Snapshot | undefined;
  private groups = new Map<GroupId, ObjectNode[]>();
  private hiddenByFilter = new Map<GroupId, number>();
  private readonly nodes = new Map<string, ObjectNode>();
  private readonly specs: GroupSpec[];

  constructor(
    groups: readonly GroupId[],
    private readonly holds: Holds,
    private filter: TreeFilter,
    private readonly opensOnClick: boolean,
  ) {
    this.specs = groups.map((id) => GROUPS[id]);
  }

  /** Shows a new snapshot (or the same one again when holds or the filter changed). */
  show(snapshot: Snapshot | undefined): void {
    this.snapshot = snapshot;
    this.nodes.clear();
    this.groups = new Map();
    this.hiddenByFilter = new Map();
    if (snapshot) for (const spec of this.specs) this.groups.set(spec.id, this.objectNodes(spec, snapshot));
    this.changed.fire(undefined);
  }

  setFilter(filter: TreeFilter): void {
    this.filter = filter;
    this.show(this.snapshot);
  }

  /** The row of an object by its tree id (`shm:5`, `posix:0:27:2`, `sem:3`...), for reveal() and commands. */
  node(id: string): ObjectNode | undefined {
    return this.nodes.get(id);
  }

  /** The row of a System V segment. */
  segmentNode(shmid: number): ObjectNode | undefined {
    return this.nodes.get(`shm:${shmid}`);
  }

  /** Every object row shown, in order. */
  allObjectNodes(): ObjectNode[] {
    return [...this.nodes.values()];
  }

  /** Rows shown, of every kind. */
  get objectCount(): number {
    return this.nodes.size;
  }

  /** Objects hidden by the "only mine" filter. */
  get filteredOut(): number {
    return [...this.hiddenByFilter.values()].reduce((a, b) => a + b, 0);
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      if (!this.snapshot) return [];
      return this.specs
        .filter((spec) => !spec.hiddenWhenEmpty || (this.groups.get(spec.id)?.length ?? 0) > 0)
        .map((spec) => ({ kind: 'group', group: spec.id }));
    }
    if (node.kind === 'group') return this.groupChildren(node.group);
    if (node.kind === 'object') return node.row.children.map((row) => ({ kind: 'child', parent: node, row }));
    if (node.kind === 'child') return (node.row.children ?? []).map((row) => ({ kind: 'child', parent: node.parent, row }));
    return [];
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'group') return undefined;
    if (node.kind === 'child') return this.nodes.get(node.parent.row.id);
    return { kind: 'group', group: node.group };
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return this.groupItem(node.group);
      case 'object':
        return this.objectItem(node);
      case 'child':
        return childItem(node.row);
      case 'note': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon('info');
        item.command = node.command;
        item.accessibilityInformation = { label: node.text };
        item.contextValue = 'note';
        return item;
      }
    }
  }

  private objectNodes(spec: GroupSpec, snapshot: Snapshot): ObjectNode[] {
    const shown: ObjectNode[] = [];
    let hidden = 0;
    for (const object of spec.objects(snapshot)) {
      if (this.filter.onlyMine && !ownerUids(object).includes(this.filter.uid)) {
        hidden++;
        continue;
      }
      const held = object.kind === 'sysvShm' && this.holds.has(object.segment.shmid);
      const node: ObjectNode = { kind: 'object', group: spec.id, object, row: objectRow(object, { held, uid: this.filter.uid }) };
      this.nodes.set(node.row.id, node);
      shown.push(node);
    }
    this.hiddenByFilter.set(spec.id, hidden);
    return shown;
  }

  private groupChildren(group: GroupId): Node[] {
    const nodes = this.groups.get(group) ?? [];
    if (nodes.length > 0 || !this.snapshot) return nodes;
    const id = `note:${group}:empty`;
    const hidden = this.hiddenByFilter.get(group) ?? 0;
    if (hidden > 0) {
      return [
        {
          kind: 'note',
          group,
          id,
          text: `${hidden} of other users hidden ("Show Only My Segments")`,
          tooltip: 'Objects of other users are hidden by the ipcInspector.showOnlyMySegments setting. Click to change it.',
          command: { command: 'workbench.action.openSettings', title: l10n.t('Open Settings'), arguments: ['ipcInspector.showOnlyMySegments'] },
        },
      ];
    }
    const note = GROUPS[group].empty(this.snapshot);
    return [{ kind: 'note', group, id, text: note.text, tooltip: note.tooltip, command: note.command }];
  }

  private groupItem(group: GroupId): vscode.TreeItem {
    const spec = GROUPS[group];
    const item = new vscode.TreeItem(spec.title, spec.collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    item.id = `group:${group}`;
    item.contextValue = `group;${group}`;
    if (!this.snapshot) return item;
    const line = spec.line(this.snapshot);
    item.description = line.description;
    item.tooltip = line.tooltip;
    item.iconPath = line.warning ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon(line.codicon);
    item.accessibilityInformation = { label: `${spec.title}, ${line.description}${line.warning ? ', near its limit' : ''}` };
    return item;
  }

  private objectItem(node: ObjectNode): vscode.TreeItem {
    const row = node.row;
    const item = new vscode.TreeItem(row.label, row.children.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = row.id;
    item.description = row.description;
    const [icon, color] = ROW_ICONS[row.icon];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const tooltip = new vscode.MarkdownString(row.tooltip);
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: row.accessibilityLabel, role: 'treeitem' };
    item.contextValue = row.contextValue;
    if (this.opensOnClick) item.command = { command: ROW_CLICK_COMMAND, title: l10n.t('Open Contents'), arguments: [node] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function childItem(row: ChildRow): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, row.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  item.id = row.id;
  item.description = row.description;
  item.iconPath = new vscode.ThemeIcon(row.codicon);
  const tooltip = new vscode.MarkdownString(row.tooltip);
  tooltip.supportHtml = false;
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: row.accessibilityLabel };
  item.contextValue = row.contextValue;
  if (row.command) item.command = row.command;
  return item;
}
