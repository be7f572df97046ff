#!/usr/bin/env node
// @ts-check
// Runs a mocha suite INSIDE a real VS Code extension host, offline: code-server (./install.js,
// ./server.js) with this repository as the extension under development, its workbench opened in
// headless chromium with VS Code's test payload. The extension host's output (mocha's report) is
// streamed to stdout; the exit code is the suite's (0 all passed, 1 otherwise).
//
//   node scripts/test-host/runIntegration.js --suite out/test/integration/index.js
//        [--workspace <dir>] [--timeout <seconds, default 600>] [--verbose] [--headed]
//        [--as-user <name>] [--fixture <script.js>] [--untrusted]
//
// --untrusted opens the workspace with workspace trust on and the folder not trusted (Restricted Mode).
// --as-user (as root) runs code-server, and so the extension host and its helper, as that
// unprivileged user with a HOME of its own. --fixture runs a script as root first: it makes the
// objects the suite looks at as another user, prints one line of JSON (handed to the suite as
// IPCINSP_ROOT_FIXTURE) and removes them when its stdin closes (also if this runner dies).
//
// --timeout bounds the run after the host is installed (server, workbench, suite). --verbose also
// prints code-server's own output, the workbench's startup lines and the browser console; --headed
// needs a display (xvfb-run). On timeout a screenshot goes to test-results/integration-timeout.png;
// when the run fails, the workbench's and code-server's logs go to test-results/integration-logs/.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const util = require('util');
const { install, InstallError, REPO_ROOT } = require('./install');
const { startServer, launchChromium } = require('./server');

const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
const USAGE =
  'usage: node scripts/test-host/runIntegration.js --suite <compiled suite index.js> ' +
  '[--workspace <dir>] [--timeout <seconds>] [--verbose] [--headed] [--as-user <name>] [--fixture <script.js>] [--untrusted]';

function parseArgs(argv) {
  const options = { timeout: 600, verbose: false, headed: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (arg === '--suite') options.suite = path.resolve(value());
    else if (arg === '--workspace') options.workspace = path.resolve(value());
    else if (arg === '--timeout') options.timeout = Number(value());
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--headed') options.headed = true;
    else if (arg === '--untrusted') options.untrusted = true;
    else if (arg === '--as-user') options.asUser = value();
    else if (arg === '--fixture') options.fixture = path.resolve(value());
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (!options.suite) throw new Error(`--suite is required\n${USAGE}`);
  if (!Number.isFinite(options.timeout) || options.timeout <= 0) throw new Error('--timeout must be a positive number of seconds');
  return options;
}

/** uid and gid of a user by name (id(1): passwd, NSS and all). */
function lookUpUser(name) {
  const id = (flag) => Number(childProcess.execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Starts the fixture script (as root) and waits for its line of JSON; stop() closes its stdin and waits for it. */
async function startFixture(script) {
  const child = childProcess.spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    exited.then((code) => reject(new Error(`fixture ${script} exited (${code}) before it was ready`)));
  });
  JSON.parse(line); // malformed: fail here, not in every test
  return {
    json: line,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

class Interrupted extends Error {
  constructor(exitCode) {
    super('interrupted');
    this.exitCode = exitCode;
  }
}

// The workbench's own startup lines arrive on the same channel as the extension host's console;
// these (seen on every run) are hidden unless --verbose. Anything else is printed.
const WORKBENCH_CHATTER = new RegExp(
  [
    '^Resolv(ing|ed) connection token',
    '^Creating a socket \\(renderer-',
    '^Ignoring fetching additional builtin extensions',
    '^Updating additional builtin extensions cache',
    '^\\[Service Worker\\]',
    '^ChatSessionStore: ',
  ].join('|'),
);

/** The workbench passes the console's arguments as an array, format string first. */
function formatLogMessage(message) {
  if (Array.isArray(message)) return util.format(...message);
  return typeof message === 'string' ? message : util.format(message);
}

function say(line) {
  process.stderr.write(`[integration] ${line}\n`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(options.suite)) {
    throw new Error(`suite not found: ${options.suite} (compile the tests first: npm run compile-tests)`);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const main = path.join(REPO_ROOT, pkg.main);
  if (!fs.existsSync(main)) throw new Error(`${pkg.main} not found: build the extension first (node esbuild.js)`);
  if (options.workspace && !fs.statSync(options.workspace, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`workspace is not a folder: ${options.workspace}`);
  }

  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const teardown = [];
  let signalCode = 0;
  let finish; // resolves the run with an exit code
  const done = new Promise((resolve) => (finish = resolve));
  const stopIfInterrupted = () => {
    if (signalCode) throw new Interrupted(signalCode);
  };

  const onSignal = (signal) => {
    if (signalCode) {
      // Second signal: leave now; server.js kills code-server's group on exit.
      process.exit(signalCode);
    }
    signalCode = signal === 'SIGINT' ? 130 : 143;
    say(`${signal}: stopping (again to force)`);
    finish(signalCode);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = 1;
  let workbenchLogs = [];
  let serverLogs; // code-server's log folder (the remote extension host's log is there)
  try {
    await install({ log: say });
    stopIfInterrupted();
    // The timeout covers the run, not a first (cold, about a minute) install.
    const runStarted = Date.now();

    if (options.asUser && process.getuid() !== 0) throw new Error("--as-user needs root (to prepare the user's host)");
    const user = options.asUser ? lookUpUser(options.asUser) : undefined;
    let workspace = options.workspace;
    if (!workspace) {
      workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-workspace-'));
      if (user) fs.chownSync(workspace, user.uid, user.gid);
      teardown.push(() => fs.rmSync(workspace, { recursive: true, force: true }));
    }
    const env = process.stdout.isTTY ? { MOCHA_COLORS: '1' } : {};
    if (options.fixture) {
      const fixture = await startFixture(options.fixture);
      teardown.push(() => fixture.stop());
      env.IPCINSP_ROOT_FIXTURE = fixture.json;
      say(`fixture ${path.relative(REPO_ROOT, options.fixture)} ready`);
    }

    const server = await startServer({
      workspace,
      extensionDevelopmentPath: REPO_ROOT,
      // Tests mount an mqueue file system (POSIX queues): in a namespace of the host's own.
      privateMounts: true,
      user,
      untrusted: options.untrusted,
      onOutput: options.verbose ? (line) => say(`[server] ${line}`) : undefined,
      // Mocha colours its report when this is set (the extension host has no TTY).
      env,
    });
    let stoppingServer = false;
    teardown.push(() => {
      stoppingServer = true;
      return server.stop();
    });
    serverLogs = path.join(server.userDataDir, 'logs');
    say(`code-server ${server.url} (pid ${server.pid}${options.asUser ? `, as ${options.asUser}` : ''}) up after ${seconds()}`);
    server.exited.then(({ code, signal }) => {
      if (stoppingServer) return;
      say(`code-server exited unexpectedly (${signal ?? `code ${code}`})\n${server.recentOutput()}`);
      finish(1);
    });
    stopIfInterrupted();

    // Signals are ours to handle (playwright's own handler would exit before the teardown).
    const browser = await launchChromium({
      headless: !options.headed,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    teardown.push(() => browser.close());
    stopIfInterrupted();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();

    // Both before goto: the workbench looks for them as soon as the test run starts.
    await page.exposeFunction('codeAutomationLog', (level, message) => {
      const text = formatLogMessage(message);
      if (!options.verbose && WORKBENCH_CHATTER.test(text)) return;
      if (level === 'error' || level === 'warn') process.stderr.write(`${text}\n`);
      else process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      workbenchLogs = Array.isArray(logs) ? logs : [];
      finish(typeof code === 'number' ? code : 1);
    });
    page.on('crash', () => {
      say('the workbench page crashed');
      finish(1);
    });
    if (options.verbose) {
      page.on('console', (message) => say(`[browser ${message.type()}] ${message.text()}`));
      page.on('pageerror', (error) => say(`[browser pageerror] ${error.message}`));
    }

    const url = server.workbenchUrl({ extensionTestsPath: options.suite });
    say(`opening the workbench, suite ${path.relative(REPO_ROOT, options.suite)}`);
    await page.goto(url, { waitUntil: 'domcontentloaded' });

    const timeoutMs = options.timeout * 1000 - (Date.now() - runStarted);
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(timeoutMs, 0));
    });
    const result = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      say(`timed out after ${options.timeout} s`);
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      const shot = path.join(RESULTS_DIR, 'integration-timeout.png');
      try {
        await page.screenshot({ path: shot, timeout: 10_000 });
        say(`screenshot: ${path.relative(REPO_ROOT, shot)}`);
      } catch (error) {
        say(`no screenshot: ${error.message}`);
      }
      exitCode = 1;
    } else {
      exitCode = result;
    }
  } catch (error) {
    if (error instanceof Interrupted) {
      exitCode = error.exitCode;
    } else {
      say(error instanceof InstallError ? `test host install failed: ${error.message}` : error.stack || String(error));
      exitCode = 1;
    }
  } finally {
    if (exitCode !== 0) saveLogs(workbenchLogs, serverLogs);
    for (const step of teardown.reverse()) {
      try {
        await step();
      } catch (error) {
        say(`teardown: ${error.message}`);
      }
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  say(`exit code ${exitCode} after ${seconds()}`);
  return exitCode;
}

/** Keeps the logs of a failed run: the workbench's (handed to codeAutomationExit) and code-server's. */
function saveLogs(workbenchLogs, serverLogs) {
  const dir = path.join(RESULTS_DIR, 'integration-logs');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { relativePath, contents } of workbenchLogs) {
    const file = path.join(dir, 'workbench', relativePath);
    if (!file.startsWith(dir + path.sep)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
  if (serverLogs && fs.existsSync(serverLogs)) fs.cpSync(serverLogs, path.join(dir, 'server'), { recursive: true });
  if (fs.existsSync(dir)) say(`logs: ${path.relative(REPO_ROOT, dir)}`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(error.message);
    process.exit(1);
  },
);
