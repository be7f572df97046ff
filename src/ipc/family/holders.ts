// The file-holder model every file-backed POSIX kind shares (shared memory objects and memfds,
// named semaphores, message queues): who maps or holds the file (from the one /proc scan, matched
// by device and inode), where a holder's view of it can be opened, and the state that follows
// from the holders, the scan's completeness and how long the file has gone unused.
//
// The kernel keeps no count of who maps a file, so "nobody holds it" is only as good as the scan:
// a file is called orphaned only after it has been unused for a grace period, and when some
// processes could not be checked the verdict says so (and is uncertain).
import * as path from 'path';
import * as l10n from '../../shared/l10n';
import { fileKeyParts, type FileKey } from '../maps';
import { Memo } from '../../shared/memo';
import type { Names } from '../names';
import type { FileHold, ProcScan } from '../procScan';
import type { PosixObject } from './devShm';

export type PosixState = 'in-use' | 'unused' | 'orphaned' | 'removed-held';

export type Holder = FileHold & { command?: string };

/** What every file-backed object of /dev/shm is, whatever its kind: its file, its holders and the verdict on them. */
export interface HeldFile {
  /** "/name" as shm_open and sem_open name it (or "memfd:NAME"). */
  name: string;
  key: FileKey;
  devMajor: number;
  devMinor: number;
  ino: number;
  /** Its metadata, when some path to it could be stat'ed (not for a removed object we may not reach). */
  file?: PosixObject;
  /** Unlinked: the name is gone, the memory stays while someone holds it. */
  removed: boolean;
  holders: Holder[];
  /** Distinct processes mapping it / holding a descriptor of it. */
  mappers: number;
  openers: number;
  reason: string;
  /** Processes the scan could not read (they might hold it, unseen). */
  unchecked: number;
  /** For an orphan: true when every process was checked, so no holder can hide anywhere. */
  certain: boolean;
  /** Where the contents can be read, best first: the name, then holders' /proc links. */
  readPaths: string[];
  ownerName?: string;
  groupName?: string;
}

/** What classifying files by their holders needs: the scan, the names, the clock and each file's last time held. */
export interface HoldersContext {
  scan: Pick<ProcScan, 'files' | 'unreadable' | 'unreadablePids'>;
  names: Names;
  nowMs: number;
  graceMs: number;
  /** When each object was last seen held (kept by the caller across refreshes). */
  lastHeldMs: Map<FileKey, number>;
}

export function distinctPids(holders: readonly FileHold[], via: FileHold['via']): number {
  if (holders.length === 0) return 0;
  if (holders.length === 1) return holders[0].via === via ? 1 : 0;
  return new Set(holders.filter((h) => h.via === via).map((h) => h.pid)).size;
}

/** maps pads addresses to 8 digits; map_files names have no leading zeros (the kernel refuses them). */
const unpadded = (hex: string) => hex.replace(/^0+(?=.)/, '');

let joinedRoot = { procRoot: '/proc', base: '/proc/' };

/** path.join(procRoot) with a slash after it, remembered for the last root (it is the same thousands of times). */
export function rootBase(procRoot: string): string {
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

/**
 * Whether some way to an object's bytes is open to user `uid`: its name or a holder's descriptor
 * (the kernel then checks the mode), or a holder's mapping, which /proc/PID/map_files opens for
 * root only (CAP_SYS_ADMIN).
 */
export function mayReach(readPaths: readonly string[], uid: number): boolean {
  return uid === 0 ? readPaths.length > 0 : readPaths.some((p) => !p.includes('/map_files/'));
}

function holdersText(mappers: number, openers: number): string {
  const parts: string[] = [];
  if (mappers > 0) parts.push(mappers === 1 ? l10n.t('mapped by 1 process') : l10n.t('mapped by {0} processes', mappers));
  if (openers > 0) parts.push(openers === 1 ? l10n.t('open in 1 process') : l10n.t('open in {0} processes', openers));
  return parts.join(', ');
}

function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return l10n.t('{0} min', Math.round(s / 60));
  return `${Math.round(s / 3600)} h`;
}

/** Keyed by whole seconds, what the text shows: objects made together share one (formatting a date costs ~4 µs). */
const sinceTexts = new Memo((seconds: number) => l10n.t('since {0}', new Date(seconds * 1000).toLocaleString()));
/** The time zone the remembered texts were made in (Node re-reads TZ when it is assigned). */
let sinceZone = process.env.TZ;

/** An absolute time, so that a reason shown later is still true (a duration would go stale). */
function sinceText(ms: number): string {
  return sinceTexts.get(Math.floor(ms / 1000));
}

/** Forgets the remembered times when the time zone changed (checked once per classification); true then. */
export function zoneChanged(): boolean {
  if (process.env.TZ === sinceZone) return false;
  sinceTexts.clear();
  sinceZone = process.env.TZ;
  return true;
}

export interface HoldsInput {
  removed: boolean;
  /** Never had a name (a memfd, anonymous shared memory): held is all it can be. */
  nameless?: boolean;
  mappers: number;
  openers: number;
  unchecked: number;
  /** The unreadable processes in words, e.g. "pid 1 (init)", for the reason. */
  uncheckedWords?: string;
  unusedSinceMs: number;
  nowMs: number;
  graceMs: number;
}

/** A file found in /dev/shm or in the holders' mappings, before it is classified. */
export interface FoundFile {
  key: FileKey;
  name: string;
  file?: PosixObject;
  removed: boolean;
  /** Never had a name (a memfd, anonymous shared memory). */
  nameless?: boolean;
  holders: FileHold[];
}

/** What classifyHolds needs to know of a found file; notes the file as held now when it is. */
export function holdsInputOf(f: FoundFile, context: Pick<HoldersContext, 'scan' | 'nowMs' | 'graceMs' | 'lastHeldMs'>, uncheckedWords?: string): HoldsInput {
  const mappers = distinctPids(f.holders, 'map');
  const openers = distinctPids(f.holders, 'fd');
  if (mappers + openers > 0) context.lastHeldMs.set(f.key, context.nowMs);
  const changedMs = f.file ? Math.max(f.file.mtimeMs, f.file.ctimeMs) : context.nowMs;
  return {
    removed: f.removed,
    nameless: f.nameless,
    mappers,
    openers,
    unchecked: context.scan.unreadable,
    uncheckedWords,
    unusedSinceMs: Math.max(changedMs, context.lastHeldMs.get(f.key) ?? 0),
    nowMs: context.nowMs,
    graceMs: context.graceMs,
  };
}

/** The fields every held file has, from what was found, its holds and the verdict's words. */
export function heldFileFields(f: FoundFile, input: HoldsInput, reason: string, names: Names, procRoot: string): HeldFile {
  const [devMajor, devMinor, ino] = fileKeyParts(f.key);
  // Where its bytes can be read, best first: its name, then each holder's own view of it.
  const readPaths = f.removed || !f.file ? [] : [f.file.path];
  for (const h of f.holders) {
    const where = holderPath(procRoot, h);
    if (!readPaths.includes(where)) readPaths.push(where);
  }
  return {
    name: f.name,
    key: f.key,
    devMajor,
    devMinor,
    ino,
    file: f.file,
    removed: f.removed,
    holders: f.holders.length === 0 ? [] : f.holders.map((h) => ({ ...h, command: names.command(h.pid) })),
    mappers: input.mappers,
    openers: input.openers,
    reason,
    unchecked: input.unchecked,
    certain: input.unchecked === 0,
    readPaths,
    ownerName: f.file && names.user(f.file.uid),
    groupName: f.file && names.group(f.file.gid),
  };
}

/** The state classifyHolds gives, without its words. */
export function holdsState(input: HoldsInput): PosixState {
  if (input.mappers + input.openers > 0) return input.removed ? 'removed-held' : 'in-use';
  return input.nowMs - input.unusedSinceMs >= input.graceMs ? 'orphaned' : 'unused';
}

/** Whether classifyHolds says the same of both (the clock counts only through the state). */
export function sameHolds(a: HoldsInput, b: HoldsInput): boolean {
  if (
    a.removed !== b.removed ||
    a.nameless !== b.nameless ||
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
    if (!input.removed) return { state: 'in-use', reason: how };
    return { state: 'removed-held', reason: input.nameless ? l10n.t('no name: lives while {0}', how) : l10n.t('removed; stays while {0}', how) };
  }
  const since = sinceText(input.unusedSinceMs);
  const who = unchecked > 0 ? l10n.t('no process this user can read has it mapped or open') : l10n.t('nobody has it mapped or open');
  const caveat =
    unchecked > 0
      ? unchecked === 1
        ? l10n.t('; 1 process could not be checked{0}, so a holder there cannot be ruled out', input.uncheckedWords ? ` (${input.uncheckedWords})` : '')
        : l10n.t(
            '; {0} processes could not be checked{1}, so a holder there cannot be ruled out',
            unchecked,
            input.uncheckedWords ? ` (${input.uncheckedWords})` : '',
          )
      : '';
  if (input.nowMs - input.unusedSinceMs >= input.graceMs) return { state: 'orphaned', reason: l10n.t('{0} (unused {1}){2}', who, since, caveat) };
  return { state: 'unused', reason: l10n.t('{0} (unused {1}; called orphaned after {2} unused){3}', who, since, durationText(input.graceMs), caveat) };
}

/** The first few unreadable processes, by pid and command: "pid 1 (init), pid 77 (sshd) and 5 more". */
export function uncheckedWords(pids: readonly number[], names: Names): string {
  const shown = pids.slice(0, 3).map((pid) => {
    const command = names.command(pid);
    return command ? l10n.t('pid {0} ({1})', pid, command.length > 40 ? `${command.slice(0, 40)}…` : command) : l10n.t('pid {0}', pid);
  });
  return pids.length > 3 ? l10n.t('{0} and {1} more', shown.join(', '), pids.length - 3) : shown.join(', ');
}
