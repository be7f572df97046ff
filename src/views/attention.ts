// The status-bar item that appears only when something needs attention: orphaned objects (how many,
// and the memory removing them frees) and IPC limits or /dev/shm near exhaustion (the groups whose
// limits line warns, views/groups.ts). Clicking it runs ipcInspector.showAttention, which opens the
// view on them. While no IPC view is visible it looks again every
// ipcInspector.statusBar.checkInterval seconds (a listing with the waits: no values, no messages).
// It also warns of deadlocks and of locks whose owner is gone (the waits' diagnoses): those it
// learns from every refresh that read waits (the Waits view's, the graph's, its own look), and keeps
// between them.
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { formatBytes } from '../ipc/format';
import { freedBytes, isCertainOrphan, orphansOf, uncertainCount } from '../ipc/orphans';
import { orphanedWord } from '../ipc/objects';
import { kindOf } from '../ipc/kinds';
import type { IpcObject, Snapshot } from '../ipc/snapshot';
import { ATTENTION_NEEDS } from '../ipc/snapshot';
import type { Diagnosis } from '../ipc/waits/graph';
import * as l10n from '../shared/l10n';
import { GROUPS, type GroupId } from './groups';

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
  /** Deadlocks and locks whose owner is gone, from the last refresh that read waits. */
  stuck: Diagnosis[];
}

/** The waits' diagnoses the status bar warns of (undefined when the snapshot did not read waits). */
export function stuckOf(snapshot: Snapshot | undefined): Diagnosis[] | undefined {
  const waits = snapshot?.waits;
  if (!waits) return undefined;
  return waits.read ? waits.graph.diagnoses.filter((d) => d.kind === 'deadlock' || d.kind === 'deadOwner' || d.kind === 'notRecoverable') : [];
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
  return { orphans, orphanBytes: orphans.reduce((sum, o) => sum + freedBytes(o), 0), nearLimits, stuck: stuckOf(snapshot) ?? [] };
}

export class AttentionStatus implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  /** What the item shows now (the tests read it). */
  current: Attention = { orphans: [], orphanBytes: 0, nearLimits: [], stuck: [] };
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
    if (seconds > 0) this.timer = setInterval(() => void this.context.refresh(false, ATTENTION_NEEDS), Math.max(5, seconds) * 1000);
    clearTimeout(this.firstLook);
    this.firstLook = setTimeout(() => {
      if (!this.context.snapshots.current) void this.context.refresh(false, ATTENTION_NEEDS);
    }, FIRST_LOOK_MS);
  }

  private show(snapshot: Snapshot | undefined): void {
    // A refresh that did not read waits (made for another view) leaves what the last one found.
    const stuck = snapshot ? (stuckOf(snapshot) ?? this.current.stuck) : [];
    this.current = { ...attentionOf(snapshot), stuck };
    const { orphans, orphanBytes, nearLimits } = this.current;
    if (!this.enabled || (orphans.length === 0 && nearLimits.length === 0 && stuck.length === 0)) {
      this.item.hide();
      this.visible = false;
      return;
    }
    const deadlocks = stuck.filter((d) => d.kind === 'deadlock').length;
    const neverReleased = stuck.length - deadlocks;
    const stuckParts = [
      ...(deadlocks === 1 ? [l10n.t('1 deadlock')] : deadlocks > 1 ? [l10n.t('{0} deadlocks', deadlocks)] : []),
      ...(neverReleased === 1 ? [l10n.t('1 lock never released')] : neverReleased > 1 ? [l10n.t('{0} locks never released', neverReleased)] : []),
    ];
    const orphanParts = orphans.length > 0 ? [orphanCount(orphans, orphanBytes)] : [];
    const limitParts = nearLimits.map((n) => `${n.title}: ${n.description}`);
    const parts = [...stuckParts, ...orphanParts, ...limitParts];
    // The most urgent first: stuck threads, then orphans, then limits (counted when orphans are shown).
    const shown = orphanParts.length > 0 || stuckParts.length > 0 ? [...stuckParts, ...orphanParts] : limitParts;
    const rest = orphanParts.length > 0 || stuckParts.length > 0 ? nearLimits.length : 0;
    this.item.text = `${stuckParts.length > 0 ? '$(error)' : '$(warning)'} ${shown.join(' · ')}${rest > 0 ? ` · ${rest} near a limit` : ''}`;
    // Theme colours: the error background for threads stuck for good, the warning one for a limit
    // near exhaustion (programs start failing).
    this.item.backgroundColor =
      stuck.length > 0
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : nearLimits.length > 0
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.tooltip = this.tooltip(snapshot!);
    this.item.accessibilityInformation = { label: `IPC Inspector: ${parts.join(', ')}. Press to show them.` };
    this.item.show();
    this.visible = true;
  }

  private tooltip(snapshot: Snapshot): vscode.MarkdownString {
    const { orphans, orphanBytes, nearLimits, stuck } = this.current;
    const lines: string[] = [];
    for (const d of stuck.slice(0, LISTED)) lines.push(`- $(error) ${d.text.replace(/[\\`*_[\]]/g, '\\$&')}`);
    if (stuck.length > LISTED) lines.push(`- ${l10n.t('and {0} more', stuck.length - LISTED)}`);
    if (stuck.length > 0) lines.push('');
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
    return new vscode.MarkdownString(lines.join('\n'), true);
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
