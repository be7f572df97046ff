// The services every view and command shares: the snapshot source (one scan of /proc per refresh
// for every kind of IPC object), the helper (started on first use), this window's holds, the
// prompts seam and the log. It also owns refreshing: /proc is polled only while a view that shows
// it is visible, and never by two refreshes at once. Views and commands depend on this module; it
// depends on neither.
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import type { ExtensionAssets } from './assets';
import { CTypes } from './cTypes';
import { Holds } from './holds';
import { HelperClient } from './ipc/helperClient';
import { locateHelper } from './ipc/helperLocation';
import { listIpcNamespaces } from './ipc/namespaces';
import { ownCredentials } from './ipc/permissions';
import { Need, Snapshot, SnapshotSource } from './ipc/snapshot';
import { helperTables } from './ipc/tables';
import { Prompts, vscodePrompts } from './prompts';
import * as l10n from './shared/l10n';

export type { Need } from './ipc/snapshot';

/** What /proc allows: drives the welcome content (package.json viewsWelcome) via `ipcInspector.status`. */
export type SourceStatus = 'loading' | 'ready' | 'notLinux' | 'procUnreadable';

export interface Settings {
  refreshInterval: number;
  onlyMine: boolean;
  confirmRemove: boolean;
  helperPath: string;
  /** Seconds an unheld POSIX object must stay unused before it is called orphaned. */
  orphanGraceSeconds: number;
  /** Messages copied (never received) per System V queue, for its rows. */
  maxMessages: number;
  /** Where the mqueue file system is mounted (POSIX queues are listed from it). */
  mqueueDirectory: string;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('ipcInspector');
  return {
    refreshInterval: config.get<number>('refreshInterval', 2000),
    onlyMine: config.get<boolean>('showOnlyMySegments', false),
    confirmRemove: config.get<boolean>('confirmRemove', true),
    helperPath: config.get<string>('helperPath', '').trim(),
    orphanGraceSeconds: Math.max(0, config.get<number>('orphanGracePeriod', 60)),
    maxMessages: Math.min(1000, Math.max(1, Math.floor(config.get<number>('messageQueues.maxMessages', 100)))),
    mqueueDirectory: config.get<string>('messageQueues.mqueueDirectory', '/dev/mqueue').trim() || '/dev/mqueue',
  };
}

/** Another IPC namespace the views show (a container's), chosen with Choose IPC Namespace…. */
export interface NamespaceTarget {
  /** Its identity: the inode of /proc/PID/ns/ipc of its processes. */
  inode: number;
  /** A process of it: the helper enters the namespace through it, and /dev/shm is its root's. */
  pid: number;
  /** How the views name it: "docker web-1 (3f2a1b4c5d6e)", or "ipc:[4026532201]". */
  label: string;
}

/** The inode of a process's IPC namespace, or undefined when it has exited (or may not be looked at). */
export function namespaceInode(pid: number | 'self'): number | undefined {
  try {
    return fs.statSync(`/proc/${pid}/ns/ipc`).ino;
  } catch {
    return undefined;
  }
}

/** Where the chosen namespace is kept across reloads (workspace state). */
const NAMESPACE_KEY = 'ipcInspector.namespace';

/** A view whose visibility decides whether /proc is polled (a TreeView fits). */
export interface Watcher {
  readonly visible: boolean;
  readonly onDidChangeVisibility: vscode.Event<unknown>;
}

export class IpcContext implements vscode.Disposable {
  readonly holds = new Holds();
  /** The C types shown over objects' bytes, and their layouts. */
  readonly cTypes: CTypes;
  private source: SnapshotSource;
  /** Undefined: this window's own IPC namespace. */
  private target: NamespaceTarget | undefined;
  prompts: Prompts = vscodePrompts;
  status: SourceStatus = 'loading';
  readonly uid = process.getuid?.() ?? -1;
  /** Who this window acts as (the helper runs with the same): what Remove and Clean Up may do. */
  readonly credentials = ownCredentials();

  private readonly refreshed = new vscode.EventEmitter<Snapshot | undefined>();
  /** After every refresh that changed what a user could see (undefined: /proc could not be read). */
  readonly onDidChangeSnapshot = this.refreshed.event;
  private readonly settingsChanged = new vscode.EventEmitter<vscode.ConfigurationChangeEvent>();
  /** An ipcInspector.* setting changed (after the context has applied it). */
  readonly onDidChangeSettings = this.settingsChanged.event;
  private readonly namespaceChanged = new vscode.EventEmitter<NamespaceTarget | undefined>();
  /** The views now show another IPC namespace (undefined: this window's own). */
  readonly onDidChangeNamespace = this.namespaceChanged.event;

  private client: HelperClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Snapshot | undefined> | undefined;
  private again = false;
  private readonly watchers: Array<{ watcher: Watcher; needs: readonly Need[] }> = [];
  private readonly disposables: vscode.Disposable[] = [];

  /** `storagePath`: where the extension may write (its global storage; the demo is built there). */
  constructor(
    readonly assets: ExtensionAssets,
    readonly log: vscode.LogOutputChannel,
    private readonly memento?: vscode.Memento,
    private readonly procRoot = '/proc',
    readonly storagePath = os.tmpdir(),
  ) {
    this.source = this.makeSource(undefined);
    this.cTypes = new CTypes(assets.parser, memento);
    this.disposables.push(
      this.cTypes,
      this.refreshed,
      this.settingsChanged,
      this.namespaceChanged,
      this.holds,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('ipcInspector')) return;
        if (event.affectsConfiguration('ipcInspector.helperPath')) this.warnLostHolds('The helper changed (ipcInspector.helperPath).', this.stopHelper());
        if (event.affectsConfiguration('ipcInspector.orphanGracePeriod')) {
          this.snapshots.setOrphanGrace(readSettings().orphanGraceSeconds);
          void this.refresh(true);
        }
        if (event.affectsConfiguration('ipcInspector.messageQueues')) {
          this.snapshots.setMqueueDir(this.seen(readSettings().mqueueDirectory));
          void this.refresh(true);
        }
        this.settingsChanged.fire(event);
        this.schedulePolling();
      }),
    );
  }

  get settings(): Settings {
    return readSettings();
  }

  /** Everything the views show, of the namespace they show. */
  get snapshots(): SnapshotSource {
    return this.source;
  }

  /** The IPC namespace the views show; undefined: this window's own. */
  get namespace(): NamespaceTarget | undefined {
    return this.target;
  }

  /** A path of the shown namespace's processes' file system (/dev/shm, /dev/mqueue): through /proc/PID/root for another one. */
  private seen(file: string, target = this.target): string {
    return target ? `/proc/${target.pid}/root${file}` : file;
  }

  private makeSource(target: NamespaceTarget | undefined): SnapshotSource {
    const settings = readSettings();
    return new SnapshotSource({
      procRoot: this.procRoot,
      orphanGraceSeconds: settings.orphanGraceSeconds,
      mqueueDir: this.seen(settings.mqueueDirectory, target),
      ...(target ? { shmDir: this.seen('/dev/shm', target), tables: helperTables(() => this.helper()), ipcNamespace: `ipc:[${target.inode}]` } : {}),
    });
  }

  /**
   * Shows another IPC namespace (undefined: this window's own) in every view. A helper enters it
   * first: when it cannot (no CAP_SYS_ADMIN, the process gone), this throws its HelperError and
   * the views stay where they were. The helper of the previous namespace ends, with its holds.
   */
  async showNamespace(target: NamespaceTarget | undefined): Promise<void> {
    let entered: HelperClient | undefined;
    if (target) {
      entered = this.newHelper(target);
      try {
        await entered.hello();
      } catch (error) {
        entered.dispose();
        throw error;
      }
    }
    this.switchTo(target, entered);
    await this.refresh(true);
  }

  /** Points every view at the namespace (its helper, when one has entered it already); the next refresh reads it. */
  private switchTo(target: NamespaceTarget | undefined, entered?: HelperClient): void {
    this.warnLostHolds(`The views now show ${target ? `IPC namespace ${target.label}` : "this window's IPC namespace"}.`, this.stopHelper());
    this.client = entered;
    this.target = target;
    this.source = this.makeSource(target);
    void this.memento?.update(NAMESPACE_KEY, target ? { inode: target.inode, label: target.label } : undefined);
    this.log.info(`showing ${target ? `IPC namespace ${target.label} (ipc:[${target.inode}], through pid ${target.pid})` : "this window's IPC namespace"}`);
    this.namespaceChanged.fire(target);
  }

  /** After a reload: the namespace chosen before, if it still exists; else says it is gone. */
  async restoreNamespace(): Promise<void> {
    const saved = this.memento?.get<{ inode: number; label: string }>(NAMESPACE_KEY);
    if (!saved) return;
    const found = listIpcNamespaces().namespaces.find((ns) => ns.inode === saved.inode && !ns.isOwn);
    if (!found) {
      void this.memento?.update(NAMESPACE_KEY, undefined);
      void this.prompts.notify(
        'warning',
        l10n.t("IPC namespace {0} (ipc:[{1}]), shown before the reload, no longer exists: showing this window's namespace.", saved.label, saved.inode),
      );
      return;
    }
    try {
      await this.showNamespace({ inode: saved.inode, pid: found.entryPid, label: saved.label });
    } catch (error) {
      void this.prompts.notify('warning', l10n.t('Could not show IPC namespace {0} again: {1}', saved.label, (error as Error).message));
    }
  }

  /**
   * Whether the shown namespace still has a process of its own (our helper, inside it, keeps it
   * alive but does not count). Its entry process may have exited while others go on: then the
   * views go on through another one. With none left, the views fall back to this window's own.
   */
  private followNamespace(): void {
    const target = this.target;
    if (!target || namespaceInode(target.pid) === target.inode) return;
    const helperPid = this.client?.pid;
    const still = listIpcNamespaces()
      .namespaces.find((ns) => ns.inode === target.inode)
      ?.pids.find((pid) => pid !== helperPid);
    if (still !== undefined) {
      this.log.info(`IPC namespace ${target.label}: pid ${target.pid} exited, going on through pid ${still}`);
      this.target = { ...target, pid: still };
      this.source = this.makeSource(this.target);
      this.warnLostHolds(`Process ${target.pid} of IPC namespace ${target.label} exited.`, this.stopHelper());
      return;
    }
    void this.prompts.notify(
      'warning',
      l10n.t("IPC namespace {0} is gone: its last process exited. The views show this window's namespace again.", target.label),
    );
    this.switchTo(undefined);
  }

  /**
   * Polls /proc while this view (or any other watched one) is visible, reading also what it
   * `needs` (semaphore values, messages, waiters): nothing a hidden view would show is read.
   */
  watch(watcher: Watcher, needs: readonly Need[] = []): vscode.Disposable {
    const entry = { watcher, needs };
    this.watchers.push(entry);
    const subscription = watcher.onDidChangeVisibility(() => {
      this.schedulePolling();
      // Shown again: what it needs was not read while it was hidden.
      if (watcher.visible && needs.length > 0) void this.refresh();
    });
    this.schedulePolling();
    return {
      dispose: () => {
        subscription.dispose();
        this.watchers.splice(this.watchers.indexOf(entry), 1);
        this.schedulePolling();
      },
    };
  }

  /** What the visible views need a refresh to read beyond the listing. */
  private needs(): Set<Need> {
    const needs = new Set<Need>();
    for (const { watcher, needs: wanted } of this.watchers) if (watcher.visible) for (const need of wanted) needs.add(need);
    return needs;
  }

  /** The helper of the shown namespace, started on first use. Throws HelperNotFoundError with what to do. */
  helper(): HelperClient {
    this.client ??= this.newHelper(this.target);
    return this.client;
  }

  private newHelper(target: NamespaceTarget | undefined): HelperClient {
    const helperPath = locateHelper(this.assets.nativeBin, readSettings().helperPath || undefined);
    this.log.info(`starting the IPC helper ${helperPath}${target ? ` in IPC namespace ${target.label}` : ''}`);
    const client = new HelperClient({ helperPath, log: (line) => this.log.info(line), namespace: target && { pid: target.pid, inode: target.inode } });
    client.onExit((reason) => {
      if (client === this.client) this.onHelperExit(reason);
    });
    return client;
  }

  /** Why the helper cannot be used, or undefined when it can (the listing never needs it). */
  helperProblem(): string | undefined {
    if (this.client) return undefined;
    try {
      locateHelper(this.assets.nativeBin, readSettings().helperPath || undefined);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * Re-reads /proc and tells the views. Calls made while one is running wait for it and then run
   * once more (the caller may have just changed something), so the views are never left stale.
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

  private async doRefresh(force: boolean): Promise<Snapshot | undefined> {
    if (process.platform !== 'linux') {
      this.setStatus('notLinux');
      return undefined;
    }
    try {
      this.followNamespace();
      const { snapshot, changed } = await this.snapshots.refresh({
        force,
        needs: this.needs(),
        helper: () => this.helper(),
        maxMessages: readSettings().maxMessages,
      });
      this.setStatus('ready');
      if (changed) this.refreshed.fire(snapshot);
      return snapshot;
    } catch (error) {
      this.log.error(`reading /proc failed: ${(error as Error).message}`);
      this.setStatus('procUnreadable');
      this.refreshed.fire(undefined);
      return undefined;
    }
  }

  private setStatus(status: SourceStatus): void {
    if (status === this.status) return;
    this.status = status;
    void vscode.commands.executeCommand('setContext', 'ipcInspector.status', status);
  }

  /** Polls only while a view is visible: nobody looks at a hidden view, so /proc is left alone. */
  private schedulePolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.watchers.some((w) => w.watcher.visible)) return;
    void this.refresh();
    const interval = readSettings().refreshInterval;
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
    void this.prompts.notify(
      'warning',
      l10n.t(
        '{0} This window no longer holds segment{1} {2}; attach again if you still need {3}.',
        reason,
        many ? 's' : '',
        lost.join(', '),
        many ? 'them' : 'it',
      ),
    );
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
