// Every question a command asks goes through this seam. The extension uses VS Code's own dialogs;
// the integration tests install scripted answers (and see the questions), so commands are tested
// with their prompts answered rather than skipped.
import * as vscode from 'vscode';

export interface Prompts {
  inputBox(options: vscode.InputBoxOptions): Thenable<string | undefined>;
  /** `items` may still be coming (a promise): the pick list shows at once, busy until they are there. */
  quickPick<T extends vscode.QuickPickItem>(
    items: readonly T[] | Thenable<readonly T[]>,
    options: vscode.QuickPickOptions & { canPickMany: true },
  ): Thenable<T[] | undefined>;
  quickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options?: vscode.QuickPickOptions): Thenable<T | undefined>;
  /** A modal warning; resolves with the chosen button's title, or undefined when cancelled. */
  confirm(message: string, detail: string, ...buttons: string[]): Thenable<string | undefined>;
  openDialog(options: vscode.OpenDialogOptions): Thenable<vscode.Uri[] | undefined>;
  saveDialog(options: vscode.SaveDialogOptions): Thenable<vscode.Uri | undefined>;
  /** A notification (not modal); resolves with the chosen button when the user clicks one. */
  notify(kind: 'info' | 'warning' | 'error', message: string, ...buttons: string[]): Thenable<string | undefined>;
}

export const vscodePrompts: Prompts = {
  inputBox: (options) => vscode.window.showInputBox(options),
  quickPick: ((items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>, options?: vscode.QuickPickOptions) =>
    Array.isArray(items)
      ? vscode.window.showQuickPick(items as readonly vscode.QuickPickItem[], options)
      : vscode.window.showQuickPick<vscode.QuickPickItem>(
          Promise.resolve<readonly vscode.QuickPickItem[]>(items).then((list) => [...list]),
          options,
        )) as Prompts['quickPick'],
  confirm: (message, detail, ...buttons) => vscode.window.showWarningMessage(message, { modal: true, detail }, ...buttons),
  openDialog: (options) => vscode.window.showOpenDialog(options),
  saveDialog: (options) => vscode.window.showSaveDialog(options),
  notify: (kind, message, ...buttons) =>
    kind === 'error'
      ? vscode.window.showErrorMessage(message, ...buttons)
      : kind === 'warning'
        ? vscode.window.showWarningMessage(message, ...buttons)
        : vscode.window.showInformationMessage(message, ...buttons),
};
