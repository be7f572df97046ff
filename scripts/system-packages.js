#!/usr/bin/env node
// @ts-check
// The Debian packages the tests use as real producers and oracles, installed with apt-get when run
// as root (CI: a fresh machine, no standard input); otherwise it says what to install and which
// tests need it. A no-op when everything is there. The offline VS Code host's own packages
// (chromium, ripgrep, libkrb5-dev) are installed by scripts/test-host/install.js.
//
//   node scripts/system-packages.js
'use strict';

const childProcess = require('child_process');

// package -> why the tests need it
const PACKAGES = {
  'python3-sysv-ipc': "System V semaphores and queues made by Python's sysv_ipc, a producer no one here wrote (test/native/helper/semMsg.test.ts)",
  python3: "Python's multiprocessing.shared_memory as a producer of POSIX objects (native and integration suites)",
  'util-linux': 'ipcmk, ipcs, ipcrm, lsipc, lsfd (native suites, benchmarks)',
  lsof: "the holder-discovery benchmark's reference (npm run bench) and the command line's holders oracle (test/cli)",
  xxd: "the oracle of the command line's dump (test/cli/oracles.test.ts)",
  prometheus: 'scrapes `ipc-inspector serve` and answers PromQL about it (test/cli/monitoring.test.ts)',
  'prometheus-node-exporter': 'its textfile collector reads `ipc-inspector metrics` (test/cli/monitoring.test.ts)',
  gdb: 'the oracle for C layouts: the DWARF of gcc -g read through gdb (test/native/ctypes/cTypes.test.ts)',
  'qemu-user-static': "runs the other architectures' helpers in the foreign stage (scripts/foreign.js)",
  dwarves:
    "pahole, an oracle for layouts read from DWARF and the debug-types benchmark's reference (test/native/ctypes/dwarf/oracle.test.ts, bench/dwarfBench.ts)",
  clang: 'a second C compiler whose DWARF the debug-types reader is checked on (test/native/ctypes/dwarf/oracle.test.ts)',
  'libboost-dev': "Boost.Interprocess and friends: C++ types in the DWARF oracle tests and the debug-types benchmark's big binary",
  rustc: 'Rust programs whose DWARF the debug-types reader is checked on and whose shared memory it decodes (test/native/ctypes/dwarf/*.test.ts)',
  'postgresql-15':
    "PostgreSQL, whose main shared memory is anonymous and shared over fork: the anonymous group's real producer (test/native/ipc/posixShm/postgres.test.ts)",
  'libc6-dbg': "a distribution's separate debug file (libc's), found by build-id and read by the debug-types reader (test/native/ctypes/dwarf/oracle.test.ts)",
};
// The cross compilers and C libraries of the other architectures the packages ship (native/targets.json).
for (const platform of require('../native/targets.json').helpers) {
  if (platform.nodeArch === process.arch) continue;
  for (const name of platform.packages) PACKAGES[name] = `builds the ${platform.name} helper its package ships (native/build.js)`;
}

function installed(name) {
  const result = childProcess.spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && /\binstall ok installed\b/.test(result.stdout);
}

function main() {
  if (childProcess.spawnSync('sh', ['-c', 'command -v dpkg-query'], { stdio: 'ignore' }).status !== 0) {
    console.log(`[system-packages] not a Debian system: make sure these are installed: ${Object.keys(PACKAGES).join(', ')}`);
    return 0;
  }
  const missing = Object.keys(PACKAGES).filter((name) => !installed(name));
  if (missing.length === 0) {
    console.log('[system-packages] all there');
    return 0;
  }
  if (process.getuid?.() !== 0) {
    console.error(
      `[system-packages] missing: ${missing.map((name) => `${name} (${PACKAGES[name]})`).join('; ')}.\n` +
        `Install them as root: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    return 1;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`[system-packages] installing ${missing.join(' ')} (apt-get)`);
  /** @type {import('child_process').SpawnSyncOptions} */
  const opts = { stdio: 'inherit', env };
  if (childProcess.spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'], opts).status !== 0) return 1;
  if (childProcess.spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...missing], opts).status !== 0) {
    return 1;
  }
  const still = missing.filter((name) => !installed(name));
  if (still.length) {
    console.error(`[system-packages] apt-get did not install: ${still.join(' ')}`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
