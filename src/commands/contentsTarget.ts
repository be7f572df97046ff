// Which contents view a command on "the contents view" works on (View as C Type…, the recording
// commands): the one its arguments name (the page's buttons pass their panel's id), the one in
// front, or one opened for a tree row or picked.
import { ContentsPanel } from '../views/contentsPanel';
import { openContents } from './openContents';
import type { CommandEnv } from './registry';

/** The contents view to work on: the one the arguments name, the one in front, or one opened for a row or a pick. */
export async function targetPanel(env: CommandEnv, arg: unknown): Promise<ContentsPanel | undefined> {
  const panelId = (arg as { panelId?: unknown } | undefined)?.panelId;
  if (typeof panelId === 'string') return ContentsPanel.all().find((p) => p.source.id === panelId);
  // A tree row (its context menu) opens that object; anything else (the palette, the view's title
  // bar, which passes what VS Code chooses) means the contents view in front.
  const row = typeof arg === 'object' && arg !== null && 'row' in arg ? arg : undefined;
  if (!row) {
    // A view whose object is gone still serves its recording.
    const inFront = ContentsPanel.all().find((p) => p.panel.active && (p.phase !== 'gone' || p.recording !== undefined));
    if (inFront) return inFront;
  }
  const opened = await openContents.run(env, ...(row ? [row] : []));
  return opened instanceof ContentsPanel ? opened : undefined;
}
