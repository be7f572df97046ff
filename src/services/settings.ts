// The ipcInspector.* settings, read once and kept until VS Code says one changed: commands and
// views read them often (every refresh, every row), and a configuration read is not free.
import * as vscode from 'vscode';

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

export class SettingsService implements vscode.Disposable {
  private cached: Settings | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.ConfigurationChangeEvent>();
  /** An ipcInspector.* setting changed; `current` already has the new values. */
  readonly onDidChange = this.changed.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((event) => {
    if (!event.affectsConfiguration('ipcInspector')) return;
    this.cached = undefined;
    this.changed.fire(event);
  });

  get current(): Settings {
    return (this.cached ??= readSettings());
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
