// The object's header bar: identity, size, the kind's facts (attached processes or holders, owner,
// state), and the notices for an object removed but still held, and for one that is gone.
import type { ContentsHeader } from '../shared/contentsProtocol';
import { el, show } from './dom';
import { groupDigits, humanSize } from './format';
import * as l10n from '../shared/l10n';

export class HeaderBar {
  readonly element: HTMLElement;
  private readonly title = el('h1', 'seg-title');
  private readonly facts = el('dl', 'seg-facts');
  private readonly removing = el('p', 'seg-notice removing', { role: 'status' });
  private readonly gone = el('div', 'seg-gone', { role: 'alert' });

  constructor() {
    this.element = el('header', 'seg-header', undefined, [el('div', 'seg-line', undefined, [this.title, this.facts]), this.removing, this.gone]);
    show(this.removing, false);
    show(this.gone, false);
  }

  update(header: ContentsHeader): void {
    this.title.replaceChildren(el('span', 'seg-key', undefined, [header.title]), el('span', 'seg-id', undefined, [header.subtitle]));
    const size = header.size < 1024 ? humanSize(header.size) : `${humanSize(header.size)} (${groupDigits(header.size)} bytes)`;
    const facts: [string, string][] = [['Size', size], ...header.facts];
    this.facts.replaceChildren(
      ...facts.map(([k, v]) => el('div', 'fact', undefined, [el('dt', undefined, undefined, [k]), el('dd', undefined, undefined, [v])])),
    );
    this.removing.textContent = header.removedNotice;
    show(this.removing, header.phase === 'removed-held');
    if (header.phase === 'gone') {
      this.gone.replaceChildren(
        el('strong', undefined, undefined, [l10n.t('This {0} was removed.', header.noun)]),
        ' The bytes shown are the last ones read; nothing more can be read from it.',
      );
    }
    show(this.gone, header.phase === 'gone');
    this.element.classList.toggle('is-gone', header.phase === 'gone');
  }
}
