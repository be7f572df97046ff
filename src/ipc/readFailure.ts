// Why the helper could not read an object's values, messages or attributes, in the few words the
// classifiers and rows use. One mapping for every kind, so "denied" means the same everywhere.
import { HelperError } from './helperClient';
import { HelperNotFoundError } from './helperLocation';
import * as l10n from '../shared/l10n';

export type ReadFailure = 'no-helper' | 'denied' | 'gone' | 'unsupported' | 'error';

/** Errors meaning the object is not there (any more): removed between the listing and the read. */
const GONE = new Set(['EINVAL', 'EIDRM', 'ENOENT', 'ESTALE']);

export function readFailure(error: unknown): { why: ReadFailure; message: string } {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof HelperNotFoundError) return { why: 'no-helper', message: l10n.t('the helper is not available') };
  if (!(error instanceof HelperError)) return { why: 'error', message };
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return {
      why: 'denied',
      message: l10n.t('not readable by this user ({0}): its mode does not grant read permission; its owner can change that, or root can read it', error.code),
    };
  }
  if (GONE.has(error.code)) return { why: 'gone', message: l10n.t('removed meanwhile') };
  // MSG_COPY needs a kernel built with CONFIG_CHECKPOINT_RESTORE.
  if (error.code === 'ENOSYS') return { why: 'unsupported', message: l10n.t('this kernel cannot copy messages (MSG_COPY needs CONFIG_CHECKPOINT_RESTORE)') };
  return { why: 'error', message };
}

/** What to say for values never asked for: no view that shows them is open. */
export const NOT_READ = { why: 'no-helper' as const, message: l10n.t('not read: no view showing it is open') };
