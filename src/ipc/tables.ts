// Where the kernel's IPC tables (/proc/sysvipc/{shm,sem,msg}) and IPC limits (/proc/sys/kernel,
// /proc/sys/fs/mqueue) are read from. They always show the IPC namespace of the process that reads
// them, whatever /proc is mounted: this process's own namespace is read from the files, another
// namespace (a container's) through a helper that has entered it (the helper's TABLE operation).
import * as path from 'path';
import type { HelperClient } from './helperClient';
import { readProcFile } from './family/sysvTables';

/** A table or limit file by its name under /proc ("sysvipc/shm", "sys/kernel/shmmni"); rejects like a read would. */
export type TableReader = (name: string) => Promise<Buffer>;

/** The files of this process's namespace (under `procRoot`: tests point it at fixtures). */
export function localTables(procRoot = '/proc'): TableReader {
  return (name) => readProcFile(path.join(procRoot, name));
}

/** The tables of the namespace a helper has entered. */
export function helperTables(helper: () => HelperClient): TableReader {
  return (name) => helper().table(`/proc/${name}`);
}

/** This process's own namespace under /proc: one reader, so what is cached per reader is shared. */
export const ownTables: TableReader = localTables();

/**
 * This process's own namespace, read by the helper when there is one (its thread reads while this
 * one works: a command that runs once has the /dev/shm listing to do meanwhile, and the kernel takes
 * some 20 ms to write 4,000 segments' lines), else here. Whatever the helper cannot give (it cannot
 * start, it is gone, the table is over its limit) is read here: the files are the same namespace's.
 */
export function ownTablesThroughHelper(helper: () => HelperClient | undefined): TableReader {
  return async (name) => {
    let client: HelperClient | undefined;
    try {
      client = helper();
    } catch {
      client = undefined; // no helper: read here
    }
    if (client) {
      try {
        return await client.table(`/proc/${name}`);
      } catch {
        // read here
      }
    }
    return ownTables(name);
  };
}
