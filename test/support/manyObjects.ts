// Thousands of POSIX shared memory objects for scale tests and benchmarks, made fast: in this
// process, the way shm_open(O_CREAT | O_EXCL | O_RDWR) + ftruncate makes them (a file in /dev/shm),
// instead of one posixtool process per object. Every name made here starts with the caller's prefix
// and is recorded; removeManyPosixObjects() unlinks them all (safe to call again, also from a
// signal handler: it is synchronous). sweepPosixObjects() removes what an earlier run that was
// killed outright (SIGKILL) left behind.
import * as fs from 'fs';
import * as path from 'path';
import { shmPath } from './posixObjects';

const made = new Set<string>();

/** The objects made here and not yet removed, by name (without the leading slash). */
export function manyPosixObjectNames(): string[] {
  return [...made];
}

/**
 * Creates `count` objects named PREFIX0, PREFIX1, ... of `size` bytes (sparse: nothing is written),
 * owned by us with `mode`. Throws on the first failure (EEXIST included: the names must be new);
 * what was made until then is recorded for removal.
 */
export function createManyPosixObjects(prefix: string, count: number, size = 4096, mode = 0o600): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${i}`;
    const fd = fs.openSync(shmPath(name), fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR | fs.constants.O_NOFOLLOW, mode);
    made.add(name);
    try {
      fs.fchmodSync(fd, mode); // the umask does not apply, as with posixtool's fchmod
      if (size > 0) fs.ftruncateSync(fd, size);
    } finally {
      fs.closeSync(fd);
    }
    names.push(name);
  }
  return names;
}

/** Unlinks every object made here (synchronous, never throws). */
export function removeManyPosixObjects(): void {
  for (const name of made) fs.rmSync(shmPath(name), { force: true });
  made.clear();
}

/** Removes every object in /dev/shm whose name starts with `prefix` (leftovers of a killed run). Returns how many. */
export function sweepPosixObjects(prefix: string, dir = '/dev/shm'): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    fs.rmSync(path.join(dir, entry), { force: true });
    removed++;
  }
  return removed;
}
