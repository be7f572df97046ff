// Copy Key / Copy Id / Copy ipcrm Command: the three copy actions of a segment's context menu.
import * as vscode from 'vscode';
import { formatKey } from '../ipc/format';
import type { SegmentInfo } from '../ipc/snapshot';
import type { Command } from './registry';
import { chooseSegments } from './segmentArgs';

function copyCommand(id: string, what: string, text: (info: SegmentInfo) => string): Command {
  return {
    id,
    what,
    async run(inspector, ...args) {
      const segments = await chooseSegments(inspector, args, { many: true, placeHolder: 'Segment to copy from' });
      if (segments.length === 0) return undefined;
      const value = segments.map(text).join('\n');
      await vscode.env.clipboard.writeText(value);
      vscode.window.setStatusBarMessage(`Copied ${value.split('\n').length > 1 ? `${segments.length} lines` : value}`, 3000);
      return value;
    },
  };
}

export const copyKey = copyCommand('ipcInspector.copyKey', 'Could not copy the key', (info) => formatKey(info.segment.key));
export const copyId = copyCommand('ipcInspector.copyId', 'Could not copy the id', (info) => String(info.segment.shmid));
// By id: ipcrm -M refuses key 0 (private and removed segments), and an id names exactly this one.
export const copyIpcrmCommand = copyCommand('ipcInspector.copyIpcrmCommand', 'Could not copy the ipcrm command', (info) => `ipcrm -m ${info.segment.shmid}`);
