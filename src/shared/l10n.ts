// The one way the code says words a user reads: `l10n.t('… {0} …', value)` (imported as `l10n`, so
// `npm run l10n` finds every call), over @vscode/l10n's bundle. Values are turned into text as a
// template literal would, so a message reads the same whether it is translated or not.
import * as bundle from '@vscode/l10n';

export function t(message: string, ...values: unknown[]): string {
  return bundle.t(message, ...values.map((value) => String(value)));
}
