// The status line under the grid: where the cursor is and what its byte holds (announced politely
// once the keys settle), and the view's messages (reading, found, copied, errors, assertively).
import { formatOffset, hexByte, printableChar } from '../shared/hexFormat';
import { NOT_RESIDENT, READ_FAILED } from './byteCache';
import { el } from './dom';
import { groupDigits } from './format';
import type { GapWords } from './gapWords';
import { selectionEnd, selectionLength, selectionStart, type Selection } from './selection';

export const READING = 'Reading…';
export const WAITING = 'Waiting for the contents…';
/** The cursor's line is announced this long after the last key, not on every repeat. */
const WHERE_DELAY_MS = 120;

export interface StatusHooks {
  size(): number;
  selection(): Selection;
  byteAt(offset: number): number;
  /** Hex digits of offsets. */
  digits(): number;
  gaps(): GapWords;
}

/** How the view words a byte it cannot show (the inspector's note; '' for a byte it has). */
export function byteNote(b: number, gaps: GapWords): string {
  return b === NOT_RESIDENT ? gaps.short : b === READ_FAILED ? 'could not be read' : b < 0 ? 'not loaded yet' : '';
}

export class StatusLine {
  readonly element: HTMLElement;
  private readonly where = el('span', 'where', { role: 'status', 'aria-live': 'polite' });
  private readonly message = el('span', 'message', { 'aria-live': 'polite' });
  private whereTimer: ReturnType<typeof setTimeout> | undefined;
  private lastByteShown = -100;

  constructor(private readonly hooks: StatusHooks) {
    this.element = el('footer', 'statusbar', undefined, [this.where, this.message]);
  }

  setMessage(text: string, error = false): void {
    this.message.setAttribute('aria-live', error ? 'assertive' : 'polite');
    this.message.classList.toggle('error', error);
    this.message.textContent = text;
    this.message.title = text;
  }

  /** Whether the message only says that bytes are on their way (cleared when they arrive). */
  get waitingForBytes(): boolean {
    return this.message.textContent === READING || this.message.textContent === WAITING;
  }

  get messageText(): string {
    return this.message.textContent ?? '';
  }

  /** The selection moved: say where once the keys settle. */
  scheduleWhere(): void {
    clearTimeout(this.whereTimer);
    this.whereTimer = setTimeout(() => this.updateWhere(), WHERE_DELAY_MS);
  }

  /** The byte the inspector shows (at the selection start) arrived or changed: say the line again if it did. */
  byteShown(b: number): void {
    if (this.where.textContent !== '' && b !== this.lastByteShown) this.updateWhere();
    this.lastByteShown = b;
  }

  updateWhere(): void {
    const { hooks } = this;
    if (hooks.size() === 0) {
      this.where.textContent = '';
      return;
    }
    const sel = hooks.selection();
    const digits = hooks.digits();
    const cursor = sel.cursor;
    const b = hooks.byteAt(cursor);
    const value =
      b >= 0
        ? `0x${hexByte(b)} = ${b}${printableChar(b) !== '.' || b === 0x2e ? ` '${printableChar(b)}'` : ''}`
        : b === NOT_RESIDENT
          ? hooks.gaps().status
          : b === READ_FAILED
            ? 'could not be read'
            : 'not loaded yet';
    let line = `Offset 0x${formatOffset(cursor, digits)} (${groupDigits(cursor)}): ${value}`;
    const length = selectionLength(sel);
    if (length > 1) {
      line += ` · ${groupDigits(length)} bytes selected (0x${formatOffset(selectionStart(sel), digits)}–0x${formatOffset(selectionEnd(sel), digits)})`;
    }
    this.where.textContent = line;
  }
}
