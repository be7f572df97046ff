// Root's objects for the unprivileged run of the integration suite. runIntegration.js (as root,
// --fixture) starts this before the VS Code host it runs as another user: it makes real objects
// owned by root, some readable by others and some not, some held by root's processes, prints
// what it made as one line of JSON (the suite reads it from IPCINSP_ROOT_FIXTURE) and removes
// everything when its stdin closes, whether the suite passed or not.
import { cleanupAll, createSegment, freshKey, holdSegment, writeSegment } from '../support/segments';
import { cleanupPosixObjects, createObject, freshName, mapObject, writeObject } from '../support/posixObjects';
import { cleanupSemMsg, ipcmkMsg, ipcmkSem } from '../support/semMsg';

export interface RootFixture {
  /** 0600, attached read-write by a root process: "1 attached process not visible" to others. */
  privateSegment: number;
  /** 0644 with ROOT_BYTES at offset 0, attached read-only by a root process: others may read it. */
  readableSegment: number;
  /** 0600, its creator gone and nobody attached: orphaned, and only root may remove it. */
  orphanSegment: number;
  /** /dev/shm names (without the slash): 0600 unheld, and 0644 with ROOT_BYTES mapped by root. */
  privateObject: string;
  readableObject: string;
  /** A 0600 semaphore set and message queue (ipcmk). */
  privateSet: number;
  privateQueue: number;
  /** The root processes holding the objects above. */
  holderPids: number[];
}

export const ROOT_BYTES = Buffer.from('root wrote this\0', 'latin1');

/** What the fixture made, in the suite (undefined when the suite runs without one, e.g. as root). */
export function rootFixture(): RootFixture | undefined {
  const json = process.env.IPCINSP_ROOT_FIXTURE;
  return json ? (JSON.parse(json) as RootFixture) : undefined;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the root fixture must run as root');
  const cleanup = async () => {
    await cleanupAll();
    await cleanupPosixObjects();
    await cleanupSemMsg();
  };
  try {
    const privateSegment = createSegment(freshKey(), 8192, 0o600);
    const readableSegment = createSegment(freshKey(), 4096, 0o644);
    writeSegment(readableSegment, 0, ROOT_BYTES);
    const orphanSegment = createSegment(freshKey(), 4096, 0o600);
    const privateObject = freshName();
    createObject(privateObject, 4096, 0o600);
    const readableObject = freshName();
    createObject(readableObject, 4096, 0o644);
    writeObject(readableObject, 0, ROOT_BYTES);
    const holders = [await holdSegment(privateSegment, 'rw'), await holdSegment(readableSegment, 'ro'), await mapObject(readableObject, 'ro')];
    const fixture: RootFixture = {
      privateSegment,
      readableSegment,
      orphanSegment,
      privateObject,
      readableObject,
      privateSet: ipcmkSem(1, 0o600),
      privateQueue: ipcmkMsg(0o600),
      holderPids: holders.map((h) => h.pid),
    };
    process.stdout.write(JSON.stringify(fixture) + '\n');
    // Until the runner closes stdin (or dies: EOF too).
    await new Promise<void>((resolve) => {
      process.stdin.on('data', () => undefined);
      process.stdin.on('end', resolve);
      process.stdin.on('error', () => resolve());
    });
  } finally {
    await cleanup();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`root fixture: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
