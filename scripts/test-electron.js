#!/usr/bin/env node
// @ts-check
// `npm run test:electron`: the integration suite (out/test/integration/index.js) in desktop VS Code,
// through @vscode/test-electron, for contributors with internet: it downloads VS Code (the version
// of engines.vscode, into .vscode-test/) on first use. CI and this project's machines have no
// internet, so `npm test` runs the same suite in the offline host instead
// (scripts/test-host/runIntegration.js, code-server in chromium); both load the same suite.
//
//   node scripts/test-electron.js [--version <x.y.z|stable|insiders>]
//
// On Linux without a display it needs one: run it under `xvfb-run -a npm run test:electron`.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');

function parseArgs(argv) {
  const { engines } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const options = { version: engines.vscode.replace(/^\^/, '') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--version' && argv[i + 1]) options.version = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}\nusage: node scripts/test-electron.js [--version <x.y.z|stable|insiders>]`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const suite = path.join(root, 'out', 'test', 'integration', 'index.js');
  if (!fs.existsSync(suite)) throw new Error('out/test/integration/index.js is missing: npm run compile-tests first (npm run test:electron does)');
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error('desktop VS Code needs a display: run xvfb-run -a npm run test:electron (Debian: apt-get install xvfb)');
  }
  const { runTests, downloadAndUnzipVSCode } = require('@vscode/test-electron');
  let executable;
  try {
    executable = await downloadAndUnzipVSCode({ version: options.version, timeout: 30_000 });
  } catch (error) {
    throw new Error(
      `could not download VS Code ${options.version} (${error.message}). This route needs internet; ` +
        'offline, npm run test:integration runs the same suite in the local code-server host.',
    );
  }
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-electron-'));
  try {
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: root,
      extensionTestsPath: suite,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`[test-electron] ${error.message}`);
  process.exit(1);
});
