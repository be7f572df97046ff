// Runs a mocha suite inside VS Code's extension host (scripts/test-host/runIntegration.js loads a
// suite's index.js and awaits its run()): every *.test.js compiled under the suite's folder, with
// the root hooks that remove whatever a test made (segments, POSIX objects, semaphores, queues,
// processes), pass or fail, after each test and once more at the end: the machine is shared.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { removeManySegments } from './manySegments';
import { cleanupPosixObjects } from './posixObjects';
import { cleanupAll } from './segments';
import { cleanupSemMsg } from './semMsg';
import { removeTestTemps } from './tempDirs';

const rootHooks: Mocha.RootHookObject = {
  async afterEach() {
    await cleanupAll();
    await cleanupPosixObjects();
    await cleanupSemMsg();
  },
  async afterAll() {
    try {
      await removeManySegments();
      await cleanupAll();
      await cleanupPosixObjects();
      await cleanupSemMsg();
    } finally {
      removeTestTemps();
    }
  },
};

/** Runs every *.test.js under `dir`; rejects when a test fails (or none is found). */
export function runSuiteIn(dir: string): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 20_000,
    // The extension host has no TTY; the runner sets MOCHA_COLORS when its own output is one.
    color: process.env.MOCHA_COLORS !== undefined,
    grep: process.env.MOCHA_GREP,
    rootHooks,
  });
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.test.js')).sort();
  for (const file of files) mocha.addFile(path.join(dir, file));

  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`no *.test.js files in ${dir}`));
      return;
    }
    // mocha.run throws synchronously when a test file fails to load; the executor turns that into
    // a rejection.
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
