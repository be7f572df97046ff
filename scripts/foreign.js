#!/usr/bin/env node
// @ts-check
// The helper of every other architecture a VSIX ships (native/targets.json), tested where it will
// run: the native suite's protocol round trip against real segments (create, read byte for byte,
// remove, holds, limits, nobody's permissions) and the protocol fuzz, each under qemu-user
// (qemu-user-static, run explicitly: binfmt_misc is often missing in containers). A cross build that
// broke, or a helper that misbehaves on a 32-bit or other ABI, fails here.
//
//   node scripts/foreign.js [--frames N] [platform...]    (default: 50,000 fuzz frames each)
//
// `npm test` runs it with the default; `npm run test:foreign -- --frames 1000000` is the long
// campaign. A platform whose cross compiler or qemu is not installed is skipped with what to
// install, except as root, where scripts/system-packages.js has installed them: then it fails.
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { helpers } = require('../native/targets.json');

function parseArgs(argv) {
  const options = { frames: 50_000, platforms: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--frames' && /^\d+$/.test(argv[i + 1] ?? '')) options.frames = Number(argv[++i]);
    else if (helpers.some((h) => h.name === argv[i])) options.platforms.push(argv[i]);
    else throw new Error(`unknown argument ${argv[i]}\nusage: node scripts/foreign.js [--frames N] [${helpers.map((h) => h.name).join('|')}...]`);
  }
  return options;
}

const found = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** The ELF machine number of a file (e_machine), or undefined if it is not ELF. */
function elfMachine(file) {
  const data = fs.readFileSync(file);
  if (data.length < 20 || data.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return data[5] === 1 ? data.readUInt16LE(18) : data.readUInt16BE(18);
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const foreign = helpers.filter((h) => h.nodeArch !== process.arch && (options.platforms.length === 0 || options.platforms.includes(h.name)));
  const asRoot = process.getuid?.() === 0;
  let failed = 0;
  for (const platform of foreign) {
    const binary = path.join(root, 'native', 'bin', platform.name, 'ipc-helper-static');
    const missing = [platform.compiler, platform.qemu].filter((command) => !found(command));
    if (missing.length) {
      const install = `apt-get install ${[...platform.packages, 'qemu-user-static'].join(' ')}`;
      if (asRoot) {
        console.error(
          `[foreign] ${platform.name}: ${missing.join(' and ')} missing as root (scripts/system-packages.js should have installed them: ${install})`,
        );
        failed++;
      } else {
        console.warn(`[foreign] ${platform.name}: skipped, ${missing.join(' and ')} not installed (as root: ${install})`);
      }
      continue;
    }
    if (!fs.existsSync(binary)) {
      console.error(
        `[foreign] ${platform.name}: ${path.relative(root, binary)} was not built although ${platform.compiler} is here: the cross build failed (see native-build)`,
      );
      failed++;
      continue;
    }
    if (elfMachine(binary) !== platform.elfMachine) {
      console.error(`[foreign] ${platform.name}: ${path.relative(root, binary)} is ELF machine ${elfMachine(binary)}, not ${platform.elfMachine}`);
      failed++;
      continue;
    }
    console.log(`\n[foreign] ${platform.name}: ${path.relative(root, binary)} under ${platform.qemu}, fuzz ${options.frames} frames`);
    const suites = ['out/test/native/helper/helper.test.js', 'out/test/native/helper/fuzz.test.js'];
    const result = spawnSync('npx', ['mocha', '--require', 'out/test/support/rootHooks.js', '--timeout', '300000', ...suites], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, IPCINSP_HELPER_PLATFORM: platform.name, FUZZ_FRAMES: String(options.frames) },
    });
    if (result.status !== 0) failed++;
  }
  if (foreign.length === 0) console.log('[foreign] no other architecture in native/targets.json');
  return failed ? 1 : 0;
}

process.exitCode = main();
