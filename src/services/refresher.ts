// When /proc is read: only while a view that shows it is visible (and for the status bar's
// occasional look), never by two refreshes at once, and with what the visible views need beyond
// the listing (semaphore values, messages, waiters). Each refresh that changed what a user could
// see is announced; `ipcInspector.status` tells the welcome views whether /proc can be read.
import { performance } from 'perf_hooks';
import * as vscode from 'vscode';
import type { HelperClient } from '../ipc/helperClient';
import type { Need, Snapshot, SnapshotSource } from '../ipc/snapshot';
import type { InspectorPids } from '../ipc/inspector';

/** What /proc allows: drives the welcome content (package.json viewsWelcome) via `ipcInspector.status`. */
export type SourceStatus = 'loading' | 'ready' | 'notLinux' | 'procUnreadable';

/** A view whose visibility decides whether /proc is polled (a TreeView fits). */
export interface Watcher {
  readonly visible: boolean;
  readonly onDidChangeVisibility: vscode.Event<unknown>;
}

export interface RefresherDeps {
  /** The snapshot source of the namespace shown now (it changes with the namespace). */
  source(): SnapshotSource;
  /** Called before each refresh (the namespace shown may have lost its process). */
  beforeRefresh(): void;
  helper(): HelperClient;
  /** The pids of this window's running helpers (src/ipc/inspector.ts). */
  inspectorPids(): InspectorPids;
  /** Whether this window keeps a segment attached on purpose (Attach). */
  heldByUser(shmid: number): boolean;
  /** ipcInspector.refreshInterval and messageQueues.maxMessages, read at each use. */
  settings(): { refreshInterval: number; maxMessages: number };
  log: vscode.LogOutputChannel;
}

export class Refresher implements vscode.Disposable {
  status: SourceStatus = 'loading';
  private readonly refreshed = new vscode.EventEmitter<Snapshot | undefined>();
  /** After every refresh that changed what a user could see (undefined: /proc could not be read). */
  readonly onDidChangeSnapshot = this.refreshed.event;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Snapshot | undefined> | undefined;
  private again = false;
  private readonly watchers: Array<{ watcher: Watcher; needs: readonly Need[] }> = [];
  private count = 0;

  constructor(private readonly deps: RefresherDeps) {}

  /**
   * Polls /proc while this view (or any other watched one) is visible, reading also what it
   * `needs` (semaphore values, messages, waiters): nothing a hidden view would show is read.
   */
  watch(watcher: Watcher, needs: readonly Need[] = []): vscode.Disposable {
    const entry = { watcher, needs };
    this.watchers.push(entry);
    const subscription = watcher.onDidChangeVisibility(() => {
      this.schedule();
      // Shown again: what it needs was not read while it was hidden.
      if (watcher.visible && needs.length > 0) void this.refresh();
    });
    this.schedule();
    return {
      dispose: () => {
        subscription.dispose();
        this.watchers.splice(this.watchers.indexOf(entry), 1);
        this.schedule();
      },
    };
  }

  /** Whether any watched view is visible now. */
  get anyVisible(): boolean {
    return this.watchers.some((w) => w.watcher.visible);
  }

  /** What the visible views need a refresh to read beyond the listing. */
  private needs(): Set<Need> {
    const needs = new Set<Need>();
    for (const { watcher, needs: wanted } of this.watchers) if (watcher.visible) for (const need of wanted) needs.add(need);
    return needs;
  }

  /**
   * Re-reads /proc and tells the views. Calls made while one is running wait for it and then run
   * once more (the caller may have just changed something), so the views are never left stale.
   */
  refresh(force = false, also: readonly Need[] = []): Promise<Snapshot | undefined> {
    if (this.running) {
      // What the running one does not read (its needs were taken before): one more after it.
      if (also.length > 0) return this.running.then(() => this.refresh(force, also));
      this.again ||= force;
      // The finally below starts the re-run (again): wait for that one, don't queue yet another.
      if (force) return this.running.then(() => this.running ?? this.refresh(true));
      return this.running;
    }
    this.running = this.doRefresh(force, also).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh(true);
      }
    });
    return this.running;
  }

  private async doRefresh(force: boolean, also: readonly Need[]): Promise<Snapshot | undefined> {
    if (process.platform !== 'linux') {
      this.setStatus('notLinux');
      return undefined;
    }
    try {
      const started = performance.now();
      const loopBefore = performance.eventLoopUtilization();
      this.deps.beforeRefresh();
      const needs = this.needs();
      for (const need of also) needs.add(need);
      const { snapshot, changed } = await this.deps.source().refresh({
        force,
        needs,
        helper: () => this.deps.helper(),
        inspectorPids: this.deps.inspectorPids(),
        heldByUser: (shmid) => this.deps.heldByUser(shmid),
        maxMessages: this.deps.settings().maxMessages,
      });
      this.logCost(++this.count, performance.now() - started, performance.eventLoopUtilization(loopBefore).active, needs, changed);
      this.setStatus('ready');
      if (changed) this.refreshed.fire(snapshot);
      return snapshot;
    } catch (error) {
      this.deps.log.error(`reading /proc failed: ${(error as Error).message}`);
      this.setStatus('procUnreadable');
      this.refreshed.fire(undefined);
      return undefined;
    }
  }

  /**
   * What a refresh cost: its time, and how much of it the extension host's thread was busy (the
   * thread every extension shares; the rest is the helper, the thread pool and the kernel). The
   * first is logged at info level (`npm run bench` reads it), the others at trace level.
   */
  private logCost(n: number, ms: number, hostMs: number, needs: ReadonlySet<Need>, changed: boolean): void {
    const line = `refresh ${n}${this.anyVisible ? '' : ' (no view visible)'}: ${ms.toFixed(1)} ms, ${hostMs.toFixed(1)} ms on the extension host's thread${needs.size > 0 ? `, with ${[...needs].join(', ')}` : ''}${changed ? '' : ', nothing changed'}`;
    if (n === 1) this.deps.log.info(line);
    else this.deps.log.trace(line);
  }

  private setStatus(status: SourceStatus): void {
    if (status === this.status) return;
    this.status = status;
    void vscode.commands.executeCommand('setContext', 'ipcInspector.status', status);
  }

  /** Polls only while a view is visible: nobody looks at a hidden view, so /proc is left alone. */
  schedule(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.anyVisible) return;
    void this.refresh();
    const interval = this.deps.settings().refreshInterval;
    if (interval > 0) this.timer = setInterval(() => void this.refresh(), Math.max(250, interval));
  }

  dispose(): void {
    clearInterval(this.timer);
    this.refreshed.dispose();
  }
}
