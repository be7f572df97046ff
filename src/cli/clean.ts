// `ipc-inspector clean --orphans`: Clean Up Orphaned… of the editor on the command line, the same
// pieces (src/ipc/cleanUp.ts): the same preview (every orphan this user may remove, with why; other
// users' only counted), the same re-check right before each removal, the same refusals in the same
// words. What the preview would not tick (an orphan some process could not be checked for) is kept
// unless --uncertain. Asks before removing unless --yes; never asks when stdin is not a terminal.
import * as readline from 'readline';
import { cleanUpSummary, nothingOrphanedWords, planCleanUp, removeStillOrphaned, type CleanUpOffer } from '../ipc/cleanUp';
import { formatBytes } from '../ipc/format';
import { kindOf, objectLabel, subjectOf, type Kind } from '../ipc/kinds';
import { freedBytes } from '../ipc/orphans';
import { STATE_NEEDS } from '../ipc/snapshot';
import * as l10n from '../shared/l10n';
import { EXIT, failureWords, UsageError } from './exit';
import type { CliSession } from './session';
import { formatTable, type Output } from './terminal';

export interface CleanArgs {
  orphans?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  uncertain?: boolean;
  kind?: Kind[];
}

function preview(out: Output, offered: readonly CleanUpOffer[]): void {
  const header = [l10n.t('Kind'), l10n.t('Object'), l10n.t('Size'), l10n.t('Owner'), l10n.t('Checked'), l10n.t('Why')];
  const rows = offered.map(({ object, certain, reason }) => {
    const kind = kindOf(object);
    const facts = kind.facts(object);
    return [kind.kindName(object), kind.title(object), facts.size, facts.owner, certain ? l10n.t('fully') : l10n.t('not fully'), reason];
  });
  out.line(formatTable(header, rows, (_row, column, padded) => (column === 4 && padded.trim() !== l10n.t('fully') ? out.paint(padded, 'yellow') : padded)));
}

/** Asks on the terminal; true only for an explicit yes. */
async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function clean(session: CliSession, out: Output, args: CleanArgs): Promise<number> {
  if (!args.orphans) throw new UsageError(l10n.t('clean removes orphans only: say --orphans (with --dry-run to see them first).'));
  const plan = planCleanUp(await session.snapshot(STATE_NEEDS), session.credentials);
  if (args.kind?.length) plan.offered = plan.offered.filter((offer) => args.kind!.includes(offer.object.kind));
  if (plan.offered.length === 0) {
    out.say(nothingOrphanedWords(plan));
    return EXIT.ok;
  }
  preview(out, plan.offered);
  if (plan.foreignNote) out.say(plan.foreignNote.trim());
  const chosen = plan.offered.filter((offer) => offer.certain || args.uncertain).map((offer) => offer.object);
  const unchecked = plan.offered.length - chosen.length;
  if (unchecked > 0) out.line(l10n.t('{0} could not be fully checked (a process holding it may be unreadable): kept unless --uncertain.', unchecked));
  if (args.dryRun) {
    out.line(l10n.t('Dry run: nothing removed.'));
    return EXIT.found;
  }
  if (chosen.length === 0) return EXIT.found;
  const total = chosen.reduce((sum, object) => sum + freedBytes(object), 0);
  if (!args.yes) {
    if (!process.stdin.isTTY) throw new UsageError(l10n.t('Not removing without --yes: standard input is not a terminal to ask on.'));
    const question =
      chosen.length === 1
        ? l10n.t('Remove 1 orphaned object, {0}?', formatBytes(total))
        : l10n.t('Remove {0} orphaned objects, {1}?', chosen.length, formatBytes(total));
    if (!(await confirm(question))) {
      out.line(l10n.t('Nothing removed.'));
      return EXIT.found;
    }
  }
  out.progress(l10n.t('Each is checked again right before removal: anything a process attached, mapped or opened meanwhile is kept.'));
  let failed = false;
  const result = await removeStillOrphaned(chosen, {
    refresh: () => session.snapshot(STATE_NEEDS),
    removeOrphan: (object) => kindOf(object).removeOrphan(session.helper(), object),
    failed: (error, object) => {
      failed = true;
      out.error(failureWords(error, l10n.t('Could not remove {0}', objectLabel(object)), subjectOf(object)));
    },
  });
  out.say(cleanUpSummary(result));
  if (failed && result.removed.length === 0) return EXIT.failure;
  return result.skipped.length > 0 || unchecked > 0 ? EXIT.found : EXIT.ok;
}
