import type { Command } from './registry';

export const refresh: Command = {
  id: 'ipcInspector.refresh',
  what: 'Could not refresh the view',
  run: (env) => env.ipc.refresh(true),
};
