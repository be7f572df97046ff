// The Shared Memory view's data: a row per segment (icon and colour per state, words in the
// description, tooltip and screen-reader label), its attached processes as children, and an honest
// row for attachments that cannot be seen. Rows have stable ids, so expansion and selection
// survive refreshes.
import * as vscode from 'vscode';
import { formatKey } from '../ipc/format';
import {
  accessibilityLabel,
  attacherDescription,
  attacherLabel,
  HIDDEN_ATTACHERS_EXPLANATION,
  hiddenAttachersLabel,
  rowState,
  RowState,
  segmentDescription,
  segmentLabel,
  segmentTooltip,
} from '../ipc/presentation';
import type { AttachedProcess, SegmentInfo, Snapshot } from '../ipc/snapshot';
import type { Holds } from './holds';

export type Node =
  | { kind: 'segment'; info: SegmentInfo }
  | { kind: 'attacher'; parent: SegmentInfo; attachment: AttachedProcess; index: number }
  | { kind: 'hidden'; parent: SegmentInfo; count: number };

const STATE_ICONS: Record<RowState, [string, string | undefined]> = {
  attached: ['pass-filled', 'charts.green'],
  unattached: ['circle-large-outline', undefined],
  orphaned: ['warning', 'list.warningForeground'],
  'removed-attached': ['trash', 'list.errorForeground'],
  locked: ['lock', 'charts.purple'],
};

export interface TreeFilter {
  onlyMine: boolean;
  uid: number;
}

export class SharedMemoryTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: Snapshot | undefined;
  private nodes = new Map<number, Node & { kind: 'segment' }>();

  constructor(private readonly holds: Holds, private filter: TreeFilter) {}

  /** Shows a new snapshot (or the same one again when holds or the filter changed). */
  show(snapshot: Snapshot | undefined): void {
    this.snapshot = snapshot;
    this.nodes = new Map(this.visibleSegments().map((info) => [info.segment.shmid, { kind: 'segment' as const, info }]));
    this.changed.fire(undefined);
  }

  setFilter(filter: TreeFilter): void {
    this.filter = filter;
    this.show(this.snapshot);
  }

  /** The row of a segment, for reveal() and for commands given an id. */
  segmentNode(shmid: number): (Node & { kind: 'segment' }) | undefined {
    return this.nodes.get(shmid);
  }

  get segmentCount(): number {
    return this.nodes.size;
  }

  /** Segments hidden by the "only mine" filter. */
  get filteredOut(): number {
    return (this.snapshot?.segments.length ?? 0) - this.nodes.size;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return [...this.nodes.values()];
    if (node.kind !== 'segment') return [];
    const children: Node[] = node.info.attachments.map((attachment, index) => ({ kind: 'attacher', parent: node.info, attachment, index }));
    if (node.info.hiddenAttachments > 0) children.push({ kind: 'hidden', parent: node.info, count: node.info.hiddenAttachments });
    return children;
  }

  getParent(node: Node): Node | undefined {
    return node.kind === 'segment' ? undefined : this.nodes.get(node.parent.segment.shmid);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'segment') return this.segmentItem(node.info);
    if (node.kind === 'attacher') return attacherItem(node);
    const item = new vscode.TreeItem(hiddenAttachersLabel(node.count), vscode.TreeItemCollapsibleState.None);
    item.id = `shm:${node.parent.segment.shmid}:hidden`;
    item.iconPath = new vscode.ThemeIcon('eye-closed');
    item.tooltip = HIDDEN_ATTACHERS_EXPLANATION;
    item.contextValue = 'hiddenAttachers';
    return item;
  }

  private segmentItem(info: SegmentInfo): vscode.TreeItem {
    const held = this.holds.has(info.segment.shmid);
    const expandable = info.attachments.length > 0 || info.hiddenAttachments > 0;
    const item = new vscode.TreeItem(segmentLabel(info), expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `shm:${info.segment.shmid}`;
    item.description = segmentDescription(info, held);
    const [icon, color] = STATE_ICONS[rowState(info)];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const tooltip = new vscode.MarkdownString(segmentTooltip(info, held));
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: accessibilityLabel(info, held), role: 'treeitem' };
    item.contextValue = contextValue(info, held, this.filter.uid);
    return item;
  }

  private visibleSegments(): SegmentInfo[] {
    const segments = this.snapshot?.segments ?? [];
    if (!this.filter.onlyMine) return segments;
    const { uid } = this.filter;
    return segments.filter((info) => info.segment.uid === uid || info.segment.cuid === uid);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * Flags the menus' `when` clauses test with regular expressions, e.g. `viewItem =~ /;held/`:
 * live (not removed), held (by this window), locked, dest (removed), mine (owned or created by us).
 */
export function contextValue(info: SegmentInfo, held: boolean, uid: number): string {
  const s = info.segment;
  const flags = [`segment;state=${info.classification.state}`];
  if (!s.dest) flags.push('live');
  if (held) flags.push('held');
  if (s.locked) flags.push('locked');
  if (s.dest) flags.push('dest');
  if (s.uid === uid || s.cuid === uid) flags.push('mine');
  return flags.join(';');
}

function attacherItem(node: Node & { kind: 'attacher' }): vscode.TreeItem {
  const a = node.attachment;
  const item = new vscode.TreeItem(attacherLabel(a), vscode.TreeItemCollapsibleState.None);
  item.id = `shm:${node.parent.segment.shmid}:${a.pid}:${a.start}`;
  item.description = attacherDescription(a);
  item.iconPath = new vscode.ThemeIcon(a.access === 'rw' ? 'edit' : 'eye');
  item.tooltip = `Process ${a.pid}${a.command ? ` (${a.command})` : ''} has segment ${formatKey(a.key)} (id ${a.shmid}) attached ` +
    `${a.access === 'rw' ? 'read-write' : a.access === 'ro' ? 'read-only' : 'with no access'} at ${a.start}-${a.end} (${a.length} bytes mapped).`;
  item.accessibilityInformation = { label: `Process ${a.pid}, ${a.command ?? 'exited'}, ${attacherDescription(a)}` };
  item.contextValue = 'attacher';
  return item;
}
