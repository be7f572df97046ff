// The two readers of the one /proc scan: the extension itself (this thread and its worker) and the
// helper's PROC_SCAN (what the views use when the helper runs). Every holder test on the real
// kernel runs once with each, so the two cannot drift apart; each run checks that its reader really
// read /proc (a helper that failed would otherwise fall back, silently, to the other reader).
import * as assert from 'node:assert/strict';
import type { HelperClient } from '../../src/ipc/helperClient';
import { scanProcesses, type ProcScan, type ScanOptions } from '../../src/ipc/procScan';
import type { RefreshOptions, Snapshot, SnapshotSource } from '../../src/ipc/snapshot';
import { helperBinary, TestHelper } from './helper';

export type ReadBy = ProcScan['readBy'];

export class ProcReader {
  private helper: TestHelper | undefined;
  private helperScans = 0;

  constructor(readonly readBy: ReadBy) {}

  get title(): string {
    return this.readBy === 'helper' ? "read by the helper's PROC_SCAN" : 'read by the extension';
  }

  /** scanProcesses with this reader; fails when another one read /proc. */
  async scan(options: ScanOptions = {}): Promise<ProcScan> {
    const scan = await scanProcesses({ ...options, ...this.options() });
    assert.equal(scan.readBy, this.readBy, `the scan was meant to be ${this.title}`);
    return scan;
  }

  /** A forced refresh of `source` with this reader; fails when the helper was meant to read /proc and did not. */
  async snapshot(source: SnapshotSource, options: RefreshOptions = {}): Promise<Snapshot> {
    const before = this.helperScans;
    const { snapshot } = await source.refresh({ ...options, force: true, ...this.options() });
    if (this.readBy === 'helper') assert.ok(this.helperScans > before, 'the refresh read /proc through the helper');
    return snapshot;
  }

  /**
   * For a script run with runNodeScript (as another user): JavaScript that defines `readerOptions`
   * (to spread into scanProcesses' or refresh's options) and `endReader()`. Its helper runs as the
   * script's user.
   */
  script(): string {
    if (this.readBy === 'extension') return 'const readerOptions = {}; const endReader = () => undefined;';
    return [
      `const readerClient = new (ipc('helperClient').HelperClient)({ helperPath: ${JSON.stringify(helperBinary())} });`,
      'const readerOptions = { helper: () => readerClient };',
      'const endReader = () => readerClient.dispose();',
    ].join('\n');
  }

  /** Ends the helper, if one was started, and fails on anything its sanitizers reported. */
  dispose(): void {
    const helper = this.helper;
    this.helper = undefined;
    if (!helper) return;
    helper.dispose();
    assert.deepEqual(helper.sanitizerReports(), [], 'the helper reported no sanitizer finding');
  }

  private options(): { helper?: () => HelperClient } {
    return this.readBy === 'helper' ? { helper: () => this.client() } : {};
  }

  private client(): HelperClient {
    if (!this.helper) {
      this.helper = new TestHelper();
      const client = this.helper.client;
      const procScan = client.procScan.bind(client);
      // Counted on the instance: a scan that fell back to the extension's reader must not pass.
      client.procScan = async (...args) => {
        const read = await procScan(...args);
        this.helperScans++;
        return read;
      };
    }
    return this.helper.client;
  }
}

/** One reader of each kind, for a `for ... of` around a describe. */
export function procReaders(): ProcReader[] {
  return [new ProcReader('extension'), new ProcReader('helper')];
}
