// Start the Demo (the walkthrough's second step): example programs that use System V and POSIX
// shared memory, so the views have something to show: a writer and a reader of one segment, a
// struct sensor[4] updated live, a segment removed while attached, a leaked segment and a leaked
// POSIX object to clean up. The demo's sources ship with the extension (demo/); they are copied to
// the extension's storage, built with the system C compiler and run by demo/run.js in a terminal
// of their own, which stops them and removes what they made (but the leaks) on Ctrl-C.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { completeStep } from '../walkthrough';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

export const DEMO_TERMINAL = 'IPC Inspector demo';

function hasCompiler(): boolean {
  return ['cc', 'gcc', 'clang'].some((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** The demo's sources, copied where they may be built (the installed extension's folder may be read-only). */
function copyDemo(from: string, storage: string): string {
  const to = path.join(storage, 'demo');
  if (!fs.existsSync(path.join(from, 'run.js'))) throw new Error(l10n.t('the demo is not part of this installation ({0} has no run.js)', from));
  fs.mkdirSync(to, { recursive: true });
  // bin/ of an earlier run stays: its state.json lets this run stop what that one left.
  fs.cpSync(from, to, { recursive: true, filter: (source) => !source.startsWith(path.join(from, 'bin')) });
  return to;
}

export const startDemo: Command = {
  id: 'ipcInspector.startDemo',
  what: 'Could not start the demo',
  async run(env): Promise<vscode.Terminal | undefined> {
    const running = vscode.window.terminals.find((t) => t.name === DEMO_TERMINAL && t.exitStatus === undefined);
    if (running) {
      running.show();
      completeStep('demoStarted');
      return running;
    }
    if (!hasCompiler()) {
      void env.ipc.prompts.notify(
        'error',
        l10n.t('The demo is built from C sources and needs a C compiler: install one (Debian/Ubuntu: sudo apt install gcc), then start the demo again.'),
      );
      return undefined;
    }
    const dir = copyDemo(env.ipc.assets.demo, env.ipc.storagePath);
    // The extension host's own Node.js runs the script (ELECTRON_RUN_AS_NODE: desktop VS Code's is Electron).
    const terminal = vscode.window.createTerminal({
      name: DEMO_TERMINAL,
      shellPath: process.execPath,
      shellArgs: [path.join(dir, 'run.js')],
      cwd: dir,
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    terminal.show();
    env.ipc.log.info(`demo started from ${dir}`);
    // Its types, for View as C Type (open C files are offered beside the workspace's).
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(dir, 'workspace', 'sensors.c')), {
      preview: true,
      preserveFocus: true,
      viewColumn: vscode.ViewColumn.Beside,
    });
    completeStep('demoStarted');
    await vscode.commands.executeCommand('ipcInspector.sharedMemory.focus');
    return terminal;
  },
};
