#!/usr/bin/env node
// The `cli` stage: the command line's suite (test/cli) against the real kernel. As root it runs in
// a private IPC namespace and a private mount namespace with a /dev/shm of its own (a fresh tmpfs)
// and /dev/mqueue showing that namespace's queues,
// so `clean --orphans --yes`, `check` and the metrics see only what the suite makes, and nothing
// another engineer's or program's run left can be removed by it. Not root: the suite runs here, and
// what would act on the machine's objects skips, saying so.
//
// The command the suite runs is the one users install: the npm package (scripts/packCli.js) packed
// from the build and installed with `npm install -g` into a prefix under a path with spaces, run
// through the link npm makes (test/cli/run.ts BIN). IPCINSP_CLI_FROM_CHECKOUT=1 runs the checkout's.
//
//   node test/cli/isolated.js [mocha args...]
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const mocha = ['npx', 'mocha', '--config', 'test/cli/.mocharc.json', ...process.argv.slice(2)];

/** Packs the command line and installs it globally into a fresh prefix; returns the installed command and the folder to remove. */
function installPackage() {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector cli '));
  try {
    // nobody runs the installed command too (test/cli/nobody.test.ts)
    fs.chmodSync(temp, 0o755);
    const { packCli } = require(path.join(root, 'scripts', 'packCli.js'));
    const tarball = packCli({ build: false, out: temp });
    const prefix = path.join(temp, 'global prefix');
    const npm = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { stdio: 'inherit' });
    if (npm.status !== 0) throw new Error(`npm install --global ${tarball} failed (${npm.signal ?? `exit ${npm.status}`})`);
    const command = path.join(prefix, 'bin', 'ipc-inspector');
    console.log(`[cli] running the installed package: ${command}`);
    return { command, temp };
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

const installed = process.env.IPCINSP_CLI_FROM_CHECKOUT === '1' ? undefined : installPackage();
const removeInstalled = () => installed && fs.rmSync(installed.temp, { recursive: true, force: true });
const env = { ...process.env, ...(installed ? { IPCINSP_CLI_BIN: installed.command } : {}) };
let result;
if (process.getuid() === 0) {
  // The namespace's own POSIX message queues too: a /dev/mqueue mounted before shows the machine's.
  const script =
    'mount -t tmpfs -o mode=1777,size=512m ipc-inspector-cli /dev/shm && ' +
    '{ [ ! -d /dev/mqueue ] || mount -t mqueue ipc-inspector-cli-mq /dev/mqueue; } && exec "$@"';
  result = spawnSync('unshare', ['--ipc', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...mocha], {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, IPCINSP_CLI_ISOLATED: '1' },
  });
} else {
  console.log('[cli] not root: running in the shared IPC namespace; tests that remove objects are skipped');
  result = spawnSync(mocha[0], mocha.slice(1), { cwd: root, stdio: 'inherit', env });
}
removeInstalled();
if (result.error) {
  console.error(`[cli] ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
