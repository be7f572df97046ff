// The helper process of the IPC namespace the views show: started on first use (never at
// activation), replaced when the namespace or ipcInspector.helperPath changes, and watched: when it
// exits, the holds it kept are gone and the user is told which.
import * as vscode from 'vscode';
import type { Holds } from '../holds';
import { HelperClient } from '../ipc/helperClient';
import { locateHelper } from '../ipc/helperLocation';
import * as l10n from '../shared/l10n';
import type { Prompts } from '../prompts';

/** Which IPC namespace a helper enters (undefined: this window's own). */
export interface HelperTarget {
  pid: number;
  inode: number;
  label: string;
}

export interface SupervisorDeps {
  /** Where the shipped helpers are (ExtensionAssets.nativeBin). */
  nativeBin: string;
  /** ipcInspector.helperPath, read when a helper starts. */
  helperPath(): string;
  log: vscode.LogOutputChannel;
  holds: Holds;
  prompts(): Prompts;
}

export class HelperSupervisor implements vscode.Disposable {
  private client: HelperClient | undefined;
  private readonly exited = new vscode.EventEmitter<string>();
  /** The running helper exited by itself (crash, kill): its reason, after the user was told of lost holds. */
  readonly onDidExit = this.exited.event;

  constructor(private readonly deps: SupervisorDeps) {}

  /** The helper of `target`, started now if none runs. Throws HelperNotFoundError with what to do. */
  helper(target: HelperTarget | undefined): HelperClient {
    this.client ??= this.start(target);
    return this.client;
  }

  /** The running helper's pid, if one runs. */
  get pid(): number | undefined {
    return this.client?.pid;
  }

  /** A helper for `target` that is not (yet) the current one: the caller checks it can enter, then adopt()s it. */
  start(target: HelperTarget | undefined): HelperClient {
    const helperPath = locateHelper(this.deps.nativeBin, this.deps.helperPath() || undefined);
    this.deps.log.info(`starting the IPC helper ${helperPath}${target ? ` in IPC namespace ${target.label}` : ''}`);
    const client = new HelperClient({ helperPath, log: (line) => this.deps.log.info(line), namespace: target && { pid: target.pid, inode: target.inode } });
    client.onExit((reason) => {
      if (client !== this.client) return;
      // The client starts a new helper on its next request; what the old one held is gone.
      this.deps.log.warn(reason);
      this.warnLostHolds(reason, this.deps.holds.clear());
      this.exited.fire(reason);
    });
    return client;
  }

  /** Ends the current helper, if any, and makes `next` (or none) the current one; tells of the holds that ended with it. */
  replace(reason: string, next?: HelperClient): void {
    this.client?.dispose();
    this.client = next;
    this.warnLostHolds(reason, this.deps.holds.clear());
  }

  /** Why no helper can be used, or undefined when one can (the listing never needs it). */
  problem(): string | undefined {
    if (this.client) return undefined;
    try {
      locateHelper(this.deps.nativeBin, this.deps.helperPath() || undefined);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private warnLostHolds(reason: string, lost: number[]): void {
    if (lost.length === 0) return;
    const message =
      lost.length === 1
        ? l10n.t('{0} This window no longer holds segment {1}; attach again if you still need it.', reason, lost[0])
        : l10n.t('{0} This window no longer holds segments {1}; attach again if you still need them.', reason, lost.join(', '));
    void this.deps.prompts().notify('warning', message);
  }

  dispose(): void {
    // Ending the helper releases every hold of this window (it detaches everything and exits).
    this.client?.dispose();
    this.client = undefined;
    this.deps.holds.clear();
    this.exited.dispose();
  }
}
