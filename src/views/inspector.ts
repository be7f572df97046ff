// The services the view and the commands share: the snapshot source, the tree, this window's
// holds, the helper (started on first use), the prompts seam and the log. It also owns refreshing:
// polling /proc only while the view is visible, never two refreshes at once.
import * as vscode from 'vscode';
import { HelperClient } from '../ipc/helperClient';
import { locateHelper } from '../ipc/helperLocation';
import { limitsSummary } from '../ipc/presentation';
import { SegmentInfo, Snapshot, SnapshotSource } from '../ipc/snapshot';
import { Prompts, vscodePrompts } from '../commands/prompts';
import { Holds } from './holds';
import { Node, SharedMemoryTree } from './sharedMemoryTree';

export const VIEW_ID = 'ipcInspector.sharedMemory';

/** Drives the welcome content (package.json viewsWelcome) through the `ipcInspector.status` key. */
export type ViewStatus = 'loading' | 'ready' | 'empty' | 'emptyFiltered' | 'notLinux' | 'procUnreadable';

function settings() {
  const config = vscode.workspace.getConfiguration('ipcInspector');
  return {
    refreshInterval: config.get<number>('refreshInterval', 2000),
    onlyMine: config.get<boolean>('showOnlyMySegments', false),
    confirmRemove: config.get<boolean>('confirmRemove', true),
    helperPath: config.get<string>('helperPath', '').trim(),
  };
}

export class Inspector implements vscode.Disposable {
  readonly holds = new Holds();
  readonly snapshots: SnapshotSource;
  readonly tree: SharedMemoryTree;
  readonly treeView: vscode.TreeView<Node>;
  prompts: Prompts = vscodePrompts;
  status: ViewStatus = 'loading';
  readonly uid = process.getuid?.() ?? -1;

  private client: HelperClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Snapshot | undefined> | undefined;
  private again = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extensionPath: string, readonly log: vscode.LogOutputChannel, procRoot = '/proc') {
    this.snapshots = new SnapshotSource(procRoot);
    this.tree = new SharedMemoryTree(this.holds, { onlyMine: settings().onlyMine, uid: this.uid });
    this.treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.tree, canSelectMany: true, showCollapseAll: true });
    this.disposables.push(
      this.tree,
      this.treeView,
      this.holds,
      this.treeView.onDidChangeVisibility(() => this.schedulePolling()),
      this.holds.onDidChange(() => this.tree.show(this.snapshots.current)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('ipcInspector')) return;
        if (event.affectsConfiguration('ipcInspector.showOnlyMySegments')) {
          this.tree.setFilter({ onlyMine: settings().onlyMine, uid: this.uid });
          this.updateStatus();
        }
        if (event.affectsConfiguration('ipcInspector.helperPath')) this.warnLostHolds('The helper changed (ipcInspector.helperPath).', this.stopHelper());
        this.schedulePolling();
      }),
    );
    this.schedulePolling();
  }

  get settings() {
    return settings();
  }

  /** The helper, started on first use. Throws HelperNotFoundError with what to do. */
  helper(): HelperClient {
    if (this.client) return this.client;
    const helperPath = locateHelper(this.extensionPath, settings().helperPath || undefined);
    this.log.info(`starting the IPC helper ${helperPath}`);
    const client = new HelperClient({ helperPath, log: (line) => this.log.info(line) });
    client.onExit((reason) => this.onHelperExit(reason));
    this.client = client;
    return client;
  }

  /**
   * Re-reads /proc and shows the result. Calls made while one is running wait for it and then run
   * once more (the caller may have just changed something), so the view is never left stale.
   */
  refresh(force = false): Promise<Snapshot | undefined> {
    if (this.running) {
      this.again ||= force;
      // The finally below starts the re-run (again): wait for that one, don't queue yet another.
      if (force) return this.running.then(() => this.running ?? this.refresh(true));
      return this.running;
    }
    this.running = this.doRefresh(force).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh(true);
      }
    });
    return this.running;
  }

  /** The segments a command acts on: the clicked row plus the selection, or the selection alone. */
  segmentsFrom(clicked?: unknown, selected?: unknown): SegmentInfo[] {
    const infoOf = (node: Node) => (node.kind === 'segment' ? node.info : node.parent);
    // VS Code's selection can still hold a row that a refresh just removed: only listed rows count.
    const listed = () => this.treeView.selection.filter((node) => this.tree.segmentNode(infoOf(node).segment.shmid));
    const nodes = Array.isArray(selected) && selected.length > 0 ? (selected as Node[]) : clicked ? [clicked as Node] : listed();
    const segments = new Map<number, SegmentInfo>();
    for (const node of nodes) {
      if (node && typeof node === 'object' && 'kind' in node) segments.set(infoOf(node).segment.shmid, infoOf(node));
    }
    return [...segments.values()];
  }

  async reveal(shmid: number): Promise<void> {
    const node = this.tree.segmentNode(shmid);
    if (node) await this.treeView.reveal(node, { select: true, focus: true });
  }

  private async doRefresh(force: boolean): Promise<Snapshot | undefined> {
    if (process.platform !== 'linux') {
      this.setStatus('notLinux');
      return undefined;
    }
    try {
      const { snapshot, changed } = await this.snapshots.refresh(force);
      if (changed) {
        this.tree.show(snapshot);
        this.treeView.description = limitsSummary(snapshot);
      }
      // VS Code shows the welcome content (empty state) only while a tree has no message.
      this.treeView.message = this.tree.segmentCount > 0 ? this.viewMessage(snapshot) : undefined;
      this.updateStatus();
      return snapshot;
    } catch (error) {
      this.log.error(`reading /proc failed: ${(error as Error).message}`);
      this.tree.show(undefined);
      this.treeView.description = undefined;
      this.setStatus('procUnreadable');
      return undefined;
    }
  }

  /**
   * The line above the rows: the limits in use (the view's description says the same, but VS Code
   * hides a view's header, description included, while it is alone in its container), then what
   * the user should know even when segments are listed: the listing needs no helper, but contents,
   * create, remove and the rest do.
   */
  private viewMessage(snapshot: Snapshot): string {
    const notes = [`In use: ${limitsSummary(snapshot)}.`];
    const skippedLines = snapshot.skippedLines;
    if (!this.client) {
      try {
        locateHelper(this.extensionPath, settings().helperPath || undefined);
      } catch (error) {
        notes.push(`${(error as Error).message} Listing works without it; creating, attaching and removing do not.`);
      }
    }
    if (skippedLines > 0) notes.push(`${skippedLines} line(s) of /proc/sysvipc/shm could not be read and are not shown.`);
    return notes.join(' ');
  }

  private updateStatus(): void {
    if (this.tree.segmentCount > 0) this.setStatus('ready');
    else this.setStatus(this.tree.filteredOut > 0 ? 'emptyFiltered' : 'empty');
  }

  private setStatus(status: ViewStatus): void {
    if (status === this.status) return;
    this.status = status;
    void vscode.commands.executeCommand('setContext', 'ipcInspector.status', status);
  }

  /** Polls only while the view is visible: nobody looks at a hidden view, so /proc is left alone. */
  private schedulePolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.treeView.visible) return;
    void this.refresh();
    const interval = settings().refreshInterval;
    if (interval > 0) this.timer = setInterval(() => void this.refresh(), Math.max(250, interval));
  }

  private onHelperExit(reason: string): void {
    this.log.warn(reason);
    this.warnLostHolds(reason, this.holds.clear());
    void this.refresh(true);
  }

  private warnLostHolds(reason: string, lost: number[]): void {
    if (lost.length === 0) return;
    const many = lost.length > 1;
    void this.prompts.notify('warning', `${reason} This window no longer holds segment${many ? 's' : ''} ${lost.join(', ')}; attach again if you still need ${many ? 'them' : 'it'}.`);
  }

  /** Ends the helper (which releases its holds); returns the holds that ended with it. */
  private stopHelper(): number[] {
    this.client?.dispose();
    this.client = undefined;
    return this.holds.clear();
  }

  dispose(): void {
    clearInterval(this.timer);
    // Ending the helper releases every hold of this window (it detaches everything and exits).
    this.stopHelper();
    for (const d of this.disposables) d.dispose();
  }
}
