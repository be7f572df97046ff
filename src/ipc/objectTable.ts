// Objects as the rows of a table, in the views' own words: kind, object, size, owner, mode, holders
// and state. Copy as Table makes Markdown of it, the command line's `list` a terminal table.
import { kindOf } from './kinds';
import type { IpcObject } from './snapshot';
import * as l10n from '../shared/l10n';

export const TABLE_HEADER: readonly string[] = [
  l10n.t('Kind'),
  l10n.t('Object'),
  l10n.t('Size'),
  l10n.t('Owner'),
  l10n.t('Mode'),
  l10n.t('Holders'),
  l10n.t('State'),
];

/** Permission bits, as `ls -l` and `ipcs` give them in octal ('?' when unknown). */
export function modeText(object: IpcObject): string {
  const mode = kindOf(object).mode(object);
  return mode === undefined ? '?' : mode.toString(8).padStart(3, '0');
}

/** One object's cells, in TABLE_HEADER's order. */
export function tableRow(object: IpcObject): string[] {
  const kind = kindOf(object);
  const facts = kind.facts(object);
  return [kind.kindName(object), kind.title(object), facts.size, facts.owner, modeText(object), String(kind.holders(object)), facts.state];
}
