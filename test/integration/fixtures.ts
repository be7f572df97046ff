// What the integration tests share: the extension's API (activated, view opened so it polls),
// rows of the Shared Memory view by shmid, the kernel's own view of a segment (/proc), settings
// changed for a test and put back afterwards.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import type { IpcInspectorApi } from '../../src/extension';
import type { MsgQueueInfo, PosixObjectInfo, SegmentInfo, SemSetInfo } from '../../src/ipc/snapshot';
import type { GroupId } from '../../src/views/groups';
import type { IpcTree, Node, ObjectNode } from '../../src/views/ipcTree';
import type { IpcView } from '../../src/views/ipcView';
import { procLine } from '../support/segments';
import { waitFor } from '../support/waitFor';

export const EXTENSION_ID = 'ipc-inspector.ipc-inspector';
export const VIEW_ID = 'ipcInspector.sharedMemory';
/** A System V segment's row. */
export type SegmentNode = ObjectNode & { object: SegmentInfo };
/** A POSIX object's row. */
export type PosixNode = ObjectNode & { object: PosixObjectInfo };
export type SemSetNode = ObjectNode & { object: SemSetInfo };
export type QueueNode = ObjectNode & { object: MsgQueueInfo };

let api: IpcInspectorApi | undefined;

/** The extension's API, with the Shared Memory view opened (so it polls /proc like for a user). */
export async function getApi(): Promise<IpcInspectorApi> {
  if (!api) {
    const extension = vscode.extensions.getExtension<IpcInspectorApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    api = (await extension.activate()) as IpcInspectorApi;
  }
  await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  const view = api.views.sharedMemory;
  await waitFor(() => view.treeView.visible, 10_000, 'the Shared Memory view to be visible');
  await waitFor(() => api!.context.status !== 'loading', 10_000, 'the first listing of /proc');
  return api;
}

/** The user name of this process (the owner of the segments the tests create). */
export const me = os.userInfo().username;

/** Runs a command as the palette, a menu or a key binding would, typed by its result. */
export const run = <T = unknown>(command: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(command, ...args) as Promise<T>;

/** A key the way ipcs prints it, computed here independently of the extension's formatKey. */
export function hexKey(key: number): string {
  return '0x' + (key >>> 0).toString(16).padStart(8, '0');
}

/** The kernel's line for a segment (/proc/sysvipc/shm), or undefined once it is gone. */
export interface ProcSegment {
  key: number;
  shmid: number;
  /** The perms column: mode bits plus 01000 (SHM_DEST) and 02000 (SHM_LOCKED). */
  perms: number;
  size: number;
  cpid: number;
  lpid: number;
  nattch: number;
  uid: number;
}

export function proc(shmid: number): ProcSegment | undefined {
  const cols = procLine(shmid);
  return cols && toProcSegment(cols);
}

export function procOrFail(shmid: number): ProcSegment {
  const line = proc(shmid);
  assert.ok(line, `segment ${shmid} is not in /proc/sysvipc/shm`);
  return line;
}

/** Every segment in /proc/sysvipc/shm (anyone's). */
export function procAll(): ProcSegment[] {
  return fs
    .readFileSync('/proc/sysvipc/shm', 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((line) => toProcSegment(line.trim().split(/\s+/)));
}

export const SHM_DEST = 0o1000;
export const SHM_LOCKED = 0o2000;

/** The view that shows a group. */
export function viewOf(api: IpcInspectorApi, group: GroupId): IpcView {
  const view = api.views.all.find((v) => v.spec.groups.includes(group));
  assert.ok(view, `no view shows ${group}`);
  return view;
}

/** The tree data provider of the Shared Memory view, or of the view showing a group. */
export function tree(api: IpcInspectorApi, group: GroupId = 'sysvShm'): IpcTree {
  return viewOf(api, group).tree;
}

/** The rows of a group, as the tree data provider returns them now (notes included). */
export function groupRows(api: IpcInspectorApi, group: GroupId): Node[] {
  return tree(api, group).children({ kind: 'group', group });
}

/** The row of a System V semaphore set. */
export function semRow(api: IpcInspectorApi, semid: number): SemSetNode | undefined {
  return groupRows(api, 'sysvSem').find(
    (node): node is SemSetNode => node.kind === 'object' && node.object.kind === 'sysvSem' && node.object.set.semid === semid,
  );
}

/** The row of a System V message queue. */
export function queueRow(api: IpcInspectorApi, msqid: number): QueueNode | undefined {
  return groupRows(api, 'sysvMsg').find(
    (node): node is QueueNode => node.kind === 'object' && node.object.kind === 'sysvMsg' && node.object.queue.msqid === msqid,
  );
}

/** The child rows of a row (and their children, depth first), in the view showing it. */
export function descendants(api: IpcInspectorApi, node: Node, group: GroupId): Node[] {
  const out: Node[] = [];
  for (const child of tree(api, group).children(node)) out.push(child, ...descendants(api, child, group));
  return out;
}

/** The view's row of a segment, as the tree data provider returns it now (under its group). */
export function row(api: IpcInspectorApi, shmid: number): SegmentNode | undefined {
  return groupRows(api, 'sysvShm').find(
    (node): node is SegmentNode => node.kind === 'object' && node.object.kind === 'sysvShm' && node.object.segment.shmid === shmid,
  );
}

/** The view's row of a POSIX object by name ("/x"), in the POSIX or memfd group. */
export function posixRow(api: IpcInspectorApi, name: string, group: 'posixShm' | 'memfd' = 'posixShm'): PosixNode | undefined {
  return groupRows(api, group).find((node): node is PosixNode => node.kind === 'object' && node.object.kind === 'posixShm' && node.object.name === name);
}

export function posixRowOrFail(api: IpcInspectorApi, name: string, group: 'posixShm' | 'memfd' = 'posixShm'): PosixNode {
  const node = posixRow(api, name, group);
  assert.ok(
    node,
    `${name} has no row in the ${group} group; rows: ${groupRows(api, group)
      .map((n) => (n.kind === 'object' ? n.row.label : n.kind))
      .join(', ')}`,
  );
  return node;
}

/** The pids of a row's holder children, sorted. */
export function childPids(api: IpcInspectorApi, node: Node): number[] {
  const group = node.kind === 'object' ? node.group : node.kind === 'child' ? node.parent.group : 'sysvShm';
  return tree(api, group)
    .children(node)
    .map((c) => (c.kind === 'child' ? (c.row.pid ?? -1) : -1))
    .sort((a, b) => a - b);
}

export function rowOrFail(api: IpcInspectorApi, shmid: number): SegmentNode {
  const node = row(api, shmid);
  assert.ok(node, `segment ${shmid} has no row in the Shared Memory view`);
  return node;
}

export function item(api: IpcInspectorApi, node: Node): vscode.TreeItem {
  const group = node.kind === 'child' ? node.parent.group : node.group;
  return tree(api, group).getTreeItem(node);
}

/** Waits until the segment's row exists and its tree item satisfies `check` (polling refreshes). */
export async function waitForItem(
  api: IpcInspectorApi,
  shmid: number,
  check: (item: vscode.TreeItem) => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<vscode.TreeItem> {
  let last: vscode.TreeItem | undefined;
  try {
    return await waitFor(
      () => {
        const node = row(api, shmid);
        last = node && item(api, node);
        return last && check(last) ? last : undefined;
      },
      timeoutMs,
      what,
    );
  } catch (error) {
    (error as Error).message +=
      `; row now: ${last ? JSON.stringify({ label: last.label, description: last.description, contextValue: last.contextValue }) : 'none'}`;
    throw error;
  }
}

/** Runs the Refresh command, the way the view's refresh button does. */
export async function refreshView(): Promise<void> {
  await vscode.commands.executeCommand('ipcInspector.refresh');
}

export function descriptionOf(item: vscode.TreeItem): string {
  return typeof item.description === 'string' ? item.description : '';
}

export function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

export function tooltipOf(item: vscode.TreeItem): string {
  return item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
}

export function iconOf(item: vscode.TreeItem): { id: string; color?: string } {
  assert.ok(item.iconPath instanceof vscode.ThemeIcon, `the row's icon is not a theme icon: ${String(item.iconPath)}`);
  return { id: item.iconPath.id, color: item.iconPath.color?.id };
}

/** Changes a user setting for a test; `restoreSettings()` puts every changed one back. */
const changed = new Map<string, unknown>();

export async function setSetting(name: string, value: unknown): Promise<void> {
  const config = vscode.workspace.getConfiguration('ipcInspector');
  if (!changed.has(name)) changed.set(name, config.inspect(name)?.globalValue);
  await config.update(name, value, vscode.ConfigurationTarget.Global);
  await waitFor(
    () => JSON.stringify(vscode.workspace.getConfiguration('ipcInspector').get(name)) === JSON.stringify(value ?? config.inspect(name)?.defaultValue),
    5000,
    `the setting ipcInspector.${name} to become ${JSON.stringify(value)}`,
  );
}

export async function restoreSettings(): Promise<void> {
  for (const [name, value] of changed) {
    await vscode.workspace.getConfiguration('ipcInspector').update(name, value, vscode.ConfigurationTarget.Global);
  }
  changed.clear();
}

/** The columns of one /proc/sysvipc/shm line, by name (parsed here, not by the code under test). */
function toProcSegment(cols: string[]): ProcSegment {
  return {
    key: Number(cols[0]) >>> 0,
    shmid: Number(cols[1]),
    perms: parseInt(cols[2], 8),
    size: Number(cols[3]),
    cpid: Number(cols[4]),
    lpid: Number(cols[5]),
    nattch: Number(cols[6]),
    uid: Number(cols[7]),
  };
}
