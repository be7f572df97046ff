import type { Command } from './registry';

export const showOutput: Command = {
  id: 'ipcInspector.showOutput',
  what: 'Could not show the log',
  run: (env) => env.ipc.log.show(true),
};
