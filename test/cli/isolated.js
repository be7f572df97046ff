#!/usr/bin/env node
// The `cli` stage: the command line's suite (test/cli) against the real kernel. As root it runs in
// a private IPC namespace and a private mount namespace with a /dev/shm of its own (a fresh tmpfs)
// and /dev/mqueue showing that namespace's queues,
// so `clean --orphans --yes`, `check` and the metrics see only what the suite makes, and nothing
// another engineer's or program's run left can be removed by it. Not root: the suite runs here, and
// what would act on the machine's objects skips, saying so.
//
//   node test/cli/isolated.js [mocha args...]
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const mocha = ['npx', 'mocha', '--config', 'test/cli/.mocharc.json', ...process.argv.slice(2)];
let result;
if (process.getuid() === 0) {
  // The namespace's own POSIX message queues too: a /dev/mqueue mounted before shows the machine's.
  const script =
    'mount -t tmpfs -o mode=1777,size=512m ipc-inspector-cli /dev/shm && ' +
    '{ [ ! -d /dev/mqueue ] || mount -t mqueue ipc-inspector-cli-mq /dev/mqueue; } && exec "$@"';
  result = spawnSync('unshare', ['--ipc', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...mocha], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, IPCINSP_CLI_ISOLATED: '1' },
  });
} else {
  console.log('[cli] not root: running in the shared IPC namespace; tests that remove objects are skipped');
  result = spawnSync(mocha[0], mocha.slice(1), { cwd: root, stdio: 'inherit' });
}
if (result.error) {
  console.error(`[cli] ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
