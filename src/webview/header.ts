// The segment's header bar: identity, size, attachments, owner, state, and the removal notices.
import type { SegmentHeader } from '../shared/hexProtocol';
import { el, show } from './dom';
import { groupDigits, humanSize } from './format';

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

  update(header: SegmentHeader): void {
    this.title.replaceChildren(el('span', 'seg-key', undefined, [`Key ${header.key}`]), el('span', 'seg-id', undefined, [`id ${header.shmid}`]));
    const size = header.size < 1024 ? humanSize(header.size) : `${humanSize(header.size)} (${groupDigits(header.size)} bytes)`;
    const attached = header.nattch === 1 ? '1 process' : `${header.nattch} processes`;
    const facts: [string, string][] = [
      ['Size', size],
      ['Attached', attached],
      ['Owner', header.owner],
      ['State', header.state || (header.phase === 'gone' ? 'removed' : header.phase === 'removed-attached' ? 'removed, still attached' : 'live')],
    ];
    this.facts.replaceChildren(...facts.map(([k, v]) => el('div', 'fact', undefined, [el('dt', undefined, undefined, [k]), el('dd', undefined, undefined, [v])])));
    this.removing.textContent = 'Marked for removal: disappears when the last process detaches.';
    show(this.removing, header.phase === 'removed-attached');
    if (header.phase === 'gone') {
      this.gone.replaceChildren(
        el('strong', undefined, undefined, ['This segment was removed.']),
        ' The bytes shown are the last ones read; nothing more can be read from it.',
      );
    }
    show(this.gone, header.phase === 'gone');
    this.element.classList.toggle('is-gone', header.phase === 'gone');
  }
}
