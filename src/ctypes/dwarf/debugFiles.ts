// Where a program's types are: the ELF files a process runs (its executable, /proc/PID/exe, and the
// ELF files it maps, /proc/PID/maps), and for each the file that holds its DWARF: the file itself
// when it was built with -g, else a separate debug file found the ways gdb finds them, nothing
// downloaded:
//   1. by build-id: /usr/lib/debug/.build-id/xx/yyyy.debug (checked to carry the same build-id);
//   2. by .gnu_debuglink: next to the file, in its .debug folder, under /usr/lib/debug + its folder
//      (checked against the link's CRC-32);
//   3. in debuginfod's client cache, when something filled it: $DEBUGINFOD_CACHE_PATH, else
//      $XDG_CACHE_HOME/debuginfod_client or ~/.cache/debuginfod_client, BUILDID/debuginfo.
// Files are opened read-only and non-blocking and checked by descriptor to be regular ELF files; a
// mapped file is read through /proc/PID/root (the process's own mount namespace) and only when its
// device and inode are still those the process mapped.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as l10n from '../../shared/l10n';
import { ElfFile } from '../objectFile';

export interface DebugSource {
  /** The program or library as the process (or the user) names it. */
  elf: string;
  /** The path to read the program or library through (e.g. /proc/PID/exe). */
  open: string;
  /** The file with its DWARF: `open` itself, or a separate debug file. */
  debugFile: string;
  buildId?: string;
}

export interface LookupOptions {
  /** Roots of separate debug files; default /usr/lib/debug. */
  debugRoots?: string[];
  /** debuginfod client caches; default from the environment as debuginfod's client has it. */
  debuginfodCaches?: string[];
}

/** An ELF file without debug information, and where a separate debug file was looked for. */
export class DebugFileMissing extends Error {
  override readonly name = 'DebugFileMissing';
  constructor(
    message: string,
    readonly file: string,
    readonly looked: string[],
    readonly buildId?: string,
  ) {
    super(message);
  }
}

function debuginfodCaches(): string[] {
  if (process.env.DEBUGINFOD_CACHE_PATH) return [process.env.DEBUGINFOD_CACHE_PATH];
  const xdg = process.env.XDG_CACHE_HOME;
  return [path.join(xdg || path.join(os.homedir(), '.cache'), 'debuginfod_client')];
}

function tryOpen(file: string): ElfFile | undefined {
  try {
    return ElfFile.open(file);
  } catch {
    return undefined;
  }
}

/** The CRC-32 gnu_debuglink uses (zlib's), read in pieces without blocking. */
async function fileCrc(file: string): Promise<number> {
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) return -1;
    const buffer = Buffer.allocUnsafe(1 << 20);
    let crc = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return crc;
      crc = zlib.crc32(buffer.subarray(0, bytesRead), crc);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The file with the DWARF of the ELF file `open` (shown to the user as `shown`): itself or a separate
 * debug file. Throws DebugFileMissing naming every place looked at.
 */
export async function findDebugFile(open: string, shown = open, options: LookupOptions = {}): Promise<DebugSource> {
  const elf = ElfFile.open(open);
  let buildId: string | undefined;
  let link: { file: string; crc: number } | undefined;
  try {
    buildId = elf.buildId();
    if (elf.hasDebugInfo()) return { elf: shown, open, debugFile: open, buildId };
    link = elf.debugLink();
  } finally {
    elf.close();
  }
  const roots = options.debugRoots ?? ['/usr/lib/debug'];
  const looked: string[] = [];
  const check = async (candidate: string, crc?: number): Promise<boolean> => {
    looked.push(candidate);
    const debug = tryOpen(candidate);
    if (!debug) return false;
    try {
      if (!debug.hasDebugInfo()) return false;
      if (buildId && debug.buildId() !== undefined && debug.buildId() !== buildId) return false;
    } finally {
      debug.close();
    }
    return crc === undefined || (await fileCrc(candidate)) === crc;
  };
  if (buildId && buildId.length > 2) {
    for (const root of roots) {
      const candidate = path.join(root, '.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
      if (await check(candidate)) return { elf: shown, open, debugFile: candidate, buildId };
    }
  }
  if (link && !link.file.includes('/')) {
    const dir = path.dirname(shown);
    const openDir = path.dirname(open);
    const candidates = [path.join(openDir, link.file), path.join(openDir, '.debug', link.file), ...roots.map((root) => path.join(root, dir, link!.file))];
    for (const candidate of candidates) {
      if (path.resolve(candidate) === path.resolve(open)) continue;
      if (await check(candidate, link.crc)) return { elf: shown, open, debugFile: candidate, buildId };
    }
  }
  if (buildId) {
    for (const cache of options.debuginfodCaches ?? debuginfodCaches()) {
      const candidate = path.join(cache, buildId, 'debuginfo');
      if (await check(candidate)) return { elf: shown, open, debugFile: candidate, buildId };
    }
  }
  const message = buildId
    ? l10n.t(
        '{0} has no debug information, and no separate debug file for its build-id {1} was found (looked at: {2}). Install its debug package (Debian and Ubuntu: the -dbgsym or -dbg package), or rebuild it with -g.',
        shown,
        buildId,
        looked.join(', ') || l10n.t('nowhere'),
      )
    : l10n.t(
        '{0} has no debug information and no build-id to find a separate debug file by (looked at: {1}). Rebuild it with -g, or install its debug package (-dbgsym or -dbg).',
        shown,
        looked.join(', ') || l10n.t('nowhere'),
      );
  throw new DebugFileMissing(message, shown, looked, buildId);
}

export interface ProcessDebugFiles {
  /** One entry per distinct ELF file (by build-id), with the pids that run or map it; programs before libraries. */
  found: Array<DebugSource & { pids: number[]; executable: boolean }>;
  /** ELF files without debug information, with why, and the pids that use them. */
  missing: Array<{ elf: string; reason: string; pids: number[]; executable: boolean }>;
}

interface Mapped {
  path: string;
  dev: string;
  inode: number;
}

/** The distinct files a process maps (file-backed mappings only), from /proc/PID/maps. */
function mappedFiles(pid: number): Mapped[] {
  const out = new Map<string, Mapped>();
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return [];
  }
  for (const line of text.split('\n')) {
    const match = /^[0-9a-f]+-[0-9a-f]+ \S+ [0-9a-f]+ ([0-9a-f]+:[0-9a-f]+) (\d+)\s+(\/.*)$/.exec(line);
    if (!match || match[2] === '0') continue;
    const file = match[3].replace(/ \(deleted\)$/, '');
    if (file.startsWith('/dev/') || file.startsWith('/SYSV') || file.startsWith('/memfd:')) continue;
    if (!out.has(file)) out.set(file, { path: file, dev: match[1], inode: Number(match[2]) });
  }
  return [...out.values()];
}

/** A stat's device as /proc/PID/maps writes it (major:minor in hex). */
function deviceText(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** Whether `open` is still the file the process mapped (same device and inode). */
function sameFile(open: string, mapped: Mapped): boolean {
  try {
    const fd = fs.openSync(open, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    try {
      const stat = fs.fstatSync(fd);
      return stat.isFile() && stat.ino === mapped.inode && deviceText(stat.dev) === mapped.dev;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Whether a file starts like an ELF file (cheap: four bytes through a checked descriptor). */
function looksElf(open: string): boolean {
  try {
    const fd = fs.openSync(open, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    try {
      if (!fs.fstatSync(fd).isFile()) return false;
      const magic = Buffer.alloc(4);
      return fs.readSync(fd, magic, 0, 4, 0) === 4 && magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * For the processes `pids`: the ELF files they run and map that have debug information (their own or
 * a separate file), once per build-id with the pids using each, and those that have none, with why.
 */
export async function debugFilesOfProcesses(pids: number[], options: LookupOptions = {}): Promise<ProcessDebugFiles> {
  const found = new Map<string, DebugSource & { pids: number[]; executable: boolean }>();
  const missing = new Map<string, { elf: string; reason: string; pids: number[]; executable: boolean }>();
  const add = <T extends { pids: number[] }>(map: Map<string, T>, key: string, make: () => T, pid: number) => {
    const entry = map.get(key) ?? make();
    if (!entry.pids.includes(pid)) entry.pids.push(pid);
    map.set(key, entry);
  };
  for (const pid of pids) {
    const candidates: Array<{ open: string; shown: string; executable: boolean }> = [];
    try {
      candidates.push({ open: `/proc/${pid}/exe`, shown: fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ''), executable: true });
    } catch {
      // gone, a kernel thread, or not ours to read
    }
    for (const mapped of mappedFiles(pid)) {
      const open = path.join(`/proc/${pid}/root`, mapped.path);
      if (candidates.some((c) => c.shown === mapped.path)) continue;
      if (sameFile(open, mapped) && looksElf(open)) candidates.push({ open, shown: mapped.path, executable: false });
    }
    for (const candidate of candidates) {
      try {
        const source = await findDebugFile(candidate.open, candidate.shown, options);
        add(found, source.buildId ?? `${candidate.shown}`, () => ({ ...source, pids: [], executable: candidate.executable }), pid);
      } catch (error) {
        if (error instanceof DebugFileMissing) {
          add(
            missing,
            error.buildId ?? candidate.shown,
            () => ({ elf: candidate.shown, reason: error.message, pids: [], executable: candidate.executable }),
            pid,
          );
        }
        // not an ELF file, or unreadable: not a source of types
      }
    }
  }
  const programsFirst = <T extends { executable: boolean }>(list: T[]) => [...list.filter((e) => e.executable), ...list.filter((e) => !e.executable)];
  return { found: programsFirst([...found.values()]), missing: programsFirst([...missing.values()]) };
}
