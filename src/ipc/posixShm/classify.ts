// POSIX shared memory objects, classified: each object of /dev/shm, each one removed (unlinked)
// but still mapped or open, and each memfd shared between processes, with who holds it (from the
// shared /proc scan, matched by device and inode) and its state in words.
//
// The kernel keeps no count of who maps a file, so "nobody holds it" is only as good as the scan:
// an object is called orphaned only after it has been unused for a grace period (a program between
// shm_open and mmap holds nothing yet), and when some processes could not be checked the verdict
// says so and is marked uncertain (Clean Up then offers it without ticking it).
import * as fs from 'fs';
import * as path from 'path';
import { devMajorMinor } from '../fds';
import type { FileKey } from '../maps';
import type { Names } from '../names';
import type { FileHold, ProcScan } from '../procScan';
import { objectFromStat, type PosixListing, type PosixObject } from './parse';

export type PosixState = 'in-use' | 'unused' | 'orphaned' | 'removed-held';

export type Holder = FileHold & { command?: string };

export interface PosixObjectInfo {
  kind: 'posixShm';
  /** A file of /dev/shm (linked or removed), or a memfd. */
  origin: 'dev-shm' | 'memfd';
  /** "/name" as shm_open names it, or "memfd:NAME". */
  name: string;
  key: FileKey;
  devMajor: number;
  devMinor: number;
  ino: number;
  /** Its metadata, when some path to it could be stat'ed (not for a removed object we may not reach). */
  file?: PosixObject;
  /** Unlinked: the name is gone, the memory stays while someone holds it. Always true for memfds. */
  removed: boolean;
  holders: Holder[];
  /** Distinct processes mapping it / holding a descriptor of it. */
  mappers: number;
  openers: number;
  state: PosixState;
  reason: string;
  /** Processes the scan could not read (they might hold it, unseen). */
  unchecked: number;
  /** For an orphan: true when every process was checked, so no holder can hide anywhere. */
  certain: boolean;
  /** Where the contents can be read, best first: the name, then holders' /proc links. */
  readPaths: string[];
  ownerName?: string;
  groupName?: string;
  /** Who probably made it, from its name: a hint, never a proof. */
  producer?: string;
}

export interface ClassifyContext {
  scan: Pick<ProcScan, 'files' | 'unreadable' | 'unreadablePids'>;
  names: Names;
  nowMs: number;
  graceMs: number;
  /** When each object was last seen held (kept by the caller across refreshes). */
  lastHeldMs: Map<FileKey, number>;
  /** A memfd is listed only when this many processes or more hold it. */
  memfdMinHolders?: number;
}

const PRODUCERS: Array<[RegExp, string]> = [
  [/^\/psm_/, 'Python multiprocessing.shared_memory'],
  [/^\/PostgreSQL\.\d+$/, 'PostgreSQL (dynamic shared memory)'],
  [/^\/nccl-/, 'NCCL (NVIDIA collective communications)'],
  [/^\/torch_/, 'PyTorch (torch.multiprocessing)'],
  [/^\/sem\.mp-/, 'Python multiprocessing (a lock or semaphore)'],
  [/^\/pulse-shm-/, 'PulseAudio'],
  [/^\/\.org\.chromium\.Chromium\./, 'Chromium'],
  [/^\/\.com\.google\.Chrome\./, 'Google Chrome'],
  [/^\/(fastrtps|fast_datasharing|fastdds)_/, 'Fast-DDS'],
  [/^\/jack-/, 'JACK audio'],
  [/^\/mono\./, 'Mono'],
];

/** The well-known program an object's name points to, if any (a hint, never a proof). */
export function producerHint(name: string): string | undefined {
  return PRODUCERS.find(([pattern]) => pattern.test(name))?.[1];
}

function distinctPids(holders: readonly FileHold[], via: FileHold['via']): number {
  return new Set(holders.filter((h) => h.via === via).map((h) => h.pid)).size;
}

/** maps pads addresses to 8 digits; map_files names have no leading zeros (the kernel refuses them). */
const unpadded = (hex: string) => hex.replace(/^0+(?=.)/, '');

/** Where a holder's view of the object can be opened: its descriptor, or its mapping (root only). */
export function holderPath(procRoot: string, h: FileHold): string {
  if (h.via === 'fd') return path.join(procRoot, String(h.pid), 'fd', String(h.fd));
  return path.join(procRoot, String(h.pid), 'map_files', `${unpadded(h.start)}-${unpadded(h.end)}`);
}

function pluralS(n: number): string {
  return n === 1 ? '' : 'es';
}

function holdersText(mappers: number, openers: number): string {
  const parts: string[] = [];
  if (mappers > 0) parts.push(`mapped by ${mappers} process${pluralS(mappers)}`);
  if (openers > 0) parts.push(`open in ${openers} process${pluralS(openers)}`);
  return parts.join(', ');
}

function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** An absolute time, so that a reason shown later is still true (a duration would go stale). */
function sinceText(ms: number): string {
  return `since ${new Date(ms).toLocaleString()}`;
}

/** The state of an object from its holders, the scan's completeness and how long it has been unused. */
export function classifyHolds(input: {
  removed: boolean;
  mappers: number;
  openers: number;
  unchecked: number;
  /** The unreadable processes in words, e.g. "pid 1 (init)", for the reason. */
  uncheckedWords?: string;
  unusedSinceMs: number;
  nowMs: number;
  graceMs: number;
}): { state: PosixState; reason: string } {
  const { mappers, openers, unchecked } = input;
  if (mappers + openers > 0) {
    const how = holdersText(mappers, openers);
    return input.removed ? { state: 'removed-held', reason: `removed; stays while ${how}` } : { state: 'in-use', reason: how };
  }
  const since = sinceText(input.unusedSinceMs);
  const who = unchecked > 0 ? `no process this user can read has it mapped or open` : 'nobody has it mapped or open';
  const caveat = unchecked > 0
    ? `; ${unchecked} process${pluralS(unchecked)} could not be checked${input.uncheckedWords ? ` (${input.uncheckedWords})` : ''}, so a holder there cannot be ruled out`
    : '';
  if (input.nowMs - input.unusedSinceMs >= input.graceMs) return { state: 'orphaned', reason: `${who} (unused ${since})${caveat}` };
  return { state: 'unused', reason: `${who} (unused ${since}; called orphaned after ${durationText(input.graceMs)} unused)${caveat}` };
}

/** The first few unreadable processes, by pid and command: "pid 1 (init), pid 77 (sshd) and 5 more". */
function uncheckedWords(pids: readonly number[], names: Names): string {
  const shown = pids.slice(0, 3).map((pid) => {
    const command = names.command(pid);
    return command ? `pid ${pid} (${command.length > 40 ? `${command.slice(0, 40)}…` : command})` : `pid ${pid}`;
  });
  return pids.length > 3 ? `${shown.join(', ')} and ${pids.length - 3} more` : shown.join(', ');
}

interface Found {
  key: FileKey;
  origin: PosixObjectInfo['origin'];
  name: string;
  file?: PosixObject;
  removed: boolean;
  holders: FileHold[];
}

/** Removed /dev/shm objects and memfds: known only from their holders. */
function heldOnly(listing: PosixListing, scan: ClassifyContext['scan'], listed: Set<FileKey>, memfdMinHolders: number): Found[] {
  const found: Found[] = [];
  const ourDevice = listing.devMajor === undefined ? undefined : `${listing.devMajor}:${listing.devMinor}:`;
  for (const [key, holders] of scan.files) {
    if (listed.has(key)) continue;
    const first = holders[0];
    if (first.path.startsWith('/memfd:')) {
      if (new Set(holders.map((h) => h.pid)).size < memfdMinHolders) continue;
      found.push({ key, origin: 'memfd', name: first.path.slice(1), removed: true, holders });
    } else if (ourDevice !== undefined && key.startsWith(ourDevice)) {
      // Our /dev/shm's device but not in the listing: unlinked, or created since the listing.
      found.push({ key, origin: 'dev-shm', name: '/' + path.basename(first.path), removed: first.deleted, holders });
    }
    // Any other device: another mount namespace's /dev/shm, not ours to show here.
  }
  return found;
}

/** Metadata of an object only its holders can reach, through the first link that answers. */
function statThroughHolders(procRoot: string, dir: string, name: string, holders: readonly FileHold[]): PosixObject | undefined {
  for (const h of holders) {
    try {
      const stat = fs.statSync(holderPath(procRoot, h));
      const { major, minor } = devMajorMinor(stat.dev);
      if (`${major}:${minor}:${stat.ino}` !== h.key) continue;
      return { ...objectFromStat(dir, name.replace(/^\//, ''), stat), name };
    } catch {
      // map_files needs CAP_SYS_ADMIN; the holder may have exited
    }
  }
  return undefined;
}

/** Every object to show, classified. */
export function classifyPosixObjects(listing: PosixListing, context: ClassifyContext, procRoot = '/proc'): PosixObjectInfo[] {
  const { scan, names } = context;
  const listed = new Set(listing.objects.map((o) => o.key));
  const found: Found[] = listing.objects.map((file) => ({ key: file.key, origin: 'dev-shm' as const, name: file.name, file, removed: false, holders: scan.files.get(file.key) ?? [] }));
  for (const extra of heldOnly(listing, scan, listed, context.memfdMinHolders ?? 2)) {
    found.push({ ...extra, file: statThroughHolders(procRoot, listing.dir, extra.name, extra.holders) });
  }
  const unreadable = uncheckedWords(scan.unreadablePids, names);
  return found.map((f): PosixObjectInfo => {
    const [devMajor, devMinor, ino] = f.key.split(':').map(Number);
    const mappers = distinctPids(f.holders, 'map');
    const openers = distinctPids(f.holders, 'fd');
    if (mappers + openers > 0) context.lastHeldMs.set(f.key, context.nowMs);
    const changedMs = f.file ? Math.max(f.file.mtimeMs, f.file.ctimeMs) : context.nowMs;
    const { state, reason } = classifyHolds({
      removed: f.removed,
      mappers,
      openers,
      unchecked: scan.unreadable,
      uncheckedWords: unreadable,
      unusedSinceMs: Math.max(changedMs, context.lastHeldMs.get(f.key) ?? 0),
      nowMs: context.nowMs,
      graceMs: context.graceMs,
    });
    const readPaths = [...(f.removed || !f.file ? [] : [f.file.path]), ...f.holders.map((h) => holderPath(procRoot, h))];
    return {
      kind: 'posixShm',
      origin: f.origin,
      name: f.name,
      key: f.key,
      devMajor,
      devMinor,
      ino,
      file: f.file,
      removed: f.removed,
      holders: f.holders.map((h) => ({ ...h, command: names.command(h.pid) })),
      mappers,
      openers,
      state,
      reason,
      unchecked: scan.unreadable,
      certain: scan.unreadable === 0,
      readPaths: [...new Set(readPaths)],
      ownerName: f.file && names.user(f.file.uid),
      groupName: f.file && names.group(f.file.gid),
      producer: f.origin === 'dev-shm' ? producerHint(f.name) : undefined,
    };
  });
}

/**
 * When the next unused object turns orphaned by age alone, or undefined: the snapshot must be
 * rebuilt then even if nothing else changed.
 */
export function nextAgeTransition(objects: readonly PosixObjectInfo[], context: Pick<ClassifyContext, 'lastHeldMs' | 'graceMs'>): number | undefined {
  let next: number | undefined;
  for (const o of objects) {
    if (o.state !== 'unused') continue;
    const changedMs = o.file ? Math.max(o.file.mtimeMs, o.file.ctimeMs) : 0;
    const at = Math.max(changedMs, context.lastHeldMs.get(o.key) ?? 0) + context.graceMs;
    if (next === undefined || at < next) next = at;
  }
  return next;
}
