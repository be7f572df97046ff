// Entry point of the integration suite. VS Code's extension host (the real one, see
// scripts/test-host/runIntegration.js) loads this file and awaits run(): every *.test.js compiled
// beside it (subfolders included) runs under mocha's BDD interface; run() rejects when a test fails.
import { runSuiteIn } from '../support/hostSuite';

export function run(): Promise<void> {
  return runSuiteIn(__dirname);
}
