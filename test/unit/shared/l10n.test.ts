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
import { configure, t } from '../../../src/shared/l10n';

const EPERM = '{0}: not permitted (EPERM). Only the owner, the creator or root can do this.';

describe('localization', () => {
  afterEach(() => configure({}));

  const eperm = () => describeError(Object.assign(new Error('raw'), { code: 'EPERM' }), 'Could not remove segment 5').message;

  it('translates composed messages with a bundle, values in place, and keeps English without one', () => {
    assert.strictEqual(eperm(), 'Could not remove segment 5: not permitted (EPERM). Only the owner, the creator or root can do this.');
    configure({ [EPERM]: '{0}: nicht erlaubt (EPERM). Nur der Eigentümer, der Erzeuger oder root darf das.' });
    assert.strictEqual(eperm(), 'Could not remove segment 5: nicht erlaubt (EPERM). Nur der Eigentümer, der Erzeuger oder root darf das.');
    const other = describeError(new HelperError('EIDRM', 43, 'read', 'gone'), 'Could not read').message;
    assert.match(other, /was removed meanwhile \(EIDRM\)/, 'a string the bundle lacks stays English');
  });

  it('fills English words as @vscode/l10n does, for every template the code says and for odd braces', () => {
    const root = path.resolve(__dirname, '..', '..', '..', '..');
    const templates = Object.keys(JSON.parse(fs.readFileSync(path.join(root, 'l10n', 'bundle.l10n.json'), 'utf8')) as Record<string, string>);
    assert.ok(templates.length > 100, "the bundle lists the code's templates");
    const odd = ['{0}{0}{1}', '{1} before {0}', 'no values {0}', '{x} and {0}', '{01} {00} { 0}', '{}{0}', '{{0}}', 'a {0', '{2}'];
    const valueSets: unknown[][] = [[], ['a'], [7, 'b'], ['x', undefined, null], [1, 2, 3, 4]];
    for (const template of [...templates, ...odd]) {
      for (const values of valueSets) {
        // The library's own filling, without a bundle: the oracle.
        const expected = values.length === 0 ? l10n.t(template) : l10n.t(template, ...values.map((v) => String(v)));
        assert.strictEqual(t(template, ...values), expected, `${JSON.stringify(template)} with ${JSON.stringify(values)}`);
      }
    }
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
