// What the /proc scan reads of one process, not yet parsed: plain data, the same whoever read it
// (this thread, the scan's worker thread, or the helper's PROC_SCAN), so one parser serves all.

/** One descriptor naming a shared file: fd, link text, st_dev, st_ino, st_size, link mode (-1: none), fdinfo text. */
export type RawDescriptor = [fd: string, target: string, dev: number, ino: number, size: number, mode: number, fdinfo: string | undefined];

export interface RawProcess {
  /** Code of the error that stopped the reading of maps, or of the fd directory. */
  mapsError?: string;
  fdError?: string;
  /** maps was empty: a kernel thread or a zombie. */
  noMaps?: boolean;
  /** The maps text (or its lines naming /SYSV, /dev/shm/ or a memfd), only when it names something the scan is after. */
  maps?: Uint8Array;
  /** readlink of ns/ipc, done only when maps names a SysV segment, or the code of its error. */
  ns?: string;
  nsError?: string;
  fds: RawDescriptor[];
  /** The head of cmdline, read when the process holds anything (for its name). */
  cmdline?: Uint8Array;
  /**
   * The reading was cut short (the helper's PROC_SCAN: the process's share of the reply was used
   * up, e.g. by tens of thousands of mappings): what is here is true, but holds may be missing,
   * so the process counts as one that could not be checked.
   */
  incomplete?: boolean;
}

/** A whole scan as the helper's PROC_SCAN reads it: only the processes that hold something or could not be read. */
export interface RawScan {
  /** Processes listed in /proc. */
  listed: number;
  /** Of those, the ones read that hold nothing (no record). */
  nothing: number;
  /** The others, ascending by pid. */
  records: Array<{ pid: number; raw: RawProcess }>;
}
