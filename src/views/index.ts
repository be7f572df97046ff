// The views of the IPC container, built once from the context: Shared Memory, Semaphores, Message
// Queues, each the same view with its own groups, and Waits (who waits on what: its own tree). Commands reach them through this (views never
// reach commands).
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { AttentionStatus } from './attention';
import { ContentsPanel } from './contentsPanel';
import { IpcView, type ShellView } from './ipcView';
import * as l10n from '../shared/l10n';
import { RecordingIndicator } from './recordingIndicator';
import { WaitGraphPanel } from './waitGraphPanel';
import { WaitsView, WAITS_VIEW } from './waitsView';

export type { ShellView } from './ipcView';

export const SHARED_MEMORY_VIEW = 'ipcInspector.sharedMemory';
export const SEMAPHORES_VIEW = 'ipcInspector.semaphores';
export const MESSAGE_QUEUES_VIEW = 'ipcInspector.messageQueues';
export { WAITS_VIEW } from './waitsView';

export interface Views extends vscode.Disposable {
  sharedMemory: IpcView;
  semaphores: IpcView;
  messageQueues: IpcView;
  /** Who waits on what (not an IpcView: its rows are threads and locks, not objects). */
  waits: WaitsView;
  /** The status-bar item that appears when something needs attention. */
  attention: AttentionStatus;
  /** Every view, the one the user touched last first. */
  readonly all: IpcView[];
}

export function createViews(context: IpcContext, shellViews: readonly ShellView[]): Views {
  const shell = (id: string): ShellView => {
    const found = shellViews.find((v) => v.id === id);
    if (!found) throw new Error(l10n.t('The view {0} was not registered at activation.', id));
    return found;
  };
  const sharedMemory = new IpcView(context, shell(SHARED_MEMORY_VIEW), { groups: ['sysvShm', 'posixShm', 'memfd', 'anonShm'], needs: [], opensOnClick: true });
  const semaphores = new IpcView(context, shell(SEMAPHORES_VIEW), { groups: ['sysvSem', 'posixSem'], needs: ['semValues', 'waiters'], opensOnClick: false });
  const messageQueues = new IpcView(context, shell(MESSAGE_QUEUES_VIEW), {
    groups: ['sysvMsg', 'posixMq'],
    needs: ['messages', 'waiters'],
    opensOnClick: false,
  });
  const views = [sharedMemory, semaphores, messageQueues];
  const waits = new WaitsView(context, shell(WAITS_VIEW));
  const attention = new AttentionStatus(context);
  const recordingIndicator = new RecordingIndicator();
  return {
    sharedMemory,
    semaphores,
    messageQueues,
    waits,
    attention,
    get all() {
      return [...views].sort((a, b) => b.lastActive - a.lastActive);
    },
    dispose() {
      ContentsPanel.all().forEach((panel) => panel.dispose());
      WaitGraphPanel.current?.dispose();
      for (const view of views) view.dispose();
      waits.dispose();
      attention.dispose();
      recordingIndicator.dispose();
    },
  };
}
