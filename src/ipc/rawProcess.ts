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
  /** Its threads and what the blocked ones wait on, when the scan read waits. */
  tasks?: RawTasks;
}

/** The threads of one process, read when the scan reads waits (native/proc-tasks.c says how). */
export interface RawTasks {
  /** Every thread id listed in /proc/PID/task. */
  tids: number[];
  /** Threads whose syscall could not be read (another user's, without ptrace rights): counted, never dropped. */
  unreadable: number;
  /** Threads blocked in futex on memory no shared mapping holds (process-private: an idle thread pool): only counted. */
  privateWaits: number;
  /** Threads blocked in a waiting call on something shared. */
  waits: RawWait[];
}

/** One thread blocked in a waiting call, as /proc shows it. */
export interface RawWait {
  tid: number;
  /** The system call's number (src/ipc/waits/syscalls.ts names it by architecture). */
  nr: number;
  /** Its six arguments as /proc/PID/task/TID/syscall prints them. */
  args: bigint[];
  /** When its current sleep began: sched's se.exec_start in ns of the monotonic clock; 0n unknown. */
  sinceNs: bigint;
  /** Where in the kernel it sleeps (wchan), '' when not told. */
  wchan: string;
  /** The thread's name (comm). */
  comm: string;
  /** The array the call points to, read from the process: futex_waitv's entries, semop's sembufs. */
  memory?: Uint8Array;
}

/** A whole scan as the helper's PROC_SCAN reads it: only the processes that hold something or could not be read. */
export interface RawScan {
  /** Processes listed in /proc. */
  listed: number;
  /** The monotonic clock (ns) once every process was read: what a thread's sinceNs is compared with. */
  clockNs: bigint;
  /** Of those, the ones read that hold nothing (no record). */
  nothing: number;
  /** The others, ascending by pid. */
  records: Array<{ pid: number; raw: RawProcess }>;
}
