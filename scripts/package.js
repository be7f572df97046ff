#!/usr/bin/env node
// `npm run package`: builds the extension (production bundle) and the native helper, then makes two
// VSIX files in dist-vsix/ with @vscode/vsce, offline and without prompts:
//
//   ipc-inspector-linux-x64-<version>.vsix  --target linux-x64; ships native/bin/ipc-helper-static,
//                                           the only binary in it (not the dev, ASan or test builds)
//   ipc-inspector-<version>.vsix            universal, no helper at all: the extension says so and
//                                           what to install (src/ipc/helperLocation.ts)
//
// The file set is .vscodeignore's (an allowlist). Each package is packed from its own staged copy of
// those files in a temporary folder, so the repository is never modified; the stages are removed.
//
//   node scripts/package.js [--no-build] [--verify] [--out <dir>]
//
// --verify then installs the platform VSIX with the offline VS Code host (code-server
// --install-extension), checks it is listed, that the installed helper is executable, static and
// answers HELLO, that the universal one installs without any helper, and that the installed
// extension shows its "IPC" view container in a real workbench (screenshot test-results/package.png).
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const HELPER = 'native/bin/ipc-helper-static';
const USAGE = 'usage: node scripts/package.js [--no-build] [--verify] [--out <dir>]';

// vsce's target for this machine's helper build. The helper is compiled here, for this machine.
const TARGETS = { x64: 'linux-x64', arm64: 'linux-arm64', arm: 'linux-armhf' };
const ELF_MACHINES = { x64: 62, arm64: 183, arm: 40 };

function parseArgs(argv) {
  const options = { build: true, verify: false, out: path.join(ROOT, 'dist-vsix') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.build = false;
    else if (arg === '--verify') options.verify = true;
    else if (arg === '--out' && i + 1 < argv.length) options.out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return options;
}

function say(line) {
  console.log(`[package] ${line}`);
}

function run(command, args) {
  say(`$ ${command} ${args.join(' ')}`);
  const result = childProcess.spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.signal ?? `exit ${result.status}`})`);
}

// ---------------------------------------------------------------------------------------------
// The helper: the binary must be for this machine and static (no libc surprises on remote hosts).

/** ELF machine and whether the file asks for a dynamic loader (PT_INTERP), from its headers. */
function elfInfo(file) {
  const data = fs.readFileSync(file);
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  const is64 = data[4] === 2;
  const little = data[5] === 1;
  const u16 = (at) => (little ? data.readUInt16LE(at) : data.readUInt16BE(at));
  const u32 = (at) => (little ? data.readUInt32LE(at) : data.readUInt32BE(at));
  const word = (at) => (is64 ? Number(little ? data.readBigUInt64LE(at) : data.readBigUInt64BE(at)) : u32(at));
  const machine = u16(18);
  const phoff = word(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  let dynamic = false;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) dynamic = true;
  return { machine, dynamic };
}

function checkHelper() {
  const target = TARGETS[process.arch];
  if (process.platform !== 'linux' || !target) {
    throw new Error(`the platform package needs a Linux helper built here; this is ${process.platform}-${process.arch}`);
  }
  const file = path.join(ROOT, HELPER);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${HELPER} was not built. It needs a C compiler and the static C library ` +
        '(Debian/Ubuntu: sudo apt-get install gcc libc6-dev), then: node native/build.js',
    );
  }
  if (fs.statSync(file).mtimeMs < fs.statSync(path.join(ROOT, 'native', 'ipc-helper.c')).mtimeMs) {
    throw new Error(`${HELPER} is older than native/ipc-helper.c: its build failed (see above), so it would ship stale code`);
  }
  const { machine, dynamic } = elfInfo(file);
  if (machine !== ELF_MACHINES[process.arch]) throw new Error(`${HELPER} is for ELF machine ${machine}, not ${process.arch}`);
  if (dynamic) throw new Error(`${HELPER} is dynamically linked; the package must ship a static helper`);
  if ((fs.statSync(file).mode & 0o111) === 0) throw new Error(`${HELPER} is not executable`);
  return target;
}

// ---------------------------------------------------------------------------------------------
// Reading a VSIX (a zip): names, sizes and unix modes from the central directory.

function listZip(file) {
  const data = fs.readFileSync(file);
  let end = data.length - 22;
  while (end >= 0 && data.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error(`${file} is not a zip file`);
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const madeBy = data.readUInt16LE(at + 4) >> 8; // 3 = unix: the high 16 bits of the attributes are st_mode
    const size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const attributes = data.readUInt32LE(at + 38);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({ name, size, mode: madeBy === 3 ? (attributes >>> 16) & 0o7777 : undefined });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// Packing.

/** The repository's files that .vscodeignore lets into a package (paths relative to ROOT). */
async function packagedFiles(vsce) {
  const files = await vsce.listFiles({ cwd: ROOT, packageManager: vsce.PackageManager.None });
  const required = ['package.json', 'dist/extension.js'];
  const missing = required.filter((file) => !files.includes(file));
  if (missing.length) throw new Error(`not in the package file list: ${missing.join(', ')} (build first, or check .vscodeignore)`);
  // Belt and braces: nothing of native/ but the protocol and the static helper, nothing of the sources.
  const unexpected = files.filter(
    (file) => (file.startsWith('native/') && file !== 'native/PROTOCOL.md' && file !== HELPER) || /^(src|test|bench|scripts|demo|out|node_modules)\//.test(file),
  );
  if (unexpected.length) throw new Error(`.vscodeignore lets in files that must not ship: ${unexpected.join(', ')}`);
  return files;
}

/** Copies files (keeping their modes) and .vscodeignore into a fresh temporary folder. */
function stage(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-vsix-'));
  for (const file of [...files, '.vscodeignore']) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), to);
    fs.chmodSync(to, fs.statSync(path.join(ROOT, file)).mode & 0o777);
  }
  return dir;
}

async function pack(vsce, { files, target, packagePath }) {
  const dir = stage(files);
  try {
    await vsce.createVSIX({
      cwd: dir,
      packagePath,
      target,
      // dist/ is a bundle: no node_modules in the package (no npm run inside vsce either).
      dependencies: false,
      // No prompts. package.json has no "repository" and there is no LICENSE file yet: without these
      // vsce asks "Do you want to continue? [y/N]" (and aborts on a closed stdin).
      allowMissingRepository: true,
      skipLicense: true,
      // README.md's relative links (native/PROTOCOL.md) stay relative: with no repository, vsce
      // cannot make them absolute and would fail. They resolve inside the installed extension.
      rewriteRelativeLinks: false,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Verification with the offline VS Code host.

/** Sends HELLO to a helper binary and returns its version string (PROTOCOL.md: op 1). */
function helloHelper(file) {
  const request = Buffer.alloc(16);
  request.writeUInt32LE(12, 0); // body length
  request.writeUInt32LE(1, 4); // id
  request.writeUInt16LE(1, 8); // op HELLO
  request.writeUInt16LE(0, 10); // flags
  request.writeUInt32LE(1, 12); // client protocol version
  const result = childProcess.spawnSync(file, [], { input: request, timeout: 10_000 });
  if (result.error) throw new Error(`running ${file}: ${result.error.message}`);
  const reply = result.stdout;
  if (result.status !== 0 || reply.length < 12 || reply.readUInt16LE(10) !== 0) {
    throw new Error(`${file} did not answer HELLO (exit ${result.status}, ${reply.length} bytes, stderr: ${result.stderr})`);
  }
  return `protocol ${reply.readUInt32LE(12)}, ${reply.toString('utf8', 28, 4 + reply.readUInt32LE(0))}`;
}

async function verify({ platformVsix, universalVsix }) {
  const { install } = require('./test-host/install');
  const { installVsix, listExtensions } = require('./test-host/vsix');
  await install({ log: say });
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-verify-'));
  try {
    const extensionsDir = path.join(temp, 'extensions');
    const installed = await installVsix(platformVsix, extensionsDir);
    say(`installed ${installed.id}@${installed.version} (${installed.targetPlatform}) into ${installed.dir}`);
    const listed = await listExtensions(extensionsDir);
    say(`--list-extensions: ${listed.join(', ')}`);
    if (!listed.includes(`${installed.id}@${installed.version}`.toLowerCase())) throw new Error('the installed extension is not listed');

    const helper = path.join(installed.dir, HELPER);
    const mode = fs.statSync(helper).mode & 0o777;
    say(`installed helper: ${path.relative(temp, helper)} mode ${mode.toString(8)}`);
    if ((mode & 0o111) === 0) throw new Error('the installed helper lost its executable bit');
    const others = fs.readdirSync(path.join(installed.dir, 'native', 'bin')).filter((name) => name !== 'ipc-helper-static');
    if (others.length) throw new Error(`other binaries were installed: ${others.join(', ')}`);
    if (elfInfo(helper).dynamic) throw new Error('the installed helper is not static');
    say(`installed helper answers HELLO: ${helloHelper(helper)}`);

    const universalDir = path.join(temp, 'extensions-universal');
    const universal = await installVsix(universalVsix, universalDir);
    if (fs.existsSync(path.join(universal.dir, 'native', 'bin'))) throw new Error('the universal package installed native/bin/');
    say(`universal package installs (${universal.targetPlatform}) and has no native/bin/`);

    const { checkWorkbench } = require('./start');
    const workspace = path.join(temp, 'workspace');
    fs.mkdirSync(workspace);
    const screenshot = path.join(ROOT, 'test-results', 'package.png');
    await checkWorkbench({ workspace, extensionsDir, screenshot, log: say });
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) {
    run(process.execPath, ['esbuild.js', '--production']);
    run(process.execPath, ['native/build.js']);
  }
  const target = checkHelper();
  const bundle = path.join(ROOT, 'dist', 'extension.js');
  if (!fs.existsSync(bundle)) throw new Error('dist/extension.js is missing; package without --no-build');
  if (/\/\/# sourceMappingURL=/.test(fs.readFileSync(bundle, 'utf8'))) {
    throw new Error('dist/extension.js is a development build (it has a source map); package without --no-build');
  }
  const vsce = require('@vscode/vsce');
  const { name, version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const files = await packagedFiles(vsce);
  fs.mkdirSync(options.out, { recursive: true });
  // Reproducible archives (sorted entries, fixed times): the last commit's time unless set.
  if (!process.env.SOURCE_DATE_EPOCH) {
    const commitTime = childProcess.spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim();
    if (/^\d+$/.test(commitTime ?? '')) process.env.SOURCE_DATE_EPOCH = commitTime;
  }

  const platformVsix = path.join(options.out, `${name}-${target}-${version}.vsix`);
  const universalVsix = path.join(options.out, `${name}-${version}.vsix`);
  await pack(vsce, { files, target, packagePath: platformVsix });
  await pack(vsce, { files: files.filter((file) => !file.startsWith('native/bin/')), packagePath: universalVsix });

  for (const vsix of [platformVsix, universalVsix]) {
    console.log(`\n${path.relative(ROOT, vsix)}  ${formatSize(fs.statSync(vsix).size)}`);
    for (const entry of listZip(vsix)) {
      const mode = entry.mode === undefined ? '    ' : entry.mode.toString(8).padStart(4, '0');
      console.log(`  ${mode}  ${formatSize(entry.size).padStart(10)}  ${entry.name}`);
    }
  }
  const helperEntry = listZip(platformVsix).find((entry) => entry.name === `extension/${HELPER}`);
  if (!helperEntry || !(helperEntry.mode & 0o111)) throw new Error(`${HELPER} is missing or not executable in ${platformVsix}`);
  if (listZip(universalVsix).some((entry) => entry.name.startsWith('extension/native/bin/'))) {
    throw new Error(`${universalVsix} contains native/bin/`);
  }
  if (options.verify) {
    console.log('');
    await verify({ platformVsix, universalVsix });
  }
}

main().catch((error) => {
  console.error(`[package] ${error.message}`);
  process.exit(1);
});
