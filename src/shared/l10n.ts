// The one way the code says words a user reads: `l10n.t('… {0} …', value)` (imported as `l10n`, so
// `npm run l10n` finds every call), over @vscode/l10n's bundle. Values are turned into text as a
// template literal would, so a message reads the same whether it is translated or not.
//
// Without a bundle (English: the editor in English, the command line) the words are filled in
// here, from each template cut once into its pieces: @vscode/l10n scans every template with a
// regular expression at every call, and `ipc-inspector list` says some 30,000 of them for 8,000
// objects (a tenth of its run, measured). The result is the same for every template the code has:
// `{N}` takes the N-th value and any other brace stays as written (the library looks a name up on
// the array of values, so `{length}` would give their count; no template says that).
import * as bundle from '@vscode/l10n';
import { Memo } from './memo';

let translating = false;

/** Gives the words of the display language (a bundle's contents: template → translation). */
export function configure(contents: Record<string, string>): void {
  bundle.config({ contents });
  translating = Object.keys(contents).length > 0;
}

/**
 * A template cut at its placeholders: its text up to the first, then for each placeholder three
 * pieces: the index of its value (-1: none, kept as written), the placeholder as written, and the
 * text up to the next.
 */
type Pieces = Array<string | number>;

const PLACEHOLDER = /{([^}]+)}/g;
const INDEX = /^(?:0|[1-9]\d*)$/;

function cutAtPlaceholders(template: string): Pieces {
  const pieces: Pieces = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const at = match.index ?? 0;
    pieces.push(template.slice(last, at), INDEX.test(match[1]) ? Number(match[1]) : -1, match[0]);
    last = at + match[0].length;
  }
  pieces.push(template.slice(last));
  return pieces;
}

/** Templates are the code's literals, a few hundred; the bound is for a caller that passes others. */
const cut = new Memo(cutAtPlaceholders, 4096);

function fill(pieces: Pieces, values: unknown[]): string {
  let text = pieces[0] as string;
  for (let i = 1; i < pieces.length; i += 3) {
    const index = pieces[i] as number;
    text += (index >= 0 && index < values.length ? String(values[index]) : (pieces[i + 1] as string)) + (pieces[i + 2] as string);
  }
  return text;
}

export function t(message: string, ...values: unknown[]): string {
  if (translating) return bundle.t(message, ...values.map((value) => String(value)));
  return values.length === 0 ? message : fill(cut.get(message), values);
}
