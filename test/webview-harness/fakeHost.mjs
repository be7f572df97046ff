// Harness only: plays the extension for the contents view's page in a plain browser tab. It defines
// acquireVsCodeApi(), checks every message from the page with the real parseWebviewMessage, and
// answers from a segment generated on the fly (1 GiB costs no memory), with some pages not
// resident, live changes, search with progress, and switches to removed / gone on request.
// URL parameters: seg=1g|64k|27|0, theme=dark|light|hc, bpr, group, refresh (ms), latency (ms), page,
// kind=sysv|posix (a System V segment with non-resident pages, or a POSIX object with holes that
// can grow and shrink).
// Bundled by run.js with esbuild (it imports the protocol module from src/shared).
import { parseWebviewMessage } from '../../src/shared/contentsProtocol';

const params = new URLSearchParams(location.search);
// l10n=<JSON>: a translation bundle, put where the extension puts this window's (the root's data-l10n).
if (params.get('l10n')) document.getElementById('root').dataset.l10n = params.get('l10n');
const theme = params.get('theme') ?? 'dark';
const themeClass = theme === 'light' ? 'vscode-light' : theme === 'hc' ? 'vscode-high-contrast' : 'vscode-dark';
document.documentElement.className = themeClass;
const applyBodyClass = () => document.body.classList.add(themeClass);
if (document.body) applyBodyClass();
else document.addEventListener('DOMContentLoaded', applyBodyClass);

const SEGMENTS = {
  '1g': { size: 1024 * 1024 * 1024, key: '0x7e001234', shmid: 98311, owner: 'alice', nattch: 2 },
  '64k': { size: 64 * 1024, key: '0x0000abcd', shmid: 65540, owner: 'bob', nattch: 1 },
  27: { size: 27, key: '0x51a7e000', shmid: 7, owner: 'alice', nattch: 1 },
  0: { size: 0, key: 'private', shmid: 3, owner: 'root', nattch: 0 },
};
const segName = params.get('seg') ?? '1g';
const seg = SEGMENTS[segName] ?? SEGMENTS['1g'];
const kind = params.get('kind') === 'posix' ? 'posix' : 'sysv';
/** The object's size now: a POSIX object can grow or shrink (harness.resize). */
let size = seg.size;
const pageSize = Number(params.get('page') ?? 4096);
const latency = Number(params.get('latency') ?? 5);
const settings = {
  bytesPerRow: Number(params.get('bpr') ?? 16),
  grouping: Number(params.get('group') ?? 1),
  refreshMs: Number(params.get('refresh') ?? 500),
};

// ---- the segment's bytes --------------------------------------------------------------------------

const WORDS = ['hello shm world!', 'sensor: temp=21C', 'queue head/tail ', 'IPC Inspector <3'];
const SMALL = new TextEncoder().encode('Hello, shared memory!\0');
const small = Uint8Array.from([...SMALL, 0xde, 0xad, 0xbe, 0xef, 0x01]);
const overrides = new Map();
const NEEDLE_AT = 0x2345670;
if (size > NEEDLE_AT + 64) {
  const needle = new TextEncoder().encode('NEEDLE in the haystack');
  needle.forEach((b, i) => overrides.set(NEEDLE_AT + i, b));
}

function baseByte(o) {
  if (size <= 64) return small[o] ?? 0;
  const r = Math.floor(o / 64);
  const i = o % 64;
  if (i < 8) return i < 4 ? Math.floor(r / 2 ** (8 * i)) & 0xff : 0; // record number, u64 LE
  if (i < 16) return ('rec#' + (r & 0xffff).toString(16).padStart(4, '0')).charCodeAt(i - 8);
  if (i < 32) return WORDS[r % 4].charCodeAt(i - 16);
  if (i < 48) return 0;
  return (o * 31 + (o >>> 8)) & 0xff;
}
const byteAt = (o) => (overrides.has(o) ? overrides.get(o) : baseByte(o));

const madeResident = new Set();
function isResident(page) {
  if (madeResident.has(page)) return true;
  if (size < 1024 * 1024) return true;
  // Runs of 16 non-resident pages (64 KiB) every 320 KiB, and page 7 alone.
  return (page >> 4) % 5 !== 2 && page !== 7;
}

// ---- harness state the test driver reads ----------------------------------------------------------

const harness = {
  segment: segName,
  log: [],
  reads: [],
  invalid: [],
  csp: [],
  errors: [],
  bytesRead: 0,
  copies: [],
  snapshots: 0,
  viewport: undefined,
  /** The fields panel's window (View as C Type…), re-read live beside the grid's. */
  fieldsWindow: undefined,
  typeActions: [],
  recordActions: [],
  /** The made-up recording, once Record was pressed; the moment shown (undefined: live). */
  recording: undefined,
  moment: undefined,
  plotSentAt: 0,
  live: true,
  phase: 'live',
  failReads: false,
  state: undefined,
  setPhase(phase) {
    harness.phase = phase;
    if (phase === 'gone') seg.nattch = 0;
    send({ type: 'header', header: header() });
  },
  setNattch(n) {
    seg.nattch = n;
    send({ type: 'header', header: header() });
  },
  /** The owner truncated the object: a new size, announced like the extension does (a header). */
  resize(n) {
    size = n;
    send({ type: 'header', header: header() });
  },
  /** Changes bytes at offsets (absolute) to values. */
  poke(offset, values) {
    values.forEach((v, i) => overrides.set(offset + i, v & 0xff));
  },
  tick: () => liveTick(),
  postRaw: (message) => send(message),
};
window.__harness = harness;

// ---- quiet: nothing the page (or this host) has scheduled is still to run -------------------------
// The checks wait for this state, never for a fixed time: on a loaded machine the same work takes
// longer, and a fixed pause then checks too early. Counted until they run or are cleared: every
// timer of up to QUIET_HORIZON_MS (the page's debounces, this host's replies) and every animation
// frame asked for. Longer timers (the page's 3 s retry of a failed read) are states of their own
// that the checks wait for explicitly.
const QUIET_HORIZON_MS = 1000;
const pendingTimers = new Set();
const pendingFrames = new Set();
const rawSetTimeout = window.setTimeout.bind(window);
const rawClearTimeout = window.clearTimeout.bind(window);
const rawRequestFrame = window.requestAnimationFrame.bind(window);
const rawCancelFrame = window.cancelAnimationFrame.bind(window);
/** @type {any} */ (window).setTimeout = (callback, ms = 0, ...args) => {
  const id = rawSetTimeout(() => {
    pendingTimers.delete(id);
    if (typeof callback === 'function') callback(...args);
  }, ms);
  if (ms <= QUIET_HORIZON_MS) pendingTimers.add(id);
  return id;
};
window.clearTimeout = (id) => {
  pendingTimers.delete(id);
  rawClearTimeout(id);
};
window.requestAnimationFrame = (callback) => {
  const id = rawRequestFrame((t) => {
    pendingFrames.delete(id);
    callback(t);
  });
  pendingFrames.add(id);
  return id;
};
window.cancelAnimationFrame = (id) => {
  pendingFrames.delete(id);
  rawCancelFrame(id);
};
/** How much scheduled work is left: 0 when the page is quiet. */
harness.busy = () => pendingTimers.size + pendingFrames.size;

// ?timing=1: time every animation-frame callback of the page, including the style and layout it
// causes (forced at the end of the callback), to measure what a scroll frame costs.
harness.frameTimes = [];
harness.scriptTimes = [];
harness.rawRequestAnimationFrame = rawRequestFrame;
if (params.get('timing') === '1') {
  // Over the counting wrapper above, not the raw one: a timed frame is still work left, or a check
  // would take a page in the middle of an eased wheel step for a settled one.
  const raf = window.requestAnimationFrame;
  window.requestAnimationFrame = (callback) =>
    raf((t) => {
      const start = performance.now();
      callback(t);
      const script = performance.now();
      void document.body.offsetHeight;
      harness.scriptTimes.push(script - start);
      harness.frameTimes.push(performance.now() - start);
    });
}

document.addEventListener('securitypolicyviolation', (e) => harness.csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
window.addEventListener('error', (e) => harness.errors.push(String(e.message)));

function stateWords() {
  if (harness.phase === 'gone') return 'removed';
  if (harness.phase === 'removed-held') return kind === 'posix' ? 'removed, still open by 1' : 'removed, still attached';
  return seg.nattch > 0 ? (kind === 'posix' ? 'in use' : 'attached') : kind === 'posix' ? 'unused' : 'not attached';
}

/** The header the extension would send, as the SegmentSource or PosixObjectSource words it. */
function header() {
  const processes = seg.nattch === 1 ? '1 process' : `${seg.nattch} processes`;
  if (kind === 'posix') {
    return {
      id: 'posix:0:27:1041',
      title: '/psm_harness',
      subtitle: harness.phase === 'live' ? 'POSIX shared memory' : 'POSIX shared memory, removed',
      noun: 'object',
      size,
      facts: [
        ['Allocated', '4 KiB'],
        ['Held by', processes],
        ['Owner', seg.owner],
        ['State', stateWords()],
      ],
      phase: harness.phase,
      removedNotice: "Removed (shm_unlink): the name is gone; the memory stays while processes hold it. Read through a holder's descriptor.",
      gaps: 'hole',
    };
  }
  return {
    id: `shm:${seg.shmid}`,
    title: `Key ${harness.phase === 'live' ? seg.key : `${seg.key} (removed)`}`,
    subtitle: `id ${seg.shmid}`,
    noun: 'segment',
    size,
    facts: [
      ['Attached', processes],
      ['Owner', seg.owner],
      ['State', stateWords()],
    ],
    phase: harness.phase,
    removedNotice: 'Marked for removal: disappears when the last process detaches.',
    gaps: 'not-resident',
  };
}

// How messages reach the page. Default: typed arrays arrive as typed arrays (VS Code transfers
// them). ?buffers=json: as the extension's Node Buffers do, {type: "Buffer", data: [...]}.
const buffersAsJson = params.get('buffers') === 'json';
function send(message) {
  let data = message;
  if (buffersAsJson) data = JSON.parse(JSON.stringify(message, (_k, v) => (v instanceof Uint8Array ? { type: 'Buffer', data: [...v] } : v)));
  else data = structuredClone(message);
  setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data })), latency);
}

function read(offset, length, includeNonResident) {
  const bytes = new Uint8Array(length);
  const firstPage = Math.floor(offset / pageSize);
  const lastPage = Math.floor((offset + length - 1) / pageSize);
  const resident = new Uint8Array(Math.ceil((lastPage - firstPage + 1) / 8));
  for (let p = firstPage; p <= lastPage; p++) {
    let res = isResident(p);
    if (!res && includeNonResident) {
      madeResident.add(p);
      res = true;
    }
    if (!res) continue;
    resident[(p - firstPage) >> 3] |= 1 << ((p - firstPage) & 7);
    const a = Math.max(offset, p * pageSize);
    const b = Math.min(offset + length, (p + 1) * pageSize);
    for (let o = a; o < b; o++) bytes[o - offset] = byteAt(o);
    harness.bytesRead += b - a;
  }
  return { bytes, firstPage, resident };
}

// ---- live refresh ---------------------------------------------------------------------------------

let lastLive = '';
let lastFieldsLive = '';
let counter = 0;
function liveTick() {
  if (!harness.live || !harness.viewport || harness.phase !== 'live' || settings.refreshMs <= 0) return;
  counter++;
  if (size > 64) {
    // A u32 counter at 0x10 and a byte that wanders through the window.
    harness.poke(0x10, [counter, counter >> 8, counter >> 16, counter >> 24]);
    const { offset, length } = harness.viewport;
    harness.poke(offset + ((counter * 37) % Math.max(1, length)), [counter * 13]);
  }
  const sendWindow = ({ offset, length }, last) => {
    const data = read(offset, length, false);
    const signature = data.bytes.join(',') + '|' + data.resident.join(',');
    if (signature === last) return last;
    send({ type: 'data', requestId: 0, offset, ...data });
    return signature;
  };
  lastLive = sendWindow(harness.viewport, lastLive);
  if (harness.fieldsWindow) lastFieldsLive = sendWindow(harness.fieldsWindow, lastFieldsLive);
}
if (settings.refreshMs > 0) setInterval(liveTick, settings.refreshMs);

// ---- search ---------------------------------------------------------------------------------------

let searchToken = 0;
async function search(request) {
  const token = ++searchToken;
  const pattern = request.pattern.kind === 'hex' ? Uint8Array.from(request.pattern.bytes) : new TextEncoder().encode(request.pattern.text);
  const fold = request.pattern.kind === 'text' && !request.pattern.caseSensitive;
  const lower = (b) => (fold && b >= 0x41 && b <= 0x5a ? b + 32 : b);
  const pat = pattern.map(lower);
  const CHUNK = 1024 * 1024;
  let searched = 0;
  let skipped = 0;
  const ranges = [
    [request.from, size],
    [0, Math.min(size, request.from + pattern.length - 1)],
  ];
  for (const [start, end] of ranges) {
    for (let at = start; at < end; at += CHUNK) {
      if (token !== searchToken || harness.phase === 'gone') {
        send({ type: 'searchResult', requestId: request.requestId, offset: -1, skipped, cancelled: true });
        return;
      }
      const stop = Math.min(end, at + CHUNK);
      for (let p = Math.floor(at / pageSize); p * pageSize < stop; p++) {
        if (!isResident(p) && !request.includeNonResident) skipped += Math.min(stop, (p + 1) * pageSize) - Math.max(at, p * pageSize);
      }
      for (let o = at; o < stop; o++) {
        if (o + pat.length > size) break;
        let k = 0;
        while (k < pat.length && lower(byteAt(o + k)) === pat[k]) k++;
        if (k === pat.length) {
          const pages = [Math.floor(o / pageSize), Math.floor((o + pat.length - 1) / pageSize)];
          if (request.includeNonResident || (isResident(pages[0]) && isResident(pages[1]))) {
            send({ type: 'searchResult', requestId: request.requestId, offset: o, skipped, cancelled: false });
            return;
          }
        }
      }
      searched += stop - at;
      send({ type: 'searchProgress', requestId: request.requestId, searched, total: size });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  send({ type: 'searchResult', requestId: request.requestId, offset: -1, skipped, cancelled: false });
}

// ---- the protocol ---------------------------------------------------------------------------------

function receive(raw) {
  const parsed = parseWebviewMessage(raw, size);
  harness.log.push(raw);
  if (!parsed.ok) {
    const { error } = /** @type {{ ok: false, error: string }} */ (parsed);
    harness.invalid.push({ raw, error });
    send({ type: 'error', requestId: raw?.requestId ?? 0, message: `Refused: ${error}` });
    return;
  }
  const message = parsed.message;
  switch (message.type) {
    case 'ready':
      send({ type: 'init', header: header(), settings, pageSize });
      return;
    case 'read':
      harness.reads.push(message);
      if (harness.phase === 'gone') return;
      if (harness.failReads) {
        send({ type: 'error', requestId: message.requestId, message: 'EIO: simulated read failure' });
        return;
      }
      send({ type: 'data', requestId: message.requestId, offset: message.offset, ...read(message.offset, message.length, message.includeNonResident) });
      return;
    case 'viewport':
      if (message.window === 'fields') {
        harness.fieldsWindow = message.length > 0 ? message : undefined;
        lastFieldsLive = '';
        return;
      }
      harness.viewport = message.length > 0 ? message : undefined;
      lastLive = '';
      return;
    case 'live':
      harness.live = message.live;
      return;
    case 'search':
      void search(message);
      return;
    case 'cancelSearch':
      searchToken++;
      return;
    case 'copy':
      harness.copies.push(message);
      return;
    case 'saveSnapshot':
      harness.snapshots++;
      return;
    case 'copyText':
      harness.copies.push(message);
      return;
    case 'chooseType':
    case 'clearType':
      harness.typeActions.push(message.type);
      if (message.type === 'clearType') send({ type: 'ctype', view: null });
      return;
    case 'record':
      harness.recordActions.push(message.action);
      if (message.action === 'start') startRecording();
      if (message.action === 'stop' && harness.recording) {
        harness.recording.state = 'ended';
        sendRecording();
      }
      return;
    case 'seek':
      return seekRecording(message.index);
    case 'plot':
      return plotRecording(message.paths);
    case 'compare':
      send({ type: 'compared', a: message.a, b: message.b, bytes: 8, ranges: [[0, 8]], fields: [{ path: 'seq', a: String(message.a), b: String(message.b) }] });
      return;
  }
}

// ---- a recording (what the extension's PanelRecording sends, made up) -----------------------------
// 60,000 samples 10 ms apart (10 minutes at 100 Hz); at a moment the object's first 8 bytes hold the
// sample's index (u64 LE); four numeric fields to plot.

const RECORDED = 60_000;
const FIELDS = ['seq', 'head', 'tail', 'sensor.level'];

function startRecording() {
  harness.recording = { state: 'recording', count: RECORDED };
  sendRecording();
}

function sendRecording() {
  const r = harness.recording;
  send({
    type: 'recording',
    status: {
      state: r.state,
      fromFile: false,
      count: r.count,
      first: 0,
      last: r.count - 1,
      startedAt: 1_800_000_000_000,
      firstTime: 0,
      lastTime: (r.count - 1) * 10,
      samplePeriodMs: 10,
      droppedSamples: 0,
      memoryBytes: 8 * 1024 * 1024,
      budgetBytes: 64 * 1024 * 1024,
      late: 0,
      strip: Array.from({ length: 240 }, (_, i) => (i % 7) * 100),
      watches: [{ id: 'w1', text: 'seq == 30000', hits: [30_000] }],
      fields: FIELDS.map((path, i) => ({
        path,
        changes: RECORDED - 1 - i,
        min: '0',
        max: String(RECORDED),
        last: String(RECORDED - 1),
        lastChange: (RECORDED - 1) * 10,
      })),
    },
  });
}

function seekRecording(index) {
  const r = harness.recording;
  if (!r || (index !== null && index >= r.count)) {
    send({ type: 'error', requestId: 0, message: `sample ${index} is not kept` });
    return;
  }
  harness.moment = index ?? undefined;
  for (let i = 0; i < 8; i++) overrides.set(i, index === null ? baseByte(i) : Math.floor(index / 2 ** (8 * i)) & 0xff);
  send({ type: 'moment', moment: index === null ? null : { index, time: index * 10, changed: [[0, 8]] } });
}

function plotRecording(paths) {
  const times = new Float64Array(RECORDED);
  const columns = paths.map(() => new Float64Array(RECORDED));
  for (let i = 0; i < RECORDED; i++) {
    times[i] = i * 10;
    columns.forEach((column, c) => (column[i] = c === 0 ? i : c === 1 ? 2 * i : c === 2 ? 2 * i - (i % 7) : 100 * Math.sin(i / 500)));
  }
  harness.plotSentAt = performance.now();
  send({ type: 'plotData', paths, first: 0, times, columns });
}

let stateStore = JSON.parse(sessionStorage.getItem('contents-view-state') ?? 'null') ?? undefined;
let acquired = false;
window.acquireVsCodeApi = () => {
  if (acquired) throw new Error('acquireVsCodeApi called twice');
  acquired = true;
  return {
    postMessage: (message) => receive(structuredClone(message)),
    getState: () => stateStore,
    setState: (state) => {
      stateStore = state;
      harness.state = state;
      sessionStorage.setItem('contents-view-state', JSON.stringify(state));
    },
  };
};
