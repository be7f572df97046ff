// Mocha root hooks for suites that touch the real kernel: whatever the run created (IPC objects, the
// folders of support/tempDirs.ts) is removed once it ends, pass or fail (suites that need it sooner call cleanupAll() / cleanupPosixObjects() /
// cleanupSemMsg() in their own hooks).
import { cleanupPosixObjects } from './posixObjects';
import { cleanupAll } from './segments';
import { cleanupSemMsg } from './semMsg';
import { removeTestTemps } from './tempDirs';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    try {
      await cleanupAll();
      await cleanupPosixObjects();
      await cleanupSemMsg();
    } finally {
      removeTestTemps();
    }
  },
};
