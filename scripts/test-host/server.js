// @ts-check
// Starts the offline VS Code test host (code-server, installed by ./install.js) and the browser that
// shows its workbench, with no network beyond the loopback (README: "Set up, test, run").
//
//   const { startServer, launchChromium } = require('./server');
//   const server = await startServer({ workspace, extensionDevelopmentPath });
//   const page = await (await launchChromium()).newPage();
//   await page.goto(server.workbenchUrl({ extensionTestsPath }));
//   ...
//   await server.stop();
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ENTRY, REPO_ROOT, chromiumPath, isInstalled } = require('./install');

const READY = /HTTP server listening on (https?:\/\/\S+)/;
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

// Servers still running, killed synchronously if the process exits without stopping them.
const running = new Set();
process.on('exit', () => {
  for (const server of running) server.killNow();
});

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while any process of the group is alive. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * A throwaway home for one code-server process (the server, or a CLI call such as
 * --install-extension) inside tempDir: config.yaml (no auth, no TLS), a user data folder, XDG
 * folders, and the environment that keeps it offline and out of $HOME.
 *
 * @param {string} tempDir an existing folder the caller removes afterwards
 * @param {Record<string, string>} [extraEnv] extra environment (reaches the extension host)
 * @returns {{ configFile: string, userDataDir: string, env: NodeJS.ProcessEnv }}
 */
function prepareHome(tempDir, extraEnv = {}) {
  const userDataDir = path.join(tempDir, 'user');
  const xdg = { XDG_CONFIG_HOME: 'xdg-config', XDG_DATA_HOME: 'xdg-data', XDG_CACHE_HOME: 'xdg-cache' };
  for (const dir of [userDataDir, ...Object.values(xdg).map((name) => path.join(tempDir, name))]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  const configFile = path.join(tempDir, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    // Without it code-server looks up a gallery on the internet (DNS errors in the log).
    EXTENSIONS_GALLERY: '{}',
    // Without these it writes a config with a random password into $HOME and logs there.
    ...Object.fromEntries(Object.entries(xdg).map(([key, name]) => [key, path.join(tempDir, name)])),
    ...extraEnv,
  };
  // Node-style options of the caller (e.g. a debugger) must not reach the server.
  delete env.NODE_OPTIONS;
  return { configFile, userDataDir, env };
}

/**
 * Starts code-server on loopback with throwaway user data, extensions and XDG folders.
 *
 * @param {object} options
 * @param {string} options.workspace folder the workbench opens (absolute)
 * @param {string} [options.extensionDevelopmentPath] extension under development (absolute); used by
 *   workbenchUrl()
 * @param {number} [options.port] fixed port; by default the kernel picks a free one
 * @param {string} [options.extensionsDir] an existing extensions folder (e.g. one a VSIX was installed
 *   into); kept on stop. By default a fresh temporary one.
 * @param {(line: string) => void} [options.onOutput] every line code-server prints
 * @param {Record<string, string>} [options.env] extra environment (reaches the extension host)
 * @param {boolean} [options.privateMounts] as root, run the server in a private mount namespace (tests mount file systems there)
 * @param {boolean} [options.untrusted] open the workspace with VS Code's workspace trust on and the folder not
 *   trusted (Restricted Mode), without the startup question
 * @param {{ uid: number, gid: number }} [options.user] as root, run the server (and so the extension host and the
 *   helper) as this unprivileged user, with its own HOME in the throwaway folder, which it then owns
 */
/** Whether util-linux unshare can make a mount namespace here (not inside a locked-down container). */
function hasUnshare() {
  return childProcess.spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' }).status === 0;
}

/** Gives a folder and everything in it to the user. */
function chownTree(dir, { uid, gid }) {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) fs.lchownSync(path.join(dir, entry), uid, gid);
}

/** The first of the paths the user cannot read (a folder above it without o+x, say), if any. */
function unreadableFor({ uid, gid }, paths) {
  return paths.find((p) => childProcess.spawnSync('test', ['-r', p], { uid, gid, stdio: 'ignore' }).status !== 0);
}

async function startServer(options) {
  const { workspace, extensionDevelopmentPath, port = 0, onOutput, env: extraEnv = {} } = options;
  if (!workspace || !path.isAbsolute(workspace)) throw new Error('startServer: workspace must be an absolute path');
  if (extensionDevelopmentPath && !path.isAbsolute(extensionDevelopmentPath)) {
    throw new Error('startServer: extensionDevelopmentPath must be an absolute path');
  }
  if (!isInstalled()) throw new Error('the VS Code test host is not installed: run node scripts/test-host/install.js');

  const user = options.user;
  if (user && process.getuid?.() !== 0) throw new Error('startServer: running the server as another user needs root');
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipc-inspector-host-'));
  const { configFile, userDataDir, env } = prepareHome(tempDir, user ? { HOME: path.join(tempDir, 'home'), ...extraEnv } : extraEnv);
  if (options.untrusted) {
    // Trust on, the folder untrusted, and no modal question at start: the window opens in Restricted Mode.
    const settings = {
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.emptyWindow': false,
    };
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  }
  const extensionsDir = options.extensionsDir ?? path.join(tempDir, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Where the server sees this repository (the host's code, the extension, the suite): in place,
  // or, when a folder above it is closed to the user (a clone under /root), through a bind mount
  // of it inside the throwaway folder, made in the server's own mount namespace.
  let repoView = REPO_ROOT;
  if (user) {
    fs.mkdirSync(env.HOME, { recursive: true });
    if (unreadableFor(user, [path.join(REPO_ROOT, 'package.json')]) && hasUnshare()) {
      repoView = path.join(tempDir, 'repo');
      fs.mkdirSync(repoView);
    }
    chownTree(tempDir, user);
    if (options.extensionsDir) chownTree(extensionsDir, user);
    const unreadable = unreadableFor(user, [
      workspace,
      ...(repoView === REPO_ROOT ? [ENTRY, ...(extensionDevelopmentPath ? [path.join(extensionDevelopmentPath, 'package.json')] : [])] : []),
    ]);
    if (unreadable) {
      fs.rmSync(tempDir, { recursive: true, force: true });
      throw new Error(`startServer: uid ${user.uid} cannot read ${unreadable}: put it where that user can reach it (every folder above it needs o+x)`);
    }
  }
  const seen = (p) => (p && (p === REPO_ROOT || p.startsWith(REPO_ROOT + path.sep)) ? path.join(repoView, path.relative(REPO_ROOT, p)) : p);
  const bindRepo = repoView !== REPO_ROOT;

  const args = [
    seen(ENTRY),
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--ignore-last-opened',
  ];

  // With privateMounts (root only), the server and everything it starts get a private mount
  // namespace: a file system a test mounts (an mqueue for POSIX queues) vanishes with the server,
  // whatever happens to the test. unshare execs node in place: the pid is the server's.
  const privateMounts = (options.privateMounts || bindRepo) && process.getuid?.() === 0 && hasUnshare();
  // A user's server in a private mount namespace: unshare as root (and bind the repository where
  // the user reaches it), then setpriv drops to the user (no supplementary groups); otherwise spawn
  // switches user itself (libuv also clears the groups).
  const asUser = user ? ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--'] : [];
  const bind = bindRepo ? ['sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', REPO_ROOT, repoView] : [];
  const [command, commandArgs] = privateMounts
    ? ['unshare', ['--mount', '--propagation', 'private', '--', ...bind, ...asUser, process.execPath, ...args]]
    : [process.execPath, args];
  // Own process group: stop() ends the extension host and pty host with it.
  const child = childProcess.spawn(command, commandArgs, {
    cwd: tempDir,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(user && !privateMounts ? { uid: user.uid, gid: user.gid } : {}),
  });
  const pgid = child.pid;
  const recent = []; // last lines, for error messages
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });

  let stopped = false;
  const server = {
    url: '',
    port: 0,
    pid: pgid,
    userDataDir,
    extensionsDir,
    workspace,
    extensionDevelopmentPath,
    /** Resolves when the server process exits (for callers that want to notice a crash). */
    exited: exitPromise,
    /** Last lines the server printed. */
    recentOutput: () => recent.join('\n'),
    workbenchUrl,
    stop,
    killNow,
  };

  function removeTemp() {
    // A caller's extensionsDir lives outside tempDir and is kept.
    fs.rmSync(tempDir, { recursive: true, force: true });
  }

  /** Synchronous last resort (process 'exit'): SIGKILL the group, remove the temp folders. */
  function killNow() {
    if (stopped) return;
    stopped = true;
    running.delete(server);
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      removeTemp();
    } catch {
      // best effort while exiting
    }
  }

  /** SIGTERM the whole group, SIGKILL what is left after 5 s, remove the temp folders. Idempotent. */
  async function stop() {
    if (stopped) return;
    stopped = true;
    running.delete(server);
    try {
      process.kill(-pgid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + STOP_GRACE_MS;
    while (groupAlive(pgid) && Date.now() < deadline) await delay(100);
    if (groupAlive(pgid)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone in between
      }
      const killDeadline = Date.now() + 2000;
      while (groupAlive(pgid) && Date.now() < killDeadline) await delay(50);
    }
    await Promise.race([exitPromise, delay(1000)]);
    removeTemp();
  }

  /**
   * The workbench URL for the workspace; with extensionTestsPath, VS Code's test payload that runs
   * that suite (its index.js exports run()) in the extension host and reports through
   * window.codeAutomationLog / codeAutomationExit.
   */
  /** @param {{ extensionTestsPath?: string, folder?: string }} [where] */
  function workbenchUrl({ extensionTestsPath, folder = workspace } = {}) {
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [];
    if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(seen(extensionDevelopmentPath))]);
    if (extensionTestsPath) payload.push(['extensionTestsPath', remote(seen(extensionTestsPath))]);
    payload.push(['skipWelcome', 'true']);
    return `${server.url}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }

  running.add(server);
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      let found = false;
      const onLine = (line) => {
        recent.push(line);
        if (recent.length > 50) recent.shift();
        if (onOutput) onOutput(line);
        const match = !found && READY.exec(line);
        if (match) {
          found = true;
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      for (const stream of [child.stdout, child.stderr]) {
        let buffered = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
          buffered += chunk;
          const lines = buffered.split('\n');
          buffered = lines.pop();
          lines.forEach(onLine);
        });
      }
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      exitPromise.then(({ code, signal }) => {
        clearTimeout(timer);
        if (!found) reject(new Error(`code-server exited (${signal ?? `code ${code}`}) before listening`));
      });
    });
    server.url = url.endsWith('/') ? url : `${url}/`;
    server.port = Number(new URL(server.url).port);
  } catch (error) {
    await stop();
    error.message += recent.length ? `\n--- code-server output ---\n${recent.join('\n')}` : '';
    throw error;
  }
  return server;
}

/**
 * Debian's chromium through playwright-core: headless, no sandbox (root in containers), no network
 * chatter of its own. Playwright gives each launch a fresh temporary profile and removes it on close.
 *
 * @param {{ headless?: boolean, args?: string[] } & import('playwright-core').LaunchOptions} [options]
 *   extra chromium args; anything else goes to playwright's launch() (e.g. handleSIGINT: false)
 * @returns {Promise<import('playwright-core').Browser>}
 */
async function launchChromium({ headless = true, args = [], ...launchOptions } = {}) {
  const { chromium } = require('playwright-core');
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`chromium not found at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    ...launchOptions,
    executablePath,
    headless,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...args,
    ],
  });
}

module.exports = { startServer, launchChromium, prepareHome };
