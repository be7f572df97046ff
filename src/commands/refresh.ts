import type { Command } from './registry';

export const refresh: Command = {
  id: 'ipcInspector.refresh',
  what: 'Could not refresh the Shared Memory view',
  run: (inspector) => inspector.refresh(true),
};
