// What every command of the command line shares: the snapshot source of the IPC namespace asked
// for (this process's own, or --namespace PID's, read through a helper inside it and /proc/PID/root
// as the extension's namespace session does), the helper (found where the extension finds it:
// native/bin beside the bundle, or IPC_INSPECTOR_HELPER), and who we are. The editor's context
// (src/context.ts) is the same pieces wired to VS Code; this is them wired to a process that runs
// once and exits.
import * as fs from 'fs';
import * as path from 'path';
import { HelperClient } from '../ipc/helperClient';
import { locateHelper } from '../ipc/helperLocation';
import { listIpcNamespaces, namespaceLabel } from '../ipc/namespaces';
import { ownCredentials, type Credentials } from '../ipc/permissions';
import { SnapshotSource, type Need, type Snapshot } from '../ipc/snapshot';
import { helperTables } from '../ipc/tables';
import * as l10n from '../shared/l10n';
import { UsageError } from './exit';

export interface NamespaceChoice {
  pid: number;
  inode: number;
  label: string;
}

export interface SessionOptions {
  /** --namespace PID: show that process's IPC namespace. */
  namespacePid?: number;
  /** --grace SECONDS: how long an unheld POSIX object stays "unused" before it is "orphaned". */
  graceSeconds?: number;
  /** Where native/bin is (the package's root); the bundle's parent folder by default. */
  packageRoot?: string;
}

/** The package's folder: dist/cli.js's parent (bundled), or the checkout (compiled tests: out/src/cli). */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'native'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..');
}

/** The namespace of --namespace PID, or a UsageError saying why it cannot be shown. */
export function namespaceOf(pid: number): NamespaceChoice {
  let inode: number;
  try {
    inode = fs.statSync(`/proc/${pid}/ns/ipc`).ino;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? l10n.t('No process {0}: --namespace takes the pid of a process in the IPC namespace to show.', pid)
        : l10n.t("Cannot see process {0}'s IPC namespace ({1}): only its owner or root may.", pid, code ?? 'error'),
    );
  }
  const found = listIpcNamespaces().namespaces.find((ns) => ns.inode === inode);
  return { pid, inode, label: found ? namespaceLabel(found) : `ipc:[${inode}]` };
}

export class CliSession {
  readonly credentials: Credentials = ownCredentials();
  readonly uid = process.geteuid?.() ?? -1;
  readonly namespace: NamespaceChoice | undefined;
  private readonly source: SnapshotSource;
  private client: HelperClient | undefined;
  private readonly binDir: string;

  constructor(options: SessionOptions = {}) {
    this.binDir = path.join(options.packageRoot ?? packageRoot(), 'native', 'bin');
    const own = fs.statSync('/proc/self/ns/ipc').ino;
    const chosen = options.namespacePid === undefined ? undefined : namespaceOf(options.namespacePid);
    this.namespace = chosen && chosen.inode !== own ? chosen : undefined;
    const seen = (file: string) => (this.namespace ? `/proc/${this.namespace.pid}/root${file}` : file);
    this.source = new SnapshotSource({
      orphanGraceSeconds: options.graceSeconds,
      mqueueDir: seen('/dev/mqueue'),
      ...(this.namespace
        ? { shmDir: seen('/dev/shm'), tables: helperTables(() => this.helper()), ipcNamespace: `ipc:[${this.namespace.inode}]`, ownMqueueDir: '/dev/mqueue' }
        : {}),
    });
  }

  /** The helper, started on first use (in the chosen namespace). Throws HelperNotFoundError with what to do. */
  helper(): HelperClient {
    if (!this.client) {
      const helperPath = locateHelper(this.binDir, process.env.IPC_INSPECTOR_HELPER || undefined);
      this.client = new HelperClient({ helperPath, namespace: this.namespace && { pid: this.namespace.pid, inode: this.namespace.inode } });
    }
    return this.client;
  }

  /** A fresh picture of the machine, reading `needs` too (values, messages, waiters: through the helper). */
  async snapshot(needs: readonly Need[] = []): Promise<Snapshot> {
    // The helper reads /proc's scan too (as for the views): faster than reading it here, and when
    // it cannot be found the scan is read here all the same.
    const withHelper = process.env.IPCINSP_CLI_NO_HELPER_SCAN !== '1';
    const { snapshot } = await this.source.refresh({ force: true, needs: new Set(needs), helper: withHelper ? () => this.helper() : undefined });
    return snapshot;
  }

  dispose(): void {
    this.client?.dispose();
    this.client = undefined;
  }
}
