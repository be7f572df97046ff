// The Shared Memory view's data: System V segments and POSIX objects in groups of their own, each
// group with its limits line; every object as its kind's `present` module words it (icon and colour
// per state, description, tooltip, screen-reader label), its holders as children. Rows have stable
// ids, so expansion and selection survive refreshes.
import * as vscode from 'vscode';
import type { Holds } from '../holds';
import { ChildRow, ObjectRow, RowIcon } from '../ipc/objects';
import { posixRow, shmFsNearlyFull, shmFsSummary } from '../ipc/posixShm/present';
import type { IpcObject, PosixObjectInfo, SegmentInfo, Snapshot } from '../ipc/snapshot';
import { limitsSummary, segmentRow } from '../ipc/sysvShm/present';

export type GroupId = 'sysvShm' | 'posixShm' | 'memfd';

export type ObjectNode = { kind: 'object'; group: GroupId; object: IpcObject; row: ObjectRow };

export type Node =
  | { kind: 'group'; group: GroupId }
  | ObjectNode
  | { kind: 'child'; parent: ObjectNode; row: ChildRow }
  | { kind: 'note'; group: GroupId; id: string; text: string; tooltip: string; command?: vscode.Command };

const ROW_ICONS: Record<RowIcon, [string, string | undefined]> = {
  'in-use': ['pass-filled', 'charts.green'],
  unused: ['circle-large-outline', undefined],
  orphaned: ['warning', 'list.warningForeground'],
  'removed-held': ['trash', 'list.errorForeground'],
  locked: ['lock', 'charts.purple'],
};

const GROUP_TITLES: Record<GroupId, string> = {
  sysvShm: 'System V segments',
  posixShm: 'POSIX objects (/dev/shm)',
  memfd: 'memfd objects (shared)',
};

export interface TreeFilter {
  onlyMine: boolean;
  uid: number;
}

/** Whether an object belongs to the user (owner or, for System V, creator). */
function isMine(object: IpcObject, uid: number): boolean {
  if (object.kind === 'sysvShm') return object.segment.uid === uid || object.segment.cuid === uid;
  return object.file?.uid === uid;
}

/** Opens a row's contents on the second click of a double click (a single click only selects). */
export const ROW_CLICK_COMMAND = 'ipcInspector.rowClicked';

export class SharedMemoryTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Snapshot | undefined;
  private groups = new Map<GroupId, Node[]>();
  private readonly nodes = new Map<string, ObjectNode>();
  private hidden = 0;

  constructor(private readonly holds: Holds, private filter: TreeFilter) {}

  /** Shows a new snapshot (or the same one again when holds or the filter changed). */
  show(snapshot: Snapshot | undefined): void {
    this.snapshot = snapshot;
    this.nodes.clear();
    this.groups = new Map();
    this.hidden = 0;
    if (snapshot) {
      this.groups.set('sysvShm', this.objectNodes('sysvShm', snapshot.segments));
      this.groups.set('posixShm', this.objectNodes('posixShm', snapshot.posix.objects));
      const memfds = this.objectNodes('memfd', snapshot.posix.memfds);
      if (memfds.length > 0) this.groups.set('memfd', memfds);
    }
    this.changed.fire(undefined);
  }

  setFilter(filter: TreeFilter): void {
    this.filter = filter;
    this.show(this.snapshot);
  }

  /** The row of an object by its tree id (`shm:5`, `posix:0:27:2`), for reveal() and commands. */
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
    return this.hidden;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.snapshot ? [...this.groups.keys()].map((group) => ({ kind: 'group', group })) : [];
    if (node.kind === 'group') return this.groupChildren(node.group);
    if (node.kind === 'object') return node.row.children.map((row) => ({ kind: 'child', parent: node, row }));
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
        return objectItem(node);
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

  private objectNodes(group: GroupId, objects: readonly IpcObject[]): ObjectNode[] {
    const shown: ObjectNode[] = [];
    for (const object of objects) {
      if (this.filter.onlyMine && !isMine(object, this.filter.uid)) {
        this.hidden++;
        continue;
      }
      const node: ObjectNode = { kind: 'object', group, object, row: this.rowOf(object) };
      this.nodes.set(node.row.id, node);
      shown.push(node);
    }
    return shown;
  }

  private rowOf(object: IpcObject): ObjectRow {
    if (object.kind === 'sysvShm') return segmentRow(object, { held: this.holds.has(object.segment.shmid), uid: this.filter.uid });
    return posixRow(object, { held: false, uid: this.filter.uid });
  }

  private groupChildren(group: GroupId): Node[] {
    const nodes = this.groups.get(group) ?? [];
    if (nodes.length > 0) return nodes;
    return [this.emptyNote(group)];
  }

  private emptyNote(group: GroupId): Node {
    const snapshot = this.snapshot;
    const all = group === 'sysvShm' ? snapshot?.segments.length ?? 0 : snapshot?.posix.objects.length ?? 0;
    const id = `note:${group}:empty`;
    if (all > 0) {
      const text = `${all} of other users hidden ("Show Only My Segments")`;
      return { kind: 'note', group, id, text, tooltip: 'Objects of other users are hidden by the ipcInspector.showOnlyMySegments setting. Click to change it.', command: { command: 'workbench.action.openSettings', title: 'Open Settings', arguments: ['ipcInspector.showOnlyMySegments'] } };
    }
    if (group === 'posixShm' && snapshot && !snapshot.posix.available) {
      return { kind: 'note', group, id, text: `${snapshot.posix.dir} cannot be read`, tooltip: `POSIX shared memory lives in ${snapshot.posix.dir}: ${snapshot.posix.error ?? 'not found'}. Mount a tmpfs there (mount -t tmpfs tmpfs /dev/shm) or check its permissions.` };
    }
    if (group === 'sysvShm') {
      return { kind: 'note', group, id, text: 'No segments in this IPC namespace · Create…', tooltip: 'No System V shared memory segment exists in this IPC namespace. Click to create one.', command: { command: 'ipcInspector.createSegment', title: 'Create Shared Memory Segment…' } };
    }
    return { kind: 'note', group, id, text: 'No objects in /dev/shm · Create…', tooltip: 'No POSIX shared memory object exists in /dev/shm. Click to create one.', command: { command: 'ipcInspector.createPosixObject', title: 'Create POSIX Shared Memory Object…' } };
  }

  private groupItem(group: GroupId): vscode.TreeItem {
    // memfds are many on a desktop (Chromium shares memory through hundreds): closed until asked.
    const item = new vscode.TreeItem(GROUP_TITLES[group], group === 'memfd' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
    item.id = `group:${group}`;
    item.contextValue = `group;${group}`;
    const snapshot = this.snapshot;
    if (!snapshot) return item;
    if (group === 'sysvShm') {
      item.description = limitsSummary(snapshot.limits, snapshot.usage);
      item.iconPath = new vscode.ThemeIcon('database');
      item.tooltip = `System V shared memory (shmget): ${item.description}.${snapshot.skippedLines > 0 ? ` ${snapshot.skippedLines} line(s) of /proc/sysvipc/shm could not be read and are not shown.` : ''}`;
    } else if (group === 'posixShm') {
      const usage = snapshot.posix.usage;
      item.description = shmFsSummary(usage, snapshot.posix.objects.length);
      const full = shmFsNearlyFull(usage);
      item.iconPath = full ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('files');
      item.tooltip = `POSIX shared memory (shm_open): the files of ${snapshot.posix.dir}, ${item.description}.` +
        (full ? ' When it is full, programs get SIGBUS or "No space left on device": remove unused objects.' : '') +
        (snapshot.posix.semaphores > 0 ? ` ${snapshot.posix.semaphores} named semaphore(s) (sem.*) there are not listed here.` : '') +
        (snapshot.scan.unreadable > 0 ? ` ${snapshot.scan.unreadable} process(es) could not be checked for holders.` : '');
    } else {
      item.description = `${snapshot.posix.memfds.length} held by several processes`;
      item.iconPath = new vscode.ThemeIcon('link');
      item.tooltip = 'Anonymous memory files (memfd_create) that two or more processes hold: they share memory through them. Only processes this user can read are counted.';
    }
    item.accessibilityInformation = { label: `${GROUP_TITLES[group]}, ${item.description}` };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function objectItem(node: ObjectNode): vscode.TreeItem {
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
  item.command = { command: ROW_CLICK_COMMAND, title: 'Open Contents', arguments: [node] };
  return item;
}

function childItem(row: ChildRow): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
  item.id = row.id;
  item.description = row.description;
  item.iconPath = new vscode.ThemeIcon(row.codicon);
  item.tooltip = row.tooltip;
  item.accessibilityInformation = { label: row.accessibilityLabel };
  item.contextValue = row.contextValue;
  return item;
}

export function isSegment(object: IpcObject): object is SegmentInfo {
  return object.kind === 'sysvShm';
}

export function isPosixObject(object: IpcObject): object is PosixObjectInfo {
  return object.kind === 'posixShm';
}
