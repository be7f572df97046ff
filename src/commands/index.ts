// Every command of the extension, registered in one place (see registry.ts).
import { attach, detach } from './attach';
import { changePermissions } from './changePermissions';
import { chooseNamespace } from './chooseNamespace';
import { cleanUpOrphans } from './cleanUpOrphans';
import { copyId, copyKey, copyName, copyPath, copyRemoveCommand } from './copy';
import { copyAsTable } from './copyAsTable';
import { compareWithSnapshot } from './compareWithSnapshot';
import { createMessageQueue } from './createMessageQueue';
import { createPosixObject } from './createPosixObject';
import { createSegment } from './createSegment';
import { createSemaphoreSet } from './createSemaphoreSet';
import { exportJson } from './exportJson';
import { openFocused, removeFocused } from './focusedRows';
import { lock, unlock } from './lock';
import { openContents, rowClicked } from './openContents';
import { openMessage } from './openMessage';
import { refresh } from './refresh';
import type { Command } from './registry';
import { addRecordingWatch } from './addRecordingWatch';
import { openRecording } from './openRecording';
import { startRecording, stopRecording } from './record';
import { recordValues } from './recordValues';
import { remove } from './remove';
import { exportRecordingCsv, saveRecording } from './saveRecording';
import { showAttention } from './showAttention';
import { showLimits } from './showLimits';
import { showOutput } from './showOutput';
import { startDemo } from './startDemo';
import { clearCType, viewAsCType } from './viewAsCType';
import { copyDiagnosis, openLockContents, showWaitGraph } from './waits';

export const allCommands: readonly Command[] = [
  refresh,
  createSegment,
  createPosixObject,
  createSemaphoreSet,
  createMessageQueue,
  openContents,
  openMessage,
  rowClicked,
  openFocused,
  removeFocused,
  attach,
  detach,
  remove,
  cleanUpOrphans,
  copyKey,
  copyId,
  copyName,
  copyPath,
  copyRemoveCommand,
  copyAsTable,
  exportJson,
  changePermissions,
  lock,
  unlock,
  showLimits,
  showAttention,
  showOutput,
  startDemo,
  chooseNamespace,
  viewAsCType,
  clearCType,
  showWaitGraph,
  copyDiagnosis,
  openLockContents,
  startRecording,
  stopRecording,
  saveRecording,
  exportRecordingCsv,
  openRecording,
  addRecordingWatch,
  compareWithSnapshot,
  recordValues,
];
