// Add Watch…: "stop when field X == value / changes / leaves a range", or "when these bytes change",
// on a contents view's recording. While recording, the watch is checked at every sample from now on
// and the recording pauses where it fires; on a recording that ended (or one opened from a file),
// the samples kept are searched. Sampled, so honest: a change undone between two samples is missed,
// and the notice says the sample period.
import type { WatchCondition } from '../ipc/recording/watches';
import type { FieldValue } from '../ipc/recording/fields';
import { targetPanel } from './contentsTarget';
import type { Command } from './registry';
import * as l10n from '../shared/l10n';

type ConditionKind = WatchCondition['kind'];

/** A number as the field holds it: integers exactly (as bigint beyond 2^53), else a float. */
export function parseFieldValue(text: string): FieldValue | undefined {
  const t = text.trim();
  if (/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(t)) {
    const negative = t.startsWith('-');
    const big = BigInt(t.replace(/^[-+]/, ''));
    const value = negative ? -big : big;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  const float = Number(t);
  return t !== '' && !Number.isNaN(float) ? float : undefined;
}

let watchCount = 0;

export const addRecordingWatch: Command = {
  id: 'ipcInspector.addRecordingWatch',
  what: 'Could not add the watch',
  async run(env, arg?: unknown) {
    const panel = await targetPanel(env, arg ?? {});
    const recorder = panel?.recording;
    if (!panel || !recorder) {
      void env.ipc.prompts.notify('info', l10n.t('This view has no recording: press Record in its toolbar first.'));
      return undefined;
    }
    const fields = recorder.recording.fields;
    const kinds: Array<{ label: string; detail: string; condition: ConditionKind }> = [
      ...(fields.length > 0
        ? [
            { label: l10n.t('Field equals a value'), detail: l10n.t('e.g. state == 3'), condition: 'equals' as const },
            { label: l10n.t('Field changes'), detail: l10n.t('any new value'), condition: 'changes' as const },
            { label: l10n.t('Field leaves a range'), detail: l10n.t('e.g. outside 0 to 100'), condition: 'leaves-range' as const },
          ]
        : []),
      { label: l10n.t('Bytes change'), detail: l10n.t('any byte of a range'), condition: 'bytes-change' as const },
    ];
    const picked = await env.ipc.prompts.quickPick(kinds, { placeHolder: l10n.t('Stop when…') });
    if (!picked) return undefined;
    const recording = recorder.recording;
    const condition = await askCondition(
      env,
      picked.condition,
      fields.map((f) => f.path),
      recording.meta.object.size,
      // Of a recording of a part, only bytes inside what was recorded can be watched.
      (offset, length) => recording.imageOffset(offset, length) !== undefined,
    );
    if (!condition) return undefined;
    // Watches are saved with the recording: an id of one read back from a file is never reused.
    const taken = new Set(recorder.recording.watches.watches.map((w) => w.id));
    let id = `w${++watchCount}`;
    while (taken.has(id)) id = `w${++watchCount}`;
    const hits = recorder.addWatch({ id, condition });
    if (recorder.state === 'ended') {
      void env.ipc.prompts.notify(
        'info',
        hits.length === 0
          ? l10n.t('The watch never fired in the {0} samples kept.', recorder.samples)
          : l10n.t('The watch fired at {0} of the samples kept (marked on the timeline), first at sample {1}.', hits.length, hits[0].index),
      );
    }
    return id;
  },
};

async function askCondition(
  env: Parameters<Command['run']>[0],
  kind: ConditionKind,
  paths: string[],
  size: number,
  recorded: (offset: number, length: number) => boolean,
): Promise<WatchCondition | undefined> {
  if (kind === 'bytes-change') {
    const watchable = (value: string) => {
      const range = parseRange(value, size);
      return range && recorded(range.offset, range.length) ? range : undefined;
    };
    const text = await env.ipc.prompts.inputBox({
      prompt: l10n.t('The bytes to watch: an offset and a length, e.g. 0x40 8'),
      validateInput: (value) => {
        const range = parseRange(value, size);
        if (!range) return l10n.t('Give an offset (hex with 0x, or decimal) and a length, inside the {0} bytes.', size);
        return recorded(range.offset, range.length) ? undefined : l10n.t('Those bytes were not recorded: give a range inside the part recorded.');
      },
    });
    const range = text === undefined ? undefined : watchable(text);
    return range ? { kind, ...range } : undefined;
  }
  const field = (
    await env.ipc.prompts.quickPick(
      paths.map((p) => ({ label: p })),
      { placeHolder: l10n.t('Which field?') },
    )
  )?.label;
  if (!field) return undefined;
  if (kind === 'changes') return { kind, field };
  if (kind === 'equals') {
    const text = await env.ipc.prompts.inputBox({
      prompt: l10n.t('Stop when {0} equals…', field),
      validateInput: (value) => (parseFieldValue(value) === undefined ? l10n.t('Give a number (decimal, 0x hex, or a float).') : undefined),
    });
    const value = text === undefined ? undefined : parseFieldValue(text);
    return value === undefined ? undefined : { kind, field, value };
  }
  const text = await env.ipc.prompts.inputBox({
    prompt: l10n.t('Stop when {0} leaves the range: the lowest and highest value it may have, e.g. 0 100', field),
    validateInput: (value) => (parseBounds(value) ? undefined : l10n.t('Give two numbers, the lowest first.')),
  });
  const bounds = text === undefined ? undefined : parseBounds(text);
  return bounds ? { kind: 'leaves-range', field, ...bounds } : undefined;
}

function parseBounds(text: string): { min: FieldValue; max: FieldValue } | undefined {
  const parts = text.trim().split(/[\s,]+/);
  if (parts.length !== 2) return undefined;
  const [min, max] = parts.map(parseFieldValue);
  if (min === undefined || max === undefined || min > max) return undefined;
  return { min, max };
}

function parseRange(text: string, size: number): { offset: number; length: number } | undefined {
  const parts = text.trim().split(/[\s,]+/);
  if (parts.length !== 2) return undefined;
  const [offset, length] = parts.map(parseFieldValue);
  if (typeof offset !== 'number' || typeof length !== 'number' || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return undefined;
  if (offset < 0 || length <= 0 || offset + length > size) return undefined;
  return { offset, length };
}
