// Entry point: builds the pieces and wires them together; no logic of its own lives here.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('IPC Inspector', { log: true });
  context.subscriptions.push(output);
  output.info(`IPC Inspector activated (${process.platform}, remote: ${vscode.env.remoteName ?? 'none'})`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
