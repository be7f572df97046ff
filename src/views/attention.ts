// The status-bar item that appears only when something needs attention: orphaned objects (how many,
// and the memory removing them frees) and IPC limits or /dev/shm near exhaustion (the groups whose
// limits line warns, views/groups.ts). Clicking it runs ipcInspector.showAttention, which opens the
// view on them. While no IPC view is visible it looks again every
// ipcInspector.statusBar.checkInterval seconds (a listing only: no helper, no values, no messages).
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { formatBytes } from '../ipc/format';
import { freedBytes, isCertainOrphan, orphansOf, uncertainCount } from '../ipc/orphans';
import { orphanedWord } from '../ipc/objects';
import { kindOf } from '../ipc/kinds';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import { GROUPS, type GroupId } from './groups';
import * as l10n from '../shared/l10n';

export const SHOW_ATTENTION_COMMAND = 'ipcInspector.showAttention';
/** Orphans named in the tooltip; the rest are counted. */
const LISTED = 8;
/**
 * The first look of a window where no view is open comes this long after activation, not during
 * it: every window activates the extension, and its start must stay light (the listing reads
 * /proc and starts the helper).
 */
export const FIRST_LOOK_MS = 3000;

export interface Attention {
  orphans: IpcObject[];
  orphanBytes: number;
  /** Groups whose limits line warns (a limit or /dev/shm 80% used or more), with that line. */
  nearLimits: Array<{ group: GroupId; title: string; description: string }>;
}

/** What needs attention in a snapshot. */
export function attentionOf(snapshot: Snapshot | undefined): Attention {
  const orphans = orphansOf(snapshot);
  const nearLimits = snapshot
    ? Object.values(GROUPS).flatMap((spec) => {
        const line = spec.line(snapshot);
        return line.warning ? [{ group: spec.id, title: spec.title, description: line.description }] : [];
      })
    : [];
  return { orphans, orphanBytes: orphans.reduce((sum, o) => sum + freedBytes(o), 0), nearLimits };
}

export class AttentionStatus implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  /** What the item shows now (the tests read it). */
  current: Attention = { orphans: [], orphanBytes: 0, nearLimits: [] };
  /** Whether the item is in the status bar now. */
  visible = false;
  private timer: NodeJS.Timeout | undefined;
  private firstLook: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: IpcContext) {
    this.item = vscode.window.createStatusBarItem('ipcInspector.attention', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'IPC Inspector: needs attention';
    this.item.command = SHOW_ATTENTION_COMMAND;
    this.disposables.push(
      this.item,
      context.onDidChangeSnapshot((snapshot) => this.show(snapshot)),
      context.onDidChangeSettings((event) => {
        if (event.affectsConfiguration('ipcInspector.statusBar')) this.configure();
      }),
    );
    this.configure();
  }

  private get enabled(): boolean {
    return vscode.workspace.getConfiguration('ipcInspector').get<boolean>('statusBar.enabled', true);
  }

  private configure(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.enabled) {
      this.item.hide();
      this.visible = false;
      return;
    }
    this.show(this.context.snapshots.current);
    const seconds = vscode.workspace.getConfiguration('ipcInspector').get<number>('statusBar.checkInterval', 60);
    if (seconds > 0) this.timer = setInterval(() => void this.context.refresh(), Math.max(5, seconds) * 1000);
    clearTimeout(this.firstLook);
    this.firstLook = setTimeout(() => {
      if (!this.context.snapshots.current) void this.context.refresh();
    }, FIRST_LOOK_MS);
  }

  private show(snapshot: Snapshot | undefined): void {
    this.current = attentionOf(snapshot);
    const { orphans, orphanBytes, nearLimits } = this.current;
    if (!this.enabled || (orphans.length === 0 && nearLimits.length === 0)) {
      this.item.hide();
      this.visible = false;
      return;
    }
    const parts = [...(orphans.length > 0 ? [orphanCount(orphans, orphanBytes)] : []), ...nearLimits.map((n) => `${n.title}: ${n.description}`)];
    this.item.text = `$(warning) ${orphans.length > 0 ? parts[0] : parts.join(' · ')}${orphans.length > 0 && nearLimits.length > 0 ? ` · ${nearLimits.length} near a limit` : ''}`;
    // Theme colours: the warning background only for a limit near exhaustion (programs start failing).
    this.item.backgroundColor = nearLimits.length > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = this.tooltip(snapshot!);
    this.item.accessibilityInformation = { label: `IPC Inspector: ${parts.join(', ')}. Press to show them.` };
    this.item.show();
    this.visible = true;
  }

  private tooltip(snapshot: Snapshot): vscode.MarkdownString {
    const { orphans, orphanBytes, nearLimits } = this.current;
    const lines: string[] = [];
    if (orphans.length > 0) {
      const counted = orphans.length === 1 ? l10n.t('1 orphaned object') : l10n.t('{0} orphaned objects', orphans.length);
      lines.push(`**${counted}**${orphanBytes > 0 ? l10n.t(', {0} to free', formatBytes(orphanBytes)) : ''}:`, '');
      const uid = this.context.uid;
      for (const object of orphans.slice(0, LISTED)) {
        const label = kindOf(object).row(object, { held: false, uid }).label;
        // An uncertain one says so, and why (the same words as its row and Clean Up).
        const uncertain = isCertainOrphan(object) ? '' : ` — ${orphanedWord(false)}: ${kindOf(object).reason(object)}`;
        lines.push(`- ${(label + uncertain).replace(/[\\`*_[\]]/g, '\\$&')}`);
      }
      if (orphans.length > LISTED) lines.push(`- and ${orphans.length - LISTED} more`);
      lines.push('');
    }
    for (const near of nearLimits) lines.push(`**Near a limit:** ${near.title}, ${near.description}`, '');
    lines.push(
      `Click to show them${snapshot.takenAt ? ` (as of ${new Date(snapshot.takenAt).toLocaleTimeString()})` : ''}. Turn this off with \`ipcInspector.statusBar.enabled\`.`,
    );
    return new vscode.MarkdownString(lines.join('\n'));
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.firstLook);
    for (const d of this.disposables) d.dispose();
  }
}

/** The status bar's count: "3 orphaned (1 uncertain) (12 KiB)". */
function orphanCount(orphans: readonly IpcObject[], bytes: number): string {
  const uncertain = uncertainCount(orphans);
  const count = uncertain === 0 ? l10n.t('{0} orphaned', orphans.length) : l10n.t('{0} orphaned ({1} uncertain)', orphans.length, uncertain);
  return bytes > 0 ? `${count} (${formatBytes(bytes)})` : count;
}
