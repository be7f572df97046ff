// POSIX shared memory objects, classified: each object of /dev/shm, each one removed (unlinked)
// but still mapped or open, and each memfd shared between processes, with who holds it and its
// state in words (the holder model all file-backed kinds share: src/ipc/family/holders.ts). An
// object is called orphaned only after it has been unused for a grace period (a program between
// shm_open and mmap holds nothing yet); a verdict some process could not be checked for is marked
// uncertain (Clean Up then offers it without ticking it).
import * as fs from 'fs';
import * as l10n from '../../shared/l10n';
import * as path from 'path';
import { devMajorMinor } from '../fds';
import { objectFromStat, SEMAPHORE_PREFIX, type PosixListing, type PosixObject } from '../family/devShm';
import {
  classifyHolds,
  heldFileFields,
  holdsInputOf,
  holderPath,
  rootBase,
  sameHolds,
  uncheckedWords,
  zoneChanged,
  type HoldersContext,
  type HoldsInput,
  type PosixState,
} from '../family/holders';
import { ANONYMOUS_SHARED_PATH, type FileKey } from '../maps';
import { Memo } from '../../shared/memo';
import type { Names } from '../names';
import type { FileHold } from '../procScan';
import { ANONYMOUS_NAME, type PosixObjectInfo } from './types';

export interface ClassifyContext extends HoldersContext {
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

/** Any producer's pattern, as one: tested first, since most names match none (one test, not eleven). */
const ANY_PRODUCER = new RegExp(PRODUCERS.map(([pattern]) => `(?:${pattern.source})`).join('|'));

const producers = new Memo((name: string) => PRODUCERS.find(([pattern]) => pattern.test(name))?.[1]);

/** The well-known program an object's name points to, if any (a hint, never a proof). */
export function producerHint(name: string): string | undefined {
  return ANY_PRODUCER.test(name) ? producers.get(name) : undefined;
}

interface Found {
  key: FileKey;
  origin: PosixObjectInfo['origin'];
  name: string;
  file?: PosixObject;
  removed: boolean;
  nameless?: boolean;
  holders: FileHold[];
}

/** Removed /dev/shm objects, memfds and anonymous shared memory: known only from their holders. */
function heldOnly(listing: PosixListing, scan: ClassifyContext['scan'], listed: Set<FileKey>, memfdMinHolders: number): Found[] {
  const found: Found[] = [];
  const ourDevice = listing.devMajor === undefined ? undefined : `${listing.devMajor}:${listing.devMinor}:`;
  const sharedEnough = (holders: FileHold[]) => new Set(holders.map((h) => h.pid)).size >= memfdMinHolders;
  for (const [key, holders] of scan.files) {
    if (listed.has(key)) continue;
    const first = holders[0];
    if (first.path.startsWith('/memfd:')) {
      if (sharedEnough(holders)) found.push({ key, origin: 'memfd', name: first.path.slice(1), removed: true, nameless: true, holders });
    } else if (first.via === 'map' && first.path === ANONYMOUS_SHARED_PATH) {
      // Only the maps parser lets this path through, on the kernel's own mount (maps.ts).
      if (sharedEnough(holders)) found.push({ key, origin: 'anonymous', name: ANONYMOUS_NAME, removed: true, nameless: true, holders });
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
    const input = holdsInputOf(f, context, unreadable);
    const { mappers, openers } = input;
    const old = before.get(f.key);
    const oldInput = old && holdInputs.get(old);
    // Same input as last time: the same state and words (the very same string, compared at once).
    const { state, reason } = old && oldInput && sameHolds(oldInput, input) ? old : classifyHolds(input);
    if (old && unchanged(old, f, state, reason, mappers, openers, scan.unreadable, names, procRoot)) {
      holdInputs.set(old, input);
      return old;
    }
    const info: PosixObjectInfo = {
      kind: 'posixShm',
      origin: f.origin,
      ...heldFileFields(f, input, reason, names, procRoot),
      state,
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
