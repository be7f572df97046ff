#!/usr/bin/env node
// @ts-check
// `npm run package:cli`: the command line as an npm package, dist-npm/ipc-inspector-<version>.tgz,
// what `npm install -g` and `npx ipc-inspector` install. The repository itself is no such package
// (its build outputs are not in git, so `npm pack` of a checkout has no dist/ and its command could
// only say "not built yet"); this stages exactly what the command runs and packs that:
//
//   bin/ipc-inspector.js                   the command (package.json "bin")
//   dist/cli.js, dist/cli.js.cache         the bundle and V8's code cache of it (esbuild.js)
//   dist/cli-ctypes.js, dist/dwarfWalk.js, dump --type: the C type engine, its debug-information
//   dist/*.wasm                            worker and the C parser
//   native/bin/<platform>/ipc-helper-static
//                                          the static helper of every platform built here
//                                          (native/targets.json); the command takes its
//                                          architecture's (src/ipc/helperLocation.ts)
//   README.md, LICENSE, package.json       a manifest of its own: no dependencies (the bundle has
//                                          them), no install scripts, Linux only
//
//   node scripts/packCli.js [--no-build] [--out <dir>]
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { platformHelper, HELPERS, formatSize } = require('./package');

const ROOT = path.resolve(__dirname, '..');
const USAGE = 'usage: node scripts/packCli.js [--no-build] [--out <dir>]';
/** What the command runs, besides the helpers (relative to ROOT). */
const FILES = [
  'bin/ipc-inspector.js',
  'dist/cli.js',
  'dist/cli.js.cache',
  'dist/cli-ctypes.js',
  'dist/dwarfWalk.js',
  'dist/tree-sitter.wasm',
  'dist/tree-sitter-c.wasm',
  'README.md',
  'LICENSE',
];

function parseArgs(argv) {
  const options = { build: true, out: path.join(ROOT, 'dist-npm') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-build') options.build = false;
    else if (argv[i] === '--out' && i + 1 < argv.length) options.out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  return options;
}

function run(command, args, cwd = ROOT) {
  const result = childProcess.spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.signal ?? `exit ${result.status}`})`);
  return result.stdout;
}

/** The npm package's manifest, from the repository's (name, version, links) with the command's own fields. */
function manifest() {
  const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const words = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));
  return {
    name: own.name,
    version: own.version,
    description: `The command line of IPC Inspector: ${words.description}`,
    license: own.license,
    repository: own.repository,
    bugs: own.bugs,
    homepage: own.homepage,
    keywords: own.keywords,
    bin: own.bin,
    engines: { node: own.engines.node },
    os: ['linux'],
  };
}

/** The code cache must be one the command would use (this Node, this bundle, whole), or it would only be read and refused. */
function checkCodeCache() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) || !fs.existsSync(path.join(ROOT, 'dist', 'cli.js.cache'))) {
    throw new Error('dist/cli.js or its code cache dist/cli.js.cache is missing: build first (node esbuild.js), or pack without --no-build');
  }
  if (!require('../bin/ipc-inspector.js').cacheFits()) {
    throw new Error('dist/cli.js.cache is not the code cache of dist/cli.js (a build without it, or a watch build since): run node esbuild.js');
  }
}

/** Copies FILES and each built platform's static helper into a fresh folder with the manifest (every check first: nothing is left behind). */
function stage() {
  const copies = FILES.map((file) => [path.join(ROOT, file), file]);
  const platforms = [];
  for (const { name } of HELPERS) {
    if (!fs.existsSync(path.join(ROOT, 'native', 'bin', name, 'ipc-helper-static'))) continue;
    const { file } = platformHelper(name);
    copies.push([file, `native/bin/${name}/ipc-helper-static`]);
    platforms.push(name);
  }
  const own = HELPERS.find((h) => h.nodeArch === process.arch);
  if (own && !platforms.includes(own.name)) {
    throw new Error(`native/bin/${own.name}/ipc-helper-static (this machine's, the one the package is tested with) was not built: run node native/build.js`);
  }
  if (platforms.length === 0) throw new Error('no static helper was built (native/bin/<platform>/ipc-helper-static): run node native/build.js');
  const missing = copies.find(([from]) => !fs.existsSync(from));
  if (missing) throw new Error(`${path.relative(ROOT, missing[0])} is missing: build first (node esbuild.js), or pack without --no-build`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-npm-'));
  for (const [from, file] of copies) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    fs.chmodSync(to, file.endsWith('ipc-helper-static') || file.startsWith('bin/') ? 0o755 : 0o644);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest(), null, 2)}\n`);
  return { dir, platforms };
}

/** Packs the command line; returns the tarball's path. */
function packCli(options) {
  if (options.build) {
    // The helper first: the build's code cache is made by running the commands, which use it.
    run(process.execPath, ['native/build.js']);
    run(process.execPath, ['esbuild.js', '--production']);
  }
  checkCodeCache();
  const { dir, platforms } = stage();
  try {
    fs.mkdirSync(options.out, { recursive: true });
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', options.out], dir));
    const tarball = path.join(options.out, packed.filename);
    console.log(`[package:cli] ${path.relative(process.cwd(), tarball)}  ${formatSize(fs.statSync(tarball).size)}, helpers for ${platforms.join(', ')}`);
    for (const file of packed.files) console.log(`  ${file.mode.toString(8)}  ${formatSize(file.size).padStart(10)}  ${file.path}`);
    return tarball;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { packCli };

if (require.main === module) {
  try {
    packCli(parseArgs(process.argv.slice(2)));
  } catch (error) {
    console.error(`[package:cli] ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
