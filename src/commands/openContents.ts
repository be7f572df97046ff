// Open Segment Contents: the live hex view of a segment (on the clicked or selected row, or a
// segment picked from a list when run from the palette).
import * as vscode from 'vscode';
import { HexPanel, keyText } from '../views/hexPanel';
import type { Command } from './registry';
import { chooseSegments } from './segmentArgs';

export const openContents: Command = {
  id: 'ipcInspector.openContents',
  what: 'Could not open the segment',
  async run(inspector, ...args) {
    const [info] = await chooseSegments(inspector, args, { many: false, placeHolder: 'Segment to open' });
    if (!info) return undefined;
    // Fresh numbers (and the permission check) from the kernel before opening.
    const stat = await inspector.helper().stat(info.segment.shmid);
    const original = info.attachments.find((a) => a.key !== 0)?.key;
    const key = stat.key === 0 && original ? `0x${original.toString(16).padStart(8, '0')}` : keyText(stat);
    return HexPanel.show(inspector, vscode.Uri.file(inspector.extensionPath), stat, key);
  },
};
