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
