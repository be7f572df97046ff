// Mocha root hooks for suites that touch the real kernel: whatever a test file created is removed
// after it, pass or fail.
import { cleanupAll } from './segments';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await cleanupAll();
  },
};
