// What activates in every window: a shell, kept small because every window pays for it (VS Code
// counts its loading and activate() call as the extension's activation time). It registers the
// views (with providers that wait for the core), the commands (each loads the core and runs there)
// and, when the status bar may warn, a first look a moment after startup. Everything else, the
// core (src/core.ts: /proc, the helper, the views' rows, the commands), is its own bundle
// (dist/core.js), required the first time anything needs it. esbuild.js refuses a main bundle that
// grows beyond this file and the translations' setup.
import * as vscode from 'vscode';
import type { Core, IpcInspectorApi, ShellView } from './core';

export type { IpcInspectorApi } from './core';

/** The views of the IPC container (package.json contributes.views.ipcInspector). */
const VIEW_IDS = ['ipcInspector.sharedMemory', 'ipcInspector.semaphores', 'ipcInspector.messageQueues', 'ipcInspector.waits'];
/** How long after activation the status bar takes its first look, when no view has loaded the core before. */
const FIRST_LOOK_MS = 3000;

/** A tree provider that has nothing until the core gives it the real one (the view's first getChildren loads the core). */
class DeferredTreeProvider implements vscode.TreeDataProvider<unknown> {
  private target: vscode.TreeDataProvider<unknown> | undefined;
  private readonly changed = new vscode.EventEmitter<unknown>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly loadCore: () => void) {}

  /** The real provider: its changes are passed on, and the view asks it from now on. */
  attach(target: vscode.TreeDataProvider<unknown>): vscode.Disposable {
    this.target = target;
    const forward = target.onDidChangeTreeData?.((element) => this.changed.fire(element));
    this.changed.fire(undefined);
    return { dispose: () => forward?.dispose() };
  }

  getChildren(element?: unknown): vscode.ProviderResult<unknown[]> {
    this.loadCore();
    return this.target?.getChildren(element) ?? [];
  }

  getTreeItem(element: unknown): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.target!.getTreeItem(element);
  }

  getParent(element: unknown): vscode.ProviderResult<unknown> {
    return this.target?.getParent?.(element);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function activate(extension: vscode.ExtensionContext): IpcInspectorApi {
  let core: Core | undefined;
  const views: ShellView[] = VIEW_IDS.map((id) => {
    const provider = new DeferredTreeProvider(() => load());
    const treeView = vscode.window.createTreeView(id, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: true });
    extension.subscriptions.push(treeView, provider);
    return { id, treeView, attach: (tree) => provider.attach(tree) };
  });
  const load = (): Core => {
    if (!core) {
      const started = Date.now();
      // The output channel too waits for the core: creating it costs the window a log file.
      const log = vscode.window.createOutputChannel('IPC Inspector', { log: true });
      extension.subscriptions.push(log);
      log.info(`IPC Inspector activated (${process.platform}, uid ${process.getuid?.() ?? -1}, remote: ${vscode.env.remoteName ?? 'none'})`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require('./core') as typeof import('./core');
      core = module.startCore(extension, log, views);
      log.info(`IPC Inspector's core loaded in ${Date.now() - started} ms`);
    }
    return core;
  };
  const shown = () => {
    load();
    // The walkthrough's first step ("Open the IPC view") completes on this (package.json).
    void vscode.commands.executeCommand('setContext', 'ipcInspector.walkthrough.viewOpened', true);
  };
  for (const view of views) {
    if (view.treeView.visible) shown();
    extension.subscriptions.push(view.treeView.onDidChangeVisibility((event) => event.visible && shown()));
  }
  for (const command of (extension.extension.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands) {
    extension.subscriptions.push(vscode.commands.registerCommand(command.command, (...args: unknown[]) => load().runCommand(command.command, args)));
  }
  if (vscode.workspace.getConfiguration('ipcInspector').get<boolean>('statusBar.enabled', true)) {
    const firstLook = setTimeout(() => load(), FIRST_LOOK_MS);
    extension.subscriptions.push({ dispose: () => clearTimeout(firstLook) });
  }
  extension.subscriptions.push({ dispose: () => core?.dispose() });
  // The tests' seam: the core's API, loading the core when first asked.
  return {
    get context() {
      return load().api.context;
    },
    get views() {
      return load().api.views;
    },
    contentsPanels: () => load().api.contentsPanels(),
    walkthrough: {
      completed: () => load().api.walkthrough.completed(),
      reset: () => load().api.walkthrough.reset(),
    },
    usePrompts: (prompts) => load().api.usePrompts(prompts),
  };
}

export function deactivate(): void {
  // Everything, the helper and its holds included, is disposed through the subscriptions.
}
