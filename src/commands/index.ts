// Every command of the extension, registered in one place (see registry.ts).
import { attach, detach } from './attach';
import { changePermissions } from './changePermissions';
import { cleanUpOrphans } from './cleanUpOrphans';
import { copyId, copyIpcrmCommand, copyKey } from './copy';
import { createSegment } from './createSegment';
import { lock, unlock } from './lock';
import { openContents } from './openContents';
import { refresh } from './refresh';
import type { Command } from './registry';
import { removeSegment } from './removeSegment';
import { showLimits } from './showLimits';
import { showOutput } from './showOutput';

export const allCommands: readonly Command[] = [
  refresh,
  createSegment,
  openContents,
  attach,
  detach,
  removeSegment,
  cleanUpOrphans,
  copyKey,
  copyId,
  copyIpcrmCommand,
  changePermissions,
  lock,
  unlock,
  showLimits,
  showOutput,
];
