// @ts-check
// Makes dist/cli.js.cache, V8's code cache of the command line's bundle (bin/ipc-inspector.js says
// why and how it is checked before use). esbuild.js runs this after each build.
//
// V8 puts in a cache only the functions compiled so far, and compiles most of them only when they
// first run: so the bundle is loaded the way the command loads it and its commonest commands run
// first (`list`, `list --json`, `metrics`, `waits`), their output thrown away. They only read the
// machine (/proc, /dev/shm, the System V tables), as any user's run does. Whatever fails (no helper
// yet, no /proc), the cache holds what ran; if nothing can be made, there is none and the command
// compiles from source as before.
'use strict';
const fs = require('fs');
const path = require('path');

const WARM_UP = [
  ['list', '--quiet'],
  ['list', '--json', '--quiet'],
  ['metrics', '--quiet'],
  ['waits', '--quiet'],
];

async function main() {
  const { loadBundle, bundle } = require(path.join(__dirname, '..', 'bin', 'ipc-inspector.js'));
  const cacheFile = `${bundle}.cache`;
  fs.rmSync(cacheFile, { force: true });
  // The commands print: their output is not this script's.
  const say = process.stderr.write.bind(process.stderr);
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  const loaded = loadBundle();
  for (const argv of WARM_UP) {
    try {
      await loaded.exports.main(argv);
    } catch {
      // what ran is compiled all the same
    }
  }
  process.exitCode = 0;
  const temporary = `${cacheFile}.${process.pid}`;
  fs.writeFileSync(temporary, loaded.makeCache());
  fs.renameSync(temporary, cacheFile);
  say(`${path.relative(process.cwd(), cacheFile)}: code cache of the command line, ${fs.statSync(cacheFile).size} bytes\n`);
}

main().catch((error) => {
  process.exitCode = 0;
  fs.writeSync(2, `no code cache for the command line (it compiles from source): ${error && error.message}\n`);
});
