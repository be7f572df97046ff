// Messages from the extension, checked before use. The extension is trusted, but a shape mismatch
// (an older extension, a serialisation quirk) must degrade to "ignored", never to an exception in
// the middle of a render. Byte arrays may arrive as Uint8Array or ArrayBuffer (VS Code transfers
// typed arrays), as {type: "Buffer", data: [...]} (a Node Buffer: VS Code serialises messages with
// JSON.stringify, and Buffer's toJSON runs first), a plain array, or an object with numeric keys:
// all become a Uint8Array here.
import {
  parsePaneSizes,
  type ContentsHeader,
  type ContentsPhase,
  type CTypeView,
  type RecordingStatus,
  type ToWebview,
  type ViewSettings,
} from '../shared/contentsProtocol';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);

export function toBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (Array.isArray(v)) return Uint8Array.from(v, (b) => Number(b) & 0xff);
  if (isObj(v) && v.type === 'Buffer' && Array.isArray(v.data)) return Uint8Array.from(v.data as unknown[], (b) => Number(b) & 0xff);
  if (isObj(v)) {
    // {"0": 12, "1": 34, ...} as produced by JSON round trips of typed arrays.
    const keys = Object.keys(v);
    const out = new Uint8Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const b = v[String(i)];
      if (typeof b !== 'number') return undefined;
      out[i] = b & 0xff;
    }
    return out;
  }
  return undefined;
}

const PHASES: readonly ContentsPhase[] = ['live', 'removed-held', 'gone'];

function parseFacts(v: unknown): Array<[string, string]> {
  if (!Array.isArray(v)) return [];
  return v.filter((f): f is [string, string] => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string').slice(0, 12);
}

function parseHeader(v: unknown): ContentsHeader | undefined {
  if (!isObj(v) || !isCount(v.size)) return undefined;
  const phase = PHASES.includes(v.phase as ContentsPhase) ? (v.phase as ContentsPhase) : 'live';
  return {
    id: str(v.id, '?'),
    title: str(v.title, '?'),
    subtitle: str(v.subtitle),
    noun: str(v.noun, 'object'),
    size: v.size,
    facts: parseFacts(v.facts),
    phase,
    removedNotice: str(v.removedNotice),
    gaps: v.gaps === 'hole' ? 'hole' : 'not-resident',
  };
}

function parseSettings(v: unknown): ViewSettings {
  const s = isObj(v) ? v : {};
  const bpr = Number.isSafeInteger(s.bytesPerRow) && (s.bytesPerRow as number) >= 1 && (s.bytesPerRow as number) <= 256 ? (s.bytesPerRow as number) : 16;
  const grouping = s.grouping === 1 || s.grouping === 2 || s.grouping === 4 || s.grouping === 8 ? s.grouping : 1;
  const refreshMs = isCount(s.refreshMs) ? s.refreshMs : 0;
  return { bytesPerRow: bpr, grouping, refreshMs };
}

/** The message as a typed value, or undefined when it is not one this view understands. */
export function parseHostMessage(raw: unknown): ToWebview | undefined {
  if (!isObj(raw)) return undefined;
  switch (raw.type) {
    case 'init': {
      const header = parseHeader(raw.header);
      if (!header) return undefined;
      const pageSize = isCount(raw.pageSize) && raw.pageSize > 0 ? raw.pageSize : 4096;
      const paneSizes = raw.paneSizes === undefined ? undefined : parsePaneSizes(raw.paneSizes);
      return { type: 'init', header, settings: parseSettings(raw.settings), pageSize, paneSizes: typeof paneSizes === 'object' ? paneSizes : undefined };
    }
    case 'header': {
      const header = parseHeader(raw.header);
      return header ? { type: 'header', header } : undefined;
    }
    case 'data': {
      const bytes = toBytes(raw.bytes);
      const resident = toBytes(raw.resident);
      if (!bytes || !resident || !isCount(raw.requestId) || !isCount(raw.offset) || !isCount(raw.firstPage)) return undefined;
      return { type: 'data', requestId: raw.requestId, offset: raw.offset, bytes, firstPage: raw.firstPage, resident };
    }
    case 'searchProgress':
      if (!isCount(raw.requestId) || !isCount(raw.searched) || !isCount(raw.total)) return undefined;
      return { type: 'searchProgress', requestId: raw.requestId, searched: raw.searched, total: raw.total };
    case 'searchResult':
      if (!isCount(raw.requestId) || typeof raw.offset !== 'number' || !Number.isSafeInteger(raw.offset)) return undefined;
      return {
        type: 'searchResult',
        requestId: raw.requestId,
        offset: raw.offset,
        skipped: isCount(raw.skipped) ? raw.skipped : 0,
        cancelled: raw.cancelled === true,
      };
    case 'error':
      return { type: 'error', requestId: isCount(raw.requestId) ? raw.requestId : 0, message: str(raw.message, 'Unknown error') };
    case 'goTo':
      return isCount(raw.offset) ? { type: 'goTo', offset: raw.offset } : undefined;
    case 'ctype': {
      // The extension made the layout; the shape is checked where it is cheap (the root and placement).
      const view = raw.view as { layout?: { root?: unknown; size?: unknown }; placement?: { offset?: unknown; count?: unknown } } | null;
      const problem = typeof raw.problem === 'string' ? raw.problem : undefined;
      if (view === null || view === undefined) return { type: 'ctype', view: null, problem };
      const ok =
        typeof view.layout?.root === 'object' && isCount(view.layout?.size) && isCount(view.placement?.offset) && typeof view.placement?.count === 'number';
      return ok ? { type: 'ctype', view: view as CTypeView, problem } : undefined;
    }
    case 'recording':
      if (raw.status === null) return { type: 'recording', status: null };
      return isRecordingStatus(raw.status) ? { type: 'recording', status: raw.status } : undefined;
    case 'moment': {
      if (raw.moment === null) return { type: 'moment', moment: null };
      const m = raw.moment;
      if (!isObj(m) || !isCount(m.index) || typeof m.time !== 'number' || !isRanges(m.changed)) return undefined;
      return { type: 'moment', moment: { index: m.index, time: m.time, changed: m.changed } };
    }
    case 'compared': {
      if (!isCount(raw.a) || !isCount(raw.b) || !isCount(raw.bytes) || !isRanges(raw.ranges) || !Array.isArray(raw.fields)) return undefined;
      const fields = raw.fields.filter(
        (f): f is { path: string; a: string; b: string } => isObj(f) && typeof f.path === 'string' && typeof f.a === 'string' && typeof f.b === 'string',
      );
      const labels =
        Array.isArray(raw.labels) && raw.labels.length === 2 && raw.labels.every((l) => typeof l === 'string') ? (raw.labels as [string, string]) : undefined;
      return { type: 'compared', a: raw.a, b: raw.b, labels, bytes: raw.bytes, ranges: raw.ranges, fields };
    }
    case 'plotData': {
      const times = toFloats(raw.times);
      const columns = Array.isArray(raw.columns) ? raw.columns.map(toFloats) : [];
      if (!times || !isCount(raw.first) || !Array.isArray(raw.paths) || !raw.paths.every((p) => typeof p === 'string')) return undefined;
      if (columns.length !== raw.paths.length || columns.some((c) => !c || c.length !== times.length)) return undefined;
      return { type: 'plotData', paths: raw.paths as string[], first: raw.first, times, columns: columns as Float64Array[] };
    }
    default:
      return undefined;
  }
}

/** [offset, length] pairs of whole numbers. */
function isRanges(v: unknown): v is Array<[number, number]> {
  return Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length === 2 && isCount(r[0]) && isCount(r[1]));
}

/** A Float64Array as VS Code transfers it (the array, its buffer, or a plain list of numbers). */
function toFloats(v: unknown): Float64Array | undefined {
  if (v instanceof Float64Array) return v;
  if (ArrayBuffer.isView(v) && v.byteLength % 8 === 0) return new Float64Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  if (v instanceof ArrayBuffer && v.byteLength % 8 === 0) return new Float64Array(v);
  if (Array.isArray(v) && v.every((n) => typeof n === 'number' || n === null)) return Float64Array.from(v, (n) => (n === null ? NaN : (n as number)));
  if (isObj(v)) {
    const keys = Object.keys(v);
    const out = new Float64Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const n = v[String(i)];
      if (n === null) out[i] = NaN;
      else if (typeof n === 'number') out[i] = n;
      else return undefined;
    }
    return out;
  }
  return undefined;
}

/** The status's shape where the timeline relies on it (numbers to draw, lists to walk). */
function isRecordingStatus(v: unknown): v is RecordingStatus {
  if (!isObj(v)) return false;
  const numbers = ['count', 'first', 'last', 'startedAt', 'firstTime', 'lastTime', 'samplePeriodMs', 'droppedSamples', 'memoryBytes', 'budgetBytes', 'late'];
  return (
    ['recording', 'paused', 'ended'].includes(v.state as string) &&
    typeof v.fromFile === 'boolean' &&
    numbers.every((k) => typeof v[k] === 'number' && Number.isFinite(v[k])) &&
    Array.isArray(v.strip) &&
    v.strip.every((n) => typeof n === 'number') &&
    Array.isArray(v.watches) &&
    v.watches.every((w) => isObj(w) && typeof w.text === 'string' && Array.isArray(w.hits) && w.hits.every(isCount)) &&
    Array.isArray(v.fields) &&
    v.fields.every((f) => isObj(f) && typeof f.path === 'string' && isCount(f.changes))
  );
}
