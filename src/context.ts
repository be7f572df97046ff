// What every view and command shares, put together from small services (src/services/): the
// settings, the helper of the namespace shown, which namespace that is, when /proc is read, this
// window's holds, the C types, the prompts seam and the log. This class only wires them and passes
// their questions through; the logic lives in the services. Views and commands depend on this
// module; it depends on neither.
import * as vscode from 'vscode';
import type { ExtensionAssets } from './assets';
import { CTypes } from './services/cTypes';
import { Holds } from './holds';
import type { HelperClient } from './ipc/helperClient';
import { ownCredentials } from './ipc/permissions';
import { NO_INSPECTOR } from './ipc/inspector';
import { Need, Snapshot, SnapshotSource } from './ipc/snapshot';
import { helperTables } from './ipc/tables';
import { Prompts, vscodePrompts } from './prompts';
import { HelperSupervisor } from './services/helperSupervisor';
import { NamespaceSession, type NamespaceTarget } from './services/namespaceSession';
import { Refresher, type SourceStatus, type Watcher } from './services/refresher';
import { SettingsService, type Settings } from './services/settings';

export type { Need } from './ipc/snapshot';
export { namespaceInode, type NamespaceTarget } from './services/namespaceSession';
export type { SourceStatus, Watcher } from './services/refresher';
export { readSettings, type Settings } from './services/settings';

export class IpcContext implements vscode.Disposable {
  readonly holds = new Holds();
  /** The C types shown over objects' bytes, and their layouts. */
  readonly cTypes: CTypes;
  prompts: Prompts = vscodePrompts;
  readonly uid = process.getuid?.() ?? -1;
  /** Who this window acts as (the helper runs with the same): what Remove and Clean Up may do. */
  readonly credentials = ownCredentials();

  private readonly settingsService = new SettingsService();
  private readonly helpers: HelperSupervisor;
  private readonly session: NamespaceSession;
  private readonly refresher: Refresher;
  private source: SnapshotSource;
  private readonly settingsChanged = new vscode.EventEmitter<vscode.ConfigurationChangeEvent>();
  /** An ipcInspector.* setting changed (after the context has applied it). */
  readonly onDidChangeSettings = this.settingsChanged.event;
  /** After every refresh that changed what a user could see (undefined: /proc could not be read). */
  readonly onDidChangeSnapshot: vscode.Event<Snapshot | undefined>;
  /** The views now show another IPC namespace (undefined: this window's own). */
  readonly onDidChangeNamespace: vscode.Event<NamespaceTarget | undefined>;
  private readonly disposables: vscode.Disposable[] = [];

  /** `storagePath`: where the extension may write (its global storage; the demo is built there). */
  constructor(
    readonly assets: ExtensionAssets,
    readonly log: vscode.LogOutputChannel,
    memento: vscode.Memento | undefined,
    private readonly procRoot: string,
    readonly storagePath: string,
  ) {
    this.helpers = new HelperSupervisor({
      nativeBin: assets.nativeBin,
      helperPath: () => this.settings.helperPath,
      log,
      holds: this.holds,
      prompts: () => this.prompts,
    });
    this.session = new NamespaceSession(this.helpers, log, () => this.prompts, memento);
    this.source = this.makeSource();
    this.refresher = new Refresher({
      source: () => this.source,
      beforeRefresh: () => this.session.follow(),
      helper: () => this.helper(),
      inspectorPids: () => {
        const pid = this.helpers.pid;
        return pid === undefined ? NO_INSPECTOR : new Set([pid]);
      },
      heldByUser: (shmid) => this.holds.has(shmid),
      settings: () => this.settings,
      log,
    });
    this.onDidChangeSnapshot = this.refresher.onDidChangeSnapshot;
    this.onDidChangeNamespace = this.session.onDidChange;
    this.cTypes = new CTypes(assets.parser, memento, storagePath, assets.dwarfWalk);
    // Disposed in reverse: listeners, then polling, then the helper (releasing the holds).
    this.disposables.push(
      this.holds,
      this.cTypes,
      this.helpers,
      this.session,
      this.settingsService,
      this.settingsChanged,
      this.refresher,
      this.session.onDidChange(() => (this.source = this.makeSource())),
      this.helpers.onDidExit(() => void this.refresh(true)),
      this.settingsService.onDidChange((event) => this.applySettings(event)),
    );
  }

  private applySettings(event: vscode.ConfigurationChangeEvent): void {
    if (event.affectsConfiguration('ipcInspector.helperPath')) this.helpers.replace('The helper changed (ipcInspector.helperPath).');
    if (event.affectsConfiguration('ipcInspector.orphanGracePeriod')) {
      this.source.setOrphanGrace(this.settings.orphanGraceSeconds);
      void this.refresh(true);
    }
    if (event.affectsConfiguration('ipcInspector.messageQueues')) {
      this.source.setMqueueDir(this.session.seen(this.settings.mqueueDirectory));
      void this.refresh(true);
    }
    this.settingsChanged.fire(event);
    this.refresher.schedule();
  }

  get settings(): Settings {
    return this.settingsService.current;
  }

  /** Everything the views show, of the namespace they show. */
  get snapshots(): SnapshotSource {
    return this.source;
  }

  /** The IPC namespace the views show; undefined: this window's own. */
  get namespace(): NamespaceTarget | undefined {
    return this.session.target;
  }

  get status(): SourceStatus {
    return this.refresher.status;
  }

  private makeSource(): SnapshotSource {
    const settings = this.settings;
    const target = this.session.target;
    return new SnapshotSource({
      procRoot: this.procRoot,
      orphanGraceSeconds: settings.orphanGraceSeconds,
      mqueueDir: this.session.seen(settings.mqueueDirectory),
      ...(target
        ? {
            shmDir: this.session.seen('/dev/shm'),
            tables: helperTables(() => this.helper()),
            ipcNamespace: `ipc:[${target.inode}]`,
            ownMqueueDir: settings.mqueueDirectory,
          }
        : {}),
    });
  }

  /** Shows another IPC namespace (undefined: this window's own) in every view, then reads it (see NamespaceSession.show). */
  async showNamespace(target: NamespaceTarget | undefined): Promise<void> {
    await this.session.show(target);
    await this.refresh(true);
  }

  /** After a reload: the namespace chosen before, if it still exists. */
  restoreNamespace(): Promise<void> {
    return this.session.restore();
  }

  /** Polls /proc while the watcher is visible, reading also what it needs (see Refresher.watch). */
  watch(watcher: Watcher, needs: readonly Need[] = []): vscode.Disposable {
    return this.refresher.watch(watcher, needs);
  }

  /** Whether any IPC view is visible now (the status bar looks on its own only while none is). */
  get anyViewVisible(): boolean {
    return this.refresher.anyVisible;
  }

  /** The helper of the shown namespace, started on first use. Throws HelperNotFoundError with what to do. */
  helper(): HelperClient {
    return this.helpers.helper(this.session.target);
  }

  /** Why the helper cannot be used, or undefined when it can (the listing never needs it). */
  helperProblem(): string | undefined {
    return this.helpers.problem();
  }

  /** Re-reads /proc and tells the views (see Refresher.refresh); `also`: read this too, visible or not (the status bar's look). */
  refresh(force = false, also: readonly Need[] = []): Promise<Snapshot | undefined> {
    return this.refresher.refresh(force, also);
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
