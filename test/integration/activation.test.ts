// The extension loads and activates in a real VS Code, as a workspace (remote) extension on Linux.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'ipc-inspector.ipc-inspector';

describe('activation', () => {
  it('runs in the extension host of a Linux machine', () => {
    assert.strictEqual(process.platform, 'linux');
  });

  it('runs as a workspace extension (vscode.env.remoteName is set)', () => {
    assert.ok(vscode.env.remoteName, `remoteName is ${String(vscode.env.remoteName)}`);
  });

  it('is installed and activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not among ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
    assert.strictEqual(extension.extensionKind, vscode.ExtensionKind.Workspace);
    await extension.activate();
    assert.strictEqual(extension.isActive, true);
  });
});
