// Entry point of the Restricted Mode suite: the real extension host with workspace trust on and the
// folder not trusted (scripts/test-host/runIntegration.js --untrusted). Every *.test.js beside it.
import { runSuiteIn } from '../support/hostSuite';

export function run(): Promise<void> {
  return runSuiteIn(__dirname);
}
