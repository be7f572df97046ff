#!/usr/bin/env node
// @ts-check
// `npm start`: runs the extension from this checkout in a real VS Code, in the browser, offline.
// Builds the extension bundle and the native helper, installs the offline VS Code host on first use
// (code-server, scripts/test-host/install.js), starts it on 127.0.0.1 with this checkout as the
// extension under development and demo/workspace/ as the folder, prints the URL to open, and stays
// up until Ctrl-C, which stops code-server and everything it started.
//
//   npm start [-- --port <n>] [-- --folder <dir>] [-- --watch] [-- --verbose] [-- --check]
//
//   --port <n>     port on 127.0.0.1 (default $PORT, else 8080; a busy port falls back to a free one;
//                  0 = any free port)
//   --folder <dir> the folder the workbench opens (default demo/workspace)
//   --watch        keep esbuild watching src/: after an edit, run "Developer: Reload Window"
//   --verbose      also print code-server's own output
//   --check        instead of waiting: open the workbench in headless chromium, check that the
//                  extension is loaded (its "IPC" activity-bar entry, its view, its activation in
//                  the extension host log), save test-results/start.png, stop, exit 0 or 1
//
// The extension under development reaches the workbench through VS Code's `payload` URL parameter
// (["extensionDevelopmentPath", "vscode-remote://<host:port>/<repo>"]): the same mechanism the
// integration tests use, without a test runner. The host:port inside the payload need not match the
// one in the browser (checked: localhost, and another port through a forwarding proxy), so the URL
// works through an SSH tunnel too: ssh -L 8080:127.0.0.1:8080 <machine>, then open it locally.
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { install, InstallError, REPO_ROOT } = require('./test-host/install');
const { startServer, launchChromium } = require('./test-host/server');

const DEFAULT_PORT = 8080;
const DEMO_WORKSPACE = path.join(REPO_ROOT, 'demo', 'workspace');
const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
const EXTENSION_ID = 'ipc-inspector.ipc-inspector';
const USAGE = 'usage: npm start [-- --port <n>] [-- --folder <dir>] [-- --watch] [-- --verbose] [-- --check]';

// User settings of the session (a fresh profile each time): no prompt about the repository that
// contains demo/workspace, no welcome page over the view.
const USER_SETTINGS = {
  'git.openRepositoryInParentFolders': 'never',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
};

function say(line) {
  process.stderr.write(`[start] ${line}\n`);
}

function parsePort(text, from) {
  const port = Number(text);
  if (!/^\d+$/.test(String(text)) || port > 65535) throw new Error(`${from}: not a port number: ${text}`);
  return port;
}

function parseArgs(argv) {
  const options = { folder: DEMO_WORKSPACE, watch: false, verbose: false, check: false, port: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (arg === '--port') options.port = parsePort(value(), '--port');
    else if (arg === '--folder') options.folder = path.resolve(value());
    else if (arg === '--watch') options.watch = true;
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--check') options.check = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (options.port === undefined) options.port = process.env.PORT ? parsePort(process.env.PORT, 'PORT') : DEFAULT_PORT;
  if (!fs.statSync(options.folder, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`not a folder: ${options.folder}`);
  return options;
}

function build() {
  for (const args of [['esbuild.js'], ['native/build.js']]) {
    const result = childProcess.spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed`);
  }
  const helper = ['ipc-helper-static', 'ipc-helper'].map((name) => path.join(REPO_ROOT, 'native', 'bin', name)).find((file) => fs.existsSync(file));
  if (!helper) say('no native helper was built: the view lists segments, but contents and changes need it (see above)');
}

/** True when nothing listens on 127.0.0.1:port. */
function portFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** code-server on the wanted port, or on a free one when that is taken. */
async function startOnPort(port, serverOptions) {
  if (port !== 0 && !(await portFree(port))) {
    say(`port ${port} is in use; using a free port instead`);
    port = 0;
  }
  try {
    return await startServer({ ...serverOptions, port });
  } catch (error) {
    if (port === 0 || !/EADDRINUSE/.test(error.message)) throw error;
    say(`port ${port} was taken meanwhile; using a free port instead`);
    return startServer({ ...serverOptions, port: 0 });
  }
}

function writeUserSettings(server) {
  const file = path.join(server.userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(USER_SETTINGS, null, 2) + '\n');
}

function findFiles(dir, name) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findFiles(full, name);
    return entry.name === name ? [full] : [];
  });
}

/** The extension host log's verdict on our extension: 'activated', 'failed: ...' or undefined (not yet). */
function activationFromLogs(server) {
  for (const file of findFiles(path.join(server.userDataDir, 'logs'), 'remoteexthost.log')) {
    const text = fs.readFileSync(file, 'utf8');
    const failed = new RegExp(`Activating extension '?${EXTENSION_ID}'? failed[^\\n]*`, 'i').exec(text);
    if (failed) return `failed: ${failed[0]}`;
    if (text.includes(`_doActivateExtension ${EXTENSION_ID}`)) return 'activated';
  }
  return undefined;
}

/**
 * Opens the workbench of a running server in headless chromium and checks that the extension is
 * there: its "IPC" activity-bar entry, its Shared Memory view once clicked, and its activation in
 * the extension host's log. Saves a screenshot (also when a check fails). Throws on failure.
 */
async function checkPage(server, { screenshot, log = say, url = server.workbenchUrl() }) {
  const browser = await launchChromium({ handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  let page;
  try {
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const entry = page.locator('.activitybar .action-label[aria-label="IPC"]');
    await entry.waitFor({ state: 'visible', timeout: 60_000 });
    log('the activity bar has the "IPC" entry');
    await entry.click();
    await page
      .locator('.part.sidebar .title-label')
      .filter({ hasText: /Shared Memory/i })
      .waitFor({ timeout: 20_000 });
    log('the "Shared Memory" view is open');
    const deadline = Date.now() + 30_000;
    let activation;
    while (!(activation = activationFromLogs(server)) && Date.now() < deadline) await page.waitForTimeout(250);
    if (activation !== 'activated') throw new Error(`the extension did not activate: ${activation ?? 'no activation in the extension host log within 30 s'}`);
    log(`the extension host activated ${EXTENSION_ID}`);
    await page.mouse.move(700, 450); // away from the activity bar's tooltip
    await page.waitForTimeout(2000); // let the view fill in
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });
    log(`screenshot: ${path.relative(REPO_ROOT, screenshot)}`);
  } catch (error) {
    if (page) {
      const failed = screenshot.replace(/\.png$/, '-failed.png');
      fs.mkdirSync(path.dirname(failed), { recursive: true });
      await page.screenshot({ path: failed, timeout: 10_000 }).then(
        () => log(`screenshot of the failure: ${path.relative(REPO_ROOT, failed)}`),
        () => {},
      );
    }
    throw error;
  } finally {
    await browser.close();
  }
}

/**
 * Starts a server (extensionsDir and/or extensionDevelopmentPath), runs checkPage, stops the server.
 * Used by scripts/package.js --verify on an installed VSIX.
 * @param {{ workspace: string, extensionsDir?: string, extensionDevelopmentPath?: string, screenshot: string, log?: (line: string) => void }} options
 */
async function checkWorkbench({ workspace, extensionsDir, extensionDevelopmentPath, screenshot, log = say }) {
  const server = await startServer({ workspace, extensionsDir, extensionDevelopmentPath });
  try {
    writeUserSettings(server);
    await checkPage(server, { screenshot, log });
  } finally {
    await server.stop();
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const teardown = [];
  let stopping = false;
  let firstSignalAt = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  // Ctrl-C under `npm start` can arrive twice (from the terminal, and forwarded by npm): only a second
  // one a second later forces the exit.
  const onSignal = (signal) => {
    if (stopping && Date.now() - firstSignalAt > 1000) {
      say(`${signal} again: leaving now`);
      process.exit(130); // server.js kills code-server's process group on exit
    }
    if (stopping) return;
    stopping = true;
    firstSignalAt = Date.now();
    say(`${signal}: stopping`);
    finish(signal === 'SIGINT' ? 130 : 143);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

  let exitCode = 0;
  let tearingDown = false;
  try {
    build();
    if (stopping) return 130;
    await install({ log: say });
    if (stopping) return 130;

    const server = await startOnPort(options.port, {
      workspace: options.folder,
      extensionDevelopmentPath: REPO_ROOT,
      onOutput: options.verbose ? (line) => say(`[code-server] ${line}`) : undefined,
    });
    teardown.push(() => server.stop());
    writeUserSettings(server);
    server.exited.then(({ code, signal }) => {
      if (stopping || tearingDown) return;
      say(`code-server exited (${signal ?? `code ${code}`})\n${server.recentOutput()}`);
      stopping = true;
      finish(1);
    });

    if (options.watch) {
      const watcher = childProcess.spawn(process.execPath, ['esbuild.js', '--watch'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
      teardown.push(() => watcher.kill('SIGTERM'));
    }

    const url = server.workbenchUrl();
    if (options.check) {
      say(`checking ${url}`);
      await checkPage(server, { screenshot: path.join(RESULTS_DIR, 'start.png'), url });
      say('check passed');
      return 0;
    }

    console.log(
      [
        '',
        `IPC Inspector from this checkout is running in VS Code (code-server, pid ${server.pid}).`,
        '',
        `  Open ${url} in a browser`,
        '',
        `Workspace: ${path.relative(REPO_ROOT, options.folder) || '.'}. Click "IPC" in the activity bar (left).`,
        'For example segments to look at, run `npm run demo` in another terminal.',
        options.watch
          ? 'esbuild is watching src/: after an edit, run "Developer: Reload Window".'
          : 'After rebuilding (node esbuild.js), run "Developer: Reload Window".',
        'Ctrl-C stops the server.',
        '',
      ].join('\n'),
    );
    exitCode = await done;
  } catch (error) {
    say(error instanceof InstallError ? `installing the VS Code host failed: ${error.message}` : error.message);
    exitCode = 1;
  } finally {
    tearingDown = true;
    for (const step of teardown.reverse()) {
      try {
        await step();
      } catch (error) {
        say(`teardown: ${error.message}`);
      }
    }
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, onSignal);
  }
  if (stopping) say('stopped');
  return stopping && exitCode !== 1 ? 0 : exitCode;
}

module.exports = { checkWorkbench, checkPage };

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      say(error.stack || String(error));
      process.exit(1);
    },
  );
}
