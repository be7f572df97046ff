// What the create commands say once the helper answered: whether the object was made now, or an
// existing one of that key or name was found and left as it is (the helper's reply says which:
// IPC_EXCL / O_EXCL first, then the existing one). One place, so every kind says it alike.
import * as l10n from '../shared/l10n';

/** "Created segment 0x7e001234 (id 5, 8 KiB)." or "Found an existing segment 0x7e001234 (not created): id 5, left as it is." */
export function createdWords(created: boolean, noun: string, name: string, details: string): string {
  return created
    ? l10n.t('Created {0} {1} ({2}).', noun, name, details)
    : l10n.t('Found an existing {0} {1} (not created): {2}, left as it is.', noun, name, details);
}
