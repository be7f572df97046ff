// Run by dwarfBench.ts as `node byNameChild.js FILE NAME`: one type laid out by name in a fresh Node
// process (as `ipc-inspector dump --type NAME --from FILE` does, and as gdb and pahole start anew
// for each type), timed from before the reader's modules load to the layout; prints one JSON line.
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DebugTypes } = require('../src/ctypes/dwarf/debugTypes') as typeof import('../src/ctypes/dwarf/debugTypes');

export interface ByNameReport {
  /** From before the modules load to the layout (ms). */
  total: number;
  /** The lookup and layout alone (ms). */
  lookup: number;
  firstMember: string | undefined;
}

async function main(): Promise<void> {
  const [file, name] = process.argv.slice(2);
  const loaded = performance.now();
  const layout = await DebugTypes.layoutByName(file, name);
  const done = performance.now();
  const report: ByNameReport = { total: done - started, lookup: done - loaded, firstMember: layout.root.members?.[0]?.name };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
