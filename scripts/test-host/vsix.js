#!/usr/bin/env node
// @ts-check
// Installs a VSIX into an extensions folder with the offline test host's own CLI (code-server
// --install-extension: the same extraction VS Code does, so file modes are what a user gets), and
// lists what a folder holds. Same throwaway home as the server (server.js prepareHome): nothing is
// written to $HOME and no gallery is contacted.
//
//   const { installVsix, listExtensions } = require('./vsix');
//   const { id, dir } = await installVsix('dist-vsix/x.vsix', extensionsDir);
//   await listExtensions(extensionsDir); // ['publisher.name@1.2.3']
//   // then startServer({ workspace, extensionsDir }) runs the installed extension
//
//   node scripts/test-host/vsix.js <file.vsix> [--extensions-dir <dir>]   install, print the list
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ENTRY, isInstalled } = require('./install');
const { prepareHome } = require('./server');

const CLI_TIMEOUT_MS = 120_000;

/** Runs the code-server CLI with a throwaway home; resolves with its output, rejects on failure. */
async function codeServerCli(extensionsDir, cliArgs) {
  if (!isInstalled()) throw new Error('the VS Code test host is not installed: run node scripts/test-host/install.js');
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-cli-'));
  try {
    const { configFile, userDataDir, env } = prepareHome(tempDir);
    const args = [ENTRY, '--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, ...cliArgs];
    return await new Promise((resolve, reject) => {
      childProcess.execFile(process.execPath, args, { cwd: tempDir, env, timeout: CLI_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error) {
          reject(new Error(`code-server ${cliArgs.join(' ')} failed (${error.killed ? 'timed out' : `exit ${error.code}`}):\n${output}`));
        } else {
          resolve(output);
        }
      });
    });
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

/** Extensions installed in extensionsDir, as `publisher.name@version`, lower-case ids. */
async function listExtensions(extensionsDir) {
  const output = await codeServerCli(extensionsDir, ['--list-extensions', '--show-versions']);
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[\w-]+\.[\w-]+@\S+$/.test(line))
    .map((line) => line.toLowerCase());
}

/**
 * Installs vsix into extensionsDir (created if missing; --force replaces an installed version).
 * Resolves with the extension's id (publisher.name), version, target platform and installed folder.
 *
 * @param {string} vsix path of the .vsix file
 * @param {string} extensionsDir the extensions folder (absolute); startServer({ extensionsDir }) uses it
 * @returns {Promise<{ id: string, version: string, targetPlatform: string, dir: string, output: string }>}
 */
async function installVsix(vsix, extensionsDir) {
  const file = path.resolve(vsix);
  if (!fs.existsSync(file)) throw new Error(`no such VSIX: ${file}`);
  if (!path.isAbsolute(extensionsDir)) throw new Error('installVsix: extensionsDir must be an absolute path');
  fs.mkdirSync(extensionsDir, { recursive: true });
  const output = await codeServerCli(extensionsDir, ['--install-extension', file, '--force']);
  if (!/successfully installed/i.test(output)) throw new Error(`code-server did not install ${path.basename(file)}:\n${output}`);

  // extensions.json records the folder (<publisher>.<name>-<version>) of every installed extension.
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionsDir, 'extensions.json'), 'utf8'));
  const entries = manifest.filter((entry) => entry.relativeLocation && fs.existsSync(path.join(extensionsDir, entry.relativeLocation)));
  const entry = entries.find((candidate) => output.includes(candidate.identifier.id)) ?? entries.at(-1);
  if (!entry) throw new Error(`installed ${path.basename(file)}, but extensions.json lists no folder for it`);
  const dir = path.join(extensionsDir, entry.relativeLocation);
  // The package's own manifest says which platform it was made for ("universal" when none).
  const vsixManifest = path.join(dir, '.vsixmanifest');
  const target = fs.existsSync(vsixManifest) && /TargetPlatform="([^"]+)"/.exec(fs.readFileSync(vsixManifest, 'utf8'));
  return { id: entry.identifier.id, version: entry.version, targetPlatform: target ? target[1] : 'universal', dir, output };
}

/**
 * Adds an extension folder as it is (no VSIX: a bench's probe) to an extensions folder, recorded in
 * its extensions.json as code-server records what it installs.
 *
 * @param {string} folder the extension's folder (its package.json names publisher, name, version)
 * @param {string} extensionsDir the extensions folder (absolute), with its extensions.json
 * @returns {string} the extension's id
 */
function addUnpackedExtension(folder, extensionsDir) {
  const { publisher, name, version } = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  const id = `${publisher}.${name}`;
  const relativeLocation = `${id}-${version}`;
  const dir = path.join(extensionsDir, relativeLocation);
  fs.cpSync(folder, dir, { recursive: true });
  const manifestFile = path.join(extensionsDir, 'extensions.json');
  const manifest = fs.existsSync(manifestFile) ? JSON.parse(fs.readFileSync(manifestFile, 'utf8')) : [];
  manifest.push({
    identifier: { id },
    version,
    location: { $mid: 1, fsPath: dir, external: new URL(`file://${dir}`).href, path: dir, scheme: 'file' },
    relativeLocation,
    metadata: { installedTimestamp: Date.now(), pinned: true, source: 'vsix' },
  });
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  return id;
}

module.exports = { installVsix, listExtensions, addUnpackedExtension };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const usage = 'usage: node scripts/test-host/vsix.js <file.vsix> [--extensions-dir <dir>]';
  const at = argv.indexOf('--extensions-dir');
  const extensionsDir = at >= 0 ? path.resolve(argv.splice(at, 2)[1] ?? '') : fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-ext-'));
  if (argv.length !== 1) {
    console.error(usage);
    process.exit(2);
  }
  installVsix(argv[0], extensionsDir)
    .then(async (installed) => {
      console.log(`installed ${installed.id}@${installed.version} (${installed.targetPlatform}) into ${installed.dir}`);
      console.log((await listExtensions(extensionsDir)).join('\n'));
    })
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
