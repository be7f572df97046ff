// `ipc-inspector show OBJECT`: everything the view's tooltip and child rows say of one object: its
// facts, state and why, holders, waiters, semaphore values, messages peeked (read with the helper,
// as the views read them when shown). --json: its entry of the export document.
import { kindOf, type Kind } from '../ipc/kinds';
import type { ChildRow } from '../ipc/objects';
import { findObject } from './lookup';
import { STATE_NEEDS, type Need } from '../ipc/snapshot';
import { unseenNote } from './list';
import type { CliSession } from './session';
import { markdownToText, stateColour, visible, type Output } from './terminal';

/** What one object's words and children rest on: its state, values and messages (not the whole machine's waits). */
const SHOW_NEEDS: readonly Need[] = [...STATE_NEEDS, 'messages'];

export interface ShowArgs {
  object: string;
  kind?: Kind[];
  json?: boolean;
}

function childLines(children: readonly ChildRow[], depth: number): string[] {
  return children.flatMap((child) => [
    `${'  '.repeat(depth)}${visible(child.label)}${child.description ? `  ${visible(child.description)}` : ''}`,
    ...childLines(child.children ?? [], depth + 1),
  ]);
}

export async function show(session: CliSession, out: Output, args: ShowArgs): Promise<number> {
  const snapshot = await session.snapshot(SHOW_NEEDS);
  const object = findObject(snapshot, args.object, args.kind);
  const kind = kindOf(object);
  if (args.json) {
    out.line(JSON.stringify(kind.exported(object), null, 2));
    return 0;
  }
  const row = kind.row(object, { held: false, uid: session.uid });
  out.line(`${out.paint(visible(`${kind.kindName(object)} ${row.label}`), 'bold')}  ${out.paint(visible(row.description), stateColour(row.icon))}`);
  out.line(markdownToText(row.tooltip));
  if (row.children.length > 0) {
    out.line();
    for (const line of childLines(row.children, 1)) out.line(line);
  }
  const note = unseenNote(snapshot);
  if (note) out.progress(note);
  return 0;
}
