#!/usr/bin/env node
// @ts-check
// Installs the offline VS Code test host: code-server (VS Code's web workbench plus the real Node
// extension host), pinned, into .vscode-test/code-server/, with its native modules built from source
// and nothing downloaded from outside the npm registry and apt (the README's "Set up, test, run" says
// why: this project's machines reach only those two).
//
//   node scripts/test-host/install.js [--force] [--verbose]
//
// Safe to re-run: a marker written only after the last step (and a load check of every native
// module) makes later runs return at once; a half-done install is removed and redone. The output of
// npm and node-gyp goes to .vscode-test/code-server-install.log (shown with --verbose, and its tail
// on failure).
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

// Newer code-server versions need Node 22 or 24; this one is VS Code 1.100.3 and runs on Node 20.
const CODE_SERVER_VERSION = '4.100.3';
const NODE_MAJOR = 20;
const SYSTEM_PACKAGES = ['libkrb5-dev', 'ripgrep', 'chromium'];
// Native modules of lib/vscode rebuilt by npm (node-pty is built separately, see buildNodePty).
const VSCODE_NATIVE_MODULES = ['kerberos', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog', '@vscode/deviceid'];

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const TEST_DIR = path.join(REPO_ROOT, '.vscode-test');
const HOST_DIR = path.join(TEST_DIR, 'code-server');
const MARKER = path.join(HOST_DIR, `.installed-${CODE_SERVER_VERSION}`);
const LOCK = path.join(TEST_DIR, 'code-server-install.lock');
const LOG_FILE = path.join(TEST_DIR, 'code-server-install.log');
const CODE_SERVER_DIR = path.join(HOST_DIR, 'node_modules', 'code-server');
const VSCODE_DIR = path.join(CODE_SERVER_DIR, 'lib', 'vscode');
const ENTRY = path.join(CODE_SERVER_DIR, 'out', 'node', 'entry.js');

class InstallError extends Error {}

/** What the marker records: a host built for another Node ABI must be rebuilt. */
function markerContent() {
  return JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: process.version, abi: process.versions.modules }) + '\n';
}

function isInstalled() {
  try {
    const marker = JSON.parse(fs.readFileSync(MARKER, 'utf8'));
    return marker.codeServer === CODE_SERVER_VERSION && marker.abi === process.versions.modules && fs.existsSync(ENTRY);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Running commands: output to the log file (and the console with --verbose), a heartbeat line
// every 15 s so a long step is not silent.

function makeRunner({ verbose, log }) {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const step = (message) => log(`[test-host] ${message} (${elapsed()})`);

  /**
   * @param {string} command
   * @param {string[]} args
   * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, label?: string }} [options]
   */
  function run(command, args, options = {}) {
    const { cwd, env = childEnv(), label = `${command} ${args.join(' ')}` } = options;
    return new Promise((resolve, reject) => {
      const logFd = fs.openSync(LOG_FILE, 'a');
      fs.writeSync(logFd, `\n$ (cd ${cwd}) ${command} ${args.join(' ')}\n`);
      const child = childProcess.spawn(command, args, {
        cwd,
        env,
        stdio: ['ignore', verbose ? 'pipe' : logFd, verbose ? 'pipe' : logFd],
      });
      if (verbose) {
        for (const stream of [child.stdout, child.stderr]) {
          stream.on('data', (chunk) => {
            fs.writeSync(logFd, chunk);
            process.stderr.write(chunk);
          });
        }
      }
      const t0 = Date.now();
      const heartbeat = setInterval(() => {
        log(`[test-host]   ... still running ${path.basename(command)} ${args[0] ?? ''} (${Math.round((Date.now() - t0) / 1000)}s)`);
      }, 15000);
      child.on('error', (error) => {
        clearInterval(heartbeat);
        fs.closeSync(logFd);
        reject(new InstallError(`could not start ${command}: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearInterval(heartbeat);
        fs.closeSync(logFd);
        if (code === 0) resolve();
        else reject(Object.assign(new InstallError(`${label} (in ${cwd}) failed with ${signal ?? `exit code ${code}`}`), { logged: true }));
      });
    });
  }

  return { run, step, elapsed };
}

/**
 * The environment for npm and node-gyp. When this script runs under `npm run`, npm exports its
 * project's settings (npm_config_local_prefix, npm_package_*, ...); left in place they would point
 * the nested npm at the repository instead of the host folder.
 */
function childEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (/^npm_(package|lifecycle)_/.test(lower)) continue;
    if (['npm_config_local_prefix', 'npm_command', 'npm_config_global', 'init_cwd', 'npm_package_json'].includes(lower)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function capture(command, args) {
  const result = childProcess.spawnSync(command, args, { encoding: 'utf8', env: childEnv() });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------
// System packages (Debian): libkrb5-dev for the kerberos addon, ripgrep (VS Code's search), chromium.

function isDebianPackageInstalled(name) {
  const result = childProcess.spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && /\binstall ok installed\b/.test(result.stdout);
}

function hasCommand(name) {
  return childProcess.spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function ensureSystemPackages({ run, step }) {
  if (!hasCommand('dpkg-query')) {
    // Not Debian: check what the packages provide and say what is missing.
    const missing = [];
    if (!hasCommand('rg')) missing.push('ripgrep (rg)');
    if (!fs.existsSync(chromiumPath())) missing.push(`chromium (${chromiumPath()}, or set CHROMIUM_PATH)`);
    if (!hasCommand('krb5-config')) missing.push('Kerberos development files (krb5-config, gssapi headers)');
    if (missing.length) throw new InstallError(`missing system packages: ${missing.join(', ')}`);
    return;
  }
  const missing = SYSTEM_PACKAGES.filter((name) => !isDebianPackageInstalled(name));
  if (missing.length === 0) return;
  const aptInstall = ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...missing];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InstallError(
      `missing system packages: ${missing.join(' ')}. Install them as root with:\n` +
        `  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  step(`installing system packages: ${missing.join(' ')} (apt-get)`);
  await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update'], { cwd: REPO_ROOT, env });
  await run('apt-get', aptInstall, { cwd: REPO_ROOT, env });
  const still = missing.filter((name) => !isDebianPackageInstalled(name));
  if (still.length) throw new InstallError(`apt-get did not install: ${still.join(' ')}`);
}

function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

// ---------------------------------------------------------------------------------------------
// Node headers and node-gyp: both must come from this machine (node-gyp otherwise downloads headers).

/** The Node install prefix that holds include/node (for node-gyp's --nodedir). */
function nodePrefix() {
  const candidates = [path.resolve(path.dirname(process.execPath), '..'), process.env.npm_config_nodedir].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node.h')) && fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))) {
      return dir;
    }
  }
  throw new InstallError(
    `no Node headers found (looked for include/node/node.h under ${candidates.join(', ')}); ` +
      'install the headers that match this Node (NodeSource and official builds ship them)',
  );
}

/** npm's own node-gyp (npm has it bundled; there is no separate install to rely on). */
function npmNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const fromNpmCli = (cli) => path.join(path.dirname(cli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (process.env.npm_execpath) candidates.push(fromNpmCli(fs.realpathSync(process.env.npm_execpath)));
  const which = capture('sh', ['-c', 'command -v npm']);
  if (which) candidates.push(fromNpmCli(fs.realpathSync(which)));
  const globalPrefix = capture('npm', ['prefix', '-g']);
  if (globalPrefix) {
    candidates.push(path.join(globalPrefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new InstallError(`npm's bundled node-gyp not found (looked at: ${candidates.join(', ')})`);
  return path.resolve(found);
}

// ---------------------------------------------------------------------------------------------
// The install itself.

function symlink(target, linkPath) {
  fs.rmSync(linkPath, { recursive: true, force: true });
  fs.symlinkSync(target, linkPath);
}

/** Loads every native module in a fresh Node: a build that "succeeded" but does not load fails here. */
async function checkNativeModules({ run }) {
  // npm may hoist argon2 next to code-server, so resolve each from the package that depends on it.
  const modules = [[CODE_SERVER_DIR, 'argon2'], ...[...VSCODE_NATIVE_MODULES, 'node-pty'].map((name) => [VSCODE_DIR, name])];
  const script = modules.map(([from, name]) => `require(require.resolve(${JSON.stringify(name)}, { paths: [${JSON.stringify(from)}] }));`).join('\n');
  await run(process.execPath, ['-e', script], { cwd: HOST_DIR, label: 'node -e <load every native module>' });
  const rg = path.join(VSCODE_DIR, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  await run(rg, ['--version'], { cwd: HOST_DIR });
}

async function doInstall(runner) {
  const { step } = runner;
  if (fs.existsSync(HOST_DIR)) {
    step(`removing the previous (incomplete) install in ${path.relative(REPO_ROOT, HOST_DIR)}`);
    fs.rmSync(HOST_DIR, { recursive: true, force: true });
  }
  const buildDir = buildPlace();
  try {
    await buildHost(runner, buildDir);
    if (buildDir !== HOST_DIR) {
      step(`moving the host from ${buildDir} into ${path.relative(REPO_ROOT, HOST_DIR)}`);
      fs.mkdirSync(path.dirname(HOST_DIR), { recursive: true });
      moveFolder(buildDir, HOST_DIR);
    }
  } finally {
    if (buildDir !== HOST_DIR) fs.rmSync(buildDir, { recursive: true, force: true });
  }
  step('checking that every native module loads');
  await checkNativeModules(runner);
  fs.writeFileSync(MARKER, markerContent());
}

/**
 * Where the host is built: in place, unless the checkout's path has white space. node-gyp's
 * `<!@(node -p "require('node-addon-api').include")` splits its output at white space, so a native
 * module under such a path cannot find napi.h (argon2 failed so in a clone at "/a b/..."); there
 * the host is built in a temporary folder of the same file system and moved in whole (npm's links
 * are relative, and nothing built records where it was built).
 */
function buildPlace() {
  if (!/\s/.test(HOST_DIR)) return HOST_DIR;
  const base = fs.realpathSync(os.tmpdir());
  if (/\s/.test(base)) {
    throw new InstallError(`cannot build the test host under ${HOST_DIR} nor ${base} (white space in both paths): set TMPDIR to a folder without white space`);
  }
  const dir = fs.mkdtempSync(path.join(base, 'ipcinsp-test-host-'));
  // mkdtemp makes it 0700; moved in, it would keep that, and the suites run as nobody could not
  // start the host: the mode a folder made in place gets.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** A rename, or a copy (links kept as they are) when the two are on different file systems. */
function moveFolder(from, to) {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if (error.code !== 'EXDEV') throw error;
    fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

/** npm and node-gyp's work, in buildDir (the host's folder, or where it is built before moving there). */
async function buildHost(runner, buildDir) {
  const { run, step } = runner;
  const codeServerDir = path.join(buildDir, 'node_modules', 'code-server');
  const vscodeDir = path.join(codeServerDir, 'lib', 'vscode');
  const nodeGyp = npmNodeGyp();
  const nodedir = nodePrefix();
  // Every native build uses this machine's headers; without nodedir node-gyp downloads them.
  // jobs=max: make -j<cores> inside each module (about 20 s less on 2 cores).
  const buildEnv = childEnv({
    npm_config_nodedir: nodedir,
    npm_config_build_from_source: 'true',
    npm_config_jobs: process.env.npm_config_jobs || 'max',
  });

  fs.mkdirSync(buildDir, { recursive: true });
  // Its own package.json: an npm action in the project never touches (and wipes) the host.
  fs.writeFileSync(
    path.join(buildDir, 'package.json'),
    JSON.stringify(
      {
        name: 'ipc-inspector-test-host',
        private: true,
        description: 'Offline VS Code test host, installed by scripts/test-host/install.js',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
      },
      null,
      2,
    ) + '\n',
  );

  // code-server's postinstall refuses root and downloads rg from GitHub: skip it and redo it below.
  step(`npm install code-server@${CODE_SERVER_VERSION} --ignore-scripts`);
  await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: buildDir });

  // argon2 is loaded at startup even with --auth none.
  step('building argon2 from source');
  await run('npm', ['rebuild', 'argon2', '--build-from-source'], { cwd: buildDir, env: buildEnv });

  step('npm install in lib/vscode (--omit=dev --ignore-scripts)');
  await run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: vscodeDir });

  step(`building ${VSCODE_NATIVE_MODULES.join(', ')} from source`);
  await run('npm', ['rebuild', ...VSCODE_NATIVE_MODULES], { cwd: vscodeDir, env: buildEnv });

  // node-pty's own post-install ends in `npx node-gyp`, which fails offline: call npm's node-gyp.
  step("building node-pty with npm's node-gyp");
  await run(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=max'], {
    cwd: path.join(vscodeDir, 'node_modules', 'node-pty'),
    env: buildEnv,
  });

  step('copying the system rg into @vscode/ripgrep');
  const rgSource = capture('sh', ['-c', 'command -v rg']);
  if (!rgSource) throw new InstallError('rg (ripgrep) not found on PATH');
  const rgDir = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgDir, { recursive: true });
  fs.copyFileSync(fs.realpathSync(rgSource), path.join(rgDir, 'rg'));
  fs.chmodSync(path.join(rgDir, 'rg'), 0o755);

  // What code-server's postinstall.sh does after its npm install.
  step('symlinks (node_modules.asar, remote-cli, browser helper)');
  symlink('node_modules', path.join(vscodeDir, 'node_modules.asar'));
  symlink('code-linux.sh', path.join(vscodeDir, 'bin', 'remote-cli', 'code-server'));
  symlink('browser-linux.sh', path.join(vscodeDir, 'bin', 'helpers', 'browser.sh'));

  step('npm install in lib/vscode/extensions and its postinstall.mjs');
  const extensionsDir = path.join(vscodeDir, 'extensions');
  await run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: extensionsDir });
  await run(process.execPath, ['postinstall.mjs'], { cwd: extensionsDir });
}

/** Cross-process lock: two test runs starting at once must not install over each other. */
async function withLock(log, fn) {
  fs.mkdirSync(TEST_DIR, { recursive: true });
  const deadline = Date.now() + 15 * 60 * 1000;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(LOCK, 'utf8').trim());
      let alive = false;
      try {
        process.kill(owner, 0);
        alive = owner !== process.pid;
      } catch (killError) {
        alive = killError.code === 'EPERM';
      }
      if (!alive) {
        fs.rmSync(LOCK, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new InstallError(`another install (pid ${owner}) holds ${LOCK}`);
      if (!announced) log(`[test-host] waiting for another install (pid ${owner}) to finish`);
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

/**
 * Installs the host unless it is already there. Resolves with the paths the server needs; rejects
 * with an InstallError whose message says what to do.
 */
async function install({ force = false, verbose = false, log = (line) => console.error(line) } = {}) {
  const result = { hostDir: HOST_DIR, entry: ENTRY, version: CODE_SERVER_VERSION };
  if (!force && isInstalled()) return result;

  const major = Number(process.versions.node.split('.')[0]);
  if (major !== NODE_MAJOR && !process.env.FORCE_NODE_VERSION) {
    throw new InstallError(
      `code-server ${CODE_SERVER_VERSION} needs Node ${NODE_MAJOR}; this is Node ${process.versions.node} ` + '(set FORCE_NODE_VERSION=1 to try anyway)',
    );
  }

  return withLock(log, async () => {
    if (!force && isInstalled()) return result; // another process finished it while we waited
    const runner = makeRunner({ verbose, log });
    fs.writeFileSync(LOG_FILE, `test host install, ${new Date().toISOString()}, node ${process.version}\n`);
    runner.step(`installing the VS Code test host (code-server ${CODE_SERVER_VERSION}) into ${path.relative(REPO_ROOT, HOST_DIR)}`);
    try {
      await ensureSystemPackages(runner);
      await doInstall(runner);
    } catch (error) {
      if (error.logged && !verbose && fs.existsSync(LOG_FILE)) {
        const tail = fs.readFileSync(LOG_FILE, 'utf8').split('\n').slice(-40).join('\n');
        log(`[test-host] last lines of ${path.relative(REPO_ROOT, LOG_FILE)}:\n${tail}`);
      }
      throw error;
    }
    runner.step('test host installed');
    return result;
  });
}

module.exports = { install, isInstalled, InstallError, chromiumPath, CODE_SERVER_VERSION, REPO_ROOT, HOST_DIR, ENTRY };

if (require.main === module) {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => !['--force', '--verbose'].includes(arg));
  if (unknown.length) {
    console.error(`usage: node scripts/test-host/install.js [--force] [--verbose] (unknown: ${unknown.join(' ')})`);
    process.exit(2);
  }
  install({ force: args.includes('--force'), verbose: args.includes('--verbose') }).then(
    () => {
      console.error(`[test-host] ready: code-server ${CODE_SERVER_VERSION} in ${path.relative(REPO_ROOT, HOST_DIR)}`);
    },
    (error) => {
      console.error(`[test-host] install failed: ${error instanceof InstallError ? error.message : error.stack}`);
      process.exit(1);
    },
  );
}
