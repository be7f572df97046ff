// Show Wait Graph: a webview drawing the wait-for graph (the page: src/webview/waitGraph, laid out
// by d3-hierarchy and d3-dag), with a text list beside it for the keyboard and screen readers. It follows the
// refresh, asking for waits while it is visible, and posts a graph only when its key changed
// (src/ipc/waits/graphModel.ts): a refresh with nothing changed posts nothing, and the page keeps
// its layout. A click on a node reveals its row in the Waits view; a lock's "open" opens its
// object's contents.
import * as path from 'path';
import * as vscode from 'vscode';
import type { IpcContext } from '../context';
import { webviewPage } from './webviewPage';
import { graphModel } from '../ipc/waits/graphModel';
import type { Snapshot } from '../ipc/snapshot';
import * as l10n from '../shared/l10n';
import { parseGraphPageMessage, type GraphModel, type ToGraphPage } from '../shared/waitGraphProtocol';
import type { WaitsView } from './waitsView';

export const WAIT_GRAPH_VIEW_TYPE = 'ipcInspector.waitGraph';

/** What the panel asks of the rest of the extension when the user opens a lock's contents. */
export type OpenLock = (lockNodeId: string) => Promise<void>;

export class WaitGraphPanel implements vscode.Disposable {
  static current: WaitGraphPanel | undefined;

  /** Opens (or reveals) the graph. */
  static show(ipc: IpcContext, waits: WaitsView, openLock: OpenLock): WaitGraphPanel {
    if (WaitGraphPanel.current) {
      WaitGraphPanel.current.panel.reveal();
      return WaitGraphPanel.current;
    }
    WaitGraphPanel.current = new WaitGraphPanel(ipc, waits, openLock);
    return WaitGraphPanel.current;
  }

  readonly panel: vscode.WebviewPanel;
  /** The key of the graph last posted ('' before the page is ready). */
  postedKey = '';
  /** How many graphs were posted (the tests check a refresh with nothing changed posts none). */
  posts = 0;
  private ready = false;
  private latest: GraphModel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(
    private readonly ipc: IpcContext,
    private readonly waits: WaitsView,
    private readonly openLock: OpenLock,
  ) {
    this.panel = vscode.window.createWebviewPanel(WAIT_GRAPH_VIEW_TYPE, l10n.t('Wait-for graph'), vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.file(ipc.assets.dist), vscode.Uri.file(ipc.assets.media)],
    });
    this.panel.iconPath = vscode.Uri.file(path.join(ipc.assets.media, 'ipc.svg'));
    this.panel.webview.html = this.html();
    const visibility = new vscode.EventEmitter<void>();
    const panel = this.panel;
    this.disposables.push(
      visibility,
      this.panel.onDidChangeViewState(() => {
        // A hidden page is torn down (retainContextWhenHidden is off): it asks again when shown.
        if (!this.panel.visible) {
          this.ready = false;
          this.postedKey = '';
        }
        visibility.fire();
      }),
      ipc.watch(
        {
          get visible() {
            return panel.visible;
          },
          onDidChangeVisibility: visibility.event,
        },
        ['waits'],
      ),
      ipc.onDidChangeSnapshot((snapshot) => this.update(snapshot)),
      this.panel.webview.onDidReceiveMessage((raw) => void this.receive(raw)),
      this.panel.onDidDispose(() => this.dispose()),
    );
    if (ipc.snapshots.current?.waits) this.update(ipc.snapshots.current);
  }

  /** Takes a refresh: a new model when it read waits; posted only if its key differs from what the page shows. */
  private update(snapshot: Snapshot | undefined): void {
    if (snapshot && !snapshot.waits) return;
    this.latest = graphModel(snapshot?.waits);
    void this.post();
  }

  private async post(): Promise<void> {
    const model = this.latest;
    if (!this.ready || !model || model.key === this.postedKey) return;
    this.postedKey = model.key;
    this.posts++;
    const message: ToGraphPage = { type: 'graph', model };
    await this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseGraphPageMessage(raw);
    if (!message) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.postedKey = '';
        this.latest ??= graphModel(this.ipc.snapshots.current?.waits);
        await this.post();
        return;
      case 'reveal':
        await this.waits.revealNode(message.id);
        return;
      case 'open':
        await this.openLock(message.id);
        return;
    }
  }

  private html(): string {
    return webviewPage(this.panel.webview, this.ipc.assets, {
      script: 'waitGraph.js',
      style: 'waitGraph.css',
      title: l10n.t('Wait-for graph'),
      root: { tag: 'main' },
    });
  }

  dispose(): void {
    if (WaitGraphPanel.current === this) WaitGraphPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
