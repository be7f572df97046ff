// The hex view of one segment: a webview panel (one per segment) whose page asks for the rows on
// screen. Every message from the page is checked (parseWebviewMessage) before anything reaches the
// helper. Only resident pages are read unless the user asks; the rows on screen are re-read while
// the panel is visible and live; the panel follows the segment's state and stops reading once it is
// marked for removal or gone.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { formatBytes, formatKey } from '../ipc/format';
import { HelperError } from '../ipc/helperClient';
import type { ShmStat } from '../ipc/helperProtocol';
import { userName } from '../ipc/processes';
import { readResident } from '../ipc/residentReader';
import { searchSegment } from '../ipc/segmentSearch';
import { SHM_DEST, SHM_LOCKED } from '../ipc/sysvipc';
import { toCArray, toHexString, toText } from '../shared/hexFormat';
import {
  CopyRequest,
  FromWebview,
  parseWebviewMessage,
  ReadRequest,
  SearchRequest,
  SegmentHeader,
  SegmentPhase,
  ToWebview,
  ViewSettings,
} from '../shared/hexProtocol';
import type { Inspector } from './inspector';

export const HEX_VIEW_TYPE = 'ipcInspector.hexView';
/** How often the header (nattch, removal) is checked while visible, when live refresh is slower. */
const STATE_CHECK_MS = 1000;
/** Snapshots are read in pieces of this size, so progress moves and memory stays flat. */
const SNAPSHOT_CHUNK = 16 * 1024 * 1024;

function viewSettings(): ViewSettings {
  const config = vscode.workspace.getConfiguration('ipcInspector.hexView');
  const rate = config.get<number>('refreshRate', 4);
  const grouping = config.get<number>('byteGrouping', 1);
  return {
    bytesPerRow: Math.min(64, Math.max(4, config.get<number>('bytesPerRow', 16))),
    grouping: ([1, 2, 4, 8].includes(grouping) ? grouping : 1) as ViewSettings['grouping'],
    refreshMs: rate > 0 ? Math.round(1000 / Math.min(30, rate)) : 0,
  };
}

export class HexPanel implements vscode.Disposable {
  private static readonly open = new Map<number, HexPanel>();

  /** Opens (or reveals) the panel of a segment. */
  static show(inspector: Inspector, extensionUri: vscode.Uri, stat: ShmStat, displayKey: string): HexPanel {
    const existing = HexPanel.open.get(stat.shmid);
    if (existing && existing.isSegment(stat)) {
      existing.panel.reveal();
      return existing;
    }
    existing?.panel.dispose();
    const panel = new HexPanel(inspector, extensionUri, stat, displayKey);
    HexPanel.open.set(stat.shmid, panel);
    return panel;
  }

  /** Open panels, for the tests and for disposing on deactivate. */
  static all(): HexPanel[] {
    return [...HexPanel.open.values()];
  }

  readonly panel: vscode.WebviewPanel;
  /** Bytes read from the helper for this panel (the benchmark's measure of what opening costs). */
  bytesRead = 0;
  phase: SegmentPhase = 'live';
  private readonly posted = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the page (the integration tests watch it). */
  readonly onDidPost = this.posted.event;
  private header: SegmentHeader;
  private viewport: { offset: number; length: number } | undefined;
  private live = true;
  private lastLive: Buffer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private lastStateCheck = 0;
  private searchCancelled = false;
  /** Set when the tab closed: work still in flight must not touch the disposed webview. */
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** What identifies the segment for its whole life: ids are reused, creator and size are not. */
  private readonly identity: { cpid: number; size: number; cuid: number };

  private constructor(private readonly inspector: Inspector, private readonly extensionUri: vscode.Uri, stat: ShmStat, displayKey: string) {
    this.identity = { cpid: stat.cpid, size: stat.size, cuid: stat.cuid };
    this.header = this.headerFrom(stat, displayKey);
    this.panel = vscode.window.createWebviewPanel(HEX_VIEW_TYPE, `${displayKey} · ${stat.shmid}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'ipc.svg');
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.posted,
      this.panel.webview.onDidReceiveMessage((raw) => this.receive(raw).catch((error) => this.inspector.log.error(`hex view: ${String(error)}`))),
      this.panel.onDidChangeViewState(() => this.schedule()),
      this.panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('ipcInspector.hexView')) {
          void this.post({ type: 'init', header: this.header, settings: viewSettings(), pageSize: this.pageSize });
          this.schedule();
        }
      }),
    );
  }

  /** True when stat describes this panel's segment (not another one that got its id since). */
  isSegment(stat: ShmStat): boolean {
    return stat.shmid === this.shmid && stat.cpid === this.identity.cpid && stat.size === this.identity.size && stat.cuid === this.identity.cuid;
  }

  get shmid(): number {
    return this.header.shmid;
  }

  private pageSize = 4096;

  /** Handles one message from the page (public so the tests can act as the page). */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw, this.header.size);
    if (!parsed.ok) {
      this.inspector.log.warn(`hex view ${this.shmid}: refused a message from the page: ${parsed.error}`);
      const requestId = typeof (raw as { requestId?: unknown })?.requestId === 'number' ? (raw as { requestId: number }).requestId : 0;
      await this.post({ type: 'error', requestId, message: `Refused: ${parsed.error}` });
      return;
    }
    try {
      await this.handle(parsed.message);
    } catch (error) {
      await this.onFailure(error, (parsed.message as { requestId?: number }).requestId ?? 0);
    }
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.pageSize = (await this.inspector.helper().hello()).pageSize;
        await this.post({ type: 'init', header: this.header, settings: viewSettings(), pageSize: this.pageSize });
        this.schedule();
        return;
      case 'read':
        return this.read(message);
      case 'viewport':
        this.viewport = message.length > 0 ? { offset: message.offset, length: message.length } : undefined;
        this.lastLive = undefined;
        return;
      case 'live':
        this.live = message.live;
        this.schedule();
        return;
      case 'search':
        return this.search(message);
      case 'cancelSearch':
        this.searchCancelled = true;
        return;
      case 'copy':
        return this.copy(message);
      case 'saveSnapshot':
        return this.saveSnapshot();
    }
  }

  private async read(request: ReadRequest): Promise<void> {
    if (this.phase === 'gone') {
      await this.post({ type: 'error', requestId: request.requestId, message: 'The segment was removed.' });
      return;
    }
    const result = await readResident(this.inspector.helper(), this.shmid, request.offset, request.length, request.includeNonResident);
    this.bytesRead += result.bytesRead;
    await this.post({ type: 'data', requestId: request.requestId, offset: request.offset, bytes: binary(result.bytes), firstPage: result.firstPage, resident: binary(result.resident) });
  }

  /** Live refresh: the window on screen again, posted only when it changed. */
  private async tick(): Promise<void> {
    if (this.ticking) return; // a slow read must not pile up behind itself
    this.ticking = true;
    try {
      const now = Date.now();
      if (now - this.lastStateCheck >= STATE_CHECK_MS) {
        this.lastStateCheck = now;
        await this.checkState();
      }
      if (!this.viewport || !this.live || this.phase !== 'live' || viewSettings().refreshMs === 0) return;
      const { offset, length } = this.viewport;
      const result = await readResident(this.inspector.helper(), this.shmid, offset, length, false);
      this.bytesRead += result.bytesRead;
      const signature = Buffer.concat([result.bytes, result.resident]);
      if (this.lastLive && this.lastLive.equals(signature)) return;
      this.lastLive = signature;
      await this.post({ type: 'data', requestId: 0, offset, bytes: binary(result.bytes), firstPage: result.firstPage, resident: binary(result.resident) });
    } catch (error) {
      await this.onFailure(error, 0);
    } finally {
      this.ticking = false;
    }
  }

  /** Follows the segment: nattch, marked for removal, gone (or its id now another segment's). */
  private async checkState(): Promise<void> {
    let stat: ShmStat;
    try {
      stat = await this.inspector.helper().stat(this.shmid);
    } catch (error) {
      if (error instanceof HelperError && (error.code === 'EINVAL' || error.code === 'EIDRM')) return this.setPhase('gone');
      throw error;
    }
    if (!this.isSegment(stat)) return this.setPhase('gone');
    const header = this.headerFrom(stat, this.header.key.replace(/ \(removed\)$/, ''));
    const changed = JSON.stringify(header) !== JSON.stringify(this.header);
    this.header = header;
    if (header.phase !== 'live') return header.phase === this.phase ? undefined : this.setPhase(header.phase);
    if (changed) await this.post({ type: 'header', header });
  }

  private async setPhase(phase: SegmentPhase): Promise<void> {
    this.phase = phase;
    this.header = { ...this.header, phase, state: phase === 'gone' ? 'removed' : 'removed, still attached' };
    await this.post({ type: 'header', header: this.header });
    if (phase === 'gone') this.schedule();
  }

  private headerFrom(stat: ShmStat, key: string): SegmentHeader {
    const dest = (stat.mode & SHM_DEST) !== 0;
    // The helper's own cached read attachment is this view looking, not a process of the user's.
    const nattch = stat.nattch - stat.cachedByHelper;
    const words = dest ? 'removed, still attached' : nattch > 0 ? 'attached' : 'not attached';
    return {
      shmid: stat.shmid,
      key: dest && !key.endsWith('(removed)') && key !== 'private' ? `${key} (removed)` : key,
      size: stat.size,
      nattch,
      owner: userName(stat.uid) ?? String(stat.uid),
      state: (stat.mode & SHM_LOCKED) !== 0 ? `${words}, locked` : words,
      phase: dest ? 'removed-attached' : 'live',
    };
  }

  private async search(request: SearchRequest): Promise<void> {
    this.searchCancelled = false;
    const client = this.inspector.helper();
    const pattern = request.pattern.kind === 'hex' ? Uint8Array.from(request.pattern.bytes) : new TextEncoder().encode(request.pattern.text);
    const result = await searchSegment({
      size: this.header.size,
      pattern,
      caseInsensitive: request.pattern.kind === 'text' && !request.pattern.caseSensitive,
      from: request.from,
      readChunk: async (offset, length) => {
        const read = await readResident(client, this.shmid, offset, length, request.includeNonResident);
        this.bytesRead += read.bytesRead;
        // A match never spans a page that was not read.
        return read.runs.map((run) => ({ offset: run.offset, bytes: read.bytes.subarray(run.offset - offset, run.offset - offset + run.length) }));
      },
      onProgress: (searched, total) => void this.post({ type: 'searchProgress', requestId: request.requestId, searched, total }),
      isCancelled: () => this.searchCancelled || this.phase === 'gone',
    });
    await this.post({ type: 'searchResult', requestId: request.requestId, offset: result.offset, skipped: result.skipped, cancelled: result.cancelled });
  }

  private async copy(request: CopyRequest): Promise<void> {
    const read = await readResident(this.inspector.helper(), this.shmid, request.offset, request.length, this.swapInUse());
    this.bytesRead += read.bytesRead;
    const bytes = read.bytes;
    const text = request.format === 'hex' ? toHexString(bytes) : request.format === 'c' ? toCArray(bytes, `segment_${this.shmid}`) : toText(bytes);
    await vscode.env.clipboard.writeText(text);
    void this.inspector.prompts.notify('info', `Copied ${formatBytes(request.length)} at offset 0x${request.offset.toString(16)} as ${request.format === 'c' ? 'a C array' : request.format}.`);
  }

  /**
   * Saves the whole segment. Non-resident pages of a segment with nothing in swap were never
   * written, so they are zeros: they are written as zeros without reading (which would allocate
   * them). With swap in use a non-resident page may hold data, so everything is read.
   */
  private async saveSnapshot(): Promise<void> {
    const target = await this.inspector.prompts.saveDialog({
      title: `Save a snapshot of segment ${this.header.key} (id ${this.shmid})`,
      defaultUri: vscode.Uri.file(`segment-${this.shmid}.bin`),
      saveLabel: 'Save Snapshot',
    });
    if (!target) return;
    const swapped = this.swapInUse();
    const client = this.inspector.helper();
    const size = this.header.size;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Saving segment ${this.header.key}`, cancellable: true },
      async (progress, token) => {
        const out = fs.createWriteStream(target.fsPath);
        const done = new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
        for (let at = 0; at < size && !token.isCancellationRequested; at += SNAPSHOT_CHUNK) {
          const length = Math.min(SNAPSHOT_CHUNK, size - at);
          const read = await readResident(client, this.shmid, at, length, swapped);
          this.bytesRead += read.bytesRead;
          if (!out.write(read.bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          progress.report({ increment: (length / size) * 100, message: `${formatBytes(at + length)} of ${formatBytes(size)}` });
        }
        out.end();
        await done;
        if (token.isCancellationRequested) {
          fs.rmSync(target.fsPath, { force: true });
          return;
        }
        void this.inspector.prompts.notify('info', `Saved ${formatBytes(size)} of segment ${this.header.key} to ${target.fsPath}.`);
      },
    );
  }

  /**
   * Whether non-resident pages may hold data (swapped out). When not, they were never written and
   * are zeros: copy and snapshot use zeros instead of reading, which would allocate them.
   */
  private swapInUse(): boolean {
    return (this.inspector.snapshots.current?.segments.find((s) => s.segment.shmid === this.shmid)?.segment.swap ?? 1) > 0;
  }

  private async onFailure(error: unknown, requestId: number): Promise<void> {
    if (error instanceof HelperError && (error.code === 'EINVAL' || error.code === 'EIDRM')) {
      if (this.phase !== 'gone') await this.setPhase('gone');
      if (requestId) await this.post({ type: 'error', requestId, message: 'The segment was removed.' });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.inspector.log.error(`hex view ${this.shmid}: ${message}`);
    await this.post({ type: 'error', requestId, message });
  }

  /** Reads only while someone can see the panel, the segment is live and the user wants it. */
  private schedule(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.disposed || !this.panel.visible || this.phase === 'gone') return;
    const { refreshMs } = viewSettings();
    const period = refreshMs > 0 && this.live ? Math.min(refreshMs, STATE_CHECK_MS) : STATE_CHECK_MS;
    this.timer = setInterval(() => void this.tick(), period);
  }

  private post(message: ToWebview): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    this.posted.fire(message);
    return this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'hexView.css'));
    const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Segment ${escapeHtml(this.header.key)}</title>
</head>
<body>
<div id="root" data-shmid="${this.shmid}"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.timer);
    this.searchCancelled = true;
    if (HexPanel.open.get(this.shmid) === this) HexPanel.open.delete(this.shmid);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/**
 * A plain Uint8Array view of a Buffer: VS Code sends typed arrays to a webview as binary, but
 * serialises a Buffer through its toJSON, as an array of numbers three to four times the size.
 */
function binary(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function keyText(stat: ShmStat): string {
  return stat.key === 0 ? ((stat.mode & SHM_DEST) !== 0 ? 'removed' : 'private') : formatKey(stat.key);
}
