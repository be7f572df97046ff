// One place runs every command, with the same error handling for all: a failure is shown as
// a message that says what to do (with Open Settings or Show Log), and logged.
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { describeError, type Subject } from '../ipc/errors';
import type { Views } from '../views';
import * as l10n from '../shared/l10n';

/** What a command works with: the shared services and the views (for selection and reveal). */
export interface CommandEnv {
  ipc: IpcContext;
  views: Views;
}

export interface Command {
  id: string;
  /** What failed, for the error message ("Could not create the segment"). */
  what: string;
  /** What its failures are about, when it acts on one kind (the words of some errors differ). */
  subject?: Subject['kind'];
  run(env: CommandEnv, ...args: unknown[]): Promise<unknown> | unknown;
}

/**
 * Runs commands by id (the shell, src/extension.ts, registers every id package.json contributes and
 * passes the calls here), each with the same error handling.
 */
export function commandRunner(env: CommandEnv, commands: readonly Command[]): (id: string, args: unknown[]) => Promise<unknown> {
  const byId = new Map(commands.map((command) => [command.id, command]));
  return async (id, args) => {
    const command = byId.get(id);
    if (!command) throw new Error(l10n.t('IPC Inspector has no command {0}', id));
    try {
      return await command.run(env, ...args);
    } catch (error) {
      reportFailure(env.ipc, error, command.what, command.subject ? { kind: command.subject } : undefined);
      return undefined;
    }
  };
}

/**
 * Shows (and logs) a failure in words a user can act on. Commands call it for partial failures.
 * It does not wait for the user to dismiss the notification: the command is finished.
 */
export function reportFailure(ipc: IpcContext, error: unknown, what: string, on?: Subject): void {
  const { message, fix } = describeError(error, what, on);
  ipc.log.error(`${message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
  const action = fix === 'settings' ? 'Open Settings' : 'Show Log';
  void ipc.prompts.notify('error', message, action).then((chosen) => {
    if (chosen === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'ipcInspector.helperPath');
    if (chosen === 'Show Log') ipc.log.show(true);
  });
}
