// Entry point of the integration suite. VS Code's extension host (the real one, see
// scripts/test-host/runIntegration.js) loads this file and awaits run(): every *.test.js compiled
// beside it (subfolders included) runs under mocha's BDD interface; run() rejects when a test fails.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { removeManySegments } from '../support/manySegments';
import { cleanupPosixObjects } from '../support/posixObjects';
import { cleanupAll } from '../support/segments';
import { cleanupSemMsg } from '../support/semMsg';

// The tests create real segments and processes on a machine others use too: whatever a test made
// is removed (and killed) after it, pass or fail, and once more when the whole run ends.
const rootHooks: Mocha.RootHookObject = {
  async afterEach() {
    await cleanupAll();
    await cleanupPosixObjects();
    await cleanupSemMsg();
  },
  async afterAll() {
    await removeManySegments();
    await cleanupAll();
    await cleanupPosixObjects();
    await cleanupSemMsg();
  },
};

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 20_000,
    // The extension host has no TTY; the runner sets MOCHA_COLORS when its own output is one.
    color: process.env.MOCHA_COLORS !== undefined,
    grep: process.env.MOCHA_GREP,
    rootHooks,
  });
  const files = (fs.readdirSync(__dirname, { recursive: true }) as string[]).filter((file) => file.endsWith('.test.js')).sort();
  for (const file of files) mocha.addFile(path.join(__dirname, file));

  return new Promise((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`no *.test.js files in ${__dirname}`));
      return;
    }
    // mocha.run throws synchronously when a test file fails to load; the executor turns that into
    // a rejection.
    mocha.run((failures) => {
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
