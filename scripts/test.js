#!/usr/bin/env node
// @ts-check
// `npm test`: every check the project has, in order, stopping at the first failing stage:
// lint and types, the native build, the unit suite, the helper and core against the real kernel
// (sanitizer build, fuzz, unprivileged user), then the suites that run inside a real VS Code:
// the integration suite in its extension host and the UI test in chromium.
// Ends with one line "tests: N passed, N failed, N skipped" over every mocha suite it ran.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const only = process.argv.slice(2); // e.g. `npm test -- unit native` runs those stages and what they need

const stages = [
  // Debian packages the suites use as real producers (python3-sysv-ipc...), apt-get as root.
  { name: 'system-packages', command: ['node', 'scripts/system-packages.js'] },
  // ESLint, Prettier's check and no reference outside the repository (npm run lint).
  { name: 'lint', command: ['npm', 'run', '--silent', 'lint'] },
  { name: 'types', command: ['npx', 'tsc', '-p', '.', '--noEmit'] },
  { name: 'types-webview', command: ['npx', 'tsc', '-p', 'src/webview/tsconfig.json'] },
  { name: 'native-build', command: ['node', 'native/build.js'] },
  { name: 'compile', command: ['node', 'scripts/compile-tests.js'] },
  { name: 'bundle', command: ['node', 'esbuild.js'] },
  { name: 'unit', command: ['npx', 'mocha', '--config', 'test/unit/.mocharc.json'], mocha: true, needs: ['compile'] },
  { name: 'native', command: ['npx', 'mocha', '--config', 'test/native/.mocharc.json'], mocha: true, needs: ['native-build', 'compile'] },
  // The command line (ipc-inspector) against the real kernel, with ipcs, lsipc, lsof and xxd as
  // oracles and Debian's prometheus and node_exporter collecting its metrics; as root in a private
  // IPC and mount namespace with a /dev/shm of its own (test/cli/isolated.js).
  { name: 'cli', command: ['node', 'test/cli/isolated.js'], mocha: true, needs: ['native-build', 'compile', 'bundle'] },
  // The helpers of the other architectures the packages ship, under qemu-user: the round trip
  // against real segments and a short fuzz (scripts/foreign.js; the long one: npm run test:foreign).
  { name: 'foreign', command: ['node', 'scripts/foreign.js'], mocha: true, needs: ['native-build', 'compile'] },
  // The offline VS Code host and what the browser suites need (chromium: apt-get as root), before
  // the first suite that starts chromium. A no-op once installed.
  { name: 'test-host', command: ['node', 'scripts/test-host/install.js'] },
  // Every platform's VSIX (npm run package), each checked from the archive (its helper's ELF
  // machine, static, mode 0755) and installed into the offline VS Code host.
  { name: 'package', command: ['node', 'scripts/package.js', '--install', '--out', 'test-results/vsix'], needs: ['test-host'] },
  // The contents view's page alone in chromium, against a fake host that speaks the real protocol.
  { name: 'webview', command: ['node', 'test/webview-harness/run.js'], checks: true, needs: ['native-build', 'bundle', 'test-host'] },
  // The suite inside the real extension host of the offline VS Code host.
  {
    name: 'integration',
    command: ['node', 'scripts/test-host/runIntegration.js', '--suite', 'out/test/integration/index.js'],
    mocha: true,
    needs: ['native-build', 'compile', 'bundle', 'test-host'],
  },
  // The same suite with the host as nobody (its own HOME), beside objects root made for it: what a
  // user who is not root sees and may do. Run as a user already, the stage above was that.
  {
    name: 'integration-user',
    command: [
      'node',
      'scripts/test-host/runIntegration.js',
      '--suite',
      'out/test/integration/index.js',
      '--as-user',
      'nobody',
      '--fixture',
      'out/test/integration/rootFixture.js',
    ],
    mocha: true,
    rootOnly: true,
    needs: ['native-build', 'compile', 'bundle', 'test-host'],
  },
  // A short suite in the same host with workspace trust on and the folder untrusted (Restricted
  // Mode): the views work, and nothing the folder names (compiler, flags, compile_commands.json) runs.
  {
    name: 'restricted',
    command: ['node', 'scripts/test-host/runIntegration.js', '--suite', 'out/test/restricted/index.js', '--untrusted'],
    mocha: true,
    needs: ['native-build', 'compile', 'bundle', 'test-host'],
  },
  // The UI suite in chromium against what users install: the linux-x64 VSIX of the package stage
  // installed into a clean extensions folder outside the checkout (no node_modules within reach), in
  // a fresh offline host. `npm run test:e2e` runs the same suite against the checkout instead.
  // Screenshots in test-results/e2e/.
  {
    name: 'packaged',
    command: ['npx', 'mocha', '--config', 'test/e2e/.mocharc.json'],
    env: { IPCINSP_EXTENSION: 'vsix' },
    mocha: true,
    needs: ['native-build', 'compile', 'test-host', 'package'],
  },
];

const totals = { passed: 0, failed: 0, skipped: 0 };
/** The stage's process while it runs. */
let running;

/**
 * A temporary folder of the run's own, every stage's TMPDIR: what a suite or a test host leaves
 * there (a module's mkdtemp without an after hook, a VS Code host killed before it could clean up)
 * is named at the end and removed with it, not left in /tmp on a machine others use too. Mode 1777
 * like /tmp: the suites that run as nobody (setpriv, the host as nobody) make files there too.
 */
function makeRunTemp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipcinsp-run-'));
  fs.chmodSync(dir, 0o1777);
  return dir;
}

/**
 * Removes the run's folder, naming what the suites left in it. Through coreutils' rm, not a walk
 * here: the folder is open to every user (1777), and rm neither follows a directory swapped for a
 * symbolic link meanwhile nor (--one-file-system) descends into a file system still mounted there.
 * A failure is said, never the end of the run.
 */
function removeRunTemp(dir) {
  try {
    const left = fs.readdirSync(dir);
    if (left.length > 0) {
      console.log(
        `\nleft in the run's temporary folder, removed with it: ${left.slice(0, 20).join(', ')}${left.length > 20 ? ` and ${left.length - 20} more` : ''}`,
      );
    }
  } catch {
    // gone already
  }
  const removed = spawnSync('rm', ['-rf', '--one-file-system', '--', dir], { encoding: 'utf8' });
  if (removed.status !== 0) console.error(`${dir} could not be removed whole (remove it by hand): ${removed.stderr.trim()}`);
}

function run(stage) {
  return new Promise((resolve) => {
    console.log(`\n=== ${stage.name}: ${stage.command.join(' ')}`);
    const child = spawn(stage.command[0], stage.command.slice(1), { cwd: root, env: { ...process.env, ...stage.env }, stdio: ['ignore', 'pipe', 'inherit'] });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      if (stage.mocha || stage.checks) output += chunk;
    });
    child.on('close', (code, signal) => {
      if (stage.mocha) countMocha(output, code);
      if (stage.checks) countChecks(output);
      resolve(code === 0 && !signal);
    });
  });
}

/** Adds the "N passing / N failing / N pending" summaries of a stage's mocha runs (one or more) to the totals. */
function countMocha(output, code) {
  const count = (word) => [...output.matchAll(new RegExp(`^ +(\\d+) ${word}\\b`, 'gm'))].reduce((sum, match) => sum + Number(match[1]), 0);
  totals.passed += count('passing');
  totals.failed += count('failing') || (code !== 0 && count('failing') === 0 ? 1 : 0);
  totals.skipped += count('pending');
}

/** Adds a checklist's "  ok  name" / "  FAIL name" lines (the webview harness) to the totals. */
function countChecks(output) {
  totals.passed += (output.match(/^ {2}ok {2}/gm) || []).length;
  totals.failed += (output.match(/^ {2}FAIL /gm) || []).length;
}

/** The named stages and every stage they need (a fresh clone has no build yet), in the list's order. */
function withNeeds(names) {
  const wanted = new Set();
  const add = (name) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const need of stages.find((s) => s.name === name)?.needs ?? []) add(need);
  };
  names.forEach(add);
  return stages.filter((s) => wanted.has(s.name));
}

async function main() {
  const unknown = only.filter((name) => !stages.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown stage ${unknown.join(', ')}: the stages are ${stages.map((s) => s.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const selected = only.length ? withNeeds(only) : stages;
  const temp = makeRunTemp();
  process.env.TMPDIR = temp;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      // The stage first (its hosts remove their own sockets), then the folder.
      if (running && running.exitCode === null) running.kill(signal);
      removeRunTemp(temp);
      process.kill(process.pid, signal);
    });
  }
  let ok = true;
  try {
    for (const stage of selected) {
      if (stage.rootOnly && process.getuid() !== 0) {
        console.log(`\n=== ${stage.name}: skipped (needs root to prepare another user's host; the suites above ran as uid ${process.getuid()})`);
        continue;
      }
      if (!(await run(stage))) {
        console.error(`\n*** stage "${stage.name}" failed`);
        ok = false;
        break;
      }
    }
  } finally {
    removeRunTemp(temp);
  }
  console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exitCode = ok ? 0 : 1;
}

main();
