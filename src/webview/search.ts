// Find: the pattern from the find bar (hex bytes or text), sent to the extension, which searches
// the whole object in chunks; progress and the result come back here. "Find next" starts just
// after the last match while it is still selected; the match is selected and shown in the grid.
import { formatOffset, parseHexPattern } from '../shared/hexFormat';
import { MAX_SEARCH_PATTERN, type SearchPattern, type SearchProgressMessage, type SearchRequest, type SearchResultMessage } from '../shared/contentsProtocol';
import { humanSize, utf8Length } from './format';
import type { GapWords } from './gapWords';
import type { Grid } from './grid';
import { selectionStart } from './selection';
import type { Toolbar } from './toolbar';

export interface SearchHooks {
  toolbar: Toolbar;
  grid: Grid;
  post(message: SearchRequest | { type: 'cancelSearch' }): void;
  nextId(): number;
  setMessage(text: string, error?: boolean): void;
  /** The object now: its size, hex digits of its offsets, how its pages without data are called. */
  object(): { size: number; digits: number; gaps: GapWords; gone: boolean };
  /** What the search bar holds changed (the page's saved state). */
  changed(): void;
}

interface Running {
  requestId: number;
  from: number;
  length: number;
  /** The pattern, to tell "find the next one" from a new search. */
  key: string;
}

export class Search {
  private running: Running | undefined;
  private lastMatch: { offset: number; length: number; key: string } | undefined;

  constructor(private readonly hooks: SearchHooks) {}

  get active(): boolean {
    return this.running !== undefined;
  }

  /** Another object: the last match means nothing there. */
  reset(): void {
    this.lastMatch = undefined;
    this.hooks.grid.match = undefined;
  }

  /** The object is gone: a search in progress is over (its answer will not come). */
  stop(): void {
    if (!this.running) return;
    this.running = undefined;
    this.hooks.toolbar.setSearching(false);
    this.hooks.toolbar.setFindStatus('', false);
  }

  start(): void {
    const { toolbar, grid } = this.hooks;
    const { size, gone } = this.hooks.object();
    if (gone || this.running) return;
    const raw = toolbar.findInput.value;
    let pattern: SearchPattern;
    let length: number;
    if (toolbar.searchKind === 'hex') {
      const parsed = parseHexPattern(raw);
      if (!parsed.ok) {
        toolbar.setFindStatus(`Not a hex pattern: ${parsed.error}.`, true);
        return;
      }
      pattern = { kind: 'hex', bytes: parsed.bytes };
      length = parsed.bytes.length;
    } else {
      if (raw.length === 0) {
        toolbar.setFindStatus('Type the text to find.', true);
        return;
      }
      if (raw.length > MAX_SEARCH_PATTERN) {
        toolbar.setFindStatus(`The text is too long (at most ${MAX_SEARCH_PATTERN} characters).`, true);
        return;
      }
      pattern = { kind: 'text', text: raw, caseSensitive: toolbar.isCaseSensitive };
      length = utf8Length(raw);
    }
    // From the selection; from just after the last match when it is still selected and the
    // pattern is the same (Find next).
    const key = JSON.stringify(pattern);
    const start = selectionStart(grid.selection);
    let from = start;
    if (this.lastMatch && this.lastMatch.offset === start && this.lastMatch.key === key) from = start + 1 >= size ? 0 : start + 1;
    const requestId = this.hooks.nextId();
    this.running = { requestId, from, length, key };
    toolbar.setSearching(true);
    toolbar.setProgress(0, 'Searching…');
    this.hooks.post({ type: 'search', requestId, pattern, from, includeNonResident: toolbar.nonResident.checked });
    this.hooks.changed();
  }

  onProgress(message: SearchProgressMessage): void {
    if (!this.running || message.requestId !== this.running.requestId) return;
    const fraction = message.total > 0 ? message.searched / message.total : 0;
    this.hooks.toolbar.setProgress(fraction, `Searching… ${humanSize(message.searched)} of ${humanSize(message.total)}`);
  }

  onResult(message: SearchResultMessage): void {
    const { toolbar, grid } = this.hooks;
    const running = this.running;
    if (!running || message.requestId !== running.requestId) return;
    this.running = undefined;
    toolbar.setSearching(false);
    const { size, digits, gaps } = this.hooks.object();
    const skippedShort = message.skipped > 0 ? ` (${humanSize(message.skipped)} ${gaps.short}, not searched)` : '';
    const skippedLong = message.skipped > 0 ? ` ${humanSize(message.skipped)} ${gaps.skipped}.` : '';
    if (message.cancelled) {
      toolbar.setFindStatus('Search cancelled.', false);
      return;
    }
    if (message.offset < 0 || message.offset >= size) {
      this.lastMatch = undefined;
      grid.match = undefined;
      grid.queueRender();
      toolbar.setFindStatus(`Not found${skippedShort}.`, false);
      this.hooks.setMessage(`Not found.${skippedLong}`);
      return;
    }
    const length = Math.max(1, Math.min(running.length, size - message.offset));
    this.lastMatch = { offset: message.offset, length, key: running.key };
    grid.match = { offset: message.offset, length };
    grid.select(message.offset, message.offset + length - 1, 'center');
    const wrapped = message.offset < running.from ? ' (wrapped around to the start)' : '';
    const at = `0x${formatOffset(message.offset, digits)}`;
    toolbar.setFindStatus(`Found at ${at}${wrapped}${skippedShort}.`, false);
    this.hooks.setMessage(`Found at ${at}${wrapped}.${skippedLong}`);
  }

  /** The extension could not search. Returns false when the error was not this search's. */
  fail(requestId: number, text: string): boolean {
    if (!this.running || requestId !== this.running.requestId) return false;
    this.running = undefined;
    this.hooks.toolbar.setSearching(false);
    this.hooks.toolbar.setFindStatus(`Search failed: ${text}`, true);
    return true;
  }

  cancel(): void {
    if (!this.running) return;
    this.running = undefined;
    this.hooks.post({ type: 'cancelSearch' });
    this.hooks.toolbar.setSearching(false);
    this.hooks.toolbar.setFindStatus('Search cancelled.', false);
  }
}
