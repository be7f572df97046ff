// The controls above the grid: live refresh, go to offset, search, copy, save snapshot.
// The toolbar only collects input and shows state; the App decides and talks to the extension.
import type { CopyFormat } from '../shared/contentsProtocol';
import type { GapWords } from './gapWords';
import { el, show } from './dom';
import * as l10n from '../shared/l10n';

export interface ToolbarActions {
  toggleLive(): void;
  goTo(text: string): string | undefined; // an error to show inline, or undefined when it went
  search(): void;
  cancelSearch(): void;
  copy(format: CopyFormat): void;
  saveSnapshot(): void;
  toggleInspector(): void;
  chooseType(): void;
  /** Record (or stop recording) the object over time. */
  record(): void;
  /** Leave an input: back to the grid. */
  returnFocus(): void;
}

export type SearchKind = 'hex' | 'text';

export class Toolbar {
  readonly element: HTMLElement;
  readonly live: HTMLButtonElement;
  readonly gotoInput: HTMLInputElement;
  private readonly gotoError: HTMLElement;
  readonly findInput: HTMLInputElement;
  private readonly hexButton: HTMLButtonElement;
  private readonly textButton: HTMLButtonElement;
  readonly caseButton: HTMLButtonElement;
  readonly nonResident: HTMLInputElement;
  private readonly nonResidentLabel: HTMLLabelElement;
  private readonly nonResidentText: HTMLSpanElement;
  private readonly findButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly progress: HTMLProgressElement;
  private readonly findStatus: HTMLElement;
  readonly copyFormat: HTMLSelectElement;
  private readonly copyButton: HTMLButtonElement;
  private readonly saveButton: HTMLButtonElement;
  private readonly inspectorButton: HTMLButtonElement;
  readonly recordButton: HTMLButtonElement;
  private kind: SearchKind = 'hex';
  private caseSensitive = false;

  constructor(actions: ToolbarActions) {
    this.live = el('button', 'seg-btn live-btn', { type: 'button' });
    this.live.addEventListener('click', () => actions.toggleLive());

    this.gotoInput = el('input', 'seg-input', {
      id: 'goto',
      type: 'text',
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: l10n.t('0x1f40 or 8000'),
      'aria-describedby': 'goto-error',
      title: l10n.t('Offset: hex with 0x, or decimal. Enter goes there (Ctrl+G)'),
    });
    this.gotoError = el('span', 'inline-error', { id: 'goto-error', role: 'alert' });
    this.gotoInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        const error = actions.goTo(this.gotoInput.value);
        this.setGotoError(error);
        e.preventDefault();
      } else if (e.key === 'Escape') {
        this.setGotoError(undefined);
        actions.returnFocus();
        e.preventDefault();
      } else return;
      e.stopPropagation();
    });
    this.gotoInput.addEventListener('input', () => this.setGotoError(undefined));

    this.findInput = el('input', 'seg-input find-input', {
      id: 'find',
      type: 'text',
      spellcheck: 'false',
      autocomplete: 'off',
      'aria-describedby': 'find-status',
      title: l10n.t('Find the next match from the selection (Ctrl+F; Enter or F3 for the next; Escape cancels)'),
    });
    this.findInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === 'F3') actions.search();
      else if (e.key === 'Escape') actions.cancelSearch();
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    this.findInput.addEventListener('input', () => this.setFindStatus('', false));
    this.hexButton = el('button', 'seg-btn', { type: 'button', 'aria-pressed': 'true', title: l10n.t('Search for hex bytes, e.g. de ad be ef') }, [
      l10n.t('Hex'),
    ]);
    this.textButton = el('button', 'seg-btn', { type: 'button', 'aria-pressed': 'false', title: l10n.t('Search for text (its UTF-8 bytes)') }, [
      l10n.t('Text'),
    ]);
    this.hexButton.addEventListener('click', () => this.setKind('hex'));
    this.textButton.addEventListener('click', () => this.setKind('text'));
    this.caseButton = el(
      'button',
      'seg-btn case-btn',
      { type: 'button', 'aria-pressed': 'false', 'aria-label': l10n.t('Match case'), title: l10n.t('Match case (text search)') },
      [l10n.t('Aa')],
    );
    this.caseButton.addEventListener('click', () => this.setCaseSensitive(!this.caseSensitive));
    this.nonResident = el('input', undefined, { type: 'checkbox', id: 'find-nonresident' });
    this.nonResidentText = el('span', undefined, undefined, [l10n.t('include non-resident pages')]);
    this.nonResidentLabel = el(
      'label',
      'check',
      { for: 'find-nonresident', title: l10n.t('Also search pages that are not in memory. Reading them allocates them.') },
      [this.nonResident, this.nonResidentText],
    );
    this.findButton = el('button', 'seg-btn primary', { type: 'button', title: l10n.t('Find next (Enter, F3)') }, [l10n.t('Find next')]);
    this.findButton.addEventListener('click', () => actions.search());
    this.cancelButton = el('button', 'seg-btn', { type: 'button', title: l10n.t('Stop searching (Escape)') }, [l10n.t('Cancel')]);
    this.cancelButton.addEventListener('click', () => actions.cancelSearch());
    this.progress = el('progress', 'find-progress', { max: 1, value: 0, 'aria-label': l10n.t('Search progress') });
    this.findStatus = el('span', 'find-status', { id: 'find-status', 'aria-live': 'polite' });
    show(this.cancelButton, false);
    show(this.progress, false);

    this.copyFormat = el('select', 'seg-select', { 'aria-label': l10n.t('Copy format') }, [
      el('option', undefined, { value: 'hex' }, [l10n.t('as hex')]),
      el('option', undefined, { value: 'c' }, [l10n.t('as C array')]),
      el('option', undefined, { value: 'text' }, [l10n.t('as text')]),
    ]);
    this.copyButton = el('button', 'seg-btn', { type: 'button', title: l10n.t('Copy the selected bytes (Ctrl+C in the grid)') }, [l10n.t('Copy')]);
    this.copyButton.addEventListener('click', () => actions.copy(this.copyFormat.value as CopyFormat));
    this.saveButton = el('button', 'seg-btn', { type: 'button', title: l10n.t('Save the whole segment to a file') }, [l10n.t('Save snapshot…')]);
    this.saveButton.addEventListener('click', () => actions.saveSnapshot());
    this.inspectorButton = el(
      'button',
      'seg-btn',
      { type: 'button', 'aria-expanded': 'true', 'aria-controls': 'inspector', title: l10n.t('Show or hide the data inspector') },
      [l10n.t('Inspector')],
    );
    this.inspectorButton.addEventListener('click', () => actions.toggleInspector());
    const typeButton = el(
      'button',
      'seg-btn',
      { type: 'button', title: l10n.t('See the bytes as a struct, union or typedef from your C files (View as C Type…)') },
      [l10n.t('C type…')],
    );
    typeButton.addEventListener('click', () => actions.chooseType());
    this.recordButton = el('button', 'seg-btn record-btn', { type: 'button' }, [l10n.t('Record')]);
    this.recordButton.addEventListener('click', () => actions.record());
    this.setRecording(false, true);

    const label = (forId: string, textValue: string) => el('label', 'tool-label', { for: forId }, [textValue]);
    // Two rows that keep their height: actions, then the find bar (its status text takes the room
    // that is left and is cut with an ellipsis, so a long result never re-wraps the toolbar).
    this.element = el('div', 'toolbar', undefined, [
      el('div', 'toolbar-row', undefined, [
        el('div', 'tool', { role: 'group', 'aria-label': l10n.t('Live refresh') }, [this.live]),
        el('div', 'tool', { role: 'group', 'aria-label': l10n.t('Go to offset') }, [label('goto', l10n.t('Go to')), this.gotoInput, this.gotoError]),
        el('div', 'tool', { role: 'group', 'aria-label': l10n.t('Copy selection') }, [this.copyFormat, this.copyButton]),
        el('div', 'tool', undefined, [this.saveButton, this.inspectorButton, typeButton, this.recordButton]),
      ]),
      el('div', 'toolbar-row find', { role: 'search', 'aria-label': l10n.t('Find in segment') }, [
        el('div', 'tool', undefined, [label('find', l10n.t('Find')), this.findInput]),
        el('div', 'tool', undefined, [
          el('span', 'segmented', { role: 'group', 'aria-label': l10n.t('Search for') }, [this.hexButton, this.textButton]),
          this.caseButton,
          this.nonResidentLabel,
        ]),
        el('div', 'tool find-run', undefined, [this.findButton, this.cancelButton, this.progress, this.findStatus]),
      ]),
    ]);
    this.setKind('hex');
  }

  get searchKind(): SearchKind {
    return this.kind;
  }

  get isCaseSensitive(): boolean {
    return this.caseSensitive;
  }

  setKind(kind: SearchKind): void {
    this.kind = kind;
    this.hexButton.setAttribute('aria-pressed', String(kind === 'hex'));
    this.textButton.setAttribute('aria-pressed', String(kind === 'text'));
    this.caseButton.disabled = kind === 'hex';
    this.findInput.placeholder = kind === 'hex' ? l10n.t('hex bytes: de ad be ef') : l10n.t('text');
    this.findInput.setAttribute('aria-label', kind === 'hex' ? l10n.t('Find hex bytes') : l10n.t('Find text'));
    this.setFindStatus('', false);
  }

  setCaseSensitive(on: boolean): void {
    this.caseSensitive = on;
    this.caseButton.setAttribute('aria-pressed', String(on));
  }

  setLive(live: boolean, available: boolean): void {
    this.live.disabled = !available;
    this.live.classList.toggle('on', live && available);
    this.live.textContent = !available ? l10n.t('Live off') : live ? l10n.t('Pause live') : l10n.t('Resume live');
    this.live.setAttribute(
      'aria-label',
      !available ? l10n.t('Live refresh is off') : live ? l10n.t('Live refresh is on: pause it') : l10n.t('Live refresh is paused: resume it'),
    );
    this.live.title = !available
      ? l10n.t('Live refresh is turned off in the settings (or the segment is gone)')
      : live
        ? l10n.t('Live: the rows on screen are re-read as the segment changes. Click to pause.')
        : l10n.t('Paused: the view shows the bytes as last read. Click to resume live refresh.');
  }

  setGotoError(error: string | undefined): void {
    this.gotoError.textContent = error ?? '';
    this.gotoInput.setAttribute('aria-invalid', String(error !== undefined));
  }

  setSearching(searching: boolean): void {
    show(this.cancelButton, searching);
    show(this.progress, searching);
    this.findButton.disabled = searching;
    if (searching) this.progress.value = 0;
  }

  setProgress(fraction: number, text: string): void {
    this.progress.value = Math.max(0, Math.min(1, fraction));
    this.setFindStatus(text, false);
  }

  setFindStatus(text: string, error: boolean): void {
    this.findStatus.textContent = text;
    this.findStatus.title = text;
    this.findStatus.classList.toggle('error', error);
    this.findInput.setAttribute('aria-invalid', String(error));
  }

  setSelectionAvailable(canCopy: boolean): void {
    this.copyButton.disabled = !canCopy;
  }

  /** The segment is gone: nothing can be read, searched, copied or saved any more. */
  /** Words the "include pages without data" option for the kind shown (non-resident pages, holes). */
  setGapWords(words: GapWords): void {
    this.nonResidentText.textContent = words.include;
    this.nonResidentLabel.title = words.includeTitle;
  }

  setGone(gone: boolean): void {
    for (const control of [
      this.findInput,
      this.findButton,
      this.nonResident,
      this.copyButton,
      this.copyFormat,
      this.saveButton,
      this.hexButton,
      this.textButton,
    ]) {
      control.disabled = gone;
    }
    if (gone) this.caseButton.disabled = true;
    else this.setKind(this.kind);
  }

  /** Record while nothing records, Stop while it does; not offered where there is no object (a recording from a file, a removed one). */
  setRecording(recording: boolean, available: boolean): void {
    show(this.recordButton, available);
    this.recordButton.textContent = recording ? l10n.t('Stop recording') : l10n.t('Record');
    this.recordButton.classList.toggle('on', recording);
    this.recordButton.title = recording
      ? l10n.t('End the recording: the timeline keeps what was taken')
      : l10n.t('Record the object over time: scrub back, compare two moments, plot fields, watch for a value');
  }

  setInspectorShown(shown: boolean): void {
    this.inspectorButton.setAttribute('aria-expanded', String(shown));
  }
}
