// Localization of the pure modules: a bundle given to @vscode/l10n (as src/l10nSetup.ts gives it
// VS Code's for the display language) translates the words src/ipc composes, with their values in
// place; without one, or for a string the bundle lacks, the English stays. The committed bundle
// has every string the code asks for (scripts/check-l10n.js checks it is current).
import * as l10n from '@vscode/l10n';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describeError } from '../../../src/ipc/errors';
import { HelperError } from '../../../src/ipc/helperClient';

const EPERM = '{0}: not permitted (EPERM). Only the owner, the creator or root can do this.';

describe('localization', () => {
  afterEach(() => l10n.config({ contents: {} }));

  const eperm = () => describeError(Object.assign(new Error('raw'), { code: 'EPERM' }), 'Could not remove segment 5').message;

  it('translates composed messages with a bundle, values in place, and keeps English without one', () => {
    assert.strictEqual(eperm(), 'Could not remove segment 5: not permitted (EPERM). Only the owner, the creator or root can do this.');
    l10n.config({ contents: { [EPERM]: '{0}: nicht erlaubt (EPERM). Nur der Eigentümer, der Erzeuger oder root darf das.' } });
    assert.strictEqual(eperm(), 'Could not remove segment 5: nicht erlaubt (EPERM). Nur der Eigentümer, der Erzeuger oder root darf das.');
    const other = describeError(new HelperError('EIDRM', 43, 'read', 'gone'), 'Could not read').message;
    assert.match(other, /was removed meanwhile \(EIDRM\)/, 'a string the bundle lacks stays English');
  });

  it("ships a bundle with every string the code asks for, the manifest's strings beside it", () => {
    const root = path.resolve(__dirname, '..', '..', '..', '..');
    const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
    assert.ok(EPERM in bundle, 'the advice for EPERM is in the bundle');
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
    assert.strictEqual(manifest.l10n, './l10n');
    assert.strictEqual(manifest.contributes.views.ipcInspector[0].name, '%view.sharedMemory.name%');
    assert.strictEqual(nls['view.sharedMemory.name'], 'Shared Memory');
  });
});
