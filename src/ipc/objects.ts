// The shape every kind of IPC object is presented in: a row with its words, icon state, tooltip,
// screen-reader label and menu flags, and its children (holders, and an honest row for what cannot
// be seen). Each kind's `present` module turns its own info into this; one tree shows them all.
import * as l10n from '../shared/l10n';
import { escapeControls } from './format';
import { executableName } from './processes';

/** The state a row's icon and colour show (each kind puts it in its own words). */
export type RowIcon = 'in-use' | 'unused' | 'orphaned' | 'removed-held' | 'locked' | 'problem';

export interface ChildRow {
  /** Stable tree id (expansion and selection survive refreshes). */
  id: string;
  label: string;
  description?: string;
  tooltip: string;
  /** A codicon name. */
  codicon: string;
  accessibilityLabel: string;
  contextValue: string;
  /** The process this row is about (a holder), if any. */
  pid?: number;
  /** Rows under this one (a semaphore's waiters). */
  children?: ChildRow[];
  /** What a click on it does (a queued message opens its bytes). */
  command?: { command: string; title: string; arguments: unknown[] };
}

export interface ObjectRow {
  id: string;
  label: string;
  description: string;
  icon: RowIcon;
  /** Markdown. */
  tooltip: string;
  accessibilityLabel: string;
  /** Flags the menus' `when` clauses test (`viewItem =~ /;held/`). */
  contextValue: string;
  children: ChildRow[];
}

/** What a row's words depend on besides the object: whether this window holds it, who we are. */
export interface RowContext {
  held: boolean;
  uid: number;
}

/** A Markdown table of name/value rows; `|` and control characters in values are escaped so the table holds. */
export function markdownTable(rows: Array<[string, string]>): string {
  const body = rows.map(([name, value]) => `| ${name} | ${escapeControls(value).replace(/\|/g, '\\|')} |`).join('\n');
  return `| | |\n|---|---|\n${body}\n`;
}

/** Text safe inside Markdown code spans of a tooltip (and on one line). */
export function escapeCode(text: string): string {
  return escapeControls(text).replace(/`/g, "'").slice(0, 200);
}

export function formatTime(epochSeconds: number): string {
  return epochSeconds === 0 ? 'never' : new Date(epochSeconds * 1000).toLocaleString();
}

/**
 * The word for an orphan, everywhere (rows, status bar, Clean Up): "orphaned (uncertain)" when
 * some process could not be checked (its reason says which), so the user knows why Clean Up
 * does not tick it.
 */
export function orphanedWord(certain: boolean): string {
  return certain ? l10n.t('orphaned') : l10n.t('orphaned (uncertain)');
}

/** A state's words for an orphan that is not certain: "orphaned (leaked)" becomes "orphaned (uncertain)". */
export function orphanStateWords(words: string, state: string, certain: boolean): string {
  return state === 'orphaned' && !certain ? orphanedWord(false) : words;
}

/** A process as a child row names it: its pid and executable (the full command line goes in the tooltip). */
export function processLabel(pid: number, command: string | undefined): string {
  return `${pid} ${command ? executableName(command) : l10n.t('(exited)')}`;
}
