#!/usr/bin/env node
// `npm run demo`: example programs that use System V and POSIX shared memory, so the IPC view has
// something to show. Builds demo/workspace/*.c (the sources sit in the folder npm start opens, so
// View as C Type finds their types) with the system C compiler into demo/bin/, starts them, prints
// what it started (pids, keys, ids, names), and runs until Ctrl-C; then stops the programs and
// removes what they made, except the leaked ones, which stay for "IPC: Clean Up Orphaned Objects".
//
//   npm run demo                 start the demo (Ctrl-C stops it)
//   npm run demo -- --cleanup    stop what an earlier run left and remove every demo segment,
//                                the leaked one included
//   npm run demo -- --quiet      do not echo the programs' output at all
//
//   writer   ftok(demo/workspace, 'W'), 4 KiB: a counter and a time stamp every 500 ms (board.h)
//   reader   the same segment attached read-only, prints what it reads
//   sensors  key 0x5e450001: struct sensor[4] updated every 250 ms
//   removed  IPC_PRIVATE, 8 KiB: marked removed (IPC_RMID) while it stays attached
//   leaker   key 0x1eaced00, 64 KiB: created, written, left behind by a program that exited (orphan)
//   posix    /ipc-demo-ring, 64 KiB in /dev/shm: a ring buffer a producer fills (demo/ring.h), with a
//            consumer mapping it read-only; /ipc-demo-leak, 1 MiB: created, one page written, left
//            behind without shm_unlink (orphaned once the grace period is over)
//   jobs     a producer and a consumer: System V message queue 0x5e450003 of jobs, semaphore set
//            0x5e450002 (a lock and a count of jobs done), removed at the end
//
// The terminal gets the summary, then a program's line only when it says something new (its
// numbers aside: a counter moving is not news), so the summary stays in view.
//
// demo/bin/state.json records the programs and segments (ids and keys) so that --cleanup, or the
// next run, can find them even after this script was killed. Removal is by id only while the id
// still has the recorded key (demo/workspace/shmrm.c), then by the demo's fixed keys.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');

const DEMO = __dirname;
const BIN = path.join(DEMO, 'bin');
const STATE = path.join(BIN, 'state.json');
const WORKSPACE = path.join(DEMO, 'workspace');
const PROGRAMS = ['writer', 'reader', 'sensors', 'removed', 'leaker', 'shmrm', 'posix', 'jobs'];
const HEADERS = ['demo.h', 'board.h', 'ring.h'];
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-Werror'];
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const SENSORS_KEY = '0x5e450001';
const LEAK_KEY = '0x1eaced00';
const JOBS_SEM_KEY = '0x5e450002';
const JOBS_MSG_KEY = '0x5e450003';
const RING_NAME = '/ipc-demo-ring';
const POSIX_LEAK_NAME = '/ipc-demo-leak';
const POSIX_NAMES = [RING_NAME, POSIX_LEAK_NAME];
const USAGE = 'usage: npm run demo [-- --cleanup] [-- --quiet]';

function say(line) {
  process.stdout.write(`[demo] ${line}\n`);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Building.

function findCompiler() {
  return [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean).find((cc) => childProcess.spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);
}

function build() {
  const cc = findCompiler();
  if (!cc) throw new Error('no C compiler found (tried $CC, cc, gcc, clang). Debian/Ubuntu: sudo apt-get install gcc libc6-dev');
  fs.mkdirSync(BIN, { recursive: true });
  const headersTime = Math.max(...HEADERS.map((name) => fs.statSync(path.join(WORKSPACE, name)).mtimeMs));
  for (const name of PROGRAMS) {
    const source = path.join(WORKSPACE, `${name}.c`);
    const out = path.join(BIN, name);
    const built = fs.statSync(out, { throwIfNoEntry: false });
    if (built && built.mtimeMs >= Math.max(headersTime, fs.statSync(source).mtimeMs)) continue;
    const result = childProcess.spawnSync(cc, [...CFLAGS, '-o', out, source, '-lm'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`building demo/bin/${name} failed:\n${(result.stderr || result.error?.message || '').trim()}`);
    say(`built demo/bin/${name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// State: what runs and what exists, kept on disk so nothing is lost when this script is killed.

function readState() {
  try {
    const state = JSON.parse(fs.readFileSync(STATE, 'utf8'));
    return { runner: state.runner ?? null, programs: state.programs ?? [], segments: state.segments ?? [] };
  } catch {
    return { runner: null, programs: [], segments: [] };
  }
}

/** Removes a demo POSIX object (only the demo's own fixed names); says what happened. */
function removePosix(name) {
  const file = path.join('/dev/shm', name.slice(1));
  if (!fs.existsSync(file)) return;
  fs.rmSync(file, { force: true });
  say(`removed ${name} (${file})`);
}

function writeState(state) {
  fs.mkdirSync(BIN, { recursive: true });
  fs.writeFileSync(STATE, JSON.stringify(state, null, 2) + '\n');
}

/** True if pid runs one of demo/bin's programs (so a reused pid is never signalled). */
function isDemoProgram(pid) {
  try {
    const exe = fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    return path.dirname(exe) === BIN;
  } catch {
    return false;
  }
}

/** True if pid is a live `node demo/run.js` other than this one. */
function isDemoRunner(pid) {
  if (!pid || pid === process.pid) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((arg) => path.resolve(arg) === __filename || arg.endsWith('demo/run.js'));
  } catch {
    return false;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** SIGTERM the demo programs among pids, wait, SIGKILL what is left. */
async function stopPrograms(pids, grace = STOP_GRACE_MS) {
  const ours = pids.filter((pid) => isDemoProgram(pid));
  for (const pid of ours) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  const deadline = Date.now() + grace;
  while (ours.some(alive) && Date.now() < deadline) await delay(50);
  for (const pid of ours.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  while (ours.some((pid) => alive(pid) && isDemoProgram(pid))) await delay(20);
}

/** The id of the System V message queue with this key (0x hex), from /proc/sysvipc/msg, if there is one. */
function msqidOfKey(key) {
  try {
    for (const line of fs.readFileSync('/proc/sysvipc/msg', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 1 && Number(fields[0]) === Number(key)) return Number(fields[1]);
    }
  } catch {
    // not Linux, or no /proc: the summary leaves the id out
  }
  return undefined;
}

/** The ids present in /proc/sysvipc/shm. */
function liveShmids() {
  const ids = new Set();
  try {
    for (const line of fs.readFileSync('/proc/sysvipc/shm', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 1) ids.add(Number(fields[1]));
    }
  } catch {
    // not Linux, or no /proc: nothing to find
  }
  return ids;
}

function shmrm(...args) {
  const result = childProcess.spawnSync(path.join(BIN, 'shmrm'), args, { encoding: 'utf8' });
  const text = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0) say(`could not remove (${args.join(' ')}): ${text}`);
  return text;
}

/** Removes a recorded segment if its id still has its key; says what happened. */
function removeSegment(segment) {
  if (segment.kind === 'removed') {
    // Marked removed at creation: the kernel destroys it at its last detach (its program's exit).
    say(`${segment.name}: shmid ${segment.shmid} ${liveShmids().has(segment.shmid) ? 'is still attached somewhere' : 'went away with its process'}`);
    return;
  }
  const text = shmrm('id', String(segment.shmid), segment.key);
  if (text) say(`${segment.name}: ${text}`);
}

// ---------------------------------------------------------------------------------------------
// Starting programs.

/**
 * Starts demo/bin/<name> in its own process group (Ctrl-C reaches this script, which stops the
 * programs in order) and resolves with its "ready key=... shmid=... size=... pid=..." line.
 */
function startProgram(name, args, { echo }) {
  const child = childProcess.spawn(path.join(BIN, name), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  let lastShape;
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    function fail(error) {
      clearTimeout(timer);
      if (!ready) {
        ready = true;
        try {
          child.kill('SIGKILL');
        } catch {
          // gone
        }
        reject(error);
      }
    }
    lines(child.stdout, (line) => {
      const match = /^ready key=(0x[0-9a-f]{8}) shmid=(\d+) size=(\d+) pid=(\d+) (.*)$/.exec(line);
      const posix = /^ready name=(\/\S+) size=(\d+) pid=(\d+) (.*)$/.exec(line);
      if (!ready && (match || posix)) {
        ready = true;
        clearTimeout(timer);
        if (posix) resolve({ child, name: posix[1], size: Number(posix[2]), pid: Number(posix[3]), note: posix[4] });
        else resolve({ child, key: match[1], shmid: Number(match[2]), size: Number(match[3]), pid: Number(match[4]), note: match[5] });
      } else if (ready && echo() && shapeOf(line) !== lastShape) {
        // Only what is new: the reader says the same thing every second with another counter.
        lastShape = shapeOf(line);
        process.stdout.write(`  [${name}] ${line}\n`);
      }
    });
    lines(child.stderr, (line) => {
      stderr.push(line);
      if (ready) process.stdout.write(`  [${name}] ${line}\n`);
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (!ready) fail(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready${stderr.length ? `: ${stderr.join('\n')}` : ''}`));
    });
  });
}

/** A line with its numbers blanked: the same shape says nothing new. */
function shapeOf(line) {
  return line.replace(/\d+(\.\d+)?/g, '#');
}

/** Removes the jobs' semaphore set and message queue by their fixed keys (ipcrm); says what went. */
function removeJobs() {
  for (const [flag, key, what] of [
    ['-S', JOBS_SEM_KEY, 'semaphore set'],
    ['-Q', JOBS_MSG_KEY, 'message queue'],
  ]) {
    if (childProcess.spawnSync('ipcrm', [flag, key], { stdio: 'ignore' }).status === 0) say(`removed the jobs' ${what} ${key}`);
  }
}

function lines(stream, onLine) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop();
    parts.forEach(onLine);
  });
}

function formatSize(bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`; // as the views say it
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

// ---------------------------------------------------------------------------------------------

/** Stops what an earlier run left running (its runner was killed), keeps its segment records. */
async function stopLeftovers(state) {
  const pids = state.programs.map((program) => program.pid).filter((pid) => isDemoProgram(pid));
  if (pids.length) {
    say(`stopping ${pids.length} program(s) an earlier run left running: ${pids.join(', ')}`);
    await stopPrograms(pids);
  }
  state.programs = [];
  const ids = liveShmids();
  state.segments = state.segments.filter((segment) => ids.has(segment.shmid));
}

async function cleanup() {
  const state = readState();
  if (isDemoRunner(state.runner?.pid)) {
    say(`a demo is running (pid ${state.runner.pid}): stopping it first`);
    process.kill(state.runner.pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (isDemoRunner(state.runner.pid) && Date.now() < deadline) await delay(100);
    Object.assign(state, readState());
  }
  await stopLeftovers(state);
  for (const segment of state.segments) removeSegment(segment);
  // Whatever has a demo key and was not recorded (state.json deleted, a crash before it was written).
  const writerKey = fs.existsSync(WORKSPACE) ? shmrm('ftok', WORKSPACE, 'W') : '';
  for (const key of [SENSORS_KEY, LEAK_KEY, writerKey].filter((k) => /^0x[0-9a-f]{8}$/.test(k))) {
    const text = shmrm('key', key);
    if (text.startsWith('removed')) say(`by key: ${text}`);
  }
  for (const name of POSIX_NAMES) removePosix(name);
  removeJobs();
  fs.rmSync(STATE, { force: true });
  say('every demo segment is gone');
}

async function run({ quiet }) {
  const state = readState();
  if (isDemoRunner(state.runner?.pid)) {
    throw new Error(`a demo is already running (pid ${state.runner.pid}); stop it with Ctrl-C there, or: npm run demo -- --cleanup`);
  }
  await stopLeftovers(state);
  state.runner = { pid: process.pid, startedAt: new Date().toISOString() };
  writeState(state);

  const started = [];
  let stopping = false;
  let firstSignalAt = 0;
  /** @type {() => void} */
  let finish = () => undefined;
  const done = new Promise((resolve) => (finish = () => resolve(undefined)));
  const echo = () => !quiet;
  // Ctrl-C under `npm run` can arrive twice (from the terminal, and forwarded by npm): only a second
  // signal a second later hurries the stop (SIGKILL instead of waiting).
  const onSignal = (signal) => {
    if (stopping) {
      if (Date.now() - firstSignalAt > 1000) {
        say(`${signal} again: killing the programs`);
        for (const { pid } of started) if (isDemoProgram(pid)) process.kill(pid, 'SIGKILL');
      }
      return;
    }
    stopping = true;
    firstSignalAt = Date.now();
    process.stdout.write('\n');
    say(`${signal}: stopping`);
    finish();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

  // kind: 'owned' (removed at the end), 'removed' (goes with its process), 'leaked' (stays), or
  // null for a program that only attaches.
  const record = (name, kind, ready) => {
    started.push({ name, pid: ready.pid });
    state.programs.push({ name, pid: ready.pid });
    if (kind && ready.shmid !== undefined && !state.segments.some((s) => s.shmid === ready.shmid && s.key === ready.key)) {
      state.segments.push({ name, kind, key: ready.key, shmid: ready.shmid, size: ready.size });
    }
    writeState(state);
    ready.child.on('exit', (code, signal) => {
      if (!stopping && kind !== 'leaked') say(`${name} (pid ${ready.pid}) exited unexpectedly (${signal ?? `code ${code}`})`);
    });
    return ready;
  };

  const rows = [];
  try {
    const writer = record('writer', 'owned', await startProgram('writer', [WORKSPACE, '500'], { echo }));
    const reader = record('reader', null, await startProgram('reader', [WORKSPACE, '1000'], { echo }));
    rows.push([writer.key, writer.shmid, writer.size, `writer pid ${writer.pid} (rw) + reader pid ${reader.pid} (ro): counter and time stamp every 500 ms`]);
    const sensors = record('sensors', 'owned', await startProgram('sensors', [SENSORS_KEY], { echo }));
    rows.push([sensors.key, sensors.shmid, sensors.size, `sensors pid ${sensors.pid}: struct sensor[4] updated every 250 ms`]);
    const removed = record('removed', 'removed', await startProgram('removed', [], { echo }));
    rows.push([removed.key, removed.shmid, removed.size, `removed pid ${removed.pid}: marked removed (IPC_RMID), still attached`]);
    const leaker = record('leaker', 'leaked', await startProgram('leaker', [LEAK_KEY], { echo }));
    const leakedBefore = /earlier run/.test(leaker.note);
    rows.push([
      leaker.key,
      leaker.shmid,
      leaker.size,
      `leaked: ${leakedBefore ? 'left by an earlier run' : `its creator (pid ${leaker.pid}) exited`} without removing it`,
    ]);
    const producer = record('ring', null, await startProgram('posix', ['ring', RING_NAME, '250'], { echo }));
    const consumer = record('watch', null, await startProgram('posix', ['watch', RING_NAME], { echo }));
    rows.push([
      RING_NAME,
      '',
      producer.size,
      `POSIX: producer pid ${producer.pid} (maps rw) + consumer pid ${consumer.pid} (maps ro, holds its fd): a ring buffer, one slot every 250 ms`,
    ]);
    const producerJobs = record('jobs', null, await startProgram('jobs', ['produce', JOBS_SEM_KEY, JOBS_MSG_KEY, '1000'], { echo }));
    const consumerJobs = record('jobs-consumer', null, await startProgram('jobs', ['consume', JOBS_SEM_KEY, JOBS_MSG_KEY], { echo }));
    rows.push([JOBS_SEM_KEY, producerJobs.shmid, '', 'semaphore set of the jobs: a lock and a count of jobs done']);
    rows.push([
      JOBS_MSG_KEY,
      msqidOfKey(JOBS_MSG_KEY) ?? '',
      '',
      `message queue of jobs: producer pid ${producerJobs.pid} sends one every second, consumer pid ${consumerJobs.pid} takes each`,
    ]);
    const posixLeak = record('posix-leak', 'leaked', await startProgram('posix', ['leak', POSIX_LEAK_NAME], { echo }));
    rows.push([
      POSIX_LEAK_NAME,
      '',
      posixLeak.size,
      `POSIX, leaked: ${/earlier run/.test(posixLeak.note) ? 'left by an earlier run' : `its creator (pid ${posixLeak.pid}) exited`} without shm_unlink`,
    ]);
  } catch (error) {
    if (!stopping) say(`starting failed: ${error.message}`);
    stopping = true;
    finish();
  }

  if (rows.length && !stopping) {
    say(`running (pid ${process.pid}). Objects:`);
    console.log(`\n  ${'key / name'.padEnd(14)}  ${'id'.padStart(8)}  ${'size'.padStart(8)}  what`);
    for (const [key, id, size, what] of rows) {
      console.log(`  ${key.padEnd(14)}  ${String(id).padStart(8)}  ${(size === '' ? '' : formatSize(size)).padStart(8)}  ${what}`);
    }
    console.log(
      '\nLook at them in the IPC view (npm start), or with ipcs and ls -l /dev/shm. Layouts: demo/workspace/README.md.\n' +
        'Ctrl-C stops the programs and removes what they made; the leaked ones stay for\n' +
        '"IPC: Clean Up Orphaned Objects" (npm run demo -- --cleanup removes them too).\n',
    );
  }

  await done;
  // The reader first, so that it never sees its segment go; then the rest.
  await stopPrograms(started.filter((p) => p.name === 'reader').map((p) => p.pid));
  await stopPrograms(started.map((p) => p.pid));
  say(`stopped ${started.filter((p) => p.name !== 'leaker' && p.name !== 'posix-leak').length} program(s)`);
  state.programs = [];
  for (const segment of state.segments.filter((s) => s.kind !== 'leaked')) removeSegment(segment);
  removePosix(RING_NAME);
  removeJobs();
  state.segments = state.segments.filter((s) => s.kind === 'leaked' && liveShmids().has(s.shmid));
  state.runner = null;
  writeState(state);
  for (const segment of state.segments) {
    say(`left ${segment.key} (shmid ${segment.shmid}) for "IPC: Clean Up Orphaned Objects"; npm run demo -- --cleanup removes it`);
  }
  if (fs.existsSync(path.join('/dev/shm', POSIX_LEAK_NAME.slice(1)))) {
    say(`left ${POSIX_LEAK_NAME} in /dev/shm for "IPC: Clean Up Orphaned Objects"; npm run demo -- --cleanup removes it`);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const unknown = argv.filter((arg) => !['--cleanup', '--quiet'].includes(arg));
  if (unknown.length) throw new Error(`unknown argument ${unknown[0]}\n${USAGE}`);
  if (process.platform !== 'linux') throw new Error('the demo needs Linux (System V shared memory as the Linux kernel has it)');
  build();
  if (argv.includes('--cleanup')) await cleanup();
  else await run({ quiet: argv.includes('--quiet') });
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`[demo] ${error.message}`);
    process.exit(1);
  },
);
