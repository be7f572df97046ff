// One place registers every command, with the same error handling for all: a failure is shown as
// a message that says what to do (with Open Settings or Show Log), and logged.
import * as vscode from 'vscode';
import { describeError } from '../ipc/errors';
import type { Inspector } from '../views/inspector';

export interface Command {
  id: string;
  /** What failed, for the error message ("Could not create the segment"). */
  what: string;
  run(inspector: Inspector, ...args: unknown[]): Promise<unknown> | unknown;
}

export function registerCommands(inspector: Inspector, commands: readonly Command[]): vscode.Disposable[] {
  return commands.map((command) =>
    vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
      try {
        return await command.run(inspector, ...args);
      } catch (error) {
        reportFailure(inspector, error, command.what);
        return undefined;
      }
    }),
  );
}

/**
 * Shows (and logs) a failure in words a user can act on. Commands call it for partial failures.
 * It does not wait for the user to dismiss the notification: the command is finished.
 */
export function reportFailure(inspector: Inspector, error: unknown, what: string, on?: Parameters<typeof describeError>[2]): void {
  const { message, fix } = describeError(error, what, on);
  inspector.log.error(`${message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
  const action = fix === 'settings' ? 'Open Settings' : 'Show Log';
  void inspector.prompts.notify('error', message, action).then((chosen) => {
    if (chosen === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'ipcInspector.helperPath');
    if (chosen === 'Show Log') inspector.log.show(true);
  });
}
