#!/usr/bin/env node
// The `ipc-inspector` command (package.json "bin"): the bundle dist/cli.js (src/cli/main.ts), which
// finds the helper in native/bin as the extension does.
//
// The bundle is compiled with V8's code cache made at build time (dist/cli.js.cache, written by
// scripts/cliCodeCache.js after a run of the commands): a command that runs once and exits would
// otherwise spend 40 to 70 ms of every run parsing and compiling the bundle. Node 20 has no compile
// cache of its own for this (module.enableCompileCache came in Node 22). The cache is used only when
// its header names this very bundle (its SHA-256), this Node and this architecture, and its bytes
// hash to what the header says: V8 checks its version and the source's length, not the source, and
// a cache of another build of the same length would run that build's code. Anything else (no cache,
// another Node, a changed bundle, a damaged file) is compiled from source as usual. A cache serves
// only the Node version that made it (V8 refuses others): the one of the machine that built or packed.
'use strict';
const fs = require('fs');
const path = require('path');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
const CACHE_MAGIC = 'ipc-inspector code cache 1';

/** What a cache made by this Node on this architecture starts with (the bundle's hash follows). */
const OWN_PREFIX = `${CACHE_MAGIC} ${process.version} ${process.arch} `;
/** Far above any real cache (about 0.5 MiB): a file bigger than this is not one. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

function sha256Hex(crypto, bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The header line of a code cache of `source` made by this Node. */
function cacheHeader(crypto, source) {
  return OWN_PREFIX + sha256Hex(crypto, source);
}

/**
 * The cache file's bytes if it is a regular file of a sane size made by this Node on this
 * architecture (a prefix read first: another Node's cache is not read whole, nor hashed); else
 * undefined. Opened without blocking and checked by its descriptor, so a FIFO or a device planted
 * in its place cannot stall or flood the command.
 */
function readOwnCache(cacheFile) {
  let fd;
  try {
    fd = fs.openSync(cacheFile, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_CACHE_BYTES || stat.size <= OWN_PREFIX.length) return undefined;
    const head = Buffer.alloc(OWN_PREFIX.length);
    if (fs.readSync(fd, head, 0, head.length, 0) !== head.length || head.toString('latin1') !== OWN_PREFIX) return undefined;
    const bytes = Buffer.allocUnsafe(stat.size);
    let length = 0;
    while (length < bytes.length) {
      const n = fs.readSync(fd, bytes, length, bytes.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return bytes.subarray(0, length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The V8 data of the cache file, when it is this bundle's (made by this Node) and whole; undefined otherwise. */
function cachedDataFor(crypto, source, cacheFile) {
  const file = readOwnCache(cacheFile);
  if (!file) return undefined;
  const end = file.indexOf(0x0a);
  const second = end < 0 ? -1 : file.indexOf(0x0a, end + 1);
  if (second < 0) return undefined;
  const data = file.subarray(second + 1);
  const ok = file.toString('latin1', 0, end) === cacheHeader(crypto, source) && file.toString('latin1', end + 1, second) === sha256Hex(crypto, data);
  return ok ? data : undefined;
}

/**
 * Loads the bundle as require() would, through a vm.Script that can take (and make) a code cache.
 * Returns its exports and the script (scripts/cliCodeCache.js makes the cache from it).
 */
function loadBundle({ useCache = true } = {}) {
  const Module = require('module');
  const vm = require('vm');
  const crypto = require('crypto');
  const source = fs.readFileSync(bundle, 'utf8');
  const cachedData = useCache ? cachedDataFor(crypto, source, `${bundle}.cache`) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
  // What CommonJS gives a module: the bundle uses exports and require (its lazy parts are files beside it).
  const loaded = { exports: {} };
  script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(bundle), loaded, bundle, path.dirname(bundle));
  return {
    exports: loaded.exports,
    script,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    /** The cache file's content for this bundle: its header, its data's hash, V8's data of what ran so far. */
    makeCache: () => {
      const data = script.createCachedData();
      return Buffer.concat([Buffer.from(`${cacheHeader(crypto, source)}\n${sha256Hex(crypto, data)}\n`), data]);
    },
  };
}

/** Whether the bundle's cache file is one this command would use (scripts/packCli.js checks before it ships one). */
function cacheFits() {
  return cachedDataFor(require('crypto'), fs.readFileSync(bundle, 'utf8'), `${bundle}.cache`) !== undefined;
}

module.exports = { loadBundle, cacheFits, bundle };

if (require.main === module) {
  if (!fs.existsSync(bundle)) {
    process.stderr.write(`ipc-inspector: not built yet (no ${bundle}): run "npm run build" in ${path.dirname(__dirname)}.\n`);
    process.exit(3);
  }
  // `serve` runs for days: the cache saves it 50 ms once and would cost it some 10 MiB of bytecode
  // for as long as it runs (every function the cache holds, compiled or not). Any word "serve" turns
  // it off (`check -- serve …` too): the worst that does is a slower start.
  const loaded = loadBundle({ useCache: !process.argv.slice(2).includes('serve') });
  if (process.env.IPC_INSPECTOR_DEBUG_CODE_CACHE === '1') process.stderr.write(`ipc-inspector: code cache ${loaded.cacheUsed ? 'used' : 'not used'}\n`);
  loaded.exports.main().catch((error) => {
    process.stderr.write(`ipc-inspector: ${error && error.stack ? error.stack : error}\n`);
    process.exit(3);
  });
}
