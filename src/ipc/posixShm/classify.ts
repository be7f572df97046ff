// POSIX shared memory objects, classified: each object of /dev/shm, each one removed (unlinked)
// but still mapped or open, and each memfd shared between processes, with who holds it (from the
// shared /proc scan, matched by device and inode) and its state in words.
//
// The kernel keeps no count of who maps a file, so "nobody holds it" is only as good as the scan:
// an object is called orphaned only after it has been unused for a grace period (a program between
// shm_open and mmap holds nothing yet), and when some processes could not be checked the verdict
// says so and is marked uncertain (Clean Up then offers it without ticking it).
import * as fs from 'fs';
import * as l10n from '../../shared/l10n';
import * as path from 'path';
import { devMajorMinor } from '../fds';
import type { FileKey } from '../maps';
import type { Names } from '../names';
import type { FileHold, ProcScan } from '../procScan';
import { objectFromStat, SEMAPHORE_PREFIX, type PosixListing, type PosixObject } from './parse';

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
  /**
   * The objects as the previous refresh classified them (same caller, same lastHeldMs). Each one
   * whose every input is unchanged is returned again as is, instead of a new equal copy.
   */
  previous?: readonly PosixObjectInfo[];
}

const PRODUCERS: Array<[RegExp, string]> = [
  [/^\/psm_/, l10n.t('Python multiprocessing.shared_memory')],
  [/^\/PostgreSQL\.\d+$/, l10n.t('PostgreSQL (dynamic shared memory)')],
  [/^\/nccl-/, l10n.t('NCCL (NVIDIA collective communications)')],
  [/^\/torch_/, l10n.t('PyTorch (torch.multiprocessing)')],
  [/^\/sem\.mp-/, l10n.t('Python multiprocessing (a lock or semaphore)')],
  [/^\/pulse-shm-/, 'PulseAudio'],
  [/^\/\.org\.chromium\.Chromium\./, 'Chromium'],
  [/^\/\.com\.google\.Chrome\./, l10n.t('Google Chrome')],
  [/^\/(fastrtps|fast_datasharing|fastdds)_/, 'Fast-DDS'],
  [/^\/jack-/, l10n.t('JACK audio')],
  [/^\/mono\./, 'Mono'],
];

/**
 * Answers remembered across refreshes (names and times rarely change, and thousands of objects are
 * classified every refresh), dropped wholesale when they grow past a bound.
 */
class Memo<K, V> {
  private readonly values = new Map<K, V>();
  constructor(
    private readonly compute: (key: K) => V,
    private readonly limit = 20_000,
  ) {}

  get(key: K): V {
    const known = this.values.get(key);
    if (known !== undefined || this.values.has(key)) return known as V;
    const value = this.compute(key);
    if (this.values.size >= this.limit) this.values.clear();
    this.values.set(key, value);
    return value;
  }

  clear(): void {
    this.values.clear();
  }
}

const producers = new Memo((name: string) => PRODUCERS.find(([pattern]) => pattern.test(name))?.[1]);

/** The well-known program an object's name points to, if any (a hint, never a proof). */
export function producerHint(name: string): string | undefined {
  return producers.get(name);
}

function distinctPids(holders: readonly FileHold[], via: FileHold['via']): number {
  if (holders.length === 0) return 0;
  if (holders.length === 1) return holders[0].via === via ? 1 : 0;
  return new Set(holders.filter((h) => h.via === via).map((h) => h.pid)).size;
}

/** maps pads addresses to 8 digits; map_files names have no leading zeros (the kernel refuses them). */
const unpadded = (hex: string) => hex.replace(/^0+(?=.)/, '');

let joinedRoot = { procRoot: '/proc', base: '/proc/' };

/** path.join(procRoot) with a slash after it, remembered for the last root (it is the same thousands of times). */
function rootBase(procRoot: string): string {
  if (joinedRoot.procRoot !== procRoot) {
    const joined = path.join(procRoot);
    joinedRoot = { procRoot, base: joined === '.' ? '' : joined.endsWith('/') ? joined : joined + '/' };
  }
  return joinedRoot.base;
}

/** Where a holder's view of the object can be opened: its descriptor, or its mapping (root only). */
export function holderPath(procRoot: string, h: FileHold): string {
  // As path.join(procRoot, pid, 'fd', fd): no part after the root has a slash or a dot segment.
  if (h.via === 'fd') return `${rootBase(procRoot)}${h.pid}/fd/${h.fd}`;
  return `${rootBase(procRoot)}${h.pid}/map_files/${unpadded(h.start)}-${unpadded(h.end)}`;
}

function pluralS(n: number): string {
  return n === 1 ? '' : 'es';
}

function holdersText(mappers: number, openers: number): string {
  const parts: string[] = [];
  if (mappers > 0) parts.push(l10n.t('mapped by {0} process{1}', mappers, pluralS(mappers)));
  if (openers > 0) parts.push(l10n.t('open in {0} process{1}', openers, pluralS(openers)));
  return parts.join(', ');
}

function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return l10n.t('{0} min', Math.round(s / 60));
  return `${Math.round(s / 3600)} h`;
}

const sinceTexts = new Memo((ms: number) => l10n.t('since {0}', new Date(ms).toLocaleString()));
/** The time zone the remembered texts were made in (Node re-reads TZ when it is assigned). */
let sinceZone = process.env.TZ;

/** An absolute time, so that a reason shown later is still true (a duration would go stale). */
function sinceText(ms: number): string {
  return sinceTexts.get(ms);
}

/** Forgets the remembered times when the time zone changed (checked once per classification); true then. */
function zoneChanged(): boolean {
  if (process.env.TZ === sinceZone) return false;
  sinceTexts.clear();
  sinceZone = process.env.TZ;
  return true;
}

export interface HoldsInput {
  removed: boolean;
  mappers: number;
  openers: number;
  unchecked: number;
  /** The unreadable processes in words, e.g. "pid 1 (init)", for the reason. */
  uncheckedWords?: string;
  unusedSinceMs: number;
  nowMs: number;
  graceMs: number;
}

/** The state classifyHolds gives, without its words. */
function holdsState(input: HoldsInput): PosixState {
  if (input.mappers + input.openers > 0) return input.removed ? 'removed-held' : 'in-use';
  return input.nowMs - input.unusedSinceMs >= input.graceMs ? 'orphaned' : 'unused';
}

/** Whether classifyHolds says the same of both (the clock counts only through the state). */
function sameHolds(a: HoldsInput, b: HoldsInput): boolean {
  if (
    a.removed !== b.removed ||
    a.mappers !== b.mappers ||
    a.openers !== b.openers ||
    a.unchecked !== b.unchecked ||
    a.uncheckedWords !== b.uncheckedWords ||
    a.graceMs !== b.graceMs
  ) {
    return false;
  }
  // The time an object has been unused is in the words of an unused one only.
  return (a.mappers + a.openers > 0 || a.unusedSinceMs === b.unusedSinceMs) && holdsState(a) === holdsState(b);
}

/** The state of an object from its holders, the scan's completeness and how long it has been unused. */
export function classifyHolds(input: HoldsInput): { state: PosixState; reason: string } {
  const { mappers, openers, unchecked } = input;
  if (mappers + openers > 0) {
    const how = holdersText(mappers, openers);
    return input.removed ? { state: 'removed-held', reason: l10n.t('removed; stays while {0}', how) } : { state: 'in-use', reason: how };
  }
  const since = sinceText(input.unusedSinceMs);
  const who = unchecked > 0 ? l10n.t('no process this user can read has it mapped or open') : l10n.t('nobody has it mapped or open');
  const caveat =
    unchecked > 0
      ? l10n.t(
          '; {0} process{1} could not be checked{2}, so a holder there cannot be ruled out',
          unchecked,
          pluralS(unchecked),
          input.uncheckedWords ? ` (${input.uncheckedWords})` : '',
        )
      : '';
  if (input.nowMs - input.unusedSinceMs >= input.graceMs) return { state: 'orphaned', reason: l10n.t('{0} (unused {1}){2}', who, since, caveat) };
  return { state: 'unused', reason: l10n.t('{0} (unused {1}; called orphaned after {2} unused){3}', who, since, durationText(input.graceMs), caveat) };
}

/** The first few unreadable processes, by pid and command: "pid 1 (init), pid 77 (sshd) and 5 more". */
function uncheckedWords(pids: readonly number[], names: Names): string {
  const shown = pids.slice(0, 3).map((pid) => {
    const command = names.command(pid);
    return command ? l10n.t('pid {0} ({1})', pid, command.length > 40 ? `${command.slice(0, 40)}…` : command) : l10n.t('pid {0}', pid);
  });
  return pids.length > 3 ? l10n.t('{0} and {1} more', shown.join(', '), pids.length - 3) : shown.join(', ');
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
    } else if (ourDevice !== undefined && key.startsWith(ourDevice) && !path.basename(first.path).startsWith(SEMAPHORE_PREFIX)) {
      // Our /dev/shm's device but not in the listing: unlinked, or created since the listing.
      // (A removed named semaphore, sem.NAME, is the semaphores' to show.)
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
  const newZone = zoneChanged();
  const listed = new Set<FileKey>();
  for (const o of listing.objects) listed.add(o.key);
  const unreadable = uncheckedWords(scan.unreadablePids, names);
  const noHolders: FileHold[] = [];
  const before = new Map<FileKey, PosixObjectInfo>();
  if (!newZone && holdFieldsKnown(context.previous ?? [])) for (const o of context.previous ?? []) before.set(o.key, o);
  const classify = (f: Found): PosixObjectInfo => {
    const mappers = distinctPids(f.holders, 'map');
    const openers = distinctPids(f.holders, 'fd');
    if (mappers + openers > 0) context.lastHeldMs.set(f.key, context.nowMs);
    const changedMs = f.file ? Math.max(f.file.mtimeMs, f.file.ctimeMs) : context.nowMs;
    const input: HoldsInput = {
      removed: f.removed,
      mappers,
      openers,
      unchecked: scan.unreadable,
      uncheckedWords: unreadable,
      unusedSinceMs: Math.max(changedMs, context.lastHeldMs.get(f.key) ?? 0),
      nowMs: context.nowMs,
      graceMs: context.graceMs,
    };
    const old = before.get(f.key);
    const oldInput = old && holdInputs.get(old);
    // Same input as last time: the same state and words (the very same string, compared at once).
    const { state, reason } = old && oldInput && sameHolds(oldInput, input) ? old : classifyHolds(input);
    if (old && unchanged(old, f, state, reason, mappers, openers, scan.unreadable, names, procRoot)) {
      holdInputs.set(old, input);
      return old;
    }
    const [devMajor, devMinor, ino] = splitKey(f.key);
    const readPaths = f.removed || !f.file ? [] : [f.file.path];
    for (const h of f.holders) {
      const where = holderPath(procRoot, h);
      if (!readPaths.includes(where)) readPaths.push(where);
    }
    const info: PosixObjectInfo = {
      kind: 'posixShm',
      origin: f.origin,
      name: f.name,
      key: f.key,
      devMajor,
      devMinor,
      ino,
      file: f.file,
      removed: f.removed,
      holders: f.holders.length === 0 ? [] : f.holders.map((h) => ({ ...h, command: names.command(h.pid) })),
      mappers,
      openers,
      state,
      reason,
      unchecked: scan.unreadable,
      certain: scan.unreadable === 0,
      readPaths,
      ownerName: f.file && names.user(f.file.uid),
      groupName: f.file && names.group(f.file.gid),
      producer: f.origin === 'dev-shm' ? producerHint(f.name) : undefined,
    };
    holdInputs.set(info, input);
    return info;
  };
  const objects: PosixObjectInfo[] = [];
  const previous = before.size > 0 ? (context.previous ?? []) : [];
  // Owners repeat: the last uid and gid asked for, and their names.
  let uid = -1;
  let user: string | undefined;
  let gid = -1;
  let group: string | undefined;
  const userOf = (id: number) => (id === uid ? user : ((uid = id), (user = names.user(id))));
  const groupOf = (id: number) => (id === gid ? group : ((gid = id), (group = names.group(id))));
  for (let i = 0; i < listing.objects.length; i++) {
    const file = listing.objects[i];
    const holders = scan.files.get(file.key) ?? noHolders;
    // The common case, thousands of times: the same file as last refresh, held by nobody then or
    // now, under the same conditions, in the same state. Its info stands as it was. (Mostly at
    // the same place in the list as then.)
    const old = holders.length === 0 ? (previous[i]?.file === file ? previous[i] : before.get(file.key)) : undefined;
    if (old !== undefined && old.file === file && old.holders.length === 0 && old.origin === 'dev-shm') {
      const input = holdInputs.get(old);
      const unusedSinceMs = Math.max(file.mtimeMs, file.ctimeMs, context.lastHeldMs.get(file.key) ?? 0);
      if (
        input !== undefined &&
        input.unusedSinceMs === unusedSinceMs &&
        input.unchecked === scan.unreadable &&
        input.uncheckedWords === unreadable &&
        input.graceMs === context.graceMs &&
        !input.removed &&
        input.mappers + input.openers === 0 &&
        old.state === (context.nowMs - unusedSinceMs >= context.graceMs ? 'orphaned' : 'unused') &&
        old.ownerName === userOf(file.uid) &&
        old.groupName === groupOf(file.gid)
      ) {
        objects.push(old);
        continue;
      }
    }
    objects.push(classify({ key: file.key, origin: 'dev-shm', name: file.name, file, removed: false, holders }));
  }
  for (const extra of heldOnly(listing, scan, listed, context.memfdMinHolders ?? 2)) {
    objects.push(classify({ ...extra, file: statThroughHolders(procRoot, listing.dir, extra.name, extra.holders) }));
  }
  return objects;
}

/** The fields of a holder (a FileHold and its command) that unchanged() compares. */
const HOLDER_FIELDS = { map: 11, fd: 9 };

/** Whether unchanged() knows every field of the holders (looked at on the first of each kind): else nothing is reused. */
function holdFieldsKnown(objects: readonly PosixObjectInfo[]): boolean {
  const seen = { map: false, fd: false };
  for (const o of objects) {
    for (const h of o.holders) {
      if (seen[h.via]) continue;
      if (Object.keys(h).length !== HOLDER_FIELDS[h.via]) return false;
      seen[h.via] = true;
      if (seen.map && seen.fd) return true;
    }
  }
  return true;
}

/** What each object's state and reason were made from (to tell, next refresh, whether they still hold). */
const holdInputs = new WeakMap<PosixObjectInfo, HoldsInput>();

/**
 * Whether the previous refresh's info of an object is what classifying it now would give: same
 * name and file (the listing hands out the same PosixObject while its stat is unchanged), same
 * holders with the same commands, same state and reason, same names. readPaths and the counts
 * follow from those.
 */
function unchanged(
  old: PosixObjectInfo,
  f: Found,
  state: PosixState,
  reason: string,
  mappers: number,
  openers: number,
  unchecked: number,
  names: Names,
  procRoot: string,
): boolean {
  if (old.origin !== f.origin || old.name !== f.name || old.removed !== f.removed || old.file !== f.file) return false;
  if (old.state !== state || old.reason !== reason || old.mappers !== mappers || old.openers !== openers || old.unchecked !== unchecked) return false;
  if (old.ownerName !== (f.file && names.user(f.file.uid)) || old.groupName !== (f.file && names.group(f.file.gid))) return false;
  if (old.holders.length !== f.holders.length) return false;
  for (let i = 0; i < f.holders.length; i++) {
    const a = old.holders[i];
    const b = f.holders[i];
    if (a.via !== b.via || a.pid !== b.pid || a.key !== b.key || a.path !== b.path || a.deleted !== b.deleted || a.access !== b.access) return false;
    if (a.via === 'map' && b.via === 'map' && (a.perms !== b.perms || a.start !== b.start || a.end !== b.end || a.length !== b.length)) return false;
    if (a.via === 'fd' && b.via === 'fd' && (a.fd !== b.fd || a.size !== b.size)) return false;
    if (a.command !== names.command(b.pid)) return false;
  }
  // The paths to read it by: its own, then each holder's /proc link under this root.
  const paths = old.readPaths;
  const ownPath = f.removed || !f.file ? 0 : 1;
  if (ownPath === 1 && paths[0] !== f.file!.path) return false;
  for (let i = ownPath; i < paths.length; i++) if (!paths[i].startsWith(rootBase(procRoot))) return false;
  return true;
}

/** "MAJ:MIN:INO" as numbers (a FileKey). */
function splitKey(key: FileKey): [number, number, number] {
  const a = key.indexOf(':');
  const b = key.indexOf(':', a + 1);
  return [Number(key.slice(0, a)), Number(key.slice(a + 1, b)), Number(key.slice(b + 1))];
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
