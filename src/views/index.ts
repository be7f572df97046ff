// The views of the IPC container, built once from the context. Commands reach them through this
// (views never reach commands).
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { HexPanel } from './hexPanel';
import { SharedMemoryView } from './sharedMemoryView';

export interface Views extends vscode.Disposable {
  sharedMemory: SharedMemoryView;
}

export function createViews(context: IpcContext): Views {
  const sharedMemory = new SharedMemoryView(context);
  return {
    sharedMemory,
    dispose() {
      HexPanel.all().forEach((panel) => panel.dispose());
      sharedMemory.dispose();
    },
  };
}
