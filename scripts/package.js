#!/usr/bin/env node
// @ts-check
// `npm run package`: builds the extension (production bundle) and the native helpers, then makes one
// VSIX per platform of native/targets.json, plus a universal one, in dist-vsix/ with @vscode/vsce,
// offline and without prompts:
//
//   ipc-inspector-<target>-<version>.vsix  --target linux-x64, linux-arm64, linux-armhf, alpine-x64,
//                                          alpine-arm64; each ships its architecture's static helper
//                                          as native/bin/ipc-helper-static, the only binary in it (a
//                                          static helper runs on musl too: alpine gets the same one)
//   ipc-inspector-<version>.vsix           universal, no helper at all: the extension says so and
//                                          what to install (src/ipc/helperLocation.ts)
//
// The file set is .vscodeignore's (an allowlist). Each package is packed from its own staged copy of
// those files in a temporary folder, so the repository is never modified; the stages are removed.
// Every VSIX is then checked from the archive itself: its helper is the right ELF machine and
// class, statically linked, mode 0755, and nothing else in native/bin/.
//
//   node scripts/package.js [--no-build] [--verify] [--install] [--targets a,b] [--out <dir>]
//
// --install installs every VSIX into the offline VS Code host (code-server --install-extension,
// an x64 machine: the others install as files, their helpers are not run) and checks each is listed
// with its helper executable. --verify also checks this machine's VSIX: the installed helper answers
// HELLO, the universal one installs without any helper, and the installed extension shows its "IPC"
// view container in a real workbench (screenshot test-results/package.png).
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const HELPER = 'native/bin/ipc-helper-static';
const USAGE = 'usage: node scripts/package.js [--no-build] [--verify] [--install] [--targets a,b] [--out <dir>]';
const { helpers: HELPERS, packages: PACKAGES } = require('../native/targets.json');

function parseArgs(argv) {
  const options = { build: true, verify: false, install: false, targets: PACKAGES.map((p) => p.target), out: path.join(ROOT, 'dist-vsix') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.build = false;
    else if (arg === '--verify') options.verify = options.install = true;
    else if (arg === '--install') options.install = true;
    else if (arg === '--targets' && i + 1 < argv.length) options.targets = argv[++i].split(',').filter(Boolean);
    else if (arg === '--out' && i + 1 < argv.length) options.out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const unknown = options.targets.filter((t) => !PACKAGES.some((p) => p.target === t));
  if (unknown.length) throw new Error(`unknown target ${unknown.join(', ')}: native/targets.json has ${PACKAGES.map((p) => p.target).join(', ')}`);
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

/** ELF machine, class (32/64) and whether the file asks for a dynamic loader (PT_INTERP), from its headers. */
function elfInfo(file, data = fs.readFileSync(file)) {
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
  return { machine, elfClass: is64 ? 64 : 32, dynamic };
}

/** Checks that a helper binary is what `platform` runs: built from the current source, its ELF machine and class, static, executable. */
/** The helper's newest source file (native/*.c and *.h) and its mtime. */
function newestHelperSource() {
  const dir = path.join(ROOT, 'native');
  return fs
    .readdirSync(dir)
    .filter((name) => /\.[ch]$/.test(name))
    .map((name) => ({ name: `native/${name}`, mtimeMs: fs.statSync(path.join(dir, name)).mtimeMs }))
    .reduce((a, b) => (b.mtimeMs > a.mtimeMs ? b : a));
}

function checkHelperBinary(file, data, platform, where) {
  const { machine, elfClass, dynamic } = elfInfo(where, data);
  if (machine !== platform.elfMachine || elfClass !== platform.elfClass) {
    throw new Error(`${where} is ELF machine ${machine} (${elfClass}-bit), not ${platform.name}'s ${platform.elfMachine} (${platform.elfClass}-bit)`);
  }
  if (dynamic) throw new Error(`${where} is dynamically linked; the package must ship a static helper`);
}

/** The built static helper of a platform (native/bin/<platform>/ipc-helper-static), checked. */
function platformHelper(platformName) {
  const platform = HELPERS.find((h) => h.name === platformName);
  const relative = `native/bin/${platformName}/ipc-helper-static`;
  const file = path.join(ROOT, relative);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${relative} was not built. It needs ${platform.compiler} and its C library (Debian/Ubuntu: sudo apt-get install ` +
        `${platform.packages.join(' ')}), then: node native/build.js. Or package only some targets: --targets linux-x64`,
    );
  }
  const newest = newestHelperSource();
  if (fs.statSync(file).mtimeMs < newest.mtimeMs) {
    throw new Error(`${relative} is older than ${newest.name}: its build failed (see above), so it would ship stale code`);
  }
  checkHelperBinary(file, fs.readFileSync(file), platform, relative);
  if ((fs.statSync(file).mode & 0o111) === 0) throw new Error(`${relative} is not executable`);
  return { platform, file };
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
    const method = data.readUInt16LE(at + 10);
    const compressedSize = data.readUInt32LE(at + 20);
    const localOffset = data.readUInt32LE(at + 42);
    entries.push({ name, size, mode: madeBy === 3 ? (attributes >>> 16) & 0o7777 : undefined, method, compressedSize, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The bytes of one entry of a zip (stored or deflated), from its local header. */
function readZipEntry(file, entry) {
  const data = fs.readFileSync(file);
  const at = entry.localOffset;
  if (data.readUInt32LE(at) !== 0x04034b50) throw new Error(`${file}: bad local header for ${entry.name}`);
  const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  const raw = data.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return require('zlib').inflateRawSync(raw);
  throw new Error(`${file}: ${entry.name} uses compression method ${entry.method}`);
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
  // Every bundle and asset the build makes: a file left out works in a checkout and fails once installed.
  const required = ['package.json', ...require('../esbuild.js').OUTPUTS];
  const missing = required.filter((file) => !files.includes(file));
  if (missing.length) throw new Error(`not in the package file list: ${missing.join(', ')} (build first, or check .vscodeignore)`);
  // Belt and braces: nothing of native/ but the protocol and the static helper, nothing of the sources.
  const unexpected = files.filter(
    (file) =>
      (file.startsWith('native/') && file !== 'native/PROTOCOL.md' && file !== HELPER) ||
      (file.startsWith('demo/') && !/^demo\/(run\.js|[\w-]+\.[ch]|workspace\/[\w.-]+)$/.test(file)) ||
      /^(src|test|bench|scripts|out|node_modules)\//.test(file),
  );
  if (unexpected.length) throw new Error(`.vscodeignore lets in files that must not ship: ${unexpected.join(', ')}`);
  return files;
}

/**
 * Copies files (keeping their modes) and .vscodeignore into a fresh temporary folder; with `helper`,
 * that binary becomes native/bin/ipc-helper-static (mode 0755), and no other native/bin/ file goes in.
 */
function stage(files, helper) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-vsix-'));
  const copies = files.filter((file) => !file.startsWith('native/bin/')).map((file) => [path.join(ROOT, file), file]);
  if (helper) copies.push([helper, HELPER]);
  for (const [from, file] of [...copies, [path.join(ROOT, '.vscodeignore'), '.vscodeignore']]) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    fs.chmodSync(to, file === HELPER ? 0o755 : fs.statSync(from).mode & 0o777);
  }
  return dir;
}

/** @param {{ files: string[], helper?: string, target?: string, packagePath: string }} what (no helper and target: the universal package) */
async function pack(vsce, what) {
  const { files, helper, target, packagePath } = what;
  const dir = stage(files, helper);
  try {
    await vsce.createVSIX({
      cwd: dir,
      packagePath,
      target,
      // dist/ is a bundle: no node_modules in the package (no npm run inside vsce either).
      dependencies: false,
      // README.md's relative links (native/PROTOCOL.md, docs/images/) stay relative: they resolve
      // inside the installed extension, with no network (rewritten, they would point at GitHub).
      rewriteRelativeLinks: false,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks a platform VSIX from the archive: its one helper is the platform's, static, mode 0755. */
function checkPlatformVsix(vsix, platform) {
  const entries = listZip(vsix);
  const binaries = entries.filter((entry) => entry.name.startsWith('extension/native/bin/'));
  const helper = binaries.find((entry) => entry.name === `extension/${HELPER}`);
  if (!helper) throw new Error(`${path.basename(vsix)} has no ${HELPER}`);
  if (binaries.length !== 1) throw new Error(`${path.basename(vsix)} has other binaries: ${binaries.map((e) => e.name).join(', ')}`);
  if (helper.mode !== 0o755) throw new Error(`${path.basename(vsix)}: ${HELPER} has mode ${helper.mode?.toString(8)}, not 755`);
  checkHelperBinary(vsix, readZipEntry(vsix, helper), platform, `${path.basename(vsix)}: ${HELPER}`);
  return `${platform.name} helper, ELF machine ${platform.elfMachine}, ${platform.elfClass}-bit, static, mode 0755`;
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

/** Installs every platform VSIX into the offline host (one extensions folder each) and checks what landed. */
async function installAll(made, temp) {
  const { installVsix, listExtensions } = require('./test-host/vsix');
  const results = [];
  for (const { vsix, target } of made) {
    const extensionsDir = path.join(temp, `extensions-${target}`);
    const installed = await installVsix(vsix, extensionsDir);
    const listed = await listExtensions(extensionsDir);
    if (!listed.includes(`${installed.id}@${installed.version}`.toLowerCase())) {
      throw new Error(`${path.basename(vsix)}: the installed extension is not listed`);
    }
    const helper = path.join(installed.dir, HELPER);
    const mode = fs.statSync(helper).mode & 0o777;
    if ((mode & 0o111) === 0) throw new Error(`${path.basename(vsix)}: the installed helper lost its executable bit`);
    const others = fs.readdirSync(path.join(installed.dir, 'native', 'bin')).filter((name) => name !== 'ipc-helper-static');
    if (others.length) throw new Error(`${path.basename(vsix)}: other binaries were installed: ${others.join(', ')}`);
    say(`${target}: installed ${installed.id}@${installed.version} (${installed.targetPlatform}), helper mode ${mode.toString(8)}`);
    results.push({ target, installed, extensionsDir });
  }
  return results;
}

async function verify({ installedHere, universalVsix, temp }) {
  const { installVsix } = require('./test-host/vsix');
  const helper = path.join(installedHere.installed.dir, HELPER);
  say(`installed helper answers HELLO: ${helloHelper(helper)}`);

  const universalDir = path.join(temp, 'extensions-universal');
  const universal = await installVsix(universalVsix, universalDir);
  if (fs.existsSync(path.join(universal.dir, 'native', 'bin'))) throw new Error('the universal package installed native/bin/');
  say(`universal package installs (${universal.targetPlatform}) and has no native/bin/`);

  const { checkWorkbench } = require('./start');
  const workspace = path.join(temp, 'workspace');
  fs.mkdirSync(workspace);
  const screenshot = path.join(ROOT, 'test-results', 'package.png');
  await checkWorkbench({ workspace, extensionsDir: installedHere.extensionsDir, screenshot, log: say });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.build) {
    run(process.execPath, ['esbuild.js', '--production']);
    run(process.execPath, ['native/build.js']);
  }
  const targets = PACKAGES.filter((p) => options.targets.includes(p.target)).map((p) => ({ ...p, ...platformHelper(p.helper) }));
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

  const made = [];
  for (const target of targets) {
    const vsix = path.join(options.out, `${name}-${target.target}-${version}.vsix`);
    await pack(vsce, { files, helper: target.file, target: target.target, packagePath: vsix });
    made.push({ vsix, target: target.target, platform: target.platform });
  }
  const universalVsix = path.join(options.out, `${name}-${version}.vsix`);
  await pack(vsce, { files, packagePath: universalVsix });
  if (listZip(universalVsix).some((entry) => entry.name.startsWith('extension/native/bin/'))) {
    throw new Error(`${universalVsix} contains native/bin/`);
  }

  for (const { vsix } of [...made, { vsix: universalVsix }]) {
    console.log(`\n${path.relative(ROOT, vsix)}  ${formatSize(fs.statSync(vsix).size)}`);
    for (const entry of listZip(vsix)) {
      const mode = entry.mode === undefined ? '    ' : entry.mode.toString(8).padStart(4, '0');
      console.log(`  ${mode}  ${formatSize(entry.size).padStart(10)}  ${entry.name}`);
    }
  }
  console.log('');
  for (const { vsix, platform } of made) say(`${path.basename(vsix)}: ${checkPlatformVsix(vsix, platform)}`);
  if (!options.install) return;
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-verify-'));
  try {
    await require('./test-host/install').install({ log: say });
    const installed = await installAll(made, temp);
    if (!options.verify) return;
    const here = installed.find((i) => i.target === `linux-${process.arch === 'arm' ? 'armhf' : process.arch}`);
    if (!here) throw new Error(`no package for this machine (linux-${process.arch}) was made: add it to --targets for --verify`);
    await verify({ installedHere: here, universalVsix, temp });
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

module.exports = { platformHelper, HELPERS, formatSize };

if (require.main === module) {
  main().catch((error) => {
    console.error(`[package] ${error.message}`);
    process.exit(1);
  });
}
