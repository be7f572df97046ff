// The raw reader of one process's /proc files for the one scan (procScan.ts parses what it reads):
// maps, ns/ipc, the fd directory with a stat and the link's mode per shared descriptor, fdinfo when
// the mode does not tell, the cmdline head. It gives plain data (rawProcess.ts), the same whoever
// reads (this thread, the scan's worker thread, or the helper's PROC_SCAN in C).
//
// Self-contained on purpose: makeRawReader uses only its parameters and JavaScript/Node globals, so
// its source text is also what the worker thread runs (procWorker.ts sends it as text). That is
// why nothing here may import anything at run time (type imports vanish when compiled).
import type * as fs from 'fs';
import type { RawProcess } from './rawProcess';

/** What one scan reads, the same for this thread and the worker (sent to it as JSON). */
export interface ReaderConfig {
  /** Byte strings of which maps must contain one to be worth parsing. */
  needles: string[];
  /** The needle of SysV attachments: when present, ns/ipc is read too. */
  sysv: string;
  /** Link text prefixes of the descriptors to look at (isSharedFileLink). */
  prefixes: string[];
  /** Link texts looked at too, matched whole (ScanOptions.exactLinks). */
  exactLinks: string[];
  /** Take the access mode from the fd link's mode (real /proc); else from fdinfo. */
  modesFromLinks: boolean;
  /** How much of cmdline to read (processes.CMDLINE_HEAD); 0: do not read it. */
  cmdlineHead: number;
}

/**
 * Makes the function that reads one process's files into a RawProcess. It is self-contained on
 * purpose, using only its parameters and JavaScript/Node globals: its source text is also what the
 * worker thread runs (Function.prototype.toString), so both threads read /proc the same way.
 *
 * Reads: maps (whole, into one reused buffer: proc files report size 0, no fstat), ns/ipc when maps
 * mentions /SYSV, the fd directory, one readlink per descriptor; for a descriptor of a shared file
 * a stat through the link (device, inode, size) and its access mode. The kernel gives a
 * /proc/PID/fd/N link the permission bits of the open file's mode (r-x read, -wx write, rwx both:
 * what `ls -l /proc/PID/fd` shows), so one lstat tells the mode; fdinfo's flags are read only when
 * that is not available (a fixture's plain symlinks, an O_PATH descriptor with neither bit).
 */
export function makeRawReader(fsys: typeof fs, config: ReaderConfig): (dir: string) => RawProcess {
  let buffer = Buffer.allocUnsafe(256 * 1024);
  const needles = config.needles.map((n) => Buffer.from(n, 'latin1'));
  const sysv = Buffer.from(config.sysv, 'latin1');
  const prefixes = config.prefixes;
  const exactLinks = new Set(config.exactLinks);
  const codeOf = (error: unknown): string => (error as { code?: string } | undefined)?.code ?? 'EIO';
  // cmdline: the kernel copies as much of the argument area as asked for in one read, so a read
  // that returns less than asked has reached the end (no read returning 0 needed).
  const readHead = (file: string, max: number): Uint8Array => {
    const fd = fsys.openSync(file, 'r');
    try {
      const head = new Uint8Array(max);
      let length = 0;
      while (length < max) {
        const n = fsys.readSync(fd, head, length, max - length, null);
        length += n;
        if (n === 0 || length < max) break;
      }
      return head.slice(0, length); // its own small buffer: it may be cloned to the other thread
    } finally {
      fsys.closeSync(fd);
    }
  };
  // maps comes a page per read(), and the read that returns 0 is one more system call per
  // process. On x86-64 the last line of every process's maps is the vsyscall page (the gate
  // area the kernel appends after the last mapping): once it is in, nothing can follow.
  const GATE = Buffer.from(' [vsyscall]\n', 'latin1');
  const GATE_START = Buffer.from('ffffffffff600000-', 'latin1');
  const endsWithGate = (length: number): boolean => {
    if (length < GATE.length || buffer[length - 1] !== 0x0a || buffer.compare(GATE, 0, GATE.length, length - GATE.length, length) !== 0) return false;
    const lineStart = buffer.lastIndexOf(0x0a, length - 2) + 1;
    return buffer.compare(GATE_START, 0, GATE_START.length, lineStart, lineStart + GATE_START.length) === 0;
  };
  /** Reads a file into the reused buffer until EOF, or until `complete` says nothing can follow. */
  const readWhole = (file: string, complete?: (length: number) => boolean): number => {
    const fd = fsys.openSync(file, 'r');
    try {
      let length = 0;
      for (;;) {
        if (length === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, length);
          buffer = bigger;
        }
        const n = fsys.readSync(fd, buffer, length, buffer.length - length, null);
        if (n === 0) return length;
        length += n;
        if (complete?.(length)) return length;
      }
    } finally {
      fsys.closeSync(fd);
    }
  };
  const readMaps = (file: string): number => readWhole(file, endsWithGate);
  return (dir: string): RawProcess => {
    const raw: RawProcess = { fds: [] };
    let length: number;
    try {
      length = readMaps(dir + '/maps');
    } catch (error) {
      raw.mapsError = codeOf(error);
      return raw;
    }
    // No mappings at all: a kernel thread (or a zombie). It holds nothing, and its fd directory is
    // closed to non-root users: reading it would count every kernel thread as unreadable.
    if (length === 0) {
      raw.noMaps = true;
      return raw;
    }
    const maps = buffer.subarray(0, length);
    let relevant = false;
    if (maps.indexOf(sysv) >= 0) {
      relevant = true;
      try {
        raw.ns = fsys.readlinkSync(dir + '/ns/ipc');
      } catch (error) {
        raw.nsError = codeOf(error);
      }
    }
    for (let i = 0; !relevant && i < needles.length; i++) relevant = maps.indexOf(needles[i]) >= 0;
    // Most processes map nothing shared: their maps need no parsing, and no copy.
    if (relevant) raw.maps = new Uint8Array(maps);
    const fdDir = dir + '/fd/';
    let names: string[];
    try {
      names = fsys.readdirSync(fdDir);
    } catch (error) {
      raw.fdError = codeOf(error);
      return raw;
    }
    for (const name of names) {
      const link = fdDir + name;
      let target: string;
      try {
        target = fsys.readlinkSync(link);
      } catch {
        continue; // closed since readdir
      }
      let shared = false;
      for (let i = 0; !shared && i < prefixes.length; i++) shared = target.startsWith(prefixes[i]);
      if (!shared && !exactLinks.has(target)) continue;
      let stat: fs.Stats;
      try {
        stat = fsys.statSync(link);
      } catch {
        continue; // closed between readlink and stat
      }
      let mode = -1;
      let fdinfo: string | undefined;
      try {
        if (config.modesFromLinks) mode = fsys.lstatSync(link).mode;
        if (!config.modesFromLinks || (mode & 0o600) === 0) fdinfo = buffer.toString('latin1', 0, readWhole(dir + '/fdinfo/' + name));
      } catch {
        // closed meanwhile: the access mode stays a conservative guess
      }
      raw.fds.push([name, target, stat.dev, stat.ino, stat.size, mode, fdinfo]);
    }
    // A holder is named in the view by its command line: read it now, on this thread.
    if (config.cmdlineHead > 0 && (relevant || raw.fds.length > 0)) {
      try {
        raw.cmdline = readHead(dir + '/cmdline', config.cmdlineHead);
      } catch {
        // exited meanwhile: looked up again when needed
      }
    }
    return raw;
  };
}
