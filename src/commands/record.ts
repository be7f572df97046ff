// Record / Stop Recording: samples a contents view's object at a steady rate (src/ipc/recording),
// keeping only what changed, in a memory budget; the view's timeline scrubs through it. Record runs
// on the view in front (or the one its button is on, or a row's, opening it); Stop asks which view
// when several record.
import * as vscode from 'vscode';
import { formatBytes } from '../ipc/format';
import type { ByteRange } from '../ipc/recording/ranges';
import { placedCount } from '../shared/cLayout';
import { checkRange } from '../shared/contentsProtocol';
import { MAX_RATE_HZ } from '../ipc/recording/sampler';
import type { ContentsPanel } from '../views/contentsPanel';
import { recordingsGoing, type GoingRecording } from '../views/recordingIndicator';
import { targetPanel } from './contentsTarget';
import type { Command, CommandEnv } from './registry';
import * as l10n from '../shared/l10n';

const MIB = 1024 * 1024;

/** The recording settings (ipcInspector.recording.*), bounded. */
export function recordingSettings(): { rateHz: number; budgetBytes: number; sizeLimit: number } {
  const config = vscode.workspace.getConfiguration('ipcInspector');
  // A setting that is not a number (settings.json by hand) is the default, not NaN.
  const number = (key: string, fallback: number) => {
    const value = config.get<number>(key, fallback);
    return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  };
  const rate = number('recording.sampleRate', 0);
  // 0: the contents view's own refresh rate, so a recording holds what the view would have shown.
  const viewRate = number('hexView.refreshRate', 4);
  const rateHz = Math.min(MAX_RATE_HZ, Math.max(0.1, rate > 0 ? rate : viewRate > 0 ? viewRate : 4));
  const budgetMiB = Math.min(1024, Math.max(1, number('recording.memoryBudget', 64)));
  const limitMiB = Math.min(1024, Math.max(0.001, number('recording.sizeLimit', 16)));
  return { rateHz, budgetBytes: Math.round(budgetMiB * MIB), sizeLimit: Math.round(limitMiB * MIB) };
}

/** Asks before a new recording replaces one whose last samples were never saved; true to go on. */
export async function dropUnsaved(env: CommandEnv, samples: number): Promise<boolean> {
  const replace = l10n.t('Record Again');
  const chosen = await env.ipc.prompts.notify(
    'warning',
    l10n.t('The recording in this view ({0} samples) is not saved. Record again and drop it?', samples),
    replace,
  );
  return chosen === replace;
}

export const startRecording: Command = {
  id: 'ipcInspector.startRecording',
  what: 'Could not start recording',
  async run(env, arg?: unknown) {
    const panel = await targetPanel(env, arg);
    if (!panel) return undefined;
    const current = panel.recording;
    if (current && current.state !== 'ended') {
      panel.panel.reveal();
      return current;
    }
    if (current?.fromFile) throw new Error(l10n.t('This view shows a recording opened from a file: there is no object to record.'));
    const settings = recordingSettings();
    let part: ByteRange | undefined;
    if (panel.size > settings.sizeLimit) {
      part = await partOverLimit(env, panel, (arg as { selection?: unknown } | undefined)?.selection, settings.sizeLimit);
      if (!part) return undefined;
    }
    if (current?.unsaved && !(await dropUnsaved(env, current.samples))) return undefined;
    const recording = await panel.startRecording({ ...settings, ...(part ? { ranges: [part] } : {}) });
    panel.panel.reveal();
    const what = part ? `${formatBytes(part.length)} at 0x${part.offset.toString(16)} of ${panel.source.id}` : panel.source.id;
    env.ipc.log.info(`recording ${what} at ${settings.rateHz} per second, budget ${formatBytes(settings.budgetBytes)}`);
    return recording;
  },
};

/** A range of `size` bytes' object given by a command argument (from anywhere): whole numbers inside it, else undefined. */
function rangeWithin(value: unknown, size: number): ByteRange | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { offset, length } = value as { offset?: unknown; length?: unknown };
  return checkRange(offset, length, size, size) === undefined ? { offset: offset as number, length: length as number } : undefined;
}

/**
 * A part rounded out to whole pages when that still fits the limit: a page only partly recorded
 * would show as never seen at every moment (a moment's pages hold data only when wholly recorded).
 */
function wholePages(range: ByteRange, size: number, pageSize: number, limit: number): ByteRange {
  const offset = range.offset - (range.offset % pageSize);
  const end = Math.min(size, Math.ceil((range.offset + range.length) / pageSize) * pageSize);
  return end - offset <= limit ? { offset, length: end - offset } : range;
}

/** The bytes the C type shown lies over (all its elements; "as many as fit" counted), if any. */
function cTypeBytes(panel: ContentsPanel): ByteRange | undefined {
  const ctype = panel.cType;
  if (!ctype || ctype.layout.size <= 0 || ctype.placement.offset >= panel.size) return undefined;
  const { offset } = ctype.placement;
  const length = Math.min(panel.size - offset, ctype.layout.size * placedCount(ctype.placement, ctype.layout.size, panel.size));
  return length > 0 ? { offset, length } : undefined;
}

/**
 * What to record of an object over the size limit: the bytes selected in the view (Record in its
 * toolbar sends them), or those the C type shown lies over; asked when both could be (or when the
 * selection is too large); rounded out to whole pages where that fits. Undefined, with a warning
 * that says what to do, when there is neither.
 */
async function partOverLimit(env: CommandEnv, panel: ContentsPanel, argument: unknown, limit: number): Promise<ByteRange | undefined> {
  const selection = rangeWithin(argument, panel.size);
  const at = (range: ByteRange) => l10n.t('{0} at 0x{1}', formatBytes(range.length), range.offset.toString(16));
  const parts: Array<{ label: string; description: string; range: ByteRange }> = [];
  if (selection && selection.length <= limit) parts.push({ label: l10n.t('The bytes selected'), description: at(selection), range: selection });
  const typed = cTypeBytes(panel);
  if (typed && typed.length <= limit) parts.push({ label: l10n.t('The fields of {0}', panel.cType!.layout.name), description: at(typed), range: typed });
  const tooBig = selection !== undefined && selection.length > limit;
  if (parts.length > 0) {
    const placeHolder = tooBig
      ? l10n.t('The {0} selected are over the recording limit of {1}: record which part?', formatBytes(selection.length), formatBytes(limit))
      : l10n.t('{0} is over the recording limit: record which part of it?', panel.source.title);
    const part = parts.length === 1 && !tooBig ? parts[0].range : (await env.ipc.prompts.quickPick(parts, { placeHolder }))?.range;
    return part && wholePages(part, panel.size, panel.pageSizeNow, limit);
  }
  const open = l10n.t('Open Settings');
  const chosen = await env.ipc.prompts.notify(
    'warning',
    tooBig
      ? l10n.t(
          "The {0} selected are over the recording limit of {1}. Select fewer bytes (or show a C type over them), then press Record in the view's toolbar; or raise ipcInspector.recording.sizeLimit.",
          formatBytes(selection.length),
          formatBytes(limit),
        )
      : l10n.t(
          "{0} is {1}, over the recording limit of {2}. Select the bytes to record (at most that many) or show a C type over them, then press Record in the view's toolbar; or raise ipcInspector.recording.sizeLimit to record it whole.",
          panel.source.title,
          formatBytes(panel.size),
          formatBytes(limit),
        ),
    open,
  );
  if (chosen === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'ipcInspector.recording.sizeLimit');
  return undefined;
}

/** The recording to stop: the one the arguments name, the only one, or one picked. */
async function recordingToStop(env: CommandEnv, arg: unknown): Promise<GoingRecording | undefined> {
  const panelId = (arg as { panelId?: unknown } | undefined)?.panelId;
  const all = recordingsGoing();
  if (typeof panelId === 'string') return all.find((g) => g.id === panelId);
  if (all.length <= 1) return all[0];
  const picked = await env.ipc.prompts.quickPick(
    all.map((g) => ({ label: g.title, description: l10n.t('{0} samples', g.samples), g })),
    { placeHolder: l10n.t('Stop which recording?') },
  );
  return picked?.g;
}

export const stopRecording: Command = {
  id: 'ipcInspector.stopRecording',
  what: 'Could not stop recording',
  async run(env, arg?: unknown) {
    const recording = await recordingToStop(env, arg);
    if (!recording) {
      void env.ipc.prompts.notify('info', l10n.t('Nothing is being recorded.'));
      return undefined;
    }
    await recording.stop();
    return recording.id;
  },
};
