// Entry point: builds the pieces and wires them together; no logic of its own lives here.
// First: the translations, before any module builds its words.
import './l10nSetup';
import * as vscode from 'vscode';
import { extensionAssets } from './assets';
import { allCommands } from './commands';
import { registerCommands } from './commands/registry';
import { IpcContext } from './context';
import type { Prompts } from './prompts';
import { createViews, type Views } from './views';
import { HexPanel } from './views/hexPanel';
import { completedSteps, resetSteps } from './walkthrough';

/** What activate() returns: used by the integration tests (and nothing else). */
export interface IpcInspectorApi {
  context: IpcContext;
  views: Views;
  /** The open contents views. */
  hexPanels(): HexPanel[];
  /** The Get Started walkthrough's steps completed in this window; reset() forgets them. */
  walkthrough: { completed(): string[]; reset(): void };
  /** Replaces the dialogs (the tests' seam for input); returns a function that restores them. */
  usePrompts(prompts: Prompts): () => void;
}

export function activate(extension: vscode.ExtensionContext): IpcInspectorApi {
  const log = vscode.window.createOutputChannel('IPC Inspector', { log: true });
  const context = new IpcContext(extensionAssets(extension.extensionPath), log, extension.workspaceState, '/proc', extension.globalStorageUri.fsPath);
  const views = createViews(context);
  void context.restoreNamespace();
  extension.subscriptions.push(log, views, context, ...registerCommands({ ipc: context, views }, allCommands));
  log.info(`IPC Inspector activated (${process.platform}, uid ${context.uid}, remote: ${vscode.env.remoteName ?? 'none'})`);
  return {
    context,
    views,
    hexPanels: () => HexPanel.all(),
    walkthrough: { completed: () => completedSteps(), reset: () => resetSteps() },
    usePrompts(prompts) {
      const previous = context.prompts;
      context.prompts = prompts;
      return () => (context.prompts = previous);
    },
  };
}

export function deactivate(): void {
  // Everything, the helper and its holds included, is disposed through the subscriptions.
}
