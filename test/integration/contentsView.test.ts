// The contents view of a segment, extension side, in the real extension host with real segments and the
// real helper. The tests act as the page (ContentsPanel.receive) and watch what the panel posts to it
// (onDidPost); the kernel is checked independently: /proc/sysvipc/shm (rss: pages allocated) and a
// separate process's dump of the segment. The real page runs in the panel as well and sends its own
// messages; see contentsPanelProbe.ts for how the tests stay independent of it.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { DataMessage, SearchProgressMessage, SearchResultMessage } from '../../src/shared/contentsProtocol';
import { MAX_VIEW_READ } from '../../src/shared/contentsProtocol';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { createSegment, dumpSegment, freshKey, holdSegment, ownSegment, writeSegment } from '../support/segments';
import { isRunning, waitFor, within } from '../support/waitFor';
import { getApi, hexKey, proc, procOrFail, refreshView, restoreSettings, setSetting, run } from './fixtures';
import {
  ask,
  byteAt,
  nextRequestId,
  openPanel,
  panelOf,
  quiesce,
  read,
  Recorder,
  residentBit,
  rss,
  search,
  settle,
  sleep,
  spyOnHelper,
  fact,
} from './contentsPanelProbe';
import { withPrompts } from './scriptedPrompts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** 'a'..'z' and a NUL, as a C program's strcpy would leave them. */
const ALPHABET = Buffer.concat([Buffer.from('abcdefghijklmnopqrstuvwxyz'), Buffer.from([0])]);

const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** The shmid a pick-list item names: "0x7e001234 (id 5)". */
function idIn(text: string): number | undefined {
  const match = /\(id (\d+)\)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Where two buffers first differ, for failure messages that do not print megabytes. */
function firstDifference(a: Buffer, b: Buffer): string {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `offset ${i}: ${a[i]} vs ${b[i]}`;
  return 'none';
}

function assertSameBytes(actual: Uint8Array, expected: Buffer, what: string): void {
  const got = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  assert.ok(got.equals(expected), `${what} differ: ${firstDifference(got, expected)}`);
}

/** Temporary directories of the tests, removed after each test. */
const tempDirs: string[] = [];

function tempFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-hex-'));
  tempDirs.push(dir);
  return path.join(dir, name);
}

describe('contents view', function () {
  let api: IpcInspectorApi;
  let pageSize: number;
  const recorders: Recorder[] = [];

  /** Opens the view from the segment's row and records what it posts from then on. */
  async function open(shmid: number): Promise<{ panel: ContentsPanel; rec: Recorder }> {
    const panel = await openPanel(api, shmid);
    const rec = new Recorder(panel);
    recorders.push(rec);
    return { panel, rec };
  }

  before(async function () {
    api = await getApi();
    pageSize = (await api.context.helper().hello()).pageSize;
  });

  /** Segments that had a panel: the helper may still have them attached for reading. */
  const viewed = new Set<number>();

  afterEach(async () => {
    for (const rec of recorders.splice(0)) rec.dispose();
    for (const panel of api.contentsPanels()) {
      viewed.add(Number(panel.source.id.replace('shm:', '')));
      panel.dispose();
    }
    await restoreSettings();
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  // The root hook removes each test's segments; one the helper still has attached for reading stays
  // in /proc (marked removed) for up to a quarter second. Later test files count what /proc lists:
  // wait until ours are really gone.
  after(async () => {
    await waitFor(
      () => [...viewed].every((id) => proc(id) === undefined),
      5000,
      `the viewed segments to leave /proc (there when the wait began: ${[...viewed].filter((id) => proc(id)).join(', ') || 'none'})`,
    );
  });

  describe('Open Segment Contents', () => {
    it('opens one panel per segment from its row; running it again reveals that panel instead of opening another', async () => {
      const key = freshKey();
      const id = createSegment(key, 4096);
      const other = createSegment(freshKey(), 4096);
      await refreshView();
      const node = api.views.sharedMemory.tree.segmentNode(id);
      assert.ok(node, `segment ${id} has no row`);

      const first = await run<ContentsPanel>('ipcInspector.openContents', node);
      assert.ok(first, 'the command returned the panel');
      assert.deepStrictEqual(
        api.contentsPanels().filter((p) => p.source.id === `shm:${id}`),
        [first],
      );
      assert.strictEqual(first.panel.title, `${hexKey(key)} · ${id}`);
      assert.strictEqual(first.panel.viewType, 'ipcInspector.contentsView');
      await waitFor(() => first.panel.active && first.panel.visible, 5000, 'the new panel to be active');

      // Another segment's panel comes to the front (same editor column) ...
      const second = await run<ContentsPanel>('ipcInspector.openContents', api.views.sharedMemory.tree.segmentNode(other));
      assert.notStrictEqual(second, first);
      await waitFor(() => second.panel.active && !first.panel.active, 5000, 'the other panel to be in front');

      // ... and opening the first again brings back the same panel, not a second one.
      const again = await run<ContentsPanel>('ipcInspector.openContents', api.views.sharedMemory.tree.segmentNode(id));
      assert.strictEqual(again, first, 'a second panel was made for the same segment');
      await waitFor(() => first.panel.active && first.panel.visible, 5000, 'the existing panel to be revealed');
      assert.strictEqual(api.contentsPanels().filter((p) => p.source.id === `shm:${id}`).length, 1);
      assert.strictEqual(api.contentsPanels().filter((p) => p.source.id === `shm:${other}`).length, 1);

      // Closing it forgets it.
      first.panel.dispose();
      assert.strictEqual(panelOf(api, id), undefined, 'a closed panel is still listed');
    });

    it('from the palette with nothing selected, asks for the segment with a pick list (Escape opens nothing)', async () => {
      const key = freshKey();
      const id = createSegment(key, 4096);
      await refreshView();
      const before = api.contentsPanels().length;
      await withPrompts(api, async (p) => {
        p.pick(undefined);
        assert.strictEqual(await run('ipcInspector.openContents'), undefined);
      });
      assert.strictEqual(api.contentsPanels().length, before, 'Escape opened a panel');

      const prompts = await withPrompts(api, async (p) => {
        p.pick((q) => {
          assert.strictEqual(q.options.placeHolder, 'Segment or object to open');
          assert.notStrictEqual(q.options.canPickMany, true, 'one segment is opened at a time');
          const item = q.items.find((i) => idIn(i.label) === id);
          assert.ok(item, `segment ${id} is not offered: ${q.items.map((i) => i.label).join(', ')}`);
          assert.strictEqual(item.label, `${hexKey(key)} (id ${id})`);
          return item;
        });
        await run('ipcInspector.openContents');
      });
      assert.strictEqual(prompts.ofKind('quickPick').length, 1);
      assert.deepStrictEqual(prompts.notifications, []);
      const panel = panelOf(api, id);
      assert.ok(panel, 'no panel for the picked segment');
      await waitFor(() => panel.panel.visible, 5000, "the picked segment's panel to be visible");
    });
  });

  describe('reading', () => {
    it('answers a read with the bytes a C program wrote, the page marked resident', async () => {
      const id = createSegment(freshKey(), 8192);
      writeSegment(id, 0, ALPHABET);
      const { panel } = await open(id);
      const data = await read(panel, 0, ALPHABET.length);
      assertSameBytes(data.bytes, ALPHABET, 'the bytes read');
      assert.strictEqual(data.firstPage, 0);
      assert.strictEqual(data.resident.length, 1);
      assert.ok(residentBit(data, 0), 'page 0 is not marked resident');
      assert.strictEqual(data.resident[0], 0b1, 'only the one page of the range has a bit');

      // An unaligned read across the page boundary: the written page's bytes, the other page zeros and not resident.
      const across = await read(panel, pageSize - 5, 10);
      assert.strictEqual(across.firstPage, 0);
      assert.deepStrictEqual([residentBit(across, 0), residentBit(across, 1)], [true, false]);
      assertSameBytes(across.bytes, Buffer.alloc(10), 'bytes around the page boundary');
    });

    it('reads only resident pages: the others come back as zeros with their bit clear, and nothing gets allocated by looking', async () => {
      const size = 4 * MiB;
      const id = createSegment(freshKey(), size);
      // Two pages written by another process, away from the rows the page itself shows (the top).
      const pageA = 512 * KiB;
      const pageB = 640 * KiB + pageSize;
      const textA = Buffer.from('resident page A');
      writeSegment(id, pageA + 100, textA);
      writeSegment(id, pageB, Buffer.alloc(pageSize, 0x5a));
      assert.strictEqual(rss(id), 2 * pageSize, 'the kernel counts the two written pages');
      const expected = Buffer.alloc(MiB);
      textA.copy(expected, pageA + 100);
      expected.fill(0x5a, pageB, pageB + pageSize);

      const { panel, rec } = await open(id);
      await settle(rec);
      await quiesce(panel);
      const before = panel.bytesRead;
      const data = await read(panel, 0, MiB);
      assert.strictEqual(data.firstPage, 0);
      assert.strictEqual(data.resident.length, MiB / pageSize / 8);
      const residentPages: number[] = [];
      for (let page = 0; page < MiB / pageSize; page++) if (residentBit(data, page)) residentPages.push(page);
      assert.deepStrictEqual(residentPages, [pageA / pageSize, pageB / pageSize]);
      assertSameBytes(data.bytes, expected, 'the resident bytes (others zero)');
      assert.strictEqual(panel.bytesRead - before, 2 * pageSize, 'only the resident pages are read');
      assert.strictEqual(rss(id), 2 * pageSize, 'reading allocated pages of the segment');

      // Asked to read everything: every page is read (and now allocated: the documented cost).
      const all = await read(panel, 0, MiB, true);
      assert.ok(
        all.resident.every((b) => b === 0xff),
        'every page is marked read',
      );
      assertSameBytes(all.bytes, expected, 'all the bytes');
      assert.ok(panel.bytesRead - before >= 2 * pageSize + MiB, `bytesRead grew by ${panel.bytesRead - before}`);
      assert.strictEqual(rss(id), MiB, 'the first MiB is allocated now, the rest still not');
    });
  });

  describe('refusing bad messages', () => {
    it('answers every malformed or out-of-range message with an error, asks the helper nothing, and keeps working', async () => {
      const size = 2 * MiB;
      const id = createSegment(freshKey(), size);
      const at = MiB + 100; // away from the rows the page shows: its own reads find nothing resident there
      writeSegment(id, at, ALPHABET);
      const { panel, rec } = await open(id);
      await settle(rec);
      await quiesce(panel);
      const rssBefore = rss(id);
      const bytesBefore = panel.bytesRead;
      const sentinel = `clipboard before the bad copies ${Math.random()}`;
      await vscode.env.clipboard.writeText(sentinel);

      const readOf = (fields: Record<string, unknown>) => ({
        type: 'read',
        requestId: nextRequestId(),
        offset: at,
        length: 27,
        includeNonResident: false,
        ...fields,
      });
      const bad: Array<[string, unknown]> = [
        ['offset at the end', readOf({ offset: size, length: 1 })],
        ['offset past the end', readOf({ offset: size + pageSize })],
        ['offset + length past the end', readOf({ offset: size - 10, length: 11 })],
        ['offset + length overflowing', readOf({ offset: 1, length: Number.MAX_SAFE_INTEGER })],
        ['length 0', readOf({ length: 0 })],
        ['length over MAX_VIEW_READ', readOf({ offset: 0, length: MAX_VIEW_READ + 1 })],
        ['negative offset', readOf({ offset: -1 })],
        ['negative length', readOf({ length: -27 })],
        ['fractional offset', readOf({ offset: at + 0.5 })],
        ['fractional length', readOf({ length: 26.5 })],
        ['string offset', readOf({ offset: String(at) })],
        ['string length', readOf({ length: '27' })],
        ['NaN offset', readOf({ offset: NaN })],
        ['infinite length', readOf({ length: Infinity })],
        ['unsafe integer offset', readOf({ offset: 2 ** 53 })],
        ['BigInt offset', readOf({ offset: BigInt(at) })],
        ['missing offset', readOf({ offset: undefined })],
        ['requestId 0', readOf({ requestId: 0 })],
        ['fractional requestId', readOf({ requestId: 900_000.5 })],
        ['missing includeNonResident', readOf({ includeNonResident: undefined })],
        ['string includeNonResident', readOf({ includeNonResident: 'true' })],
        ['unknown type', { type: 'write', requestId: nextRequestId(), offset: at, bytes: [1, 2, 3] }],
        ['no type', { requestId: nextRequestId(), offset: at, length: 27 }],
        ['type of another case', readOf({ type: 'READ' })],
        ['null', null],
        ['undefined', undefined],
        ['a number', 42],
        ['a string', 'read'],
        ['an array', [{ type: 'read' }]],
        ['viewport past the end', { type: 'viewport', offset: size - 1, length: 2 }],
        ['viewport over MAX_VIEW_READ', { type: 'viewport', offset: 0, length: MAX_VIEW_READ + 1 }],
        ['live not a boolean', { type: 'live', live: 'no' }],
        ['copy past the end', { type: 'copy', offset: size - 1, length: 2, format: 'hex' }],
        ['copy of 0 bytes', { type: 'copy', offset: at, length: 0, format: 'hex' }],
        ['copy in an unknown format', { type: 'copy', offset: at, length: 27, format: 'json' }],
        [
          'search from past the end',
          { type: 'search', requestId: nextRequestId(), pattern: { kind: 'hex', bytes: [0x61] }, from: size + 1, includeNonResident: false },
        ],
        [
          'search for a byte over 255',
          { type: 'search', requestId: nextRequestId(), pattern: { kind: 'hex', bytes: [0x61, 256] }, from: 0, includeNonResident: false },
        ],
        ['search for nothing', { type: 'search', requestId: nextRequestId(), pattern: { kind: 'hex', bytes: [] }, from: 0, includeNonResident: false }],
        [
          'search for a sparse array',
          { type: 'search', requestId: nextRequestId(), pattern: { kind: 'hex', bytes: [0x61, , 0x63] }, from: 0, includeNonResident: false },
        ],
        [
          'search for empty text',
          { type: 'search', requestId: nextRequestId(), pattern: { kind: 'text', text: '', caseSensitive: false }, from: 0, includeNonResident: false },
        ],
        [
          'search text without caseSensitive',
          { type: 'search', requestId: nextRequestId(), pattern: { kind: 'text', text: 'abc' }, from: 0, includeNonResident: false },
        ],
        [
          'search for a pattern of an unknown kind',
          { type: 'search', requestId: nextRequestId(), pattern: { kind: 'regex', text: 'a.c' }, from: 0, includeNonResident: false },
        ],
      ];

      const spy = spyOnHelper(api.context.helper());
      try {
        for (const [what, message] of bad) {
          const mark = rec.mark();
          await panel.receive(message);
          const refused = rec.errors(mark).filter((e) => e.message.startsWith('Refused: '));
          assert.strictEqual(refused.length, 1, `${what}: expected one "Refused" error, posted: ${rec.summary(mark)}`);
          const requestId = (message as { requestId?: unknown } | null)?.requestId;
          assert.strictEqual(refused[0].requestId, typeof requestId === 'number' ? requestId : 0, `${what}: the error names the request`);
          assert.deepStrictEqual(
            rec.since(mark).filter((m) => m.type === 'data' && m.requestId !== 0 && m.requestId === requestId),
            [],
            `${what}: data was sent`,
          );
          assert.deepStrictEqual(
            rec.since(mark).filter((m) => m.type === 'searchResult' || m.type === 'searchProgress'),
            [],
            `${what}: a search ran`,
          );
        }
        await sleep(300); // anything started by a bad message would have reached the helper by now
      } finally {
        spy.restore();
      }
      // The page may read its own rows meanwhile; nothing out of range (nor any copy) ever reached the helper.
      const outOfRange = spy.calls.filter(
        (c) =>
          c.shmid === id && !(Number.isSafeInteger(c.offset) && Number.isSafeInteger(c.length) && c.offset >= 0 && c.length > 0 && c.offset + c.length <= size),
      );
      assert.deepStrictEqual(outOfRange, [], 'a refused message reached the helper');
      assert.deepStrictEqual(
        spy.calls.filter((c) => c.op === 'shmReadRange'),
        [],
        'a refused copy read the segment',
      );
      assert.strictEqual(panel.bytesRead, bytesBefore, 'bytes were read for refused messages');
      assert.strictEqual(rss(id), rssBefore, 'pages were allocated for refused messages');
      assert.strictEqual(await vscode.env.clipboard.readText(), sentinel, 'a refused copy changed the clipboard');

      // Still working: a good read, and one with extra properties (stripped, not passed on: the
      // protocol's documented behaviour) reads this segment, not the one the extra field names.
      assertSameBytes((await read(panel, at, 27)).bytes, ALPHABET, 'a read after the refused messages');
      const other = createSegment(freshKey(), 4096);
      writeSegment(other, 0, Buffer.from('other segment'));
      const extra = await ask(panel, {
        type: 'read',
        requestId: nextRequestId(),
        offset: at,
        length: 27,
        includeNonResident: false,
        shmid: other,
        size: 4096,
        extra: { nested: true },
      });
      assert.strictEqual(extra.length, 1);
      assert.strictEqual(extra[0].type, 'data', JSON.stringify(extra[0]));
      assertSameBytes((extra[0] as DataMessage).bytes, ALPHABET, 'a read with extra properties');
      assert.strictEqual(panel.phase, 'live');
    });
  });

  describe('live refresh', () => {
    /** Live data (requestId 0) after `mark` whose bytes at `offset` are `bytes`. */
    function liveWith(rec: Recorder, offset: number, bytes: Buffer, timeoutMs: number, mark: number) {
      return rec.waitFor(
        (m): m is DataMessage => m.type === 'data' && m.requestId === 0 && [...bytes].every((b, i) => byteAt(m, offset + i) === b),
        `live data with ${bytes.toString('hex')} at ${offset}`,
        timeoutMs,
        mark,
      );
    }

    it('pushes changed bytes while live, nothing while paused or while nothing changes, and again after resuming', async function () {
      this.timeout(40_000);
      await setSetting('hexView.refreshRate', 10); // before opening: a settings change re-initialises the page
      const holder = await ownSegment(freshKey(), 4096);
      assert.strictEqual(await holder.command(`write 0 ${ALPHABET.toString('hex')}`), 'ok');
      const { panel, rec } = await open(holder.shmid);
      await settle(rec);
      await panel.receive({ type: 'viewport', offset: 0, length: 27 });
      await panel.receive({ type: 'live', live: true });
      await liveWith(rec, 0, ALPHABET, 3000, 0);

      // Bytes changed by the program that owns the segment are pushed by the live refresh alone, each
      // change in turn. (How fast is the benchmark's business: a timed assertion fails on a busy machine.)
      for (let i = 0; i < 5; i++) {
        const bytes = Buffer.from([0x41 + i, 0x42 + i, 0x43 + i]);
        const mark = rec.mark();
        assert.strictEqual(await holder.command(`write 3 ${bytes.toString('hex')}`), 'ok');
        await liveWith(rec, 3, bytes, 10_000, mark);
      }
      assert.deepStrictEqual(rec.errors(), []);

      // Nothing is posted while nothing changes.
      await sleep(250);
      let mark = rec.mark();
      await sleep(1200);
      assert.deepStrictEqual(
        rec.liveData(mark).map((m) => m.offset),
        [],
        'live data was posted although nothing changed',
      );

      // Paused: the bytes keep changing, nothing is pushed.
      await panel.receive({ type: 'live', live: false });
      await sleep(250); // a read already under way may still land
      mark = rec.mark();
      let last = Buffer.alloc(0);
      for (let i = 0; i < 12; i++) {
        last = Buffer.from([0x30 + i, 0x31 + i, 0x32 + i]);
        assert.strictEqual(await holder.command(`write 3 ${last.toString('hex')}`), 'ok');
        await sleep(100);
      }
      assert.deepStrictEqual(
        rec.liveData(mark).map((m) => m.offset),
        [],
        'live data while paused',
      );

      // Resumed: the current bytes come at once.
      mark = rec.mark();
      await panel.receive({ type: 'live', live: true });
      await liveWith(rec, 3, last, 10_000, mark);
      assert.deepStrictEqual(rec.errors(), []);
    });

    it("with the refresh rate set to 0, pushes nothing (only the segment's state is followed)", async () => {
      await setSetting('hexView.refreshRate', 0);
      const holder = await ownSegment(freshKey(), 4096);
      const { panel, rec } = await open(holder.shmid);
      await settle(rec);
      await panel.receive({ type: 'viewport', offset: 0, length: 27 });
      await panel.receive({ type: 'live', live: true });
      const mark = rec.mark();
      for (let i = 0; i < 14; i++) {
        // two state checks (1 s apart) at least
        assert.strictEqual(await holder.command(`write 3 ${Buffer.from([0x41 + i]).toString('hex')}`), 'ok');
        await sleep(150);
      }
      assert.deepStrictEqual(
        rec.liveData(mark).map((m) => m.offset),
        [],
        'live data with refreshRate 0',
      );
      // Explicit reads still answer.
      assert.strictEqual((await read(panel, 3, 1)).bytes[0], 0x41 + 13);
    });
  });

  describe('following the segment', () => {
    it('removed while a program keeps it attached: "removed-held" and no more live reads; gone when the program exits; no errors', async function () {
      this.timeout(30_000);
      await setSetting('hexView.refreshRate', 10);
      const holder = await ownSegment(freshKey(), 4096);
      const id = holder.shmid;
      assert.strictEqual(await holder.command(`write 0 ${ALPHABET.toString('hex')}`), 'ok');
      const { panel, rec } = await open(id);
      await settle(rec);
      await panel.receive({ type: 'viewport', offset: 0, length: 27 });
      await panel.receive({ type: 'live', live: true });
      await rec.waitFor((m): m is DataMessage => m.type === 'data' && m.requestId === 0, 'live data', 3000);

      execFileSync('ipcrm', ['-m', String(id)]);
      assert.ok(procOrFail(id).perms & 0o1000, 'marked for removal, still there');
      const removed = await rec.waitFor(
        (m): m is Extract<typeof m, { type: 'header' }> => m.type === 'header' && m.header.phase === 'removed-held',
        'a header saying removed-held',
        4000,
      );
      assert.strictEqual(panel.phase, 'removed-held');
      assert.match(fact(removed.message.header, 'State') ?? '', /removed, still attached/);
      assert.ok(removed.message.header.title.endsWith('(removed)') || removed.message.header.title === 'Key private', removed.message.header.title);
      const afterRemoval = rec.posted.findIndex((p) => p.message === removed.message) + 1;

      // The program keeps writing; the panel no longer reads live.
      for (let i = 0; i < 10; i++) {
        assert.strictEqual(await holder.command(`write 3 ${Buffer.from([0x41 + i]).toString('hex')}`), 'ok');
        await sleep(120);
      }
      assert.deepStrictEqual(
        rec.liveData(afterRemoval).map((m) => m.offset),
        [],
        'live data after the segment was marked removed',
      );

      await holder.stop();
      assert.strictEqual(proc(id), undefined, 'the segment outlived its last process');
      await rec.waitFor(
        (m): m is Extract<typeof m, { type: 'header' }> => m.type === 'header' && m.header.phase === 'gone',
        'a header saying gone',
        4000,
        afterRemoval,
      );
      assert.strictEqual(panel.phase, 'gone');
      assert.deepStrictEqual(rec.errors(), [], 'errors were posted for a removed segment');
      // (Headers with phase 'live' may come before, when nattch changes.)
      const phases = rec.headers().map((h) => h.header.phase);
      assert.deepStrictEqual(
        [...new Set(phases.slice(phases.indexOf('removed-held')))],
        ['removed-held', 'gone'],
        `header phases in order: ${phases.join(', ')}`,
      );
      assert.deepStrictEqual(rec.liveData(afterRemoval), []);
      // Once gone the panel stops: nothing more is posted.
      const mark = rec.mark();
      await sleep(1500);
      assert.strictEqual(rec.summary(mark), 'nothing');
    });

    it('removed with nobody attached: "gone", and the panel does not keep it alive', async function () {
      this.timeout(30_000);
      await setSetting('hexView.refreshRate', 10);
      const id = createSegment(freshKey(), 4096);
      writeSegment(id, 0, ALPHABET);
      const { panel, rec } = await open(id);
      await settle(rec);
      await panel.receive({ type: 'viewport', offset: 0, length: 27 });
      await panel.receive({ type: 'live', live: true });
      assertSameBytes((await read(panel, 0, 27)).bytes, ALPHABET, 'the bytes before removal');

      execFileSync('ipcrm', ['-m', String(id)]);
      // The helper's cached read attachment must not keep it: gone from /proc within a moment.
      await waitFor(() => proc(id) === undefined, 3000, `segment ${id} to be destroyed`);
      await rec.waitFor((m): m is Extract<typeof m, { type: 'header' }> => m.type === 'header' && m.header.phase === 'gone', 'a header saying gone', 4000);
      assert.strictEqual(panel.phase, 'gone');
      assert.deepStrictEqual(rec.errors(), [], 'errors were posted for a removed segment');
      // (It may say 'removed-held' for a moment first: see the known bug below.)
      const gone = rec.posted.findIndex((p) => p.message.type === 'header' && p.message.header.phase === 'gone');
      assert.deepStrictEqual(rec.liveData(gone), [], 'live data after the segment was gone');
    });
  });

  describe('search', () => {
    it('finds hex and text patterns (also across a 1 MiB chunk boundary), reports progress, wraps around, says -1 when absent, allocates nothing', async function () {
      this.timeout(30_000);
      const size = 3 * MiB;
      const holder = await ownSegment(freshKey(), size);
      const id = holder.shmid;
      const needle = Buffer.from('cafebabe1337', 'hex');
      const straddle1 = Buffer.from('deadbeef01020304', 'hex');
      const straddle2 = Buffer.from('0badf00d', 'hex');
      const text = 'Hello, Shared Memory!';
      const writes: Array<[number, Buffer]> = [
        [200_000, needle],
        [MiB - 3, straddle1],
        [2 * MiB - 1, straddle2],
        [2 * MiB + MiB / 2, Buffer.from(text)],
      ];
      for (const [at, bytes] of writes) assert.strictEqual(await holder.command(`write ${at} ${bytes.toString('hex')}`), 'ok');
      const residentBefore = rss(id);
      const { panel } = await open(id);

      // Found in the first chunk: the result comes before any progress is due.
      const found = await search(panel, { pattern: { kind: 'hex', bytes: [...needle] }, from: 0, includeNonResident: false });
      assert.deepStrictEqual(found.result, { ...found.result, offset: 200_000, cancelled: false });

      // Across the 1 MiB and 2 MiB seams: progress for every chunk before the one with the match, then the result.
      for (const [chunks, [at, bytes]] of [
        [1, writes[1]],
        [2, writes[2]],
      ] as const) {
        const across = await search(panel, { pattern: { kind: 'hex', bytes: [...bytes] }, from: 0, includeNonResident: false });
        assert.strictEqual(across.result.offset, at, `${bytes.toString('hex')} across ${chunks} MiB`);
        assert.deepStrictEqual(
          across.progress.map((p) => [p.searched, p.total]),
          Array.from({ length: chunks }, (_, i) => [(i + 1) * MiB, size]),
        );
      }

      const insensitive = await search(panel, {
        pattern: { kind: 'text', text: 'hello, SHARED memory!', caseSensitive: false },
        from: 0,
        includeNonResident: false,
      });
      assert.strictEqual(insensitive.result.offset, 2 * MiB + MiB / 2);
      const sensitive = await search(panel, {
        pattern: { kind: 'text', text: 'hello, SHARED memory!', caseSensitive: true },
        from: 0,
        includeNonResident: false,
      });
      assert.strictEqual(sensitive.result.offset, -1, 'a case-sensitive search matched other cases');
      const exact = await search(panel, { pattern: { kind: 'text', text, caseSensitive: true }, from: 0, includeNonResident: false });
      assert.strictEqual(exact.result.offset, 2 * MiB + MiB / 2);

      // From just after the match: the search goes to the end, wraps, and finds it last.
      const wrapped = await search(panel, { pattern: { kind: 'hex', bytes: [...needle] }, from: 200_001, includeNonResident: false });
      assert.strictEqual(wrapped.result.offset, 200_000);

      // Absent: -1 after covering the whole segment, every non-resident byte counted as skipped.
      const absent = await search(panel, { pattern: { kind: 'hex', bytes: [0x99, 0x88, 0x77, 0x66] }, from: 0, includeNonResident: false });
      assert.deepStrictEqual(absent.result, { ...absent.result, offset: -1, cancelled: false, skipped: size - residentBefore });
      const searched = absent.progress.map((p) => p.searched);
      assert.deepStrictEqual(
        searched,
        [...searched].sort((a, b) => a - b),
        'progress goes backwards',
      );
      assert.strictEqual(searched[searched.length - 1], size);
      assert.strictEqual(absent.progress.length, size / MiB, 'one progress message per 1 MiB chunk');

      assert.strictEqual(rss(id), residentBefore, 'searching allocated pages');
    });

    it('does not search non-resident pages unless asked: zeros in never-written pages are skipped, not found', async () => {
      const size = 3 * MiB;
      const id = createSegment(freshKey(), size);
      writeSegment(id, MiB, Buffer.alloc(pageSize, 0xff)); // one resident page without a zero in it
      const { panel } = await open(id);
      const zeros = { kind: 'hex' as const, bytes: [0, 0, 0, 0] };

      const skipped = await search(panel, { pattern: zeros, from: 0, includeNonResident: false });
      assert.deepStrictEqual(skipped.result, {
        offset: -1,
        skipped: size - pageSize,
        cancelled: false,
        requestId: skipped.result.requestId,
        type: 'searchResult',
      });
      assert.strictEqual(rss(id), pageSize, 'the search allocated pages');

      // A second written page has zeros after its first bytes: found there, in a resident page.
      writeSegment(id, 2 * MiB, Buffer.from('xyz'));
      const inResident = await search(panel, { pattern: zeros, from: 0, includeNonResident: false });
      assert.strictEqual(inResident.result.offset, 2 * MiB + 3);
      assert.ok(inResident.result.skipped > 0, 'the non-resident pages before it were not counted as skipped');
      assert.strictEqual(rss(id), 2 * pageSize);

      // Asked to include them: found at 0 (and the pages read are allocated now: the documented cost).
      const everything = await search(panel, { pattern: zeros, from: 0, includeNonResident: true });
      assert.deepStrictEqual([everything.result.offset, everything.result.skipped], [0, 0]);
      assert.ok(rss(id) > 2 * pageSize, 'including non-resident pages did not read them');
    });

    it('stops a long search when the page cancels it', async function () {
      this.timeout(30_000);
      const size = 1024 * MiB; // sparse: nothing of it is allocated, and it stays so
      const id = createSegment(freshKey(), size);
      const { panel } = await open(id);
      const requestId = nextRequestId();
      const progress: SearchProgressMessage[] = [];
      let result: SearchResultMessage | undefined;
      const subscription = panel.onDidPost((m) => {
        if (m.type === 'searchProgress' && m.requestId === requestId) progress.push(m);
        if (m.type === 'searchResult' && m.requestId === requestId) result = m;
      });
      try {
        const searching = panel.receive({ type: 'search', requestId, pattern: { kind: 'hex', bytes: [1, 2, 3, 4] }, from: 0, includeNonResident: false });
        await waitFor(() => progress.length > 0 || result, 5000, 'the search to start');
        assert.strictEqual(result, undefined, `the search ended before it could be cancelled (${progress.length} chunks)`);
        await panel.receive({ type: 'cancelSearch' });
        await within(searching, 5000, 'the cancelled search');
        const ended = result as SearchResultMessage | undefined; // (set by the listener meanwhile)
        assert.ok(ended, 'no searchResult after cancelling');
        assert.deepStrictEqual([ended.offset, ended.cancelled], [-1, true]);
        assert.ok(progress[progress.length - 1].searched < size, 'the search ran to the end');
      } finally {
        subscription.dispose();
      }
      assert.strictEqual(rss(id), 0);
      // A new search after a cancelled one runs normally.
      const after = await search(panel, { pattern: { kind: 'hex', bytes: [1, 2, 3, 4] }, from: size - MiB, includeNonResident: false });
      assert.strictEqual(after.result.cancelled, false);
    });
  });

  describe('copy and save', () => {
    it('copies a range as hex, as a C array and as text', async () => {
      const id = createSegment(freshKey(), 4096);
      writeSegment(id, 0, ALPHABET);
      const { panel } = await open(id);
      const prompts = await withPrompts(api, async () => {
        await panel.receive({ type: 'copy', offset: 0, length: 27, format: 'hex' });
        assert.strictEqual(await vscode.env.clipboard.readText(), '61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78 79 7a 00');
        await panel.receive({ type: 'copy', offset: 0, length: 14, format: 'c' });
        assert.strictEqual(
          await vscode.env.clipboard.readText(),
          [
            `const unsigned char segment_${id}[14] = {`,
            '    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c,',
            '    0x6d, 0x6e',
            '};',
          ].join('\n'),
        );
        await panel.receive({ type: 'copy', offset: 20, length: 7, format: 'text' });
        assert.strictEqual(await vscode.env.clipboard.readText(), 'uvwxyz.');
      });
      assert.deepStrictEqual(prompts.notificationsOf('info'), [
        'Copied 27 B at offset 0x0 as hex.',
        'Copied 14 B at offset 0x0 as a C array.',
        'Copied 7 B at offset 0x14 as text.',
      ]);
    });

    it('saves a snapshot equal to what another process reads, without allocating never-written pages', async () => {
      const size = 2 * MiB;
      const key = freshKey();
      const id = createSegment(key, size);
      writeSegment(id, 64 * KiB, crypto.randomBytes(10 * KiB));
      writeSegment(id, size - ALPHABET.length, ALPHABET);
      const residentBefore = rss(id);
      const { panel } = await open(id);
      const file = tempFile('snapshot.bin');

      // Cancelled save dialog: nothing is written.
      await withPrompts(api, async (p) => {
        p.saveWith(undefined);
        await panel.receive({ type: 'saveSnapshot' });
      });
      assert.ok(!fs.existsSync(file));

      const prompts = await withPrompts(api, async (p) => {
        p.saveWith((q) => {
          assert.strictEqual(q.options.title, `Save a snapshot of segment ${hexKey(key)} (id ${id})`);
          assert.strictEqual(path.basename(q.options.defaultUri?.fsPath ?? ''), `segment-${id}.bin`);
          return vscode.Uri.file(file);
        });
        await panel.receive({ type: 'saveSnapshot' });
      });
      assert.deepStrictEqual(prompts.notificationsOf('info'), [`Saved 2 MiB of segment ${hexKey(key)} to ${file}.`]);
      assert.strictEqual(rss(id), residentBefore, 'saving allocated never-written pages');
      const saved = fs.readFileSync(file);
      const dumped = dumpSegment(id); // (a separate process: attaching and reading allocates every page)
      assert.strictEqual(saved.length, size);
      assert.ok(saved.equals(dumped), `the snapshot differs from the segment: ${firstDifference(saved, dumped)}`);
    });
  });

  describe('the segment is left as it was', () => {
    it('reads, live refresh, searches, copies and a snapshot change no byte; the helper maps it read-only', async function () {
      this.timeout(40_000);
      await setSetting('hexView.refreshRate', 10);
      const size = 256 * KiB;
      const key = freshKey();
      const id = createSegment(key, size);
      writeSegment(id, 0, crypto.randomBytes(128 * KiB));
      const reader = await holdSegment(id, 'ro'); // a program looking at it too
      const before = sha256(dumpSegment(id));

      const { panel, rec } = await open(id);
      await settle(rec);
      await panel.receive({ type: 'viewport', offset: 0, length: 4096 });
      await panel.receive({ type: 'live', live: true });
      await rec.waitFor((m): m is DataMessage => m.type === 'data' && m.requestId === 0, 'live data', 3000);

      // Every mapping of this segment in the helper is read-only (r--s), none writable.
      const helperPid = api.context.helper().pid!;
      await read(panel, 0, 4096);
      const maps = fs
        .readFileSync(`/proc/${helperPid}/maps`, 'utf8')
        .split('\n')
        .filter((l) => l.includes(`/SYSV${(key >>> 0).toString(16).padStart(8, '0')}`));
      assert.ok(maps.length > 0, `the helper has no mapping of segment ${id}`);
      for (const line of maps) assert.strictEqual(line.split(/\s+/)[1], 'r--s', line);

      await read(panel, 0, size);
      await read(panel, 1000, 5000, true);
      await read(panel, size - 10, 10, true);
      await search(panel, { pattern: { kind: 'hex', bytes: [1, 2, 3] }, from: 0, includeNonResident: true });
      await search(panel, { pattern: { kind: 'text', text: 'xyz', caseSensitive: false }, from: 100, includeNonResident: false });
      await withPrompts(api, async (p) => {
        for (const format of ['hex', 'c', 'text'] as const) await panel.receive({ type: 'copy', offset: 10, length: 1000, format });
        p.saveWith(vscode.Uri.file(tempFile('snapshot.bin')));
        await panel.receive({ type: 'saveSnapshot' });
      });
      await panel.receive({ type: 'viewport', offset: size - 4096, length: 4096 });
      await sleep(500);
      await panel.receive({ type: 'live', live: false });
      assert.deepStrictEqual(rec.errors(), []);

      assert.strictEqual(sha256(dumpSegment(id)), before, "the segment's bytes changed");
      await reader.stop();
    });
  });

  describe('regressions (bugs found by these tests)', () => {
    it('closing the panel while reads, a search and live refresh are under way rejects nothing', async function () {
      this.timeout(20_000);
      await setSetting('hexView.refreshRate', 30);
      const rejections: string[] = [];
      const onRejection = (reason: unknown) => rejections.push(`unhandled: ${reason instanceof Error ? reason.message : String(reason)}`);
      process.on('unhandledRejection', onRejection);
      try {
        const id = createSegment(freshKey(), 1024 * MiB); // sparse: the search takes a while, nothing is allocated
        writeSegment(id, 0, ALPHABET);
        const { panel, rec } = await open(id);
        await settle(rec, 200);
        await panel.receive({ type: 'viewport', offset: 0, length: 4096 });
        await panel.receive({ type: 'live', live: true });
        const underWay = [
          panel.receive({ type: 'search', requestId: nextRequestId(), pattern: { kind: 'hex', bytes: [9, 8, 7, 6] }, from: 0, includeNonResident: false }),
          ...Array.from({ length: 8 }, (_, i) =>
            panel.receive({ type: 'read', requestId: nextRequestId(), offset: i * MiB, length: MiB, includeNonResident: false }),
          ),
        ].map((p) =>
          p.then(
            () => undefined,
            (error: Error) => rejections.push(`receive: ${error.message}`),
          ),
        );
        await sleep(50);
        panel.panel.dispose(); // the user closes the tab
        await within(Promise.all(underWay), 10_000, 'the requests under way');
        await sleep(1500); // live refresh ticks that were under way
      } finally {
        process.off('unhandledRejection', onRejection);
      }
      assert.deepStrictEqual(rejections, []);
    });

    // The helper keeps a cached read attachment for ~2 s after reading, and the panel's state checks
    // count it: the header says "attached" (nattch 1) for a segment no process has attached, and a
    // segment removed while the helper still has it cached is shown as 'removed-held' for a
    // moment (seen in 6 of 40 removals at 10 Hz) instead of going straight to 'gone'.
    it('the header does not count the view\'s own read attachment: an unattached segment stays "not attached"', async function () {
      this.timeout(20_000);
      const id = createSegment(freshKey(), 4096);
      writeSegment(id, 0, ALPHABET);
      const { panel, rec } = await open(id);
      await settle(rec);
      await read(panel, 0, 27);
      assert.strictEqual(procOrFail(id).nattch, 1, "the helper's read attachment is not there (test premise)");
      await sleep(1500); // a state check or two while the helper still has it cached
      const headers = rec.since().flatMap((m) => (m.type === 'header' || m.type === 'init' ? [m.header] : []));
      assert.deepStrictEqual(
        headers
          .filter((h) => fact(h, 'Attached') !== '0 processes' || fact(h, 'State') !== 'not attached')
          .map((h) => `${fact(h, 'State')} (${fact(h, 'Attached')})`),
        [],
      );
    });

    it('copying bytes of never-written pages does not allocate them', async () => {
      const id = createSegment(freshKey(), MiB);
      writeSegment(id, 0, ALPHABET);
      const { panel } = await open(id);
      const before = rss(id);
      await withPrompts(api, async () => {
        await panel.receive({ type: 'copy', offset: 512 * KiB, length: 64 * KiB, format: 'hex' });
      });
      assert.strictEqual(
        await vscode.env.clipboard.readText(),
        Array(64 * KiB)
          .fill('00')
          .join(' '),
      );
      assert.strictEqual(rss(id), before, 'copying allocated the pages it copied');
    });
  });

  describe('a killed helper', () => {
    it('the next read after the helper is killed is answered by a new helper', async function () {
      this.timeout(30_000);
      const id = createSegment(freshKey(), 4096);
      writeSegment(id, 0, ALPHABET);
      const { panel } = await open(id);
      assertSameBytes((await read(panel, 0, 27)).bytes, ALPHABET, 'before');

      const pid = api.context.helper().pid!;
      assert.ok(pid && isRunning(pid));
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !isRunning(pid) && api.context.helper().pid !== pid, 5000, 'the client to notice the helper died');
      assertSameBytes((await within(read(panel, 0, 27), 5000, 'the read after the kill')).bytes, ALPHABET, 'after');
      const newPid = api.context.helper().pid;
      assert.ok(newPid && newPid !== pid && isRunning(newPid), `a new helper runs (was ${pid}, now ${newPid})`);

      // Killed with a read right behind it: that one is answered (data or an error, never silence) and the next one reads.
      process.kill(newPid, 'SIGKILL');
      const requestId = nextRequestId();
      const replies = await within(ask(panel, { type: 'read', requestId, offset: 0, length: 27, includeNonResident: false }), 5000, 'the read racing the kill');
      assert.strictEqual(replies.length, 1, JSON.stringify(replies));
      assert.ok(replies[0].type === 'data' || replies[0].type === 'error', replies[0].type);
      await waitFor(() => !isRunning(newPid), 5000, 'the helper to die');
      assertSameBytes((await within(read(panel, 0, 27), 5000, 'the read after that')).bytes, ALPHABET, 'after the second kill');
      assert.strictEqual(panel.phase, 'live');
    });
  });
});
