// The data inspector: the bytes at the selection start read as C types, little or big endian.
import { inspect } from '../shared/dataInspector';
import { formatOffset } from '../shared/hexFormat';
import { el } from './dom';
import * as l10n from '../shared/l10n';

export class InspectorPanel {
  readonly element: HTMLElement;
  private readonly at = el('p', 'insp-at');
  private readonly body = el('tbody');
  private readonly little: HTMLButtonElement;
  private readonly big: HTMLButtonElement;
  private littleEndian = true;
  private last = '';
  private onEndianChange: (littleEndian: boolean) => void = () => undefined;

  constructor() {
    this.little = el('button', 'seg-btn', { type: 'button', 'aria-pressed': 'true', title: l10n.t('Read multi-byte values least significant byte first') }, [
      l10n.t('Little endian'),
    ]);
    this.big = el('button', 'seg-btn', { type: 'button', 'aria-pressed': 'false', title: l10n.t('Read multi-byte values most significant byte first') }, [
      l10n.t('Big endian'),
    ]);
    this.little.addEventListener('click', () => this.setEndian(true, true));
    this.big.addEventListener('click', () => this.setEndian(false, true));
    this.element = el('aside', 'inspector', { 'aria-label': l10n.t('Data inspector') }, [
      el('h2', undefined, undefined, [l10n.t('Data inspector')]),
      el('div', 'segmented', { role: 'group', 'aria-label': l10n.t('Byte order') }, [this.little, this.big]),
      this.at,
      el('table', 'insp-table', { 'aria-label': l10n.t('Values at the selection start') }, [this.body]),
    ]);
  }

  get isLittleEndian(): boolean {
    return this.littleEndian;
  }

  onEndian(listener: (littleEndian: boolean) => void): void {
    this.onEndianChange = listener;
  }

  setEndian(littleEndian: boolean, byUser = false): void {
    this.littleEndian = littleEndian;
    this.little.setAttribute('aria-pressed', String(littleEndian));
    this.big.setAttribute('aria-pressed', String(!littleEndian));
    this.last = '';
    if (byUser) this.onEndianChange(littleEndian);
  }

  /**
   * Shows the values at `offset` from `bytes` (the loaded, resident bytes from there on; empty when
   * the byte is not resident or not loaded, which shows "—" everywhere). `note` says why.
   */
  update(offset: number | undefined, digits: number, bytes: Uint8Array, note = ''): void {
    const key = `${offset}|${digits}|${this.littleEndian}|${note}|${bytes.join(',')}`;
    if (key === this.last) return;
    this.last = key;
    this.at.textContent =
      offset === undefined ? l10n.t('No byte selected') : l10n.t('At offset {0}{1}', formatOffset(offset, digits), note ? ` (${note})` : '');
    const rows = inspect(bytes, this.littleEndian);
    this.body.replaceChildren(
      ...rows.map((row) => el('tr', undefined, undefined, [el('th', undefined, { scope: 'row' }, [row.label]), el('td', undefined, undefined, [row.value])])),
    );
  }
}
