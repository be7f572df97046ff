#!/usr/bin/env node
// Builds the native helper (and the C test program) with the system C compiler.
// Run by `npm install` (postinstall) and `npm run build:native`. Outputs go to native/bin/ (ignored).
//
//   ipc-helper         -O2, what the extension runs in development
//   ipc-helper-static  the same, statically linked, what the VSIX ships (no libc version surprises)
//   ipc-helper-asan    AddressSanitizer + UBSan, what the native tests and the fuzzer run
//   shmtool            test/programs/shmtool.c, a separate process that tests use like a user's program
//   posixtool          test/programs/posixtool.c, the same for POSIX shared memory objects (/dev/shm, memfd)
//   ipctool            test/programs/ipctool.c, the same for semaphores and message queues (waiters, holders)
//   ctvalues           test/programs/ctvalues.c, known values of every C kind in shared memory (C-type view)
//   recwriter          test/programs/recwriter.c, a known sequence of states in shared memory, each logged (recording)
//   locktool           test/programs/locktool.c, processes blocked on glibc's locks in shared memory (waits, deadlocks)
//   crowdtool          test/programs/crowdtool.c, many processes and threads, some blocked on a lock (the waits benchmark)
//   manymaps           test/programs/manymaps.c, a process with a /proc/PID/maps as long as a user can make it
//   fusehang           test/programs/fusehang.c, a FUSE file system (raw /dev/fuse, no libfuse) the tests can stop
//   <platform>/ipc-helper-static
//                      the static helper of each platform a VSIX is made for (native/targets.json:
//                      linux-x64, linux-arm64, linux-armhf), with Debian's cross compilers
//                      (aarch64-linux-gnu-gcc...); one whose compiler is missing is skipped, and the
//                      foreign-architecture tests (scripts/foreign.js) say so
//
// The helper and ipctool link -lrt for mq_open and friends: part of libc since glibc 2.34, in librt
// before, and -lrt is harmless where librt is an empty stub (also for the static build).
//
// With no C compiler it explains what to install and exits 0, so `npm install` still gives a
// working TypeScript tool chain; the tests that need the helper then say the helper is missing.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const bin = path.join(__dirname, 'bin');
const warnings = ['-Wall', '-Wextra', '-Werror', '-Wshadow', '-Wconversion', '-Wno-sign-conversion'];
// Every .c file of native/ is the helper's (one translation unit per concern, see native/helper.h).
const helperSources = fs
  .readdirSync(__dirname)
  .filter((name) => name.endsWith('.c'))
  .sort()
  .map((name) => path.join(__dirname, name));
const helperLibs = ['-lrt', '-pthread'];

/** @type {Array<{ name: string, sources: string[], flags: string[], libs?: string[], optional?: boolean, compiler?: string }>} */
const targets = [
  { name: 'ipc-helper', sources: helperSources, flags: ['-O2', ...warnings], libs: helperLibs },
  { name: 'ipc-helper-static', sources: helperSources, flags: ['-O2', '-static', ...warnings], libs: helperLibs, optional: true },
  {
    name: 'ipc-helper-asan',
    sources: helperSources,
    flags: ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', ...warnings],
    libs: helperLibs,
    optional: true,
  },
  { name: 'shmtool', sources: [path.join(root, 'test/programs/shmtool.c')], flags: ['-O2', '-Wall', '-Wextra', '-Werror'] },
  { name: 'posixtool', sources: [path.join(root, 'test/programs/posixtool.c')], flags: ['-O2', '-Wall', '-Wextra', '-Werror'] },
  { name: 'ctvalues', sources: [path.join(root, 'test/programs/ctvalues.c')], flags: ['-O2', '-Wall', '-Wextra', '-Werror'], libs: ['-lrt'] },
  { name: 'ipctool', sources: [path.join(root, 'test/programs/ipctool.c')], flags: ['-O2', '-pthread', '-Wall', '-Wextra', '-Werror'], libs: ['-lrt'] },
  { name: 'locktool', sources: [path.join(root, 'test/programs/locktool.c')], flags: ['-O2', '-pthread', '-Wall', '-Wextra', '-Werror'], libs: ['-lrt'] },
  { name: 'recwriter', sources: [path.join(root, 'test/programs/recwriter.c')], flags: ['-O2', '-Wall', '-Wextra', '-Werror'], libs: ['-lrt'] },
  { name: 'crowdtool', sources: [path.join(root, 'test/programs/crowdtool.c')], flags: ['-O2', '-pthread', '-Wall', '-Wextra', '-Werror'] },
  { name: 'manymaps', sources: [path.join(root, 'test/programs/manymaps.c')], flags: ['-O2', '-Wall', '-Wextra', '-Werror'] },
  { name: 'fusehang', sources: [path.join(root, 'test/programs/fusehang.c')], flags: ['-O2', '-Wall', '-Wextra', '-Werror'] },
];

const { helpers: platforms } = require('./targets.json');

/** The compiler for a platform's helper: its cross compiler, or for this machine's own architecture the one found. */
function platformCompiler(platform, hostCompiler) {
  if (spawnSync(platform.compiler, ['--version'], { stdio: 'ignore' }).status === 0) return platform.compiler;
  return platform.nodeArch === process.arch ? hostCompiler : undefined;
}

function findCompiler() {
  const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  return candidates.find((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

function main() {
  if (process.platform !== 'linux') {
    console.log('ipc-inspector: not Linux, so no native helper is built (System V inspection needs Linux).');
    return 0;
  }
  const cc = findCompiler();
  if (!cc) {
    console.warn(
      'ipc-inspector: no C compiler found (tried $CC, cc, gcc, clang), so the native helper was not built.\n' +
        '  Install one (Debian/Ubuntu: sudo apt-get install gcc libc6-dev) and run: npm run build:native',
    );
    return 0;
  }
  fs.mkdirSync(bin, { recursive: true });
  let failed = false;
  const all = [...targets];
  for (const platform of platforms) {
    const compiler = platformCompiler(platform, cc);
    const name = `${platform.name}/ipc-helper-static`;
    if (!compiler) {
      console.log(`ipc-inspector: no ${platform.compiler}, so native/bin/${name} is not built (the ${platform.name} package needs it)`);
      continue;
    }
    fs.mkdirSync(path.join(bin, platform.name), { recursive: true });
    all.push({ name, compiler, sources: helperSources, flags: ['-O2', '-static', ...warnings], libs: helperLibs, optional: true });
  }
  for (const target of all) {
    const out = path.join(bin, target.name);
    const result = spawnSync(target.compiler ?? cc, [...target.flags, '-o', out, ...target.sources, ...(target.libs ?? [])], { encoding: 'utf8' });
    if (result.status === 0) {
      console.log(`ipc-inspector: built native/bin/${target.name}`);
      continue;
    }
    const why = (result.stderr || result.error?.message || '').trim();
    if (target.optional) {
      console.warn(`ipc-inspector: could not build optional native/bin/${target.name} (${target.compiler ?? cc}):\n${why}`);
    } else {
      console.error(`ipc-inspector: building native/bin/${target.name} with ${cc} failed:\n${why}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
