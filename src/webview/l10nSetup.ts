// The page's translations: the extension puts this window's bundle (the same strings as its own)
// in the root element's data-l10n, read here before any other module of the page builds its words.
import { configure } from '../shared/l10n';

const text = document.getElementById('root')?.dataset.l10n;
if (text) {
  try {
    const contents = JSON.parse(text) as Record<string, string>;
    if (Object.keys(contents).length > 0) configure(contents);
  } catch {
    // A bundle that does not parse: the page stays in English rather than not starting.
  }
}
