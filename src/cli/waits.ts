// `ipc-inspector waits`: who waits on what, as the Waits view shows it (src/ipc/waits/present.ts's
// rows, the same words): what is wrong first (deadlocks, owners gone, nobody left to post...), each
// with what to do, then every lock or object something waits on, its holder and its waiting
// threads, then what could not be checked. --json: the `waits` field of the export document.
// Exit status 1 when something will never end by itself (an error: a deadlock, a lock never to be
// released, a mutex not recoverable), so a script or a watchdog can ask "is it stuck?"; 3 when the
// waits could not be read at all (then nothing is known either way).
import { exportedWaits } from '../ipc/waits/exported';
import { waitRows, type WaitRow } from '../ipc/waits/present';
import * as l10n from '../shared/l10n';
import { CliFailure, EXIT } from './exit';
import type { CliSession } from './session';
import { visible, type Colour, type Output } from './terminal';

export interface WaitsArgs {
  json?: boolean;
}

const SEVERITY_COLOUR: Record<string, Colour> = { error: 'red', warning: 'yellow' };

/** The lines of one row of the Waits view, indented as the tree nests them. */
function rowLines(row: WaitRow, out: Output): string[] {
  switch (row.kind) {
    case 'diagnosis':
      return [
        `${out.paint(`${visible(row.label)}:`, SEVERITY_COLOUR[row.severity])} ${visible(row.description)}`,
        `  ${out.paint(visible(row.advice), 'dim')}`,
      ];
    case 'target':
      return [
        `${out.paint(visible(row.label), row.problem ? SEVERITY_COLOUR[row.problem] : 'bold')}  ${visible(row.description)}`,
        ...row.children.map((child) => `  ${visible(child.label)}${child.description ? `  ${out.paint(visible(child.description), 'dim')}` : ''}`),
      ];
    case 'note':
      return [out.paint(visible(row.label), 'dim')];
    default:
      return [`${visible(row.label)}  ${visible(row.description)}`];
  }
}

export async function waits(session: CliSession, out: Output, args: WaitsArgs): Promise<number> {
  out.progress(l10n.t('Reading what every thread waits on…'));
  const snapshot = await session.snapshot(['waits']);
  // Not read (no helper, an architecture whose calls are not known): a watchdog must not hear "not stuck".
  if (!snapshot.waits?.read) throw new CliFailure(snapshot.waits?.why ?? l10n.t('The waits were not read.'));
  const rows = waitRows({ picture: snapshot.waits, takenAt: snapshot.takenAt });
  const stuck = rows.some((r) => r.kind === 'diagnosis' && r.severity === 'error');
  if (args.json) {
    out.line(JSON.stringify(exportedWaits(snapshot.waits), null, 2));
    return stuck ? EXIT.found : EXIT.ok;
  }
  if (rows.length === 0) out.line(l10n.t('No thread is blocked on a lock in shared memory, a semaphore or a queue.'));
  rows.forEach((row, i) => {
    if (i > 0 && row.kind !== rows[i - 1].kind) out.line(); // a blank line between diagnoses, locks and notes
    for (const line of rowLines(row, out)) out.line(line);
  });
  return stuck ? EXIT.found : EXIT.ok;
}
