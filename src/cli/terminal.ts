// How the command line writes: tables padded to their columns, the views' Markdown tooltips as
// plain "Name: value" lines, colours only when the stream is a terminal and NO_COLOR is not set
// (no-color.org), and progress on stderr (never mixed into what a script reads from stdout).
// What others named (a /dev/shm file, a process's command line, a string in shared memory) reaches
// the terminal with its control characters escaped, as `ls -b` shows them: a name holding ESC [2J or
// a carriage return must not clear or overwrite what the user reads (the clean preview included).
import type { Writable } from 'stream';
import { escapeControls } from '../ipc/format';
import type { RowIcon } from '../ipc/objects';

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

/** Whether to colour what goes to `stream`: a terminal, and NO_COLOR absent or empty. */
export function colourFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** One line of text as it may reach a terminal: control characters escaped (src/ipc/format.ts). */
export const visible = escapeControls;

/** Lines of text, each made visible(): the breaks between them kept. */
function visibleLines(text: string): string {
  return text.split('\n').map(visible).join('\n');
}

export class Output {
  readonly colour: boolean;
  private readonly errColour: boolean;

  constructor(
    readonly out: Writable & { isTTY?: boolean } = process.stdout,
    readonly err: Writable & { isTTY?: boolean } = process.stderr,
    private readonly quiet = false,
  ) {
    this.colour = colourFor(out);
    this.errColour = colourFor(err);
  }

  /** A line as it is: the caller made what others named in it visible() (and may have painted it). */
  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  /** Words that may quote names: each of its lines made visible(). */
  say(text: string): void {
    this.line(visibleLines(text));
  }

  paint(text: string, colour: Colour | undefined): string {
    return this.colour && colour ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
  }

  /** A progress note on stderr (not with --quiet). */
  progress(text: string): void {
    text = visibleLines(text);
    if (!this.quiet) this.err.write(`${this.errColour ? `\x1b[2m${text}\x1b[0m` : text}\n`);
  }

  /** A failure or a warning on stderr, prefixed with the program's name. */
  error(text: string): void {
    text = visibleLines(text);
    this.err.write(`ipc-inspector: ${this.errColour ? `\x1b[31m${text}\x1b[0m` : text}\n`);
  }
}

/** The colour a row's state is shown in. */
export function stateColour(icon: RowIcon): Colour | undefined {
  switch (icon) {
    case 'in-use':
      return 'green';
    case 'orphaned':
    case 'problem':
      return 'yellow';
    case 'removed-held':
      return 'red';
    default:
      return undefined;
  }
}

/** Rows as columns padded to the widest cell, every cell made visible(); `paint` may colour a cell after it is padded. */
export function formatTable(header: readonly string[], cellRows: readonly string[][], paint?: (row: number, column: number, padded: string) => string): string {
  const rows = cellRows.map((cells) => cells.map(visible));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fit = (cells: readonly string[], row: number) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]);
        return row >= 0 && paint ? paint(row, i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [fit(header, -1), ...rows.map((r, i) => fit(r, i))].join('\n');
}

/**
 * A tooltip of the views (bold heading, a two-column Markdown table, paragraphs) as plain text:
 * the heading, then "Name: value" lines aligned on the colon, each line made visible().
 */
export function markdownToText(markdown: string): string {
  const lines: string[] = [];
  const table: Array<[string, string]> = [];
  const flush = () => {
    const width = Math.max(0, ...table.map(([name]) => name.length));
    for (const [name, value] of table) lines.push(`  ${`${name}:`.padEnd(width + 1)} ${value}`);
    table.length = 0;
  };
  for (const raw of markdown.split('\n')) {
    const row = /^\|(.*)\|\s*$/.exec(raw);
    if (row) {
      const cells = row[1].split(/(?<!\\)\|/).map((c) => plain(c.trim()));
      if (cells.every((c) => /^-*$/.test(c))) continue; // the header's rule, or the empty header
      table.push([cells[0], cells.slice(1).join(' | ')]);
      continue;
    }
    flush();
    const text = plain(raw);
    if (text !== '' || (lines.length > 0 && lines[lines.length - 1] !== '')) lines.push(text);
  }
  flush();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(visible).join('\n');
}

/** Markdown's emphasis, code spans and escapes removed. */
function plain(text: string): string {
  return text
    .replace(/\*\*(.*?)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([|\\`*_[\]])/g, '$1')
    .replace(/\$\([a-z-]+\)\s*/g, '');
}
