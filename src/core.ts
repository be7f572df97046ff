// The core of the extension, loaded by the shell (src/extension.ts) the first time anything needs
// it: a view shown, a command run, the status bar's first look. It builds the pieces and wires them
// together; no logic of its own lives here. In the extension it is its own bundle, dist/core.js.
// First: the translations, before any module builds its words.
import './l10nSetup';
import * as vscode from 'vscode';
import { extensionAssets } from './assets';
import { allCommands } from './commands';
import { commandRunner } from './commands/registry';
import { IpcContext } from './context';
import { stopScanWorker } from './ipc/procWorker';
import type { Prompts } from './prompts';
import { createViews, type ShellView, type Views } from './views';
import { ContentsPanel } from './views/contentsPanel';
import { completedSteps, resetSteps } from './walkthrough';

export type { ShellView } from './views';

/** What activate() returns: used by the integration tests (and nothing else). */
export interface IpcInspectorApi {
  context: IpcContext;
  views: Views;
  /** The open contents views. */
  contentsPanels(): ContentsPanel[];
  /** The Get Started walkthrough's steps completed in this window; reset() forgets them. */
  walkthrough: { completed(): string[]; reset(): void };
  /** Replaces the dialogs (the tests' seam for input); returns a function that restores them. */
  usePrompts(prompts: Prompts): () => void;
}

export interface Core extends vscode.Disposable {
  api: IpcInspectorApi;
  /** Runs a command of the extension (the shell registered its id), with the error handling every command shares. */
  runCommand(id: string, args: unknown[]): Promise<unknown>;
}

export function startCore(extension: vscode.ExtensionContext, log: vscode.LogOutputChannel, shellViews: readonly ShellView[]): Core {
  const context = new IpcContext(extensionAssets(extension.extensionPath), log, extension.workspaceState, '/proc', extension.globalStorageUri.fsPath);
  const views = createViews(context, shellViews);
  void context.restoreNamespace();
  const runCommand = commandRunner({ ipc: context, views }, allCommands);
  return {
    runCommand,
    api: {
      context,
      views,
      contentsPanels: () => ContentsPanel.all(),
      walkthrough: { completed: () => completedSteps(), reset: () => resetSteps() },
      usePrompts(prompts) {
        const previous = context.prompts;
        context.prompts = prompts;
        return () => (context.prompts = previous);
      },
    },
    dispose() {
      views.dispose();
      context.dispose();
      // The worker thread of the extension's own /proc reading (it never keeps the host alive, but
      // a deactivated extension leaves nothing running).
      stopScanWorker();
    },
  };
}
