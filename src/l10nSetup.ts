// This window's translations, loaded into @vscode/l10n before any other module of the extension:
// every user-visible string goes through l10n.t (src/ipc and src/ctypes too, which have no editor),
// and some are in tables built when their module loads. VS Code finds the bundle for the display
// language (l10n/bundle.l10n.<locale>.json); in English there is none and the strings stay as written.
import * as vscode from 'vscode';
import { configure } from './shared/l10n';

if (vscode.l10n.bundle) configure(vscode.l10n.bundle);
