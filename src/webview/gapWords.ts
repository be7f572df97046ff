// How the view words a page without data: a System V page not resident (reading it allocates it)
// or a POSIX hole (never written; reading it gives zeros and allocates nothing).
import type { ContentsHeader } from '../shared/contentsProtocol';

export interface GapWords {
  /** "not resident" / "hole". */
  short: string;
  /** The read affordance on the rows. */
  button: string;
  /** The status bar, for the byte under the cursor. */
  status: string;
  /** The read affordance's screen-reader label. */
  readLabel(pageOffset: number): string;
  /** Search: how the skipped part is named, and the option that includes it. */
  skipped: string;
  include: string;
  includeTitle: string;
}

const NOT_RESIDENT: GapWords = {
  short: 'not resident',
  button: 'not resident — click to read',
  status: 'not resident (Enter reads the page)',
  readLabel: (at) => `Page at 0x${at.toString(16)} is not resident. Read it (this allocates the page).`,
  skipped: 'of non-resident pages were not searched: tick "include non-resident pages" to search them too (that allocates them)',
  include: 'include non-resident pages',
  includeTitle: 'Also search pages that are not in memory. Reading them allocates them.',
};

const HOLE: GapWords = {
  short: 'hole',
  button: 'hole, never written — click to read',
  status: 'hole: never written, reads as zeros (Enter reads it)',
  readLabel: (at) => `Page at 0x${at.toString(16)} is a hole: never written. Read it (it reads as zeros; nothing is allocated).`,
  skipped: 'of holes (never written, all zeros) were not searched: tick "include holes" to search them too',
  include: 'include holes',
  includeTitle: 'Also search pages that were never written (they read as zeros; nothing is allocated).',
};

export function gapWords(gaps: ContentsHeader['gaps'] | undefined): GapWords {
  return gaps === 'hole' ? HOLE : NOT_RESIDENT;
}
