// Record / Stop Recording: samples a contents view's object at a steady rate (src/ipc/recording),
// keeping only what changed, in a memory budget; the view's timeline scrubs through it. Record runs
// on the view in front (or the one its button is on, or a row's, opening it); Stop asks which view
// when several record.
import * as vscode from 'vscode';
import { formatBytes } from '../ipc/format';
import type { ByteRange } from '../ipc/recording/ranges';
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
    const settings = recordingSettings();
    let part: ByteRange | undefined;
    if (panel.size > settings.sizeLimit) {
      part = await partOverLimit(env, panel, (arg as { selection?: ByteRange } | undefined)?.selection, settings.sizeLimit);
      if (!part) return undefined;
    }
    if (current?.fromFile) throw new Error(l10n.t('This view shows a recording opened from a file: there is no object to record.'));
    if (current?.unsaved && !(await dropUnsaved(env, current.samples))) return undefined;
    const recording = await panel.startRecording({ ...settings, ...(part ? { ranges: [part] } : {}) });
    panel.panel.reveal();
    const what = part ? `${formatBytes(part.length)} at 0x${part.offset.toString(16)} of ${panel.source.id}` : panel.source.id;
    env.ipc.log.info(`recording ${what} at ${settings.rateHz} per second, budget ${formatBytes(settings.budgetBytes)}`);
    return recording;
  },
};

/**
 * What to record of an object over the size limit: the bytes selected in the view (Record on its
 * toolbar sends them), or those the C type shown lies over; asked when both could be. Undefined,
 * with a warning that says what to do, when there is neither.
 */
async function partOverLimit(env: CommandEnv, panel: ContentsPanel, selection: ByteRange | undefined, limit: number): Promise<ByteRange | undefined> {
  const inside = (r: ByteRange | undefined) =>
    r !== undefined && Number.isSafeInteger(r.offset) && Number.isSafeInteger(r.length) && r.offset >= 0 && r.length > 0 && r.offset + r.length <= panel.size;
  if (!inside(selection)) selection = undefined; // a command argument from elsewhere: only a range of this object
  const at = (range: ByteRange) => l10n.t('{0} at 0x{1}', formatBytes(range.length), range.offset.toString(16));
  const parts: Array<{ label: string; description: string; range: ByteRange }> = [];
  if (selection && selection.length <= limit) parts.push({ label: l10n.t('The bytes selected'), description: at(selection), range: selection });
  const ctype = panel.cType;
  if (ctype) {
    const offset = ctype.placement.offset;
    const range = { offset, length: Math.min(panel.size - offset, ctype.layout.size * ctype.placement.count) };
    if (range.length > 0 && range.length <= limit) parts.push({ label: l10n.t('The fields of {0}', ctype.layout.name), description: at(range), range });
  }
  if (parts.length === 1) return parts[0].range;
  if (parts.length > 1) {
    const picked = await env.ipc.prompts.quickPick(parts, {
      placeHolder: l10n.t('{0} is over the recording limit: record which part of it?', panel.source.title),
    });
    return picked?.range;
  }
  const open = l10n.t('Open Settings');
  const chosen = await env.ipc.prompts.notify(
    'warning',
    l10n.t(
      '{0} is {1}, over the recording limit of {2}. Select the bytes to record (at most that many) or show a C type over them, then press Record on the view; or raise ipcInspector.recording.sizeLimit to record it whole.',
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
