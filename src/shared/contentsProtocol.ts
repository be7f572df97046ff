// The messages between the contents view's webview and the extension: one typed module used by both
// sides, for every kind of object the view shows (System V segments, POSIX objects). Everything
// from the webview is untrusted input: `parseWebviewMessage` checks the shape and bounds every
// offset and length against the object's size before anything reaches the helper.
// No `vscode`, no Node, no DOM: it is bundled into the webview too.
import type { CLayout, CPlacement } from './cLayout';

/** Largest read the webview may ask for at once (the visible rows plus margin are far less). */
export const MAX_VIEW_READ = 1024 * 1024;
/** Largest selection that can be copied (as hex it becomes 3x as much text). */
export const MAX_COPY = 16 * 1024 * 1024;
export const MAX_SEARCH_PATTERN = 4096;
/** Largest text the page may put on the clipboard (a C initializer of a big array). */
export const MAX_COPY_TEXT = 4 * MAX_COPY;
/** Largest pane size the page may report (CSS pixels; far beyond any screen). */
export const MAX_PANE_PX = 16384;

/** live; removed but still held by processes (the view goes on reading); gone (nothing to read). */
export type ContentsPhase = 'live' | 'removed-held' | 'gone';

/** What the view's header shows about the object, and how it words what it shows. */
export interface ContentsHeader {
  /** The object's id (its tree row's): the page's saved state belongs to it. */
  id: string;
  /** e.g. "Key 0x7e001234", "/psm_1a2b". */
  title: string;
  /** e.g. "id 5", "POSIX shared memory". */
  subtitle: string;
  /** The word for it in sentences: "segment", "object". */
  noun: string;
  /** Bytes now. A POSIX object can grow or shrink (ftruncate by its owner): the view follows. */
  size: number;
  /** Shown after the size, in order, e.g. ["Attached", "2 processes"], ["Owner", "root"], ["State", "attached"]. */
  facts: Array<[string, string]>;
  phase: ContentsPhase;
  /** The notice shown while removed but still held. */
  removedNotice: string;
  /**
   * What a page without data is: 'not-resident' (a System V page not in memory: reading it
   * allocates it) or 'hole' (a POSIX page never written: it reads as zeros).
   */
  gaps: 'not-resident' | 'hole';
}

export interface ViewSettings {
  bytesPerRow: number;
  grouping: 1 | 2 | 4 | 8;
  /** Live refresh period in ms; 0 = no live refresh. */
  refreshMs: number;
}

/**
 * Sizes the user gave the page's panes with their sashes, in CSS pixels: the fields panel's width
 * beside the grid, its height under it (a narrow editor). Absent: the default.
 */
export interface PaneSizes {
  fieldsWidth?: number;
  fieldsHeight?: number;
}

// ---- extension -> webview -------------------------------------------------------------------

export interface InitMessage {
  type: 'init';
  header: ContentsHeader;
  settings: ViewSettings;
  pageSize: number;
  /** The pane sizes last chosen in a contents view of this window (a new view starts with them). */
  paneSizes?: PaneSizes;
}

export interface HeaderMessage {
  type: 'header';
  header: ContentsHeader;
}

/**
 * Bytes of [offset, offset + bytes.length). Pages not resident were NOT read (reading would
 * allocate them): their bytes are zero here and their bit in `resident` is clear.
 */
export interface DataMessage {
  type: 'data';
  /** The request answered, or 0 for a live refresh pushed by the extension. */
  requestId: number;
  offset: number;
  bytes: Uint8Array;
  firstPage: number;
  /** Bit i (LSB first) set: page firstPage + i was resident and read. */
  resident: Uint8Array;
}

export interface SearchProgressMessage {
  type: 'searchProgress';
  requestId: number;
  searched: number;
  total: number;
}

export interface SearchResultMessage {
  type: 'searchResult';
  requestId: number;
  /** Offset of the match, or -1 when there is none. */
  offset: number;
  /** Bytes of non-resident pages that were not searched (searching them would allocate them). */
  skipped: number;
  cancelled: boolean;
}

/** The C type shown over the bytes (View as C Type…), or none; `problem` says why a remembered one could not be shown. */
export interface CTypeView {
  layout: CLayout;
  placement: CPlacement;
}

export interface CTypeMessage {
  type: 'ctype';
  view: CTypeView | null;
  problem?: string;
}

export interface ErrorMessage {
  type: 'error';
  requestId: number;
  message: string;
}

/** Select the byte at `offset` and bring it to the middle (a lock's offset, from the wait-for graph or the Waits view). */
export interface GoToMessage {
  type: 'goTo';
  offset: number;
}

// ---- recording (record, scrub, compare, plot) ----------------------------------------------------

/** A watch as the timeline lists it, and where it fired. */
export interface WatchInfo {
  id: string;
  /** e.g. "sensor.alarm == 1". */
  text: string;
  /** Samples where it fired. */
  hits: number[];
}

/** A field's statistics as text (values may be 64-bit): since recording started (dropped samples too), or over a file's samples. */
export interface FieldStatsInfo {
  path: string;
  changes: number;
  min: string;
  max: string;
  last: string;
  /** ms since the recording started, or -1 when it never changed. */
  lastChange: number;
}

/** What the timeline shows about the view's recording; sent as it grows (a few times a second at most). */
export interface RecordingStatus {
  state: 'recording' | 'paused' | 'ended';
  /** Opened from a file: there is no live object behind it. */
  fromFile: boolean;
  /** Samples kept, the first and last index kept (indexes keep counting when the oldest go). */
  count: number;
  first: number;
  last: number;
  /** ms since the epoch of the recording's start, and of its first and last sample kept. */
  startedAt: number;
  firstTime: number;
  lastTime: number;
  samplePeriodMs: number;
  /** Samples and bytes dropped to stay in the memory budget. */
  droppedSamples: number;
  memoryBytes: number;
  budgetBytes: number;
  /** Ticks that came late because a read took longer than the period. */
  late: number;
  /** Why it ended, in words (stopped, the object vanished, grew...). */
  endMessage?: string;
  /** Bytes changed in equal runs of the samples kept (by count, not time), for the strip. */
  strip: number[];
  /** The index of the sample at each watch hit, and the watches. */
  watches: WatchInfo[];
  /** The numeric fields of the C type recorded with it (empty without one). */
  fields: FieldStatsInfo[];
}

export interface RecordingStatusMessage {
  type: 'recording';
  status: RecordingStatus | null;
}

/** The object as it was at sample `index` (the view reads it until Live), with that sample's changes. */
export interface MomentMessage {
  type: 'moment';
  /** null: back to live. */
  moment: { index: number; time: number; changed: Array<[number, number]> } | null;
}

/** Two moments compared: the bytes that differ, and every numeric field that differs with both values. */
export interface ComparedMessage {
  type: 'compared';
  a: number;
  b: number;
  /** What A and B are when they are not samples ("snapshot.bin", "now"). */
  labels?: [string, string];
  ranges: Array<[number, number]>;
  bytes: number;
  fields: Array<{ path: string; a: string; b: string }>;
}

/** Values of fields over the samples kept, for a plot; times in ms since the recording started. */
export interface PlotDataMessage {
  type: 'plotData';
  paths: string[];
  /** The index of the first sample (times[0]). */
  first: number;
  times: Float64Array;
  columns: Float64Array[];
}

export type ToWebview =
  | InitMessage
  | HeaderMessage
  | DataMessage
  | SearchProgressMessage
  | SearchResultMessage
  | CTypeMessage
  | ErrorMessage
  | GoToMessage
  | RecordingStatusMessage
  | MomentMessage
  | ComparedMessage
  | PlotDataMessage;

// ---- webview -> extension -------------------------------------------------------------------

export interface ReadRequest {
  type: 'read';
  requestId: number;
  offset: number;
  length: number;
  /** Read non-resident pages too (the user asked to; this allocates them). */
  includeNonResident: boolean;
}

/**
 * What is on screen: the extension re-reads these windows while the panel is visible and live.
 * `grid` is the rows of bytes, `fields` the bytes of the fields panel's rows (when a C type is shown).
 */
export interface ViewportMessage {
  type: 'viewport';
  window: 'grid' | 'fields';
  offset: number;
  length: number;
}

export interface LiveMessage {
  type: 'live';
  live: boolean;
}

export type SearchPattern = { kind: 'hex'; bytes: number[] } | { kind: 'text'; text: string; caseSensitive: boolean };

export interface SearchRequest {
  type: 'search';
  requestId: number;
  pattern: SearchPattern;
  /** Where to start; the search wraps around to the start once. */
  from: number;
  /** Search non-resident pages too (allocates them). */
  includeNonResident: boolean;
}

export interface CancelSearchMessage {
  type: 'cancelSearch';
}

export type CopyFormat = 'hex' | 'c' | 'text';

export interface CopyRequest {
  type: 'copy';
  offset: number;
  length: number;
  format: CopyFormat;
}

export interface SaveSnapshotRequest {
  type: 'saveSnapshot';
}

export interface ReadyMessage {
  type: 'ready';
}

/** The fields panel's buttons: choose a type (View as C Type…), or stop showing one. */
export interface TypeActionMessage {
  type: 'chooseType' | 'clearType';
}

/** Text the page made (a field's value, a C initializer) for the clipboard; `what` names it in the status message. */
export interface CopyTextMessage {
  type: 'copyText';
  text: string;
  what: string;
}

/** The user resized a pane: the extension remembers the sizes for the next view opened. */
export interface PaneSizesMessage {
  type: 'paneSizes';
  sizes: PaneSizes;
}

/** The timeline's buttons: each runs the command of the same name on this view. */
export type RecordAction = 'start' | 'stop' | 'pause' | 'resume' | 'save' | 'exportCsv' | 'addWatch' | 'compareFile';

export interface RecordMessage {
  type: 'record';
  action: RecordAction;
  /** With 'start': the bytes selected (the page sends two or more), what is recorded of an object over the size limit. */
  selection?: { offset: number; length: number };
}

/** Show the object as it was at sample `index`; null: live again. */
export interface SeekMessage {
  type: 'seek';
  index: number | null;
}

export interface CompareRequest {
  type: 'compare';
  a: number;
  b: number;
}

export interface PlotRequest {
  type: 'plot';
  paths: string[];
}

/** Fields a plot may ask for at once. */
export const MAX_PLOT_FIELDS = 8;
const RECORD_ACTIONS: readonly RecordAction[] = ['start', 'stop', 'pause', 'resume', 'save', 'exportCsv', 'addWatch', 'compareFile'];

export type FromWebview =
  | RecordMessage
  | SeekMessage
  | CompareRequest
  | PlotRequest
  | ReadyMessage
  | ReadRequest
  | ViewportMessage
  | LiveMessage
  | SearchRequest
  | CancelSearchMessage
  | CopyRequest
  | SaveSnapshotRequest
  | TypeActionMessage
  | CopyTextMessage
  | PaneSizesMessage;

// ---- validation -----------------------------------------------------------------------------

export type Parsed = { ok: true; message: FromWebview } | { ok: false; error: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isId = (value: unknown): value is number => isCount(value) && value > 0;

/** offset and length are whole numbers with offset + length within the segment, length in (0, max]. */
export function checkRange(offset: unknown, length: unknown, size: number, max: number): string | undefined {
  if (!isCount(offset)) return 'offset must be a whole number >= 0';
  if (!isCount(length) || length === 0) return 'length must be a whole number > 0';
  if (length > max) return `length ${length} is more than ${max}`;
  if (offset > size || length > size - offset) return `range ${offset}+${length} is outside the object (${size} bytes)`;
  return undefined;
}

function fail(error: string): Parsed {
  return { ok: false, error };
}

/** Pane sizes as whole numbers of pixels within MAX_PANE_PX; anything else is an error (a string). */
export function parsePaneSizes(value: unknown): PaneSizes | string {
  if (!isObject(value)) return 'sizes must be an object';
  const sizes: PaneSizes = {};
  for (const key of ['fieldsWidth', 'fieldsHeight'] as const) {
    const size = value[key];
    if (size === undefined) continue;
    if (!isCount(size) || size > MAX_PANE_PX) return `${key} must be a whole number of pixels up to ${MAX_PANE_PX}`;
    sizes[key] = size;
  }
  return sizes;
}

function parsePattern(value: unknown): SearchPattern | string {
  if (!isObject(value)) return 'pattern must be an object';
  if (value.kind === 'hex') {
    const bytes = value.bytes;
    if (!Array.isArray(bytes) || bytes.length === 0 || bytes.length > MAX_SEARCH_PATTERN) return `hex pattern must have 1 to ${MAX_SEARCH_PATTERN} bytes`;
    // An indexed loop, not every(): every() skips the holes of a sparse array. Copies as it goes.
    const copy: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const b: unknown = bytes[i];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return 'hex pattern bytes must be 0..255';
      copy.push(b);
    }
    return { kind: 'hex', bytes: copy };
  }
  if (value.kind === 'text') {
    const { text, caseSensitive } = value;
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_SEARCH_PATTERN) {
      return `text pattern must have 1 to ${MAX_SEARCH_PATTERN} characters`;
    }
    if (typeof caseSensitive !== 'boolean') return 'caseSensitive must be true or false';
    return { kind: 'text', text, caseSensitive };
  }
  return 'pattern kind must be "hex" or "text"';
}

/**
 * Checks a message from the webview against the object's size now. Returns a clean copy (no extra
 * properties) or an error saying what was wrong; nothing unchecked is ever passed on.
 */
export function parseWebviewMessage(raw: unknown, size: number): Parsed {
  if (!isObject(raw)) return fail('message must be an object');
  switch (raw.type) {
    case 'ready':
    case 'cancelSearch':
    case 'saveSnapshot':
    case 'chooseType':
    case 'clearType':
      return { ok: true, message: { type: raw.type } };
    case 'copyText': {
      if (typeof raw.text !== 'string' || raw.text.length === 0 || raw.text.length > MAX_COPY_TEXT) {
        return fail(`text must have 1 to ${MAX_COPY_TEXT} characters`);
      }
      if (typeof raw.what !== 'string' || raw.what.length > 200) return fail('what must be a short text');
      return { ok: true, message: { type: 'copyText', text: raw.text, what: raw.what } };
    }
    case 'paneSizes': {
      const sizes = parsePaneSizes(raw.sizes);
      return typeof sizes === 'string' ? fail(sizes) : { ok: true, message: { type: 'paneSizes', sizes } };
    }
    case 'read': {
      if (!isId(raw.requestId)) return fail('requestId must be a whole number > 0');
      const bad = checkRange(raw.offset, raw.length, size, MAX_VIEW_READ);
      if (bad) return fail(bad);
      if (typeof raw.includeNonResident !== 'boolean') return fail('includeNonResident must be true or false');
      return {
        ok: true,
        message: {
          type: 'read',
          requestId: raw.requestId,
          offset: raw.offset as number,
          length: raw.length as number,
          includeNonResident: raw.includeNonResident,
        },
      };
    }
    case 'viewport': {
      const window = raw.window ?? 'grid';
      if (window !== 'grid' && window !== 'fields') return fail('window must be "grid" or "fields"');
      // Length 0: nothing on screen (an empty segment, or the panel scrolled to nothing).
      if (raw.length === 0) {
        return isCount(raw.offset) && raw.offset <= size
          ? { ok: true, message: { type: 'viewport', window, offset: raw.offset, length: 0 } }
          : fail('offset must be within the object');
      }
      const bad = checkRange(raw.offset, raw.length, size, MAX_VIEW_READ);
      return bad ? fail(bad) : { ok: true, message: { type: 'viewport', window, offset: raw.offset as number, length: raw.length as number } };
    }
    case 'record': {
      if (!RECORD_ACTIONS.includes(raw.action as RecordAction)) return fail(`action must be one of ${RECORD_ACTIONS.join(', ')}`);
      if (raw.selection === undefined) return { ok: true, message: { type: 'record', action: raw.action as RecordAction } };
      if (raw.action !== 'start' || !isObject(raw.selection)) return fail('selection goes only with start, as { offset, length }');
      const bad = checkRange(raw.selection.offset, raw.selection.length, size, size);
      if (bad) return fail(`selection: ${bad}`);
      return {
        ok: true,
        message: { type: 'record', action: 'start', selection: { offset: raw.selection.offset as number, length: raw.selection.length as number } },
      };
    }
    case 'seek':
      // The sample's index is checked against the recording by the extension (it knows what is kept).
      if (raw.index === null) return { ok: true, message: { type: 'seek', index: null } };
      if (!isCount(raw.index)) return fail('index must be a whole number >= 0 or null');
      return { ok: true, message: { type: 'seek', index: raw.index } };
    case 'compare':
      if (!isCount(raw.a) || !isCount(raw.b)) return fail('a and b must be whole numbers >= 0');
      return { ok: true, message: { type: 'compare', a: raw.a, b: raw.b } };
    case 'plot': {
      const paths = raw.paths;
      if (!Array.isArray(paths) || paths.length > MAX_PLOT_FIELDS) return fail(`paths must be a list of at most ${MAX_PLOT_FIELDS} field names`);
      const copy: string[] = [];
      for (let i = 0; i < paths.length; i++) {
        const p: unknown = paths[i];
        if (typeof p !== 'string' || p.length === 0 || p.length > 1000) return fail('each path must be a field name');
        copy.push(p);
      }
      return { ok: true, message: { type: 'plot', paths: copy } };
    }
    case 'live':
      return typeof raw.live === 'boolean' ? { ok: true, message: { type: 'live', live: raw.live } } : fail('live must be true or false');
    case 'search': {
      if (!isId(raw.requestId)) return fail('requestId must be a whole number > 0');
      if (!isCount(raw.from) || raw.from > size) return fail('from must be an offset within the object');
      if (typeof raw.includeNonResident !== 'boolean') return fail('includeNonResident must be true or false');
      const pattern = parsePattern(raw.pattern);
      if (typeof pattern === 'string') return fail(pattern);
      return { ok: true, message: { type: 'search', requestId: raw.requestId, pattern, from: raw.from, includeNonResident: raw.includeNonResident } };
    }
    case 'copy': {
      const bad = checkRange(raw.offset, raw.length, size, MAX_COPY);
      if (bad) return fail(bad);
      if (raw.format !== 'hex' && raw.format !== 'c' && raw.format !== 'text') return fail('format must be hex, c or text');
      return { ok: true, message: { type: 'copy', offset: raw.offset as number, length: raw.length as number, format: raw.format } };
    }
    default:
      // Never JSON.stringify untrusted values: a BigInt or a cycle would throw here.
      return fail(`unknown message type ${typeof raw.type === 'string' ? JSON.stringify(raw.type.slice(0, 100)) : typeof raw.type}`);
  }
}
