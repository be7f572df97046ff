// Entry point: builds the pieces and wires them together; no logic of its own lives here.
import * as vscode from 'vscode';
import { allCommands } from './commands';
import type { Prompts } from './commands/prompts';
import { registerCommands } from './commands/registry';
import { HexPanel } from './views/hexPanel';
import { Inspector } from './views/inspector';

/** What activate() returns: used by the integration tests (and nothing else). */
export interface IpcInspectorApi {
  inspector: Inspector;
  /** The open hex views. */
  hexPanels(): HexPanel[];
  /** Replaces the dialogs (the tests' seam for input); returns a function that restores them. */
  usePrompts(prompts: Prompts): () => void;
}

export function activate(context: vscode.ExtensionContext): IpcInspectorApi {
  const log = vscode.window.createOutputChannel('IPC Inspector', { log: true });
  const inspector = new Inspector(context.extensionPath, log);
  context.subscriptions.push(log, inspector, ...registerCommands(inspector, allCommands), { dispose: () => HexPanel.all().forEach((p) => p.dispose()) });
  log.info(`IPC Inspector activated (${process.platform}, uid ${inspector.uid}, remote: ${vscode.env.remoteName ?? 'none'})`);
  return {
    inspector,
    hexPanels: () => HexPanel.all(),
    usePrompts(prompts) {
      const previous = inspector.prompts;
      inspector.prompts = prompts;
      return () => (inspector.prompts = previous);
    },
  };
}

export function deactivate(): void {
  // Everything, the helper and its holds included, is disposed through context.subscriptions.
}
