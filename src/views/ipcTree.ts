// The data of an IPC view: its groups (views/groups.ts), each with its limits line; every object as
// its kind's `present` module words it (icon and colour per state, description, tooltip,
// screen-reader label), its children (holders, semaphores, waiters, messages) below it. Every view
// of the IPC container is this tree with other groups. Rows have stable ids, so expansion and
// selection survive refreshes.
import * as vscode from 'vscode';
import type { Holds } from '../holds';
import type { ChildRow, ObjectRow, RowContext, RowIcon } from '../ipc/objects';
import { kindOf } from '../ipc/kinds';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import { GROUPS, type GroupId, type GroupSpec } from './groups';
import * as l10n from '../shared/l10n';
import { eachInSlices } from '../ipc/slices';

export type { GroupId } from './groups';

/**
 * An object's row in the tree. The node stays the same object from one refresh to the next while
 * the object is listed (VS Code knows rows by the elements it was given, so a change can be
 * announced for just that row), and its row (words, tooltip, children) is built when first asked.
 */
export class ObjectNode {
  readonly kind = 'object';
  private built: ObjectRow | undefined;

  constructor(
    readonly group: GroupId,
    public object: IpcObject,
    private context: RowContext,
  ) {}

  get row(): ObjectRow {
    return (this.built ??= kindOf(this.object).row(this.object, this.context));
  }

  /**
   * Takes this refresh's object (and whether this window holds it). True when the row VS Code
   * shows now would read differently: only then is the row redrawn (the mouse may be on it).
   */
  update(object: IpcObject, context: RowContext): boolean {
    if (object === this.object && context.held === this.context.held && context.uid === this.context.uid) return false;
    const before = this.built;
    this.object = object;
    this.context = context;
    this.built = undefined;
    return before !== undefined && JSON.stringify(before) !== JSON.stringify(this.row);
  }
}

export type ChildNode = { kind: 'child'; parent: ObjectNode; row: ChildRow };
export type GroupNode = { kind: 'group'; group: GroupId };
export type NoteNode = { kind: 'note'; group: GroupId; id: string; text: string; tooltip: string; command?: vscode.Command };

export type Node = GroupNode | ObjectNode | ChildNode | NoteNode;

/** A group with more rows than this builds them in slices (the host's thread is shared by every extension). */
const SLICED_GROUP = 500;
/** Longest stretch of row building before the event loop gets a turn. */
const SLICE_MS = 20;

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
  private readonly changed = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Snapshot | undefined;
  /** The rows of each group, in order; each node is kept while its object is listed. */
  private groups = new Map<GroupId, ObjectNode[]>();
  private readonly groupNodes = new Map<GroupId, GroupNode>();
  /** What each group's own row showed last (its limits line), to redraw it only when that changed. */
  private groupLines = new Map<GroupId, string>();
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
    for (const id of groups) this.groupNodes.set(id, { kind: 'group', group: id });
  }

  /**
   * Shows a new snapshot (or the same one again when holds or the filter changed), redrawing only
   * what changed: a row whose words changed, a group whose rows came or went or whose limits line
   * changed, the whole tree only when a group appears or goes. Nothing changed: nothing is redrawn.
   */
  show(snapshot: Snapshot | undefined): void {
    const first = this.snapshot === undefined;
    this.snapshot = snapshot;
    if (!snapshot) {
      this.nodes.clear();
      this.groups = new Map();
      this.changed.fire(undefined);
      return;
    }
    const rootBefore = this.rootGroups().join();
    const changedRows: Node[] = [];
    const changedGroups: Node[] = [];
    const seen = new Set<string>();
    for (const spec of this.specs) {
      const before = this.groups.get(spec.id) ?? [];
      const after = this.objectNodes(spec, snapshot, changedRows, seen);
      this.groups.set(spec.id, after);
      const line = JSON.stringify([spec.line(snapshot), this.hiddenByFilter.get(spec.id), after.length === 0 ? spec.empty(snapshot) : null]);
      const membership = before.length !== after.length || before.some((node, i) => node !== after[i]);
      if (membership || line !== this.groupLines.get(spec.id)) changedGroups.push(this.groupNodes.get(spec.id)!);
      this.groupLines.set(spec.id, line);
    }
    for (const id of [...this.nodes.keys()]) if (!seen.has(id)) this.nodes.delete(id);
    if (first || this.rootGroups().join() !== rootBefore) this.changed.fire(undefined);
    else if (changedGroups.length > 0 || changedRows.length > 0) {
      // A redrawn group redraws its rows anyway: its rows need no event of their own.
      const redrawn = new Set(changedGroups.map((g) => (g as GroupNode).group));
      this.changed.fire([...changedGroups, ...changedRows.filter((n) => !redrawn.has((n as ObjectNode).group))]);
    }
  }

  /** Shows the same snapshot through another filter: every row anew. */
  setFilter(filter: TreeFilter): void {
    const snapshot = this.snapshot;
    this.filter = filter;
    this.nodes.clear();
    this.groups = new Map();
    this.groupLines = new Map();
    this.snapshot = undefined;
    this.show(snapshot);
  }

  /** The row of an object by its tree id (`shm:5`, `posix:0:27:2`, `sem:3`...), for reveal() and commands. */
  node(id: string): ObjectNode | undefined {
    return this.nodes.get(id);
  }

  /** A group's own row (the same node every time, as VS Code knows it). */
  groupNode(group: GroupId): GroupNode {
    return this.groupNodes.get(group) ?? { kind: 'group', group };
  }

  /** The row of a System V segment. */
  segmentNode(shmid: number): ObjectNode | undefined {
    return this.nodes.get(`shm:${shmid}`);
  }

  /** Every object row shown, in order. */
  allObjectNodes(): ObjectNode[] {
    return this.specs.flatMap((spec) => this.groups.get(spec.id) ?? []);
  }

  /** Rows shown, of every kind. */
  get objectCount(): number {
    return this.nodes.size;
  }

  /** Objects hidden by the "only mine" filter. */
  get filteredOut(): number {
    return [...this.hiddenByFilter.values()].reduce((a, b) => a + b, 0);
  }

  /** The groups the root shows (a group hidden while empty appears with its first object). */
  private rootGroups(): GroupId[] {
    if (!this.snapshot) return [];
    return this.specs.filter((spec) => !spec.hiddenWhenEmpty || (this.groups.get(spec.id)?.length ?? 0) > 0).map((spec) => spec.id);
  }

  /** What VS Code asks: a large group's rows come a slice at a time (a promise), the rest at once. */
  getChildren(node?: Node): Node[] | Promise<Node[]> {
    const children = this.children(node);
    if (node?.kind !== 'group' || children.length <= SLICED_GROUP) return children;
    return buildInSlices(children);
  }

  /** The children of a node (the root's: the groups), at once. */
  children(node?: Node): Node[] {
    if (!node) return this.rootGroups().map((id) => this.groupNodes.get(id)!);
    if (node.kind === 'group') return this.groupChildren(node.group);
    if (node.kind === 'object') return node.row.children.map((row) => ({ kind: 'child', parent: node, row }));
    if (node.kind === 'child') return (node.row.children ?? []).map((row) => ({ kind: 'child', parent: node.parent, row }));
    return [];
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'group') return undefined;
    if (node.kind === 'child') return this.nodes.get(node.parent.row.id);
    return this.groupNodes.get(node.group);
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

  /** The group's nodes for this snapshot: the same node for an object listed before (updated), a new one for a new object. */
  private objectNodes(spec: GroupSpec, snapshot: Snapshot, changed: Node[], seen: Set<string>): ObjectNode[] {
    const shown: ObjectNode[] = [];
    let hidden = 0;
    for (const object of spec.objects(snapshot)) {
      const kind = kindOf(object);
      if (this.filter.onlyMine && !kind.ownerUids(object).includes(this.filter.uid)) {
        hidden++;
        continue;
      }
      const holdId = kind.holdId(object);
      const context: RowContext = { held: holdId !== undefined && this.holds.has(holdId), uid: this.filter.uid };
      const id = kind.rowId(object);
      let node = this.nodes.get(id);
      if (node && node.group === spec.id) {
        if (node.update(object, context)) changed.push(node);
      } else {
        node = new ObjectNode(spec.id, object, context);
        this.nodes.set(id, node);
      }
      seen.add(id);
      shown.push(node);
    }
    this.hiddenByFilter.set(spec.id, hidden);
    return shown;
  }

  /** A group's rows, or the note that says why it has none. */
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

/** Builds the nodes' rows a slice at a time (the event loop gets a turn every SLICE_MS), then gives them. */
async function buildInSlices(nodes: Node[]): Promise<Node[]> {
  await eachInSlices(
    nodes,
    (node) => {
      if (node.kind === 'object') void node.row; // the getter builds the row once and keeps it
    },
    SLICE_MS,
  );
  return nodes;
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
