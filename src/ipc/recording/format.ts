// The recording file (docs/recording-format.md): a header saying what was recorded (the object, its
// regions, the C type and placement, the sample period, watches and their hits, what was dropped),
// then one record per sample (a keyframe's whole bytes or a delta), each with its CRC-32, and an
// end record with the count. A file that is cut short, damaged or not a recording is refused with
// a message saying which and where; it never throws anything else and never half-opens.
import { crc32 } from 'zlib';
import type { CField, CLayout, CPlacement } from '../../shared/cLayout';
import * as l10n from '../../shared/l10n';
import { walkDelta } from './ranges';
import { Recording, SeriesRecording, type RecordedObject, type RecordingEnd, type Region } from './recording';
import type { Dropped } from './store';
import { makeHit, type Watch, type WatchCondition, type WatchHit } from './watches';

export const MAGIC = Buffer.from([0x89, 0x49, 0x50, 0x43, 0x52, 0x45, 0x43, 0x0a]); // \x89IPCREC\n
export const FORMAT_VERSION = 1;
export const FORMAT_NAME = 'ipc-inspector-recording';
/** The largest object a recording may describe (its regions may be a part of it): 1 TiB. */
const MAX_OBJECT = 2 ** 40;

export enum RecordType {
  End = 0,
  Keyframe = 1,
  Delta = 2,
  Row = 3,
}

/** Type, time, payload length; then the payload and a CRC-32. */
const RECORD_HEAD = 1 + 8 + 4;
const CRC = 4;
/** Nothing larger is read: a header naming a bigger object is damaged, not a reason to allocate. */
const MAX_IMAGE = 2 ** 31;
const MAX_HEADER = 64 * 1024 * 1024;
const MAX_LAYOUT_DEPTH = 64;
const MAX_LAYOUT_FIELDS = 200_000;

export type RecordingFileProblem = 'not-a-recording' | 'newer' | 'truncated' | 'damaged';

/** Why a file cannot be opened as a recording, in words for the user. */
export class RecordingFileError extends Error {
  constructor(
    message: string,
    readonly problem: RecordingFileProblem,
  ) {
    super(message);
    this.name = 'RecordingFileError';
  }
}

interface Header {
  format: string;
  version: number;
  content: 'bytes' | 'series';
  object: RecordedObject;
  samplePeriodMs: number;
  startedAt: number;
  startedAtText: string;
  samples: number;
  /** bytes: the recorded regions of the object, end to end in every sample, and their total. */
  regions?: Region[];
  imageSize?: number;
  keyframes?: number;
  /** series: the columns of every row. */
  columns?: string[];
  layout?: CLayout | null;
  placement?: CPlacement | null;
  dropped: Dropped;
  end?: RecordingEnd | null;
  watches: Array<{ id: string; condition: Record<string, string | number> }>;
  hits: Array<Omit<WatchHit, 'samplePeriodMs'>>;
}

function record(type: RecordType, time: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEAD + payload.length + CRC);
  out[0] = type;
  out.writeDoubleLE(time, 1);
  out.writeUInt32LE(payload.length, 9);
  payload.copy(out, RECORD_HEAD);
  out.writeUInt32LE(crc32(out.subarray(0, RECORD_HEAD + payload.length)), RECORD_HEAD + payload.length);
  return out;
}

/** Watch values may be exact integers beyond a number: written as text. */
function conditionJson(condition: WatchCondition): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  // An integer compared exactly (a bigint) is written as its digits; a number stays a number.
  for (const [key, value] of Object.entries(condition)) out[key] = typeof value === 'bigint' ? value.toString() : (value as string | number);
  return out;
}

function baseHeader(recording: Recording | SeriesRecording, samples: number, watches: readonly Watch[], hits: readonly WatchHit[]): Header {
  const meta = recording.meta;
  return {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    content: recording instanceof Recording ? 'bytes' : 'series',
    object: meta.object,
    samplePeriodMs: meta.samplePeriodMs,
    startedAt: meta.startedAt,
    startedAtText: new Date(meta.startedAt).toISOString(),
    samples,
    layout: meta.layout ?? null,
    placement: meta.placement ?? null,
    dropped: recording.dropped,
    end: meta.end ?? null,
    watches: watches.map((w) => ({ id: w.id, condition: conditionJson(w.condition) })),
    hits: hits.map((h) => ({ watchId: h.watchId, index: h.index, time: h.time, after: h.after, value: h.value, previous: h.previous })),
  };
}

function frame(header: Header, records: Buffer[]): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(16);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(json.length, 12);
  const headerCrc = Buffer.alloc(4);
  headerCrc.writeUInt32LE(crc32(json));
  const count = Buffer.alloc(4);
  count.writeUInt32LE(records.length);
  return Buffer.concat([head, json, headerCrc, ...records, record(RecordType.End, 0, count)]);
}

/** The file of a recording (bytes or series), with its watches and their hits. */
export function encodeRecording(recording: Recording | SeriesRecording): Buffer {
  const records: Buffer[] = [];
  if (recording instanceof SeriesRecording) {
    const first = recording.firstIndex;
    for (let i = first; i < first + recording.count; i++) {
      const row = Buffer.alloc(8 * recording.columns.length);
      recording.row(i).forEach((v, c) => row.writeDoubleLE(v, c * 8));
      records.push(record(RecordType.Row, recording.timeOf(i), row));
    }
    const header = baseHeader(recording, records.length, recording.watches.watches, recording.watches.hits);
    header.columns = [...recording.columns];
    return frame(header, records);
  }
  const store = recording.store;
  let keyframes = 0;
  for (let i = store.firstIndex; i <= store.lastIndex; i++) {
    const delta = store.deltaRecord(i);
    if (store.isKeyframe(i)) {
      keyframes++;
      records.push(record(RecordType.Keyframe, store.timeOf(i), Buffer.concat([store.rebuild(i), delta])));
    } else {
      records.push(record(RecordType.Delta, store.timeOf(i), delta));
    }
  }
  const header = baseHeader(recording, records.length, recording.watches.watches, recording.watches.hits);
  header.regions = [...recording.regions];
  header.imageSize = store.size;
  header.keyframes = keyframes;
  return frame(header, records);
}

const notRecording = (why: string) => new RecordingFileError(l10n.t('This file is not an IPC Inspector recording: {0}.', why), 'not-a-recording');
const truncated = (why: string) => new RecordingFileError(l10n.t('This recording is cut short (truncated): {0}. Nothing of it was opened.', why), 'truncated');
const damaged = (why: string) => new RecordingFileError(l10n.t('This recording is damaged: {0}. Nothing of it was opened.', why), 'damaged');

/** Opens a recording file's bytes; refuses anything that is not a whole, undamaged recording. */
export function decodeRecording(file: Buffer): Recording | SeriesRecording {
  try {
    return decode(file);
  } catch (error) {
    if (error instanceof RecordingFileError) throw error;
    // Whatever else a damaged file makes go wrong (a value a check above missed) is still damage.
    throw damaged(error instanceof Error ? error.message : String(error));
  }
}

function decode(file: Buffer): Recording | SeriesRecording {
  if (file.length < MAGIC.length || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw notRecording(
      file.length < MAGIC.length ? l10n.t('it is only {0} bytes long', file.length) : l10n.t('it does not start with the recording signature'),
    );
  }
  if (file.length < 16) throw truncated(l10n.t('the file ends inside its first 16 bytes'));
  const version = file.readUInt32LE(8);
  if (version > FORMAT_VERSION) {
    throw new RecordingFileError(
      l10n.t(
        'This recording was made by a newer version of IPC Inspector (format {0}); this one reads format {1}. Update the extension to open it.',
        version,
        FORMAT_VERSION,
      ),
      'newer',
    );
  }
  if (version === 0) throw damaged(l10n.t('its format version is 0'));
  const headerLength = file.readUInt32LE(12);
  if (headerLength > MAX_HEADER) throw damaged(l10n.t('its header claims {0} bytes', headerLength));
  if (16 + headerLength + CRC > file.length) throw truncated(l10n.t('the header ends at byte {0} but the file has {1}', 16 + headerLength + CRC, file.length));
  const json = file.subarray(16, 16 + headerLength);
  if (file.readUInt32LE(16 + headerLength) !== crc32(json)) throw damaged(l10n.t('the header fails its checksum'));
  const header = checkHeader(json);
  // Every recording of bytes keeps its first sample whole: a file smaller than one sample was cut
  // short (or lies), and believing its header would allocate that much before a record is read.
  if (header.content === 'bytes' && header.imageSize! > file.length) {
    throw truncated(l10n.t('its samples are {0} bytes but the file has only {1}', header.imageSize!, file.length));
  }
  const records = readRecords(file, 16 + headerLength + CRC, header.samples);
  return header.content === 'series' ? buildSeries(header, records) : buildBytes(header, records);
}

interface RawRecord {
  type: RecordType;
  time: number;
  payload: Buffer;
  at: number;
}

function readRecords(file: Buffer, at: number, expected: number): RawRecord[] {
  const records: RawRecord[] = [];
  for (;;) {
    if (at + RECORD_HEAD > file.length) {
      throw truncated(l10n.t('the file ends at byte {0}, inside sample {1} of {2}', file.length, records.length + 1, expected));
    }
    const type = file[at];
    const time = file.readDoubleLE(at + 1);
    const length = file.readUInt32LE(at + 9);
    const end = at + RECORD_HEAD + length;
    if (end + CRC > file.length) {
      // A length past the end is either a cut or a damaged length: the checksum cannot tell yet.
      throw truncated(l10n.t('the file ends at byte {0}, inside sample {1} of {2}', file.length, records.length + 1, expected));
    }
    if (file.readUInt32LE(end) !== crc32(file.subarray(at, end))) throw damaged(l10n.t('record {0} (at byte {1}) fails its checksum', records.length + 1, at));
    const payload = file.subarray(at + RECORD_HEAD, end);
    if (type === RecordType.End) {
      if (length !== 4 || payload.readUInt32LE(0) !== records.length) {
        throw damaged(l10n.t('the end record does not match the {0} samples read', records.length));
      }
      if (records.length !== expected) throw damaged(l10n.t('the header names {0} samples, the file holds {1}', expected, records.length));
      if (end + CRC !== file.length) throw damaged(l10n.t('{0} bytes follow the end record', file.length - end - CRC));
      return records;
    }
    if (type !== RecordType.Keyframe && type !== RecordType.Delta && type !== RecordType.Row) {
      throw damaged(l10n.t('record {0} has an unknown type {1}', records.length + 1, type));
    }
    if (!Number.isFinite(time)) throw damaged(l10n.t('sample {0} has no valid time', records.length + 1));
    if (records.length > 0 && time < records[records.length - 1].time) throw damaged(l10n.t('sample {0} is older than the one before', records.length + 1));
    if (records.length >= expected) throw damaged(l10n.t('more samples than the {0} the header names', expected));
    records.push({ type, time, payload, at });
    at = end + CRC;
  }
}

function buildBytes(header: Header, records: RawRecord[]): Recording {
  const size = header.imageSize!;
  const recording = new Recording({
    object: header.object,
    samplePeriodMs: header.samplePeriodMs,
    startedAt: header.startedAt,
    layout: header.layout ?? undefined,
    placement: header.placement ?? undefined,
    end: header.end ?? undefined,
    regions: header.regions,
    // What the file holds is opened whole, whatever the budget was when it was recorded.
    budgetBytes: Infinity,
    watches: readWatches(header),
  });
  Object.assign(recording.store.dropped, header.dropped);
  records.forEach((r, i) => {
    if (r.type === RecordType.Row) throw damaged(l10n.t('sample {0} is a row of numbers in a recording of bytes', i + 1));
    if (i === 0 && r.type !== RecordType.Keyframe) throw damaged(l10n.t('the first sample is not kept whole'));
    const whole = r.type === RecordType.Keyframe ? r.payload.subarray(0, size) : undefined;
    if (whole && whole.length < size) throw damaged(l10n.t('sample {0} (at byte {1}) is shorter than the object', i + 1, r.at));
    const delta = whole ? r.payload.subarray(size) : r.payload;
    try {
      const end = walkDelta(delta, 0, delta.length, size, () => undefined);
      if (end !== delta.length) throw new Error(l10n.t('{0} bytes after its changes', delta.length - end));
    } catch (error) {
      throw damaged(l10n.t('sample {0} (at byte {1}): {2}', i + 1, r.at, (error as Error).message));
    }
    recording.addRecorded(r.time, Buffer.from(delta), whole && Buffer.from(whole));
  });
  recording.watches.hits.push(...readHits(header));
  return recording;
}

function buildSeries(header: Header, records: RawRecord[]): SeriesRecording {
  const columns = header.columns!;
  const meta = { object: header.object, samplePeriodMs: header.samplePeriodMs, startedAt: header.startedAt, end: header.end ?? undefined };
  const series = new SeriesRecording(meta, columns, Infinity, readWatches(header));
  Object.assign(series.dropped, header.dropped);
  records.forEach((r, i) => {
    if (r.type !== RecordType.Row || r.payload.length !== 8 * columns.length) {
      throw damaged(l10n.t('sample {0} (at byte {1}) is not a row of {2} numbers', i + 1, r.at, columns.length));
    }
    series.add(
      r.time,
      columns.map((_, c) => r.payload.readDoubleLE(c * 8)),
    );
  });
  // The hits are the file's, not found again while reading it.
  series.watches.hits.splice(0, series.watches.hits.length, ...readHits(header));
  return series;
}

function readWatches(header: Header): Watch[] {
  const exact = (v: unknown): bigint | number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^-?\d{1,40}$/.test(v)) return BigInt(v);
    throw damaged(l10n.t('a watch has a value that is not a number'));
  };
  return header.watches.map(({ id, condition }) => {
    switch (condition.kind) {
      case 'equals':
        return { id, condition: { kind: 'equals', field: String(condition.field), value: exact(condition.value) } };
      case 'changes':
        return { id, condition: { kind: 'changes', field: String(condition.field) } };
      case 'leaves-range':
        return { id, condition: { kind: 'leaves-range', field: String(condition.field), min: exact(condition.min), max: exact(condition.max) } };
      case 'bytes-change':
        return { id, condition: { kind: 'bytes-change', offset: Number(condition.offset), length: Number(condition.length) } };
      default:
        throw damaged(l10n.t('watch {0} has an unknown kind', id));
    }
  });
}

function readHits(header: Header): WatchHit[] {
  return header.hits.map((h) =>
    makeHit({ watchId: h.watchId, index: h.index, time: h.time, after: h.after, value: h.value, previous: h.previous, samplePeriodMs: header.samplePeriodMs }),
  );
}

// ---- the header, checked field by field: it is input like any other ----

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function need(ok: boolean, what: string): void {
  if (!ok) throw damaged(l10n.t('its header has no valid {0}', what));
}

function checkHeader(json: Buffer): Header {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    throw damaged(l10n.t('its header is not valid JSON'));
  }
  need(isObject(value), 'header');
  const h = value as Record<string, unknown>;
  if (h.format !== FORMAT_NAME) throw notRecording(l10n.t('its header names the format {0}', JSON.stringify(h.format)));
  need(h.content === 'bytes' || h.content === 'series', 'content');
  need(
    isObject(h.object) &&
      typeof h.object.kind === 'string' &&
      typeof h.object.id === 'string' &&
      typeof h.object.title === 'string' &&
      isCount(h.object.size) &&
      h.object.size <= MAX_OBJECT,
    'object',
  );
  need(typeof h.samplePeriodMs === 'number' && h.samplePeriodMs > 0 && Number.isFinite(h.samplePeriodMs), 'sample period');
  need(typeof h.startedAt === 'number' && Number.isFinite(h.startedAt), 'start time');
  need(isCount(h.samples), 'sample count');
  need(isObject(h.dropped) && isCount(h.dropped.samples) && isCount(h.dropped.bytes), 'dropped count');
  need(h.end === undefined || h.end === null || (isObject(h.end) && typeof h.end.reason === 'string' && typeof h.end.time === 'number'), 'end');
  need(Array.isArray(h.watches) && h.watches.every((w) => isObject(w) && typeof w.id === 'string' && isObject(w.condition)), 'watches');
  need(Array.isArray(h.hits) && h.hits.every(checkHit), 'watch hits');
  if (h.content === 'series') {
    need(Array.isArray(h.columns) && h.columns.length > 0 && h.columns.length < 100_000 && h.columns.every((c) => typeof c === 'string'), 'columns');
    return h as unknown as Header;
  }
  need(isCount(h.imageSize) && (h.imageSize as number) <= MAX_IMAGE, 'image size');
  const objectSize = (h.object as { size: number }).size;
  need(Array.isArray(h.regions) && h.regions.length > 0 && checkRegions(h.regions, objectSize, h.imageSize as number), 'regions');
  if (h.layout !== undefined && h.layout !== null) checkLayout(h.layout);
  need(
    h.placement === undefined ||
      h.placement === null ||
      (isObject(h.placement) && isCount(h.placement.offset) && isCount(h.placement.count) && h.placement.count <= MAX_LAYOUT_FIELDS),
    'placement',
  );
  return h as unknown as Header;
}

function checkHit(x: unknown): boolean {
  const optional = (v: unknown, type: string) => v === undefined || v === null || typeof v === type;
  return (
    isObject(x) &&
    typeof x.watchId === 'string' &&
    isCount(x.index) &&
    typeof x.time === 'number' &&
    optional(x.after, 'number') &&
    optional(x.value, 'string') &&
    optional(x.previous, 'string')
  );
}

function checkRegions(regions: unknown[], objectSize: number, imageSize: number): boolean {
  let at = 0;
  let end = 0;
  for (const r of regions) {
    if (!isObject(r) || !isCount(r.offset) || !isCount(r.length) || !isCount(r.at)) return false;
    if (r.offset < end || r.length === 0 || r.offset + r.length > objectSize || r.at !== at) return false;
    at += r.length;
    end = r.offset + r.length;
  }
  return at === imageSize;
}

const KINDS = new Set(['struct', 'union', 'array', 'int', 'float', 'bool', 'enum', 'pointer', 'other']);

/** A layout from a file is only read, never trusted: every field's shape and numbers are checked. */
function checkLayout(layout: unknown): void {
  need(isObject(layout) && typeof layout.name === 'string' && isCount(layout.size) && isObject(layout.root) && Array.isArray(layout.enums), 'C type');
  const l = layout as unknown as CLayout;
  need(
    l.enums.every(
      (e) =>
        isObject(e) &&
        Array.isArray(e.constants) &&
        e.constants.every((c) => isObject(c) && typeof c.name === 'string' && typeof c.value === 'string' && /^-?\d+$/.test(c.value)),
    ),
    'C type enums',
  );
  let fields = 0;
  const check = (f: unknown, depth: number): void => {
    need(depth <= MAX_LAYOUT_DEPTH && ++fields <= MAX_LAYOUT_FIELDS, 'C type (too deep or too large)');
    need(
      isObject(f) && typeof f.name === 'string' && typeof f.type === 'string' && KINDS.has(f.kind as string) && isCount(f.offset) && isCount(f.size),
      'C type field',
    );
    const field = f as unknown as CField;
    need(field.offset + field.size <= MAX_IMAGE * 2, 'C type field offset');
    if (field.bits !== undefined) {
      need(
        isObject(field.bits) && isCount(field.bits.first) && isCount(field.bits.width) && field.bits.width >= 1 && field.bits.width <= 128,
        'C type bit-field',
      );
    }
    if (field.enumIndex !== undefined) need(isCount(field.enumIndex) && field.enumIndex < l.enums.length, 'C type enum index');
    if (field.members !== undefined) {
      need(Array.isArray(field.members), 'C type members');
      field.members.forEach((m) => check(m, depth + 1));
    }
    if (field.element !== undefined) {
      need(
        typeof field.count === 'number' && Number.isSafeInteger(field.count) && field.count >= -1 && (field.element as unknown as { size: number }).size > 0,
        'C type array',
      );
      check(field.element, depth + 1);
    }
  };
  check(l.root, 0);
}
