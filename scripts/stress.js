#!/usr/bin/env node
// @ts-check
// `npm run stress`: the whole `npm test`, several times in a row, while busy loops load the
// machine: a check that no test depends on a quiet machine (a test that passes only then is a
// failing test). Each busy loop is a separate process spinning on one core; they are killed when
// the runs end, however they end.
//
//   npm run stress [-- --runs 5] [--busy 2] [--stages "unit native"]
//
// Prints one line per run (pass/fail, minutes, the "tests:" line) and a summary; exits 1 if any
// run failed. The log of every run goes to test-results/stress/run-N.log.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const USAGE = 'usage: node scripts/stress.js [--runs N] [--busy N] [--stages "stage ..."]';

function parseArgs(argv) {
  const options = { runs: 5, busy: 2, stages: [] };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (argv[i] === '--runs') options.runs = Number(value());
    else if (argv[i] === '--busy') options.busy = Number(value());
    else if (argv[i] === '--stages') options.stages = value().split(/\s+/).filter(Boolean);
    else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs must be a whole number of at least 1');
  if (!Number.isInteger(options.busy) || options.busy < 0) throw new Error('--busy must be a whole number');
  return options;
}

/** A process that keeps one core busy until killed (its own process group, so nothing outlives it). */
function startBusyLoop() {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore', detached: true });
}

function runTests(stages, logFile) {
  return new Promise((resolve) => {
    const out = fs.openSync(logFile, 'w');
    const started = Date.now();
    const child = spawn('npm', ['test', ...(stages.length ? ['--', ...stages] : [])], { cwd: root, stdio: ['ignore', out, out] });
    child.on('close', (code) => {
      fs.closeSync(out);
      const text = fs.readFileSync(logFile, 'utf8');
      const totals = (text.match(/^tests: .*$/m) || ['tests: (no summary line)'])[0];
      const failedStage = (text.match(/^\*\*\* stage "([^"]+)" failed$/m) || [])[1];
      resolve({ ok: code === 0, minutes: (Date.now() - started) / 60_000, totals, failedStage });
    });
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dir = path.join(root, 'test-results', 'stress');
  fs.mkdirSync(dir, { recursive: true });
  const loops = Array.from({ length: options.busy }, startBusyLoop);
  const stopLoops = () => {
    for (const loop of loops) {
      try {
        process.kill(-loop.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  process.on('exit', stopLoops);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
  console.log(
    `stress: ${options.runs} run(s) of npm test${options.stages.length ? ` -- ${options.stages.join(' ')}` : ''}, ${options.busy} busy loop(s) on ${os.cpus().length} core(s)`,
  );
  const results = [];
  for (let run = 1; run <= options.runs; run++) {
    const logFile = path.join(dir, `run-${run}.log`);
    const result = await runTests(options.stages, logFile);
    results.push(result);
    const load = os.loadavg()[0].toFixed(1);
    console.log(
      `run ${run}: ${result.ok ? 'passed' : `FAILED${result.failedStage ? ` in stage ${result.failedStage}` : ''}`} after ${result.minutes.toFixed(1)} min (load ${load}); ${result.totals}; log ${path.relative(root, logFile)}`,
    );
  }
  stopLoops();
  const failed = results.filter((r) => !r.ok).length;
  const minutes = results.map((r) => r.minutes);
  console.log(
    `stress: ${results.length - failed} of ${results.length} passed; ${Math.min(...minutes).toFixed(1)} to ${Math.max(...minutes).toFixed(1)} min per run`,
  );
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error.message);
  process.exit(2);
});
