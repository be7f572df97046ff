// What the contents view tests share: a panel opened through the real command, a recording of every
// message the panel posts to its page, requests sent as if from the page (matched to their replies
// by requestIds of our own, far above the page's), and the kernel's resident-set size of a segment.
//
// The real page (dist/webview.js) runs in the panel too and sends its own ready/read/viewport
// messages: nothing here assumes the tests are the only sender. Replies are matched by requestId;
// live refresh (requestId 0) answers whatever viewport was sent last, so checks look at the bytes
// at an absolute offset rather than at the whole message.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { HelperClient } from '../../src/ipc/helperClient';
import type {
  ContentsHeader,
  DataMessage,
  ErrorMessage,
  FromWebview,
  SearchProgressMessage,
  SearchResultMessage,
  ToWebview,
} from '../../src/shared/contentsProtocol';
import type { ContentsPanel } from '../../src/views/contentsPanel';
import { procLine } from '../support/segments';
import { waitFor } from '../support/waitFor';
import { refreshView } from './fixtures';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Request ids of the tests: far above what the page uses (it counts up from 1). */
let lastRequestId = 900_000;
export function nextRequestId(): number {
  return ++lastRequestId;
}

export interface Posted {
  at: number;
  message: ToWebview;
}

/** Every message a panel posts to its page, from now on, with the time it was posted. */
export class Recorder implements vscode.Disposable {
  readonly posted: Posted[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(readonly panel: ContentsPanel) {
    this.subscription = panel.onDidPost((message) => this.posted.push({ at: Date.now(), message }));
  }

  /** A position in the recording: `since(mark)` is what was posted after it. */
  mark(): number {
    return this.posted.length;
  }

  since(mark = 0): ToWebview[] {
    return this.posted.slice(mark).map((p) => p.message);
  }

  /** Live refresh data (requestId 0) posted after `mark`. */
  liveData(mark = 0): DataMessage[] {
    return this.since(mark).filter((m): m is DataMessage => m.type === 'data' && m.requestId === 0);
  }

  errors(mark = 0): ErrorMessage[] {
    return this.since(mark).filter((m): m is ErrorMessage => m.type === 'error');
  }

  headers(mark = 0): Array<Extract<ToWebview, { type: 'header' }>> {
    return this.since(mark).filter((m): m is Extract<ToWebview, { type: 'header' }> => m.type === 'header');
  }

  /** Waits for a message posted after `mark` that satisfies `check`; returns it and when it came. */
  async waitFor<T extends ToWebview>(check: (m: ToWebview) => m is T, what: string, timeoutMs = 5000, mark = 0): Promise<{ message: T; at: number }> {
    try {
      return await waitFor(
        () => {
          for (let i = mark; i < this.posted.length; i++) {
            const p = this.posted[i];
            if (check(p.message)) return { message: p.message as T, at: p.at };
          }
          return undefined;
        },
        timeoutMs,
        what,
        10,
      );
    } catch (error) {
      (error as Error).message += `; posted since: ${this.summary(mark)}`;
      throw error;
    }
  }

  /** One short line per message, for failure messages. */
  summary(mark = 0): string {
    return (
      this.posted
        .slice(mark)
        .map(({ message: m }) => {
          switch (m.type) {
            case 'data':
              return `data#${m.requestId}@${m.offset}+${m.bytes.length}`;
            case 'header':
              return `header(${m.header.phase}, ${m.header.facts.map(([k, v]) => `${k} ${v}`).join(', ')})`;
            case 'error':
              return `error#${m.requestId}(${m.message})`;
            case 'searchProgress':
              return `progress#${m.requestId}`;
            case 'searchResult':
              return `result#${m.requestId}(${m.offset})`;
            default:
              return m.type;
          }
        })
        .join(', ') || 'nothing'
    );
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

/** A message whose reply carries this requestId. */
export type Request = Extract<FromWebview, { requestId: number }>;

/** Sends `message` as the page would and returns what the panel posted with its requestId. */
export async function ask(panel: ContentsPanel, message: Request | Record<string, unknown>): Promise<ToWebview[]> {
  const requestId = (message as { requestId?: unknown }).requestId;
  const replies: ToWebview[] = [];
  const subscription = panel.onDidPost((m) => {
    if ('requestId' in m && m.requestId === requestId) replies.push(m);
  });
  try {
    await panel.receive(message);
  } finally {
    subscription.dispose();
  }
  return replies;
}

/** Reads [offset, offset + length) as the page would; fails unless exactly one `data` answers. */
export async function read(panel: ContentsPanel, offset: number, length: number, includeNonResident = false): Promise<DataMessage> {
  const requestId = nextRequestId();
  const replies = await ask(panel, { type: 'read', requestId, offset, length, includeNonResident });
  assert.strictEqual(
    replies.length,
    1,
    `one reply to read #${requestId} ${offset}+${length}, got ${JSON.stringify(replies.map((r) => (r.type === 'error' ? r : r.type)))}`,
  );
  const [reply] = replies;
  assert.strictEqual(reply.type, 'data', `read ${offset}+${length}: ${JSON.stringify(reply)}`);
  assert.strictEqual(reply.offset, offset);
  assert.strictEqual(reply.bytes.length, length);
  return reply;
}

export interface SearchRun {
  progress: SearchProgressMessage[];
  result: SearchResultMessage;
}

/** Searches as the page would; resolves when the searchResult is posted. */
export async function search(panel: ContentsPanel, request: Omit<Extract<FromWebview, { type: 'search' }>, 'type' | 'requestId'>): Promise<SearchRun> {
  const replies = await ask(panel, { type: 'search', requestId: nextRequestId(), ...request });
  const progress = replies.filter((m): m is SearchProgressMessage => m.type === 'searchProgress');
  const results = replies.filter((m): m is SearchResultMessage => m.type === 'searchResult');
  assert.strictEqual(results.length, 1, `one searchResult, got ${JSON.stringify(replies)}`);
  assert.deepStrictEqual(
    replies.filter((m) => m.type !== 'searchProgress' && m.type !== 'searchResult'),
    [],
  );
  return { progress, result: results[0] };
}

/** Bit `page - firstPage` of a data message's residency map. */
export function residentBit(data: DataMessage, page: number): boolean {
  const i = page - data.firstPage;
  return (data.resident[i >> 3] & (1 << (i & 7))) !== 0;
}

/** The byte at absolute offset `at` in a data message, or undefined when it does not cover it. */
export function byteAt(data: DataMessage, at: number): number | undefined {
  return at >= data.offset && at < data.offset + data.bytes.length ? data.bytes[at - data.offset] : undefined;
}

/** The segment's resident bytes per the kernel (the rss column of /proc/sysvipc/shm). */
export function rss(shmid: number): number {
  const cols = procLine(shmid);
  assert.ok(cols, `segment ${shmid} is not in /proc/sysvipc/shm`);
  assert.ok(cols.length >= 16, `no rss column in /proc/sysvipc/shm: ${cols.join(' ')}`);
  return Number(cols[14]);
}

/** The panel of a segment, if one is open. */
export function panelOf(api: IpcInspectorApi, shmid: number): ContentsPanel | undefined {
  return api.contentsPanels().find((p) => p.source.id === `shm:${shmid}`);
}

/** One of the facts a header shows ("Attached", "State"...), or undefined. */
export function fact(header: ContentsHeader, name: string): string | undefined {
  return header.facts.find(([k]) => k === name)?.[1];
}

/** Opens the contents view from the segment's row, the way the row's inline button does. */
export async function openPanel(api: IpcInspectorApi, shmid: number): Promise<ContentsPanel> {
  await refreshView();
  const node = await waitFor(() => api.views.sharedMemory.tree.segmentNode(shmid), 5000, `segment ${shmid} to have a row`);
  const returned = await vscode.commands.executeCommand<unknown>('ipcInspector.openContents', node);
  const panel = panelOf(api, shmid);
  assert.ok(panel, `no contents view of segment ${shmid} is open (the command returned ${typeof returned})`);
  await waitFor(() => panel.panel.visible, 5000, `the contents view of segment ${shmid} to be visible`);
  return panel;
}

/**
 * Lets the page settle: waits for its `ready` (answered with `init`) when the page runs at all,
 * then for the viewport and block reads that follow it.
 */
export async function settle(recorder: Recorder, ms = 600): Promise<void> {
  await waitFor(() => recorder.since().some((m) => m.type === 'init'), 8000, 'the page to say ready').catch(() => undefined);
  await sleep(ms);
}

/** Stops live refresh and waits until the panel reads nothing for a while (nothing else is asked). */
export async function quiesce(panel: ContentsPanel, quietMs = 500): Promise<void> {
  await panel.receive({ type: 'live', live: false });
  let last = panel.bytesRead;
  let since = Date.now();
  await waitFor(
    () => {
      if (panel.bytesRead !== last) {
        last = panel.bytesRead;
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    5000,
    'the panel to stop reading',
  );
}

export type HelperCall = { op: 'shmRead' | 'shmResidency' | 'shmReadRange'; shmid: number; offset: number; length: number };

/**
 * Records every read-like request the helper client is asked for (the data path of the view),
 * passing it on unchanged. Returns the record and a function that removes the spy.
 */
export function spyOnHelper(client: HelperClient): { calls: HelperCall[]; restore(): void } {
  const calls: HelperCall[] = [];
  const target = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  const ops = ['shmRead', 'shmResidency', 'shmReadRange'] as const satisfies ReadonlyArray<keyof HelperClient>;
  for (const op of ops) {
    const original = target[op];
    target[op] = function (this: unknown, ...args: unknown[]) {
      calls.push({ op, shmid: args[0] as number, offset: args[1] as number, length: args[2] as number });
      return original.apply(client, args);
    };
  }
  return {
    calls,
    restore: () => {
      for (const op of ops) delete target[op]; // the prototype's method shows again
    },
  };
}
