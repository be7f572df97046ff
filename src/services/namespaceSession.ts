// Which IPC namespace the views show: this window's own, or another one (a container's) chosen
// with Choose IPC Namespace…. A helper inside it reads its tables; its /dev/shm and /dev/mqueue are
// reached through /proc/PID/root of a process of it. The choice survives a reload (workspace
// state) and follows the namespace while it has processes; when the last one exits, the views
// fall back to this window's own.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { listIpcNamespaces } from '../ipc/namespaces';
import type { Prompts } from '../prompts';
import * as l10n from '../shared/l10n';
import type { HelperSupervisor } from './helperSupervisor';

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

export class NamespaceSession implements vscode.Disposable {
  private current: NamespaceTarget | undefined;
  private readonly changed = new vscode.EventEmitter<NamespaceTarget | undefined>();
  /** The views now show another namespace (undefined: this window's own), or the same one through another process. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly helpers: HelperSupervisor,
    private readonly log: vscode.LogOutputChannel,
    private readonly prompts: () => Prompts,
    private readonly memento?: vscode.Memento,
  ) {}

  /** The namespace shown; undefined: this window's own. */
  get target(): NamespaceTarget | undefined {
    return this.current;
  }

  /** A path of the shown namespace's file system (/dev/shm, /dev/mqueue): through /proc/PID/root for another one. */
  seen(file: string): string {
    return this.current ? `/proc/${this.current.pid}/root${file}` : file;
  }

  /**
   * Shows another IPC namespace (undefined: this window's own). A helper enters it first: when it
   * cannot (no CAP_SYS_ADMIN, the process gone), this throws its HelperError and nothing changes.
   * The helper of the previous namespace ends, with its holds.
   */
  async show(target: NamespaceTarget | undefined): Promise<void> {
    let entered;
    if (target) {
      entered = this.helpers.start(target);
      try {
        await entered.hello();
      } catch (error) {
        entered.dispose();
        throw error;
      }
    }
    this.helpers.replace(`The views now show ${target ? `IPC namespace ${target.label}` : "this window's IPC namespace"}.`, entered);
    this.current = target;
    void this.memento?.update(NAMESPACE_KEY, target ? { inode: target.inode, label: target.label } : undefined);
    this.log.info(`showing ${target ? `IPC namespace ${target.label} (ipc:[${target.inode}], through pid ${target.pid})` : "this window's IPC namespace"}`);
    this.changed.fire(target);
  }

  /** After a reload: the namespace chosen before, if it still exists; else says it is gone. */
  async restore(): Promise<void> {
    const saved = this.memento?.get<{ inode: number; label: string }>(NAMESPACE_KEY);
    if (!saved) return;
    const found = listIpcNamespaces().namespaces.find((ns) => ns.inode === saved.inode && !ns.isOwn);
    if (!found) {
      void this.memento?.update(NAMESPACE_KEY, undefined);
      void this.prompts().notify(
        'warning',
        l10n.t("IPC namespace {0} (ipc:[{1}]), shown before the reload, no longer exists: showing this window's namespace.", saved.label, saved.inode),
      );
      return;
    }
    try {
      await this.show({ inode: saved.inode, pid: found.entryPid, label: saved.label });
    } catch (error) {
      void this.prompts().notify('warning', l10n.t('Could not show IPC namespace {0} again: {1}', saved.label, (error as Error).message));
    }
  }

  /**
   * Before each refresh: whether the shown namespace still has a process of its own (our helper,
   * inside it, keeps it alive but does not count). Its entry process may have exited while others
   * go on: then the views go on through another one. With none left, back to this window's own.
   */
  follow(): void {
    const target = this.current;
    if (!target || namespaceInode(target.pid) === target.inode) return;
    const helperPid = this.helpers.pid;
    const still = listIpcNamespaces()
      .namespaces.find((ns) => ns.inode === target.inode)
      ?.pids.find((pid) => pid !== helperPid);
    if (still !== undefined) {
      this.log.info(`IPC namespace ${target.label}: pid ${target.pid} exited, going on through pid ${still}`);
      this.helpers.replace(`Process ${target.pid} of IPC namespace ${target.label} exited.`);
      this.current = { ...target, pid: still };
      this.changed.fire(this.current);
      return;
    }
    void this.prompts().notify(
      'warning',
      l10n.t("IPC namespace {0} is gone: its last process exited. The views show this window's namespace again.", target.label),
    );
    this.helpers.replace("The views now show this window's IPC namespace.");
    this.current = undefined;
    void this.memento?.update(NAMESPACE_KEY, undefined);
    this.log.info("showing this window's IPC namespace");
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
