// Open Contents: the live contents view of an object with contents (a System V segment, a POSIX
// object: its kind's module opens the source) on the clicked or selected row, or one picked from a
// list when run from the palette. Also what a double click on a row does.
import { findAgain, kindOf } from '../ipc/kinds';
import type { IpcObject } from '../ipc/snapshot';
import { ContentsPanel, type PanelSource } from '../views/contentsPanel';
import type { Node } from '../views/ipcTree';
import { chooseObjects, objectLabel, subjectOf } from './objectArgs';
import type { Command, CommandEnv } from './registry';
import { reportFailure } from './registry';
import * as l10n from '../shared/l10n';

/** Objects with contents to show: every segment, and POSIX objects some path still reaches. */
function hasContents(object: IpcObject): object is IpcObject {
  return kindOf(object).hasContents(object);
}

/** A source for the object's contents view, with fresh numbers (and the permission check) first. */
function sourceOf(env: CommandEnv, object: IpcObject): Promise<PanelSource> {
  return kindOf(object).openContents(env.ipc.helper(), object, () => findAgain(env.ipc.snapshots.current, object));
}

export const openContents: Command = {
  id: 'ipcInspector.openContents',
  what: 'Could not open the contents',
  async run(env, ...args) {
    const [object] = await chooseObjects(env, args, {
      many: false,
      placeHolder: l10n.t('Segment or object to open'),
      eligible: hasContents,
      none: l10n.t('Nothing to open: no segment or readable object is listed.'),
    });
    if (!object) return undefined;
    return openObjectContents(env, object);
  },
};

/** Opens (or reveals) the contents view of a listed object; undefined when it could not be opened (said to the user). */
export async function openObjectContents(env: CommandEnv, object: IpcObject): Promise<ContentsPanel | undefined> {
  let source: PanelSource;
  try {
    source = await sourceOf(env, object);
  } catch (error) {
    // Said about this object: whose it is, and what its owner can do (EACCES), or that it went.
    reportFailure(env.ipc, error, `Could not open the contents of ${objectLabel(object)}`, subjectOf(object));
    return undefined;
  }
  return ContentsPanel.show(env.ipc, source);
}

/** How long two clicks on the same row may be apart to count as a double click. */
const DOUBLE_CLICK_MS = 500;
let lastClick: { id: string; at: number } | undefined;

/**
 * A click on a row (the tree item's command). VS Code runs it on every click and on Enter; the
 * second click on the same row within DOUBLE_CLICK_MS opens the contents. Enter is bound to Open
 * Contents directly (package.json keybindings).
 */
export const rowClicked: Command = {
  id: 'ipcInspector.rowClicked',
  what: 'Could not open the contents',
  run(env, node) {
    const id = (node as { row?: { id?: string } } | undefined)?.row?.id;
    if (!id) return undefined;
    const now = Date.now();
    const double = lastClick !== undefined && lastClick.id === id && now - lastClick.at <= DOUBLE_CLICK_MS;
    lastClick = double ? undefined : { id, at: now };
    if (!double) return undefined;
    env.views.all.find((view) => view.tree.node(id) === node)?.keepExpansion(node as Node);
    return openContents.run(env, node);
  },
};
