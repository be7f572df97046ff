// Protocol fuzz of the native helper (the AddressSanitizer + UBSan build, native/bin/ipc-helper-asan).
// Over 1,000 lines on purpose: the generator, the model of the protocol it checks every reply
// against and the runner are one fuzz, and are read together.
//
// At least 100,000 frames (FUZZ_FRAMES): mostly well-framed requests of every operation, valid or
// mutated (bit flips, truncated or extended arguments, boundary values such as offsets near 2^64,
// lengths 0 / maxRead / maxRead + 1, random shmids; for the file operations paths from a small set:
// names in the private /dev/shm, /proc/PID/fd/N, /proc/PID/root/dev/shm/NAME and map_files forms,
// garbage, NULs, over-long ones, and identities learned from earlier replies or made up; for the
// semaphore and message queue operations ids learned from earlier replies, initial values, peek
// windows and preview sizes at and past their limits; for the POSIX queue operations names of the
// accepted form and not), pipelined in batches, plus a small share of
// framing junk (bad body lengths, streams cut in the middle of a frame, random byte soup). Every
// batch is checked against a model of the protocol: each well-framed request gets exactly one reply,
// in order, with its id and op, the status the framing rules demand (ENOSYS, EINVAL; EINVAL for a
// path that is not one of the accepted forms, checked against a model of the path rules) and a
// payload of the right shape; a bad length gets one EPROTO reply (id 0, op 0) and exit status 2; an end of
// input mid-frame exits 2 silently, between frames 0. A sanitizer report, any other stderr output,
// a signal or an unexpected exit fails the test and names the frame that caused it; so does a
// helper that makes no progress for FRAME_TIMEOUT_MS.
//
// SAFETY: random shmids together with REMOVE, SET, CREATE and LOCK would destroy other people's
// segments on a shared machine, so the helper runs in a private IPC namespace (`unshare --ipc`,
// as root; `unshare --user --map-root-user` otherwise, where the kernel allows it), also in a
// private pid namespace so that the helper's companion (a process keeping one segment attached,
// which makes the SHM_DEST and EBUSY paths reachable) dies with it. The namespace's limits are
// lowered (shmmax 64 MiB, shmall 128 MiB, shmmni 256; kernel.sem 250 semaphores per set, 128
// sets) so fuzzed creates and reads stay small (SEM_VALUES costs three calls per semaphore).
// Random paths with FILE_CREATE, FILE_UNLINK and FILE_SET would do the same to /dev/shm, which
// belongs to the mount namespace, not the IPC one: so the namespace is also a private MOUNT
// namespace with its own /proc (`--mount --mount-proc`: the /proc/PID paths name only its own
// processes) and a fresh, small tmpfs mounted on /dev/shm before the helper starts (the script
// refuses to start the helper if that mount fails or the new /dev/shm is not empty). Companions
// there hold a POSIX object (unlinked, so reachable only through /proc/PID/fd/N) and a memfd, and a
// message queue with a few messages is made before the helper starts (it cannot send any itself).
// POSIX message queues belong to the IPC namespace, so the private one keeps MQ_CREATE and
// MQ_UNLINK to itself too. The namespace also holds what a hostile user may mount in a namespace
// of its own, made from a scratch directory on disk: a disk file bind-mounted over the name
// fuzz-mnt of the /dev/shm (every file operation on it must fail), and a companion in a mount
// namespace of its own with the disk directory over its whole /dev/shm (its files, fuzz-a and
// fuzz-b among them, are reached through /proc/PID/root/dev/shm). After the run the disk files
// must be exactly as they were: names, modes, owners and bytes.
// Without any private namespace the fuzz runs in the shared one with no destructive operation at
// all, every shmid pointed at its own segments or at ids that cannot exist, every file
// operation turned into a harmless FILE_STAT and every POSIX queue operation into MQ_ATTR.
//
// Reproduce a run with FUZZ_SEED=<seed printed by the test>; FUZZ_FRAMES sets the count and
// FUZZ_HELPER another binary (e.g. a build with a bug put in on purpose, to see the fuzz catch it);
// FUZZ_MODE=shared|userns|namespace forces how the helper is isolated.
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  encodeRequest,
  FrameDecoder,
  decodeProcScan,
  decodeSampleTake,
  MAX_SAMPLE_LENGTH,
  MAX_PATH_BYTES,
  MAX_PEEK_COUNT,
  MAX_SCAN_CALLS,
  MAX_SCAN_CMDLINE,
  MAX_SCAN_THREADS,
  MAX_PREVIEW_BYTES,
  MAX_READ,
  MAX_REQUEST_BODY,
  Op,
  OPS,
  PROTOCOL_VERSION,
  Reply,
} from '../../../src/ipc/helperProtocol';
import { helperBinary, isRoot } from '../../support/helper';
import { seededU32 } from '../../support/random';
import { posixtoolPath } from '../../support/posixObjects';
import { createSegment, repoRoot, shmtoolPath } from '../../support/segments';
import { encodedCalls, waitArch } from '../../../src/ipc/waits/syscalls';
import { ipctoolPath } from '../../support/semMsg';

/** This machine's waiting calls, as PROC_SCAN takes them (none where they are not known). */
const WAIT_CALLS_HERE = ((arch) => (arch ? encodedCalls(arch) : []))(waitArch());

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 0xffffffff));
const BATCH = 256;
/** A helper that produces no reply (not even a chunk of one) for this long is hanging. */
const FRAME_TIMEOUT_MS = 5_000;
/** Share of batches that end in framing junk (and so in a restart of the helper). */
const JUNK_BATCH_SHARE = 0.05;
/** A fresh helper (and namespace) every so many frames, so memory faulted in by reads stays bounded. */
const FRAMES_PER_SESSION = 25_000;
const PAGE = 4096;
const EPROTO = os.constants.errno.EPROTO;
const ENOSYS = os.constants.errno.ENOSYS;
const EINVAL = os.constants.errno.EINVAL;
const E2BIG = os.constants.errno.E2BIG;

/**
 * The operations and their argument layouts, from the client's table (OPS), which the unit tests
 * prove equal to native/ops.h: the fuzz and the helper cannot disagree about an operation's size.
 */
const ALL_OPS = Object.values(Op).filter((v): v is Op => typeof v === 'number');
const opsWhere = (test: (spec: (typeof OPS)[Op]) => boolean) => ALL_OPS.filter((op) => test(OPS[op]));
/** Fixed argument bytes of each operation: all of its arguments, or the part before its path, name or values. */
const ARG_LENGTH: Record<number, number> = Object.fromEntries(ALL_OPS.map((op) => [op, OPS[op].bytes]));
/** The only paths TABLE reads (PROTOCOL.md); any other is EINVAL. */
const TABLES = [
  '/proc/sysvipc/shm',
  '/proc/sysvipc/sem',
  '/proc/sysvipc/msg',
  ...['shmmax', 'shmall', 'shmmni', 'shm_rmid_forced', 'shm_next_id', 'msgmax', 'msgmnb', 'msgmni', 'msg_next_id', 'sem', 'sem_next_id'].map(
    (f) => `/proc/sys/kernel/${f}`,
  ),
  ...['queues_max', 'msg_max', 'msgsize_max'].map((f) => `/proc/sys/fs/mqueue/${f}`),
];
/** SEM_CREATE: its fixed bytes, then nothing or one u16 initial value per semaphore (u32 nsems at 4). */
const SEM_CREATE_FIXED = OPS[Op.SemCreate].bytes;
/** Operations that take a POSIX queue name after their fixed part (1 .. 4000 bytes, like a path). */
const MQ_OPS = new Set<number>(opsWhere((spec) => spec.form === 'path' && spec.name.startsWith('MQ_')));
/** Operations that take the path of a POSIX object after their fixed part (1 .. 4000 path bytes). */
const FILE_OPS = new Set<number>(opsWhere((spec) => spec.form === 'path' && spec.name.startsWith('FILE_')));
/** File operations that work on names only (the /dev/shm forms). */
const NAME_ONLY = new Set<number>([Op.FileCreate, Op.FileUnlink, Op.FileSet]);
const LAST_OP = Math.max(...ALL_OPS);
/**
 * MSG_PEEK's and MSG_READ's flags bit 1: a 32-bit helper (the foreign armhf one) reads message
 * types as their low 32 bits and says so in every reply; a 64-bit one never does.
 */
const HELPER_BITS = helperElfClass();
const TYPE_FLAGS = HELPER_BITS === 32 ? 2 : 0;
/** The least type a reply may carry: 1 (msgsnd refuses less), or 0 as low 32 bits of 2^32 and the like. */
const MIN_TYPE = HELPER_BITS === 32 ? 0n : 1n;
const DESTRUCTIVE = new Set<number>([
  Op.ShmCreate,
  Op.ShmRemove,
  Op.ShmRemoveIfUnattached,
  Op.ShmSet,
  Op.ShmLock,
  Op.ShmUnlock,
  Op.SemCreate,
  Op.SemRemove,
  Op.SemSet,
  Op.MsgCreate,
  Op.MsgRemove,
  Op.MsgSet,
]);
/** How often each operation is generated: reads and their neighbours most, since they touch mappings. */
const OP_WEIGHTS: Array<[Op, number]> = [
  [Op.ShmRead, 22],
  [Op.ShmResidency, 12],
  [Op.ShmStat, 8],
  [Op.ShmAttach, 8],
  [Op.ShmDetach, 8],
  [Op.ShmCreate, 8],
  [Op.ShmRemove, 4],
  [Op.ShmRemoveIfUnattached, 5],
  [Op.ShmSet, 6],
  [Op.ShmLock, 4],
  [Op.ShmUnlock, 4],
  [Op.ShmLimits, 3],
  [Op.Hello, 3],
  [Op.FileRead, 14],
  [Op.FileData, 8],
  [Op.FileStat, 8],
  [Op.FileCreate, 7],
  [Op.FileUnlink, 4],
  [Op.FileSet, 5],
  [Op.SemStat, 3],
  [Op.SemValues, 7],
  [Op.SemCreate, 5],
  [Op.SemRemove, 2],
  [Op.SemSet, 3],
  [Op.MsgStat, 3],
  [Op.MsgPeek, 7],
  [Op.MsgRead, 5],
  [Op.MsgCreate, 3],
  [Op.MsgRemove, 2],
  [Op.MsgSet, 3],
  [Op.MqAttr, 4],
  [Op.MqCreate, 4],
  [Op.MqUnlink, 2],
  [Op.NsEnter, 1],
  [Op.Table, 3],
  [Op.ProcScan, 1], // a real walk over /proc each time it is valid: rare
  [Op.ProcMemData, 2],
  [Op.ProcMemRead, 2],
  [Op.ShmSampleStart, 3],
  [Op.ShmSampleTake, 4],
  [Op.ShmSampleStop, 2],
];

type Mode = 'namespace' | 'userns' | 'shared';

/** 32 or 64: the ELF class of the helper under test (a foreign platform's from native/targets.json). */
function helperElfClass(): number {
  const platform = process.env.IPCINSP_HELPER_PLATFORM;
  if (!platform) return process.arch === 'arm' || process.arch === 'ia32' ? 32 : 64;
  const targets = JSON.parse(fs.readFileSync(path.join(repoRoot, 'native', 'targets.json'), 'utf8')) as { helpers: Array<{ name: string; elfClass: number }> };
  return targets.helpers.find((h) => h.name === platform)?.elfClass ?? 64;
}

// ------------------------------------------------------------------------------------------------
// Deterministic randomness (mulberry32), so a failing seed can be replayed.

class Rng {
  readonly u32: () => number;
  constructor(seed: number) {
    this.u32 = seededU32(seed);
  }
  int(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  weighted<T>(table: ReadonlyArray<[T, number]>): T {
    let r = this.int(table.reduce((s, [, w]) => s + w, 0));
    for (const [value, weight] of table) if ((r -= weight) < 0) return value;
    return table[0][0];
  }
}

// ------------------------------------------------------------------------------------------------
// Frames.

const U64_MAX = (1n << 64n) - 1n;

function frameOf(id: number, op: number, args: Buffer, flags = 0): Buffer {
  const frame = encodeRequest(id, op as Op, args);
  frame.writeUInt16LE(flags, 10);
  return frame;
}

function fields(...values: Array<['i32' | 'u32', number] | ['u64', bigint]>): Buffer {
  const buf = Buffer.alloc(values.reduce((s, [t]) => s + (t === 'u64' ? 8 : 4), 0));
  let at = 0;
  for (const [type, value] of values) {
    if (type === 'i32') at = buf.writeInt32LE(value as number, at);
    else if (type === 'u32') at = buf.writeUInt32LE((value as number) >>> 0, at);
    else at = buf.writeBigUInt64LE(BigInt.asUintN(64, value as bigint), at);
  }
  return buf;
}

const describeFrame = (frame: Buffer) => {
  const op = frame.length >= 10 ? frame.readUInt16LE(8) : -1;
  return `${Op[op] ?? `op ${op}`} frame (${frame.length} bytes): ${frame.toString('hex')}`;
};

/**
 * The path rules (PROTOCOL.md, "Paths"): the form of a path, or undefined when the helper must
 * refuse it with EINVAL. Written independently of the C code, as regular expressions.
 */
function pathForm(path: Buffer): 'name' | 'descriptor' | undefined {
  if (path.includes(0)) return undefined;
  const text = path.toString('latin1'); // one character per byte
  const int = (digits: string) => Number(digits) <= 0x7fffffff;
  const name = (n: string) => n !== '.' && n !== '..';
  let m = /^\/dev\/shm\/([^/]{1,255})$/.exec(text);
  if (m) return name(m[1]) ? 'name' : undefined;
  m = /^\/proc\/([1-9][0-9]*)\/root\/dev\/shm\/([^/]{1,255})$/.exec(text);
  if (m) return int(m[1]) && name(m[2]) ? 'name' : undefined;
  m = /^\/proc\/([1-9][0-9]*)\/fd\/(0|[1-9][0-9]*)$/.exec(text);
  if (m) return int(m[1]) && int(m[2]) ? 'descriptor' : undefined;
  m = /^\/proc\/([1-9][0-9]*)\/map_files\/(0|[1-9a-f][0-9a-f]{0,15})-(0|[1-9a-f][0-9a-f]{0,15})$/.exec(text);
  if (m) return int(m[1]) && BigInt(`0x${m[2]}`) < BigInt(`0x${m[3]}`) ? 'descriptor' : undefined;
  return undefined;
}

/** The queue name rules (PROTOCOL.md, MQ_ATTR): "/NAME", NAME 1 to 255 bytes without '/' or NUL, not "." or "..". */
function mqNameValid(name: Buffer): boolean {
  const text = name.toString('latin1');
  return /^\/[^/\0]{1,255}$/.test(text) && text !== '/.' && text !== '/..';
}

const MQ_NAMES = ['/fuzz-q', '/fuzz-r', '/fuzz-s', `/${'q'.repeat(255)}`];
const GARBAGE_MQ_NAMES = ['x', '/', '//', '/a/b', '/.', '/..', 'fuzz-q', `/${'q'.repeat(256)}`, '/dev/mqueue/x', '/fuzz-q/'];

/** Names in the private /dev/shm the generator aims at (fuzz-held is unlinked at start, still held). */
const SHM_NAMES = ['fuzz-a', 'fuzz-b', 'fuzz-c', 'fuzz-held', 'fuzz-big', 'fuzz-mnt', 'n'.repeat(255)];
/** A file on disk bind-mounted over this name of the namespace's /dev/shm: no file operation on it may succeed. */
const MOUNTED_NAME = 'fuzz-mnt';
const GARBAGE_PATHS = [
  '/etc/passwd',
  '/etc/shadow',
  '/dev/shm/../etc/shadow',
  '/dev/shm/a/b',
  '/dev/shm/',
  '/dev/shm/.',
  '/dev/shm/..',
  '/dev/shm',
  'dev/shm/fuzz-a',
  '/dev//shm/fuzz-a',
  '/proc/self/fd/0',
  '/proc/self/root/dev/shm/fuzz-a',
  '/proc/01/fd/0',
  '/proc/1/fd/01',
  '/proc/0/fd/1',
  '/proc/2147483648/fd/0',
  '/proc/1/fd/2147483648',
  '/proc/1/fd/',
  '/proc/1/fdinfo/0',
  '/proc/1/map_files/00400000-00452000',
  '/proc/1/map_files/2000-1000',
  '/proc/1/map_files/7F00-7F10',
  '/proc/1/root/etc/passwd',
  '/proc/1/root/dev/shm/../../etc/shadow',
  '/proc/1/mem',
  '/dev/zero',
  '/dev/shm/a\nb',
];

/** What a session knows about an object: the identity bytes (u32 major, u32 minor, u64 ino) and its size. */
interface KnownFile {
  id: Buffer;
  size: number;
}

/** A shared mapping of some process (its first page), as PROC_SCAN's maps lines showed it. */
interface MemTarget {
  pid: number;
  address: bigint;
  major: number;
  minor: number;
  ino: bigint;
}

/** The first shared mapping among a PROC_SCAN's records: a real target for PROC_MEM_DATA and PROC_MEM_READ. */
function sharedMapping(payload: Buffer): MemTarget | undefined {
  for (const { pid, raw } of decodeProcScan(payload).records) {
    const maps = raw.maps ? Buffer.from(raw.maps).toString('latin1') : '';
    const m = /^([0-9a-f]+)-[0-9a-f]+ [r-][w-][x-]s [0-9a-f]+ ([0-9a-f]+):([0-9a-f]+) (\d+)/m.exec(maps);
    if (m) return { pid, address: BigInt('0x' + m[1]), major: parseInt(m[2], 16), minor: parseInt(m[3], 16), ino: BigInt(m[4]) };
  }
  return undefined;
}

/** The segments a session knows, so most requests name ids that exist. */
class Pool {
  live = new Map<number, number>(); // shmid -> size
  gone: number[] = [];
  holderId: number | undefined; // attached by the companion process: DEST / EBUSY paths
  bigId: number | undefined; // > maxRead bytes: full-size reads
  files = new Map<string, KnownFile>(); // path (latin1) -> what FILE_STAT / FILE_CREATE said
  bigFile: string | undefined; // > maxRead bytes: full-size FILE_READs
  sems = new Map<number, number>(); // semid -> nsems
  queues = new Set<number>(); // msqids
  goneIpc: number[] = []; // removed semids and msqids
  mqNames = new Set<string>(); // POSIX queues MQ_CREATE made
  memTarget: MemTarget | undefined; // a shared mapping a PROC_SCAN showed: what PROC_MEM_* aim at
  samplers = new Map<number, number>(); // SHM_SAMPLE_START's handles -> the length each samples
  identities = new Map<number, { cpid: number; cuid: number }>(); // shmid -> its creator, as SHM_STAT said

  add(shmid: number, size: number): void {
    if (!this.live.has(shmid)) this.live.set(shmid, size);
  }
  remove(shmid: number): void {
    if (this.live.delete(shmid)) this.gone = [shmid, ...this.gone].slice(0, 32);
  }
}

/** Builds valid requests of every operation and mutations of them. */
class Generator {
  private nextId = 1;
  constructor(
    private readonly rng: Rng,
    private readonly pool: Pool,
  ) {}

  id(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xfffffff0 ? 1 : this.nextId + 1;
    return id;
  }

  shmid(): number {
    const r = this.rng;
    const live = [...this.pool.live.keys()];
    if (live.length > 0 && r.chance(0.75)) return r.pick(live);
    if (this.pool.gone.length > 0 && r.chance(0.3)) return r.pick(this.pool.gone);
    return r.pick([0, 1, -1, 0x7fffffff, -0x80000000, 32768, 65536, r.u32() | 0, r.int(64)]);
  }

  private ipcId(live: number[]): number {
    const r = this.rng;
    if (live.length > 0 && r.chance(0.8)) return r.pick(live);
    if (this.pool.goneIpc.length > 0 && r.chance(0.3)) return r.pick(this.pool.goneIpc);
    return r.pick([0, 1, -1, 0x7fffffff, -0x80000000, 32768, r.u32() | 0, r.int(16)]);
  }

  semid(): number {
    return this.ipcId([...this.pool.sems.keys()]);
  }

  msqid(): number {
    return this.ipcId([...this.pool.queues]);
  }

  /** For MSG_PEEK and MSG_READ: often the queue the namespace script filled (id 0), while it lives. */
  private filledQueue(): number {
    return this.pool.queues.has(0) && this.rng.chance(0.5) ? 0 : this.msqid();
  }

  /** A POSIX queue name: known ones, the accepted form, and garbage. */
  private mqName(): Buffer {
    const r = this.rng;
    const known = [...this.pool.mqNames];
    const useKnown = r.chance(0.3);
    if (useKnown && known.length > 0) return Buffer.from(r.pick(known), 'latin1');
    switch (r.int(8)) {
      case 0:
        return Buffer.from(r.pick(GARBAGE_MQ_NAMES));
      case 1: {
        // a NUL inside an otherwise valid name
        const valid = Buffer.from(r.pick(MQ_NAMES));
        valid[1 + r.int(valid.length - 1)] = 0;
        return valid;
      }
      case 2:
        return Buffer.concat([Buffer.from('/'), r.bytes(1 + r.int(24))]);
      case 3:
        return r.bytes(r.int(40));
      default:
        return Buffer.from(r.pick(MQ_NAMES));
    }
  }

  private keepOr(value: () => number): number {
    return this.rng.chance(0.5) ? 0xffffffff : value();
  }

  private sizeOf(shmid: number): number {
    return this.pool.live.get(shmid) ?? this.rng.pick([1, PAGE, 65536]);
  }

  private offset(size: number, length: number): bigint {
    const r = this.rng;
    const choices: bigint[] = [
      0n,
      1n,
      BigInt(r.int(size + 1)),
      BigInt(Math.max(0, size - length)),
      BigInt(size),
      BigInt(size + 1),
      BigInt(size - (size % PAGE)),
      1n << 63n,
      U64_MAX,
      U64_MAX - BigInt(length) + 1n,
      U64_MAX - BigInt(PAGE),
      r.u64(),
    ];
    return r.chance(0.6) ? BigInt(r.int(size + 1)) : r.pick(choices);
  }

  private readLength(size: number): number {
    const r = this.rng;
    const x = r.u32() / 0x100000000;
    if (x < 0.5) return 1 + r.int(64);
    if (x < 0.7) return 1 + r.int(PAGE);
    if (x < 0.8) return Math.max(1, Math.min(size, MAX_READ));
    return r.pick([0, MAX_READ, MAX_READ + 1, 0xffffffff, 0x80000000, r.u32(), PAGE, PAGE + 1]);
  }

  /** A path for a file operation: known objects, the accepted forms, and garbage. */
  private filePath(namesOnly = false): Buffer {
    const r = this.rng;
    const known = [...this.pool.files.keys()];
    const useKnown = r.chance(0.35); // drawn either way: what is known must not shift the random stream
    if (useKnown && known.length > 0) return Buffer.from(r.pick(known), 'latin1');
    const name = r.pick(SHM_NAMES);
    const pid = 1 + r.int(14); // the namespace's own processes: sh is 1, the companions and the helper follow
    const x = r.int(100);
    if (x < (namesOnly ? 60 : 40)) return Buffer.from(`/dev/shm/${name}`);
    if (x < (namesOnly ? 75 : 50)) return Buffer.from(`/proc/${r.chance(0.5) ? 1 : pid}/root/dev/shm/${name}`);
    if (x < 68) return Buffer.from(`/proc/${pid}/fd/${r.int(7)}`);
    if (x < 72) {
      const start = BigInt(r.int(1 << 20)) << 12n;
      return Buffer.from(`/proc/${pid}/map_files/${start.toString(16)}-${(start + BigInt(1 + r.int(16)) * 4096n).toString(16)}`);
    }
    switch (r.int(9)) {
      case 0:
        return Buffer.from(r.pick(GARBAGE_PATHS));
      case 1: {
        // a NUL inside an otherwise valid path
        const valid = Buffer.from(`/dev/shm/${r.pick(SHM_NAMES)}`);
        valid[r.int(valid.length)] = 0;
        return valid;
      }
      case 2:
        return Buffer.from(`/dev/shm/${'n'.repeat(255 + r.int(2))}`); // the longest name, and one too long
      case 3:
        return Buffer.from(`/dev/shm/${'x'.repeat(MAX_PATH_BYTES - 9 + r.int(2))}`); // 4000 bytes, and 4001
      case 4:
        return Buffer.alloc(0); // no path at all
      case 5:
        return r.bytes(1 + r.int(64));
      case 6:
        return Buffer.concat([Buffer.from('/dev/shm/'), r.bytes(1 + r.int(24))]);
      case 7:
        return Buffer.from(`/proc/${r.u32()}/fd/${r.u32()}`);
      default:
        return Buffer.from(`/proc/1/map_files/${r.u64().toString(16)}-${r.u64().toString(16)}`);
    }
  }

  /** The identity to send with `path`: mostly the one learned for it, else another object's or made up. */
  private fileIdentity(path: Buffer): KnownFile {
    const r = this.rng;
    const entry = this.pool.files.get(path.toString('latin1'));
    if (entry && r.chance(0.85)) return entry;
    const others = [...this.pool.files.values()];
    if (others.length > 0 && r.chance(0.4)) return { id: r.pick(others).id, size: entry?.size ?? 4096 };
    const id = fields(['u32', r.pick([0, 0, 8, r.u32()])], ['u32', r.int(64)], ['u64', r.pick([0n, 1n, 2n, BigInt(r.int(4096)), r.u64()])]);
    return { id, size: entry?.size ?? r.pick([1, PAGE, 65536]) };
  }

  valid(op: Op): Buffer {
    const r = this.rng;
    const id = this.id();
    switch (op) {
      case Op.FileStat:
        return frameOf(id, op, this.filePath());
      case Op.FileRead: {
        const known = this.pool.bigFile === undefined ? undefined : this.pool.files.get(this.pool.bigFile);
        if (known && r.chance(0.003)) {
          const big = Buffer.from(this.pool.bigFile!, 'latin1');
          return frameOf(id, op, Buffer.concat([known.id, fields(['u64', BigInt(r.int(2))], ['u32', MAX_READ], ['u32', 0]), big]));
        }
        const path = this.filePath();
        const { id: ident, size: fullSize } = this.fileIdentity(path);
        const size = Math.min(fullSize, 1 << 18); // huge sparse files: stay near the start, reads stay small
        const length = this.readLength(size);
        return frameOf(
          id,
          op,
          Buffer.concat([ident, fields(['u64', this.offset(size, length)], ['u32', length], ['u32', r.chance(0.95) ? 0 : r.u32()]), path]),
        );
      }
      case Op.FileData: {
        const path = this.filePath();
        const { id: ident, size: fullSize } = this.fileIdentity(path);
        const size = Math.min(fullSize, 1 << 30);
        const length = r.chance(0.3)
          ? 0n
          : r.chance(0.8)
            ? BigInt(1 + r.int(size))
            : r.pick([U64_MAX, 1n << 63n, r.u64(), BigInt(MAX_READ) * 8n * BigInt(PAGE) + 1n]);
        return frameOf(id, op, Buffer.concat([ident, fields(['u64', this.offset(size, 1)], ['u64', length]), path]));
      }
      case Op.FileCreate: {
        const size = r.chance(0.85) ? BigInt(r.int(65537)) : r.pick([1n, BigInt(MAX_READ + 1), 1n << 40n, (1n << 63n) - 1n, 1n << 63n, U64_MAX, r.u64()]);
        const flags = r.chance(0.9) ? r.int(2) : r.u32();
        const mode = r.chance(0.8) ? r.int(0o1000) : r.u32();
        return frameOf(id, op, Buffer.concat([fields(['u32', mode], ['u32', flags], ['u64', size]), this.filePath(true)]));
      }
      case Op.FileUnlink: {
        const path = this.filePath(true);
        return frameOf(id, op, Buffer.concat([this.fileIdentity(path).id, path]));
      }
      case Op.FileSet: {
        const path = this.filePath(true);
        const keepOr = (value: () => number) => (r.chance(0.5) ? 0xffffffff : value());
        return frameOf(
          id,
          op,
          Buffer.concat([
            this.fileIdentity(path).id,
            fields(
              ['u32', keepOr(() => r.pick([0, 65534, 1000, r.u32()]))],
              ['u32', keepOr(() => r.pick([0, 65534, 1000, r.u32()]))],
              ['u32', keepOr(() => (r.chance(0.8) ? r.int(0o1000) : r.u32()))],
            ),
            path,
          ]),
        );
      }
      case Op.SemStat:
      case Op.SemValues:
      case Op.SemRemove:
        return frameOf(id, op, fields(['i32', this.semid()]));
      case Op.SemCreate: {
        const key = r.chance(0.7) ? 0 : r.pick([r.u32() | 0, 1, -1, 0x7d000000 | r.int(0xffffff)]);
        const nsems = r.chance(0.85) ? 1 + r.int(8) : r.pick([0, 250, 251, 2036, 2037, 32001, r.u32()]);
        const fixed = fields(['i32', key], ['u32', nsems], ['u32', r.chance(0.8) ? r.int(0o1000) : r.u32()], ['u32', r.chance(0.9) ? r.int(2) : r.u32()]);
        if (nsems > 2036 || r.chance(0.4)) return frameOf(id, op, fixed);
        const values = Buffer.alloc(2 * nsems);
        for (let i = 0; i < nsems; i++) values.writeUInt16LE(r.chance(0.9) ? r.int(32768) : r.pick([32767, 32768, 0xffff]), 2 * i);
        return frameOf(id, op, Buffer.concat([fixed, values]));
      }
      case Op.SemSet:
      case Op.MsgSet: {
        const head = fields(
          ['i32', op === Op.SemSet ? this.semid() : this.msqid()],
          ['u32', this.keepOr(() => r.pick([0, 65534, 1000, r.u32()]))],
          ['u32', this.keepOr(() => r.pick([0, 65534, 1000, r.u32()]))],
          ['u32', this.keepOr(() => (r.chance(0.8) ? r.int(0o1000) : r.u32()))],
        );
        if (op === Op.SemSet) return frameOf(id, op, head);
        const qbytes = r.chance(0.6) ? U64_MAX : r.pick([0n, 1n, 4096n, 16384n, 1n << 20n, (1n << 63n) - 1n, 1n << 63n, r.u64()]);
        return frameOf(id, op, Buffer.concat([head, fields(['u64', qbytes])]));
      }
      case Op.MsgStat:
      case Op.MsgRemove:
        return frameOf(id, op, fields(['i32', this.msqid()]));
      case Op.MsgPeek: {
        const first = r.chance(0.8) ? r.int(6) : r.pick([0xffffffff, 0xfffffc18, 1000, r.u32()]);
        const count = r.chance(0.85) ? r.int(12) : r.pick([MAX_PEEK_COUNT, MAX_PEEK_COUNT + 1, 0xffffffff, r.u32()]);
        const preview = r.chance(0.85) ? r.int(65) : r.pick([MAX_PREVIEW_BYTES, MAX_PREVIEW_BYTES + 1, 0xffffffff, r.u32()]);
        return frameOf(id, op, fields(['i32', this.filledQueue()], ['u32', first], ['u32', count], ['u32', preview], ['u32', r.chance(0.95) ? 0 : r.u32()]));
      }
      case Op.MsgRead:
        return frameOf(id, op, fields(['i32', this.filledQueue()], ['u32', r.chance(0.8) ? r.int(4) : r.u32()], ['u32', r.chance(0.95) ? 0 : r.u32()]));
      case Op.MsgCreate: {
        const key = r.chance(0.7) ? 0 : r.pick([r.u32() | 0, 1, -1, 0x7d000000 | r.int(0xffffff)]);
        return frameOf(id, op, fields(['i32', key], ['u32', r.chance(0.8) ? r.int(0o1000) : r.u32()], ['u32', r.chance(0.9) ? r.int(2) : r.u32()]));
      }
      case Op.MqAttr:
      case Op.MqUnlink:
        return frameOf(id, op, this.mqName());
      case Op.MqCreate: {
        const small = (limit: number) =>
          r.chance(0.4) ? 0n : r.chance(0.8) ? BigInt(1 + r.int(limit)) : r.pick([U64_MAX, 1n << 63n, 1n << 31n, 65537n, r.u64()]);
        const fixed = fields(
          ['u32', r.chance(0.8) ? r.int(0o1000) : r.u32()],
          ['u32', r.chance(0.9) ? r.int(2) : r.u32()],
          ['u64', small(10)],
          ['u64', small(8192)],
        );
        return frameOf(id, op, Buffer.concat([fixed, this.mqName()]));
      }
      case Op.Hello:
        return frameOf(id, op, fields(['u32', r.chance(0.8) ? PROTOCOL_VERSION : r.u32()]));
      case Op.NsEnter:
        // Never a real namespace: an inode that no namespace has (ESTALE), or junk (EINVAL, ESRCH, EBUSY).
        return frameOf(
          id,
          op,
          fields(
            ['u32', r.pick([0, 1, process.pid, 0x7fffffff, 0x80000000, r.u32()])],
            ['u32', r.chance(0.9) ? 0 : r.u32()],
            ['u64', r.pick([0n, 1n, r.u64()])],
          ),
        );
      case Op.ProcScan: {
        // Waits read half the time, with this machine's calls, some of them junk (a role of 0 or 5+).
        const waits = r.chance(0.5);
        const calls = Array.from({ length: MAX_SCAN_CALLS }, (_, i): ['u32', number] => {
          const real = WAIT_CALLS_HERE[i] ?? 0;
          return ['u32', !waits || r.chance(0.9) ? (waits ? real : 0) : r.pick([(1 << 16) | r.int(0x10000), 5 << 16, r.int(0x10000), r.u32()])];
        });
        return frameOf(
          id,
          op,
          fields(
            ['u32', r.chance(0.7) ? r.int(MAX_SCAN_CMDLINE + 1) : r.pick([MAX_SCAN_CMDLINE + 1, 0xffffffff, r.u32()])],
            ['u32', r.chance(0.7) ? 1 + r.int(MAX_SCAN_THREADS) : r.pick([0, MAX_SCAN_THREADS + 1, r.u32()])],
            ['u32', r.chance(0.9) ? (waits ? 1 : 0) : r.u32()],
            ['u32', r.chance(0.9) ? 0 : r.u32()],
            ...calls,
          ),
        );
      }
      case Op.ProcMemData:
      case Op.ProcMemRead: {
        // A mapping of a process that shares memory (the pool's holder), somewhere near it, or junk.
        const target = this.pool.memTarget;
        const near = target && r.chance(0.6);
        const address = near ? target.address + BigInt(r.pick([0, 8, 4092, 4096, -8, r.int(8192)])) : r.u64();
        return frameOf(
          id,
          op,
          fields(
            ['u32', near ? target.pid : r.pick([0, 1, process.pid, 0x7fffffff, 0x80000000, r.u32()])],
            ['u32', r.chance(0.9) ? 0 : r.u32()],
            ['u64', address],
            ['u64', r.chance(0.8) ? BigInt(1 + r.int(8192)) : r.pick([0n, BigInt(MAX_READ) + 1n, r.u64()])],
            ['u32', near && r.chance(0.8) ? target.major : r.int(300)],
            ['u32', near && r.chance(0.8) ? target.minor : r.int(300)],
            ['u64', near && r.chance(0.8) ? target.ino : r.u64()],
          ),
        );
      }
      case Op.Table: {
        const file = r.chance(0.7)
          ? r.pick(TABLES)
          : r.pick(['/etc/shadow', '/proc/sysvipc', '/proc/sysvipc/shm/', '/proc/sys/kernel/shmmax\0x', '/proc/self/maps', 'proc/sysvipc/shm', '']);
        return frameOf(id, op, Buffer.from(file, 'latin1'));
      }
      case Op.ShmRead: {
        if (this.pool.bigId !== undefined && r.chance(0.003)) {
          return frameOf(id, op, fields(['i32', this.pool.bigId], ['u32', MAX_READ], ['u64', BigInt(r.int(2))]));
        }
        const shmid = this.shmid();
        const size = this.sizeOf(shmid);
        const length = this.readLength(size);
        return frameOf(id, op, fields(['i32', shmid], ['u32', length], ['u64', this.offset(size, length)]));
      }
      case Op.ShmResidency: {
        const shmid = this.shmid();
        const size = this.sizeOf(shmid);
        const length = r.chance(0.3)
          ? 0n
          : r.chance(0.8)
            ? BigInt(1 + r.int(size))
            : r.pick([U64_MAX, 1n << 63n, r.u64(), BigInt(MAX_READ) * 8n * BigInt(PAGE) + 1n]);
        return frameOf(id, op, fields(['i32', shmid], ['u32', r.chance(0.95) ? 0 : r.u32()], ['u64', this.offset(size, 1)], ['u64', length]));
      }
      case Op.ShmCreate: {
        const key = r.chance(0.6) ? 0 : r.pick([r.u32() | 0, 1, -1, 0x7e000000 | r.int(0xffffff)]);
        const size = r.chance(0.85)
          ? BigInt(1 + r.int(65536))
          : r.pick([0n, 1n, BigInt(MAX_READ + 1), 64n << 20n, (64n << 20n) + 1n, U64_MAX, 1n << 63n, r.u64()]);
        const flags = r.chance(0.9) ? r.int(2) : r.u32();
        const mode = r.chance(0.8) ? r.int(0o1000) : r.u32();
        return frameOf(id, op, fields(['i32', key], ['u32', mode], ['u32', flags], ['u32', r.chance(0.95) ? 0 : r.u32()], ['u64', size]));
      }
      case Op.ShmSet: {
        const keepOr = (value: () => number) => (r.chance(0.5) ? 0xffffffff : value());
        return frameOf(
          id,
          op,
          fields(
            ['i32', this.shmid()],
            ['u32', keepOr(() => r.pick([0, 65534, 1000, r.u32()]))],
            ['u32', keepOr(() => r.pick([0, 65534, 1000, r.u32()]))],
            ['u32', keepOr(() => (r.chance(0.8) ? r.int(0o1000) : r.u32()))],
          ),
        );
      }
      case Op.ShmLimits:
        return frameOf(id, op, Buffer.alloc(0));
      case Op.ShmSampleStart: {
        // Small ranges mostly: a sampler of the largest range diffs 8 MiB a tick until it is stopped.
        const shmid = this.shmid();
        const size = this.sizeOf(shmid);
        const length = r.chance(0.9)
          ? BigInt(1 + r.int(Math.min(size, 65536)))
          : r.pick([0n, BigInt(MAX_SAMPLE_LENGTH + 1), U64_MAX, r.u64(), ...(r.chance(0.1) ? [BigInt(MAX_SAMPLE_LENGTH)] : [])]);
        const period = r.chance(0.85) ? r.pick([1000, 2000, 10_000, 1_000_000]) : r.pick([0, 999, 60_000_001, r.u32()]);
        // The identity the client saw (learned from SHM_STAT), mostly; another one must be ESTALE.
        const seen = this.pool.identities.get(shmid);
        return frameOf(
          id,
          op,
          fields(
            ['i32', shmid],
            ['u32', period],
            ['u64', this.offset(size, length > 1n << 40n ? 1 : Number(length))],
            ['u64', length],
            ['i32', seen && r.chance(0.9) ? seen.cpid : r.u32() | 0],
            ['u32', seen && r.chance(0.9) ? seen.cuid : r.u32()],
            ['u64', r.chance(0.9) ? BigInt(size) : r.u64()],
          ),
        );
      }
      case Op.ShmSampleTake:
      case Op.ShmSampleStop: {
        const known = [...this.pool.samplers.keys()];
        const handle = known.length > 0 && r.chance(0.8) ? r.pick(known) : r.pick([0, 1, 5, 0xffffffff, r.u32()]);
        return frameOf(id, op, fields(['u32', handle], ['u32', r.chance(0.95) ? 0 : r.u32()]));
      }
      default: // the operations that take a shmid only
        return frameOf(id, op, fields(['i32', this.shmid()]));
    }
  }

  /** A valid frame changed in one or two ways; its length field always matches its body. */
  mutated(op: Op): Buffer {
    let frame = this.valid(op);
    const r = this.rng;
    for (let n = 1 + r.int(2); n > 0; n--) frame = this.mutate(frame);
    return frame;
  }

  private mutate(frame: Buffer): Buffer {
    const r = this.rng;
    const args = frame.subarray(12);
    switch (r.int(7)) {
      case 0: {
        // bit flips anywhere in the body (id, op, flags, arguments)
        const copy = Buffer.from(frame);
        for (let n = 1 + r.int(3); n > 0; n--) {
          const bit = 32 + r.int((copy.length - 4) * 8);
          copy[bit >> 3] ^= 1 << (bit & 7);
        }
        return copy;
      }
      case 1: // arguments cut short
        return frameOf(frame.readUInt32LE(4), frame.readUInt16LE(8), args.subarray(0, r.int(args.length + 1)));
      case 2: {
        // arguments too long, up to the largest body there is (a second mutation may find it full)
        const room = Math.max(0, MAX_REQUEST_BODY - 8 - args.length);
        return frameOf(frame.readUInt32LE(4), frame.readUInt16LE(8), Buffer.concat([args, r.bytes(r.chance(0.05) ? room : Math.min(room, 1 + r.int(16)))]));
      }
      case 3: {
        // one argument field replaced by a boundary value
        if (args.length < 4) return frame;
        const copy = Buffer.from(frame);
        const at = 12 + 4 * r.int(Math.floor(args.length / 4));
        if (at + 8 <= copy.length && r.chance(0.5)) {
          copy.writeBigUInt64LE(r.pick([0n, 1n, U64_MAX, 1n << 63n, (1n << 63n) - 1n, BigInt(MAX_READ), BigInt(MAX_READ + 1), r.u64()]), at);
        } else {
          copy.writeUInt32LE(r.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, MAX_READ, MAX_READ + 1, PAGE - 1, r.u32()]), at);
        }
        return copy;
      }
      case 4: {
        // another (or no) operation with these arguments
        const copy = Buffer.from(frame);
        copy.writeUInt16LE(r.pick([0, LAST_OP + 1, LAST_OP + 2, 0x7fff, 0xffff, r.u32() & 0xffff, 1 + r.int(LAST_OP)]), 8);
        return copy;
      }
      case 5: {
        // non-zero flags
        const copy = Buffer.from(frame);
        copy.writeUInt16LE(1 + r.int(0xffff), 10);
        return copy;
      }
      default: // an id at the edges (0 is legal, if unusual)
        return frameOf(r.pick([0, 0xffffffff, r.u32()]), frame.readUInt16LE(8), args);
    }
  }

  /** A well-framed request with random content. */
  random(): Buffer {
    const r = this.rng;
    const length = r.chance(0.8) ? r.int(33) : r.int(MAX_REQUEST_BODY - 7);
    return frameOf(this.id(), r.chance(0.7) ? r.int(LAST_OP + 3) : r.u32() & 0xffff, r.bytes(length), r.chance(0.9) ? 0 : r.u32() & 0xffff);
  }

  next(): Buffer {
    const r = this.rng;
    const op = r.weighted(OP_WEIGHTS);
    const x = r.u32() / 0x100000000;
    return x < 0.4 ? this.valid(op) : x < 0.92 ? this.mutated(op) : this.random();
  }
}

// ------------------------------------------------------------------------------------------------
// The model: what the helper must do with a stream of bytes.

type StreamEnd = 'open' | 'eproto' | 'midframe' | 'eof';

/** Splits a stream into the frames the helper will answer and how the stream ends for it. */
function frameStream(stream: Buffer, closed: boolean): { frames: Buffer[]; end: StreamEnd } {
  const frames: Buffer[] = [];
  let at = 0;
  for (;;) {
    if (at === stream.length) return { frames, end: closed ? 'eof' : 'open' };
    if (stream.length - at < 4) return { frames, end: 'midframe' };
    const body = stream.readUInt32LE(at);
    if (body < 8 || body > MAX_REQUEST_BODY) return { frames, end: 'eproto' };
    if (stream.length - at - 4 < body) return { frames, end: 'midframe' };
    frames.push(stream.subarray(at, at + 4 + body));
    at += 4 + body;
  }
}

/** Checks an error payload: u8 nameLength, an errno name matching the status, a message. */
function checkError(reply: Reply): string | undefined {
  const p = reply.payload;
  if (p.length < 2) return 'error reply without name and message';
  const name = p.subarray(1, 1 + p[0]).toString('latin1');
  const known = (os.constants.errno as Record<string, number>)[name];
  if (!/^E[A-Z0-9]+$/.test(name)) return `error name ${JSON.stringify(name)} is not an errno name`;
  if (known !== reply.status && name !== `E${reply.status}`) return `error name ${name} does not match status ${reply.status}`;
  if (p.length <= 1 + p[0]) return `${name} reply without a message`;
  return undefined;
}

/** What is wrong with `reply` as the answer to `frame`, if anything. */
/**
 * Whether `reply` is what the protocol demands for `frame`. `samplerLength`: for SHM_SAMPLE_TAKE,
 * the length of the range the sampler it names was started on, when the session knows it.
 */
function checkReply(frame: Buffer, reply: Reply, samplerLength?: number): string | undefined {
  const id = frame.readUInt32LE(4);
  const op = frame.readUInt16LE(8);
  const flags = frame.readUInt16LE(10);
  const args = frame.subarray(12);
  if (reply.id !== id) return `reply id ${reply.id}, expected ${id}`;
  if (reply.op !== op) return `reply op ${reply.op}, expected ${op}`;
  if (reply.status !== 0) {
    const bad = checkError(reply);
    if (bad) return bad;
  }
  const known = op >= Op.Hello && op <= LAST_OP;
  if (!known) return reply.status === ENOSYS ? undefined : `unknown op answered with status ${reply.status}, expected ENOSYS`;
  if (op === Op.Table) {
    if (flags !== 0 || args.length < 1 || args.length > MAX_PATH_BYTES) {
      return reply.status === EINVAL ? undefined : `malformed TABLE answered with status ${reply.status}, expected EINVAL`;
    }
    if (!TABLES.includes(args.toString('latin1'))) {
      return reply.status === EINVAL ? undefined : `TABLE of ${JSON.stringify(args.toString('latin1'))} answered with status ${reply.status}, expected EINVAL`;
    }
  } else if (MQ_OPS.has(op)) {
    const fixed = ARG_LENGTH[op];
    if (flags !== 0 || args.length <= fixed || args.length - fixed > MAX_PATH_BYTES) {
      return reply.status === EINVAL ? undefined : `malformed ${Op[op]} answered with status ${reply.status}, expected EINVAL`;
    }
    if (!mqNameValid(args.subarray(fixed))) {
      const said = reply.status === 0 ? '' : reply.payload.subarray(1 + reply.payload[0]).toString('utf8');
      return reply.status === EINVAL && /not the name of a POSIX message queue/.test(said)
        ? undefined
        : `${Op[op]} of a name the rules refuse answered with status ${reply.status} (${said}), expected EINVAL`;
    }
  } else if (op === Op.SemCreate) {
    const nsems = args.length >= SEM_CREATE_FIXED ? args.readUInt32LE(4) : 0;
    if (flags !== 0 || args.length < SEM_CREATE_FIXED || (args.length !== SEM_CREATE_FIXED && args.length !== SEM_CREATE_FIXED + 2 * nsems)) {
      return reply.status === EINVAL ? undefined : `malformed SEM_CREATE answered with status ${reply.status}, expected EINVAL`;
    }
  } else if (FILE_OPS.has(op)) {
    const fixed = ARG_LENGTH[op];
    if (flags !== 0 || args.length <= fixed || args.length - fixed > MAX_PATH_BYTES) {
      return reply.status === EINVAL ? undefined : `malformed ${Op[op]} answered with status ${reply.status}, expected EINVAL`;
    }
    const form = pathForm(args.subarray(fixed));
    if (!form || (NAME_ONLY.has(op) && form !== 'name')) {
      const said = reply.status === 0 ? '' : reply.payload.subarray(1 + reply.payload[0]).toString('utf8');
      return reply.status === EINVAL && /not the path of an IPC object/.test(said)
        ? undefined
        : `${Op[op]} of a path the rules refuse answered with status ${reply.status} (${said}), expected EINVAL`;
    }
    if (form === 'name' && args.subarray(fixed).toString('latin1').endsWith(`/${MOUNTED_NAME}`) && reply.status === 0) {
      return `${Op[op]} succeeded on ${MOUNTED_NAME}, a file on disk mounted over a name of /dev/shm`;
    }
  } else if (flags !== 0 || args.length !== ARG_LENGTH[op]) {
    return reply.status === EINVAL ? undefined : `malformed ${Op[op]} answered with status ${reply.status}, expected EINVAL`;
  } else if (op === Op.ProcScan) {
    const head = args.readUInt32LE(0);
    const threads = args.readUInt32LE(4);
    const badCall = Array.from({ length: MAX_SCAN_CALLS }, (_, i) => args.readUInt32LE(16 + 4 * i)).some((c) => c !== 0 && (c >>> 16 === 0 || c >>> 16 > 4));
    if (head > MAX_SCAN_CMDLINE || threads < 1 || threads > MAX_SCAN_THREADS || args.readUInt32LE(8) > 1 || args.readUInt32LE(12) !== 0 || badCall) {
      return reply.status === EINVAL ? undefined : `PROC_SCAN of head ${head}, ${threads} threads answered with status ${reply.status}, expected EINVAL`;
    }
  } else if (op === Op.ShmSampleStart) {
    const period = args.readUInt32LE(4);
    const length = args.readBigUInt64LE(16);
    const expected = period < 1000 || period > 60_000_000 || length === 0n ? EINVAL : length > BigInt(MAX_SAMPLE_LENGTH) ? E2BIG : undefined;
    if (expected !== undefined) {
      return reply.status === expected
        ? undefined
        : `SHM_SAMPLE_START every ${period} us of ${length} bytes answered with status ${reply.status}, expected ${expected}`;
    }
  } else if (op === Op.ShmSampleTake || op === Op.ShmSampleStop) {
    if (args.readUInt32LE(4) !== 0 || args.readUInt32LE(0) === 0) {
      return reply.status === EINVAL ? undefined : `${Op[op]} with a reserved field or handle 0 answered with status ${reply.status}, expected EINVAL`;
    }
  } else if (op === Op.ProcMemData || op === Op.ProcMemRead) {
    const pid = args.readUInt32LE(0);
    const length = args.readBigUInt64LE(16);
    const most = op === Op.ProcMemRead ? BigInt(MAX_READ) : BigInt(MAX_READ) * 8n * BigInt(PAGE);
    const expected =
      pid === 0 || pid > 0x7fffffff || args.readUInt32LE(4) !== 0 || length === 0n
        ? EINVAL
        : length > most
          ? E2BIG
          : args.readBigUInt64LE(8) + length > 0xffffffffffffffffn
            ? EINVAL
            : undefined;
    if (expected !== undefined) {
      return reply.status === expected ? undefined : `${Op[op]} of pid ${pid}, ${length} bytes answered with status ${reply.status}, expected ${expected}`;
    }
  }
  if (reply.status !== 0) return undefined;
  const n = reply.payload.length;
  switch (op) {
    case Op.Hello:
      return n >= 16 && reply.payload.readUInt32LE(0) === PROTOCOL_VERSION && reply.payload.readUInt32LE(12) === MAX_READ ? undefined : 'bad HELLO payload';
    case Op.SemStat:
    case Op.SemSet:
      return n === 48 && reply.payload.readInt32LE(4) === args.readInt32LE(0) ? undefined : `bad SemStat payload (${n} bytes)`;
    case Op.SemValues: {
      if (n < 48 || reply.payload.readInt32LE(4) !== args.readInt32LE(0)) return `bad SEM_VALUES payload (${n} bytes)`;
      const nsems = reply.payload.readUInt32LE(28);
      if (n !== 48 + 16 * nsems) return `SEM_VALUES of ${nsems} semaphores in ${n} bytes`;
      for (let at = 48; at < n; at += 16) {
        const value = reply.payload.readInt32LE(at);
        if (value < 0 || value > 32767) return `semaphore value ${value} outside 0..32767`;
      }
      return undefined;
    }
    case Op.ShmCreate:
    case Op.SemCreate:
    case Op.MsgCreate: {
      if (n !== 8 || reply.payload.readInt32LE(4) < 0) return `bad ${Op[op]} payload (${n} bytes)`;
      const created = reply.payload.readUInt32LE(0);
      const exclusive = (args.readUInt32LE(op === Op.SemCreate ? 12 : 8) & 1) === 1;
      if (created > 1) return `${Op[op]} created flag ${created}`;
      if ((exclusive || args.readInt32LE(0) === 0) && created !== 1) return `${Op[op]} exclusive or IPC_PRIVATE but not created`;
      return undefined;
    }
    case Op.MsgStat:
    case Op.MsgSet:
      return n === 88 && reply.payload.readInt32LE(4) === args.readInt32LE(0) ? undefined : `bad MsgStat payload (${n} bytes)`;
    case Op.MsgPeek: {
      if (n < 8) return 'short MSG_PEEK payload';
      const count = reply.payload.readUInt32LE(0);
      const first = args.readUInt32LE(4);
      const flags = reply.payload.readUInt32LE(4);
      if (count > args.readUInt32LE(8) || (flags & ~1) !== TYPE_FLAGS) return `MSG_PEEK of ${count} messages, flags ${flags}`;
      let at = 8;
      for (let i = 0; i < count; i++) {
        if (n - at < 20) return 'MSG_PEEK record cut short';
        const shown = reply.payload.readUInt32LE(at + 16);
        if (reply.payload.readUInt32LE(at) !== first + i) return `MSG_PEEK record ${i} has index ${reply.payload.readUInt32LE(at)}`;
        if (reply.payload.readBigInt64LE(at + 4) < MIN_TYPE) return 'MSG_PEEK message type below 1 (or, its low 32 bits, below 0)';
        if (shown > args.readUInt32LE(12) || shown > reply.payload.readUInt32LE(at + 12)) return `MSG_PEEK preview of ${shown} bytes`;
        at += 20 + shown;
      }
      return at === n ? undefined : `MSG_PEEK payload of ${n} bytes, records end at ${at}`;
    }
    case Op.MsgRead:
      return n >= 16 && reply.payload.readBigInt64LE(0) >= MIN_TYPE && reply.payload.readUInt32LE(8) === TYPE_FLAGS && reply.payload.readUInt32LE(12) === 0
        ? undefined
        : `bad MSG_READ payload (${n} bytes)`;
    case Op.MqAttr:
      return n === 32 ? undefined : `MQ_ATTR payload of ${n} bytes`;
    case Op.NsEnter:
      return 'NS_ENTER of a namespace that cannot exist succeeded';
    case Op.Table:
      return undefined; // any bytes: the kernel's text
    case Op.ProcScan: {
      let scan;
      try {
        scan = decodeProcScan(reply.payload);
      } catch (error) {
        return `PROC_SCAN reply does not decode: ${(error as Error).message}`;
      }
      const head = args.readUInt32LE(0);
      const long = scan.records.find((record) => (record.raw.cmdline?.length ?? 0) > head);
      if (long) return `PROC_SCAN sent ${long.raw.cmdline!.length} cmdline bytes of pid ${long.pid}, asked for ${head}`;
      const waits = args.readUInt32LE(8) === 1;
      // An entry is asked when it has a role (high 16 bits): syscall 0 (read on x86-64) with a role is
      // a call like any other; 0 as a whole is an unused entry.
      const entries = Array.from({ length: MAX_SCAN_CALLS }, (_, i) => args.readUInt32LE(16 + 4 * i));
      const asked = new Set(entries.filter((entry) => entry >>> 16 !== 0).map((entry) => entry & 0xffff));
      for (const { pid, raw } of scan.records) {
        if (!waits && raw.tasks) return `PROC_SCAN sent the tasks of pid ${pid} unasked`;
        if (waits && !raw.tasks) return `PROC_SCAN sent no tasks for pid ${pid}`;
        const stray = raw.tasks?.waits.find((w) => !asked.has(w.nr) || !raw.tasks!.tids.includes(w.tid));
        if (stray) return `PROC_SCAN sent a wait of thread ${stray.tid} of pid ${pid} in call ${stray.nr}, not asked for or not its thread`;
      }
      return undefined;
    }
    case Op.ProcMemRead:
      return BigInt(n) === args.readBigUInt64LE(16) ? undefined : `PROC_MEM_READ sent ${n} bytes, asked for ${args.readBigUInt64LE(16)}`;
    case Op.ShmSampleStart:
      return n === 8 && reply.payload.readUInt32LE(0) !== 0 && BigInt(reply.payload.readUInt32LE(4)) >= args.readBigUInt64LE(16) + 24n
        ? undefined
        : `bad SHM_SAMPLE_START payload (${n} bytes)`;
    case Op.ShmSampleTake:
      try {
        decodeSampleTake(reply.payload, samplerLength ?? MAX_SAMPLE_LENGTH); // runs in order, inside the range, records filled exactly
        return undefined;
      } catch (error) {
        return `SHM_SAMPLE_TAKE reply does not decode: ${(error as Error).message}`;
      }
    case Op.ShmSampleStop:
      return n === 0 ? undefined : `SHM_SAMPLE_STOP payload of ${n} bytes`;
    case Op.ProcMemData: {
      const address = args.readBigUInt64LE(8);
      const length = args.readBigUInt64LE(16);
      if (n < 16) return 'short PROC_MEM_DATA payload';
      const pageSize = BigInt(reply.payload.readUInt32LE(12));
      const count = (address + length - 1n) / pageSize - address / pageSize + 1n;
      return reply.payload.readBigUInt64LE(0) === address / pageSize && BigInt(reply.payload.readUInt32LE(8)) === count && BigInt(n) === 16n + (count + 7n) / 8n
        ? undefined
        : `bad PROC_MEM_DATA payload (${n} bytes) for ${length} bytes at 0x${address.toString(16)}`;
    }
    case Op.MqCreate: {
      const created = n === 40 ? reply.payload.readUInt32LE(0) : -1;
      if (created !== 0 && created !== 1) return `bad MQ_CREATE payload (${n} bytes)`;
      if (reply.payload.readUInt32LE(4) !== 0) return 'MQ_CREATE reserved field not 0';
      if ((args.readUInt32LE(4) & 1) === 1 && created !== 1) return 'exclusive MQ_CREATE succeeded without creating';
      return undefined;
    }
    case Op.ShmStat:
    case Op.ShmRemoveIfUnattached:
    case Op.ShmSet:
      return n === 80 && reply.payload.readInt32LE(4) === args.readInt32LE(0) ? undefined : `bad Stat payload (${n} bytes)`;
    case Op.ShmRead:
      return n === args.readUInt32LE(4) ? undefined : `READ of ${args.readUInt32LE(4)} bytes returned ${n}`;
    case Op.ShmResidency: {
      if (n < 16) return 'short RESIDENCY payload';
      const count = reply.payload.readUInt32LE(8);
      if (count < 1 || count > MAX_READ * 8) return `RESIDENCY page count ${count}`;
      return n === 16 + Math.ceil(count / 8) && reply.payload.readUInt32LE(12) === PAGE ? undefined : 'bad RESIDENCY payload';
    }
    case Op.ShmAttach:
    case Op.ShmDetach:
      return n === 4 ? undefined : `${Op[op]} payload of ${n} bytes`;
    case Op.ShmLimits:
      return n === 72 ? undefined : `LIMITS payload of ${n} bytes`;
    case Op.FileStat:
      return n === 72 ? undefined : `FILE_STAT payload of ${n} bytes`;
    case Op.FileSet: // the FileStat after the change: of the very object named
      return n === 72 && reply.payload.subarray(0, 16).equals(args.subarray(0, 16)) ? undefined : `bad FILE_SET payload (${n} bytes)`;
    case Op.FileRead:
      return n === args.readUInt32LE(24) ? undefined : `FILE_READ of ${args.readUInt32LE(24)} bytes returned ${n}`;
    case Op.FileData: {
      if (n < 16) return 'short FILE_DATA payload';
      const count = reply.payload.readUInt32LE(8);
      if (count < 1 || count > MAX_READ * 8) return `FILE_DATA page count ${count}`;
      return n === 16 + Math.ceil(count / 8) && reply.payload.readUInt32LE(12) === PAGE ? undefined : 'bad FILE_DATA payload';
    }
    case Op.FileCreate: {
      const created = n === 80 ? reply.payload.readUInt32LE(0) : -1;
      if (created !== 0 && created !== 1) return `bad FILE_CREATE payload (${n} bytes, created ${created})`;
      if (reply.payload.readUInt32LE(4) !== 0) return 'FILE_CREATE reserved field not 0';
      if ((args.readUInt32LE(4) & 1) === 1 && created !== 1) return 'exclusive FILE_CREATE succeeded without creating';
      const mode = reply.payload.readUInt32LE(8 + 16);
      if ((mode & 0o170000) !== 0o100000) return `FILE_CREATE reports mode ${mode.toString(8)}, not a regular file`;
      if (created === 1 && (mode & 0o7777) !== (args.readUInt32LE(0) & 0o777)) {
        return `FILE_CREATE made mode ${(mode & 0o7777).toString(8)}, asked ${(args.readUInt32LE(0) & 0o777).toString(8)}`;
      }
      if (created === 1 && reply.payload.readBigUInt64LE(8 + 32) !== args.readBigUInt64LE(8)) return 'FILE_CREATE made another size';
      return undefined;
    }
    default:
      return n === 0 ? undefined : `${Op[op]} returned ${n} payload bytes, expected none`;
  }
}

// ------------------------------------------------------------------------------------------------
// Running the helper.

// $1 helper, $2 shmtool, $3 posixtool, $4 ipctool, $5 a directory on disk (no tmpfs) for the mounts a
// hostile user could make (empty: none). Runs as pid 1 of the new pid namespace, in the new mount
// namespace (private propagation: nothing mounted here is seen outside). The waits use shell
// builtins only, so every session forks the same processes in the same order: the namespace's pids,
// which the /proc/PID paths of the fuzz name, are the same in every run (FUZZ_SEED replays).
const NAMESPACE_SCRIPT = `
{ echo 67108864 > /proc/sys/kernel/shmmax && echo 32768 > /proc/sys/kernel/shmall && echo 256 > /proc/sys/kernel/shmmni; } 2>/dev/null
echo "250 32000 32 128" > /proc/sys/kernel/sem 2>/dev/null
mount -t tmpfs -o size=64m,nr_inodes=4096,mode=1777 ipcinsp-fuzz-shm /dev/shm || exit 96
for f in /dev/shm/* /dev/shm/.[!.]*; do [ -e "$f" ] && exit 96; done
spin() { n=0; until "$@"; do n=$((n + 1)); [ $n -lt 500000 ] || exit 95; done; }
held() { [ -e "/proc/$1/fd/3" ] && ! [ -e /dev/shm/fuzz-held ]; }
if [ -x "$3" ]; then
  { echo unlink; exec sleep 1000000; } | "$3" own fuzz-held 65536 600 > /dev/null &
  spin held "$!" # its descriptor open, the name already unlinked
  sleep 1000000 | "$3" memfd fuzz-memfd 65536 > /dev/null &
  spin [ -e /proc/$(($! + 1))/fd/3 ]
fi
attached() {
  while read -r key id perms size cpid lpid nattch rest; do
    [ "$id" = "$1" ] && [ "$nattch" != 0 ] && return 0
  done < /proc/sysvipc/shm
  return 1
}
if [ -x "$4" ]; then
  "$4" msgcreate private 600 1:first 7:hex:00ff10 3: > /dev/null || exit 98
fi
if [ -x "$2" ]; then
  id=$("$2" create private 65536 600) || exit 97
  sleep 1000000 | "$2" hold "$id" rw > /dev/null &
  spin attached "$id"
fi
if [ -n "$5" ]; then
  # What a user may mount in a namespace of its own: a file on disk over a name of this /dev/shm,
  # and (a process in another mount namespace) a directory on disk over its whole /dev/shm.
  touch /dev/shm/fuzz-mnt && mount --bind "$5/target" /dev/shm/fuzz-mnt || exit 94
  unshare --mount --propagation private sh -c 'mount --bind "$1" /dev/shm && exec sleep 1000000' disk "$5" &
  spin [ -e "/proc/$!/root/dev/shm/target" ]
fi
"$1"
exit $?
`;

function helperCommand(mode: Mode, helper: string, disk: string | undefined): string[] {
  const ns = [...NAMESPACE_FLAGS, 'sh', '-c', NAMESPACE_SCRIPT, 'fuzz-ns', helper, shmtoolPath, posixtoolPath, ipctoolPath, disk ?? ''];
  if (mode === 'namespace') return ['unshare', ...ns];
  if (mode === 'userns') return ['unshare', '--user', '--map-root-user', ...ns];
  return [helper];
}

const NAMESPACE_FLAGS = ['--ipc', '--mount', '--propagation', 'private', '--pid', '--fork', '--mount-proc', '--kill-child'];

function chooseMode(): Mode {
  const works = (args: string[]) => spawnSync('unshare', [...args, 'sh', '-c', 'mount -t tmpfs ipcinsp-probe /dev/shm'], { stdio: 'ignore' }).status === 0;
  if (isRoot && works(NAMESPACE_FLAGS)) return 'namespace';
  if (works(['--user', '--map-root-user', ...NAMESPACE_FLAGS])) return 'userns';
  return 'shared';
}

class Session {
  readonly child: ChildProcessWithoutNullStreams;
  readonly replies: Reply[] = [];
  stderr = '';
  closed: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  decodeError: string | undefined;
  private wake: (() => void) | undefined;
  private readonly decoder = new FrameDecoder();

  constructor(command: string[]) {
    this.child = spawn(command[0], command.slice(1), {
      env: {
        ...process.env,
        ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=86',
      },
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      try {
        this.replies.push(...this.decoder.push(chunk));
      } catch (error) {
        this.decodeError ??= (error as Error).message;
      }
      this.wake?.();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.wake?.();
    });
    this.child.stdin.on('error', () => undefined); // EPIPE after an expected exit
    this.child.on('close', (code, signal) => {
      this.closed = { code, signal };
      this.wake?.();
    });
  }

  /** Resolves true once `done()` holds, false when nothing at all happened for `idleMs`. */
  until(done: () => boolean, idleMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(result);
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(false), idleMs);
      };
      this.wake = () => {
        arm();
        if (done()) finish(true);
      };
      arm();
      if (done()) finish(true);
    });
  }

  kill(): void {
    if (!this.closed) this.child.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------------------------------------
// The fuzz.

interface Stats {
  frames: number;
  junkBatches: number;
  sessions: number;
  outcomes: Map<string, number>;
}

class Fuzzer {
  private readonly rng: Rng;
  private pool = new Pool();
  private gen: Generator;
  private session: Session | undefined;
  private framesInSession = 0;
  readonly stats: Stats = { frames: 0, junkBatches: 0, sessions: 0, outcomes: new Map() };

  constructor(
    seed: number,
    private readonly mode: Mode,
    private readonly helper: string,
    private readonly sharedSegments: Map<number, number>,
    private readonly disk?: DiskScratch,
  ) {
    this.rng = new Rng(seed);
    this.gen = new Generator(this.rng, this.pool);
  }

  private fail(what: string, frame: Buffer | undefined, session: Session): never {
    session.kill();
    assert.fail(
      `${what}\n  seed: ${SEED} (mode ${this.mode})` +
        (frame ? `\n  culprit: ${describeFrame(frame)}` : '') +
        (session.stderr ? `\n  helper stderr:\n${session.stderr.slice(-6000)}` : ''),
    );
  }

  /** In the shared namespace: no destructive operation, and only ids that are ours or impossible. */
  private makeSafe(stream: Buffer): Buffer {
    if (this.mode !== 'shared') return stream;
    const copy = Buffer.from(stream);
    const own = [...this.sharedSegments.keys()];
    for (const frame of frameStream(copy, true).frames) {
      const op = frame.readUInt16LE(8);
      if (FILE_OPS.has(op)) {
        frame.writeUInt16LE(Op.FileStat, 8); // the shared /dev/shm: look (lstat/stat), never touch
        continue;
      }
      if (MQ_OPS.has(op)) {
        frame.writeUInt16LE(Op.MqAttr, 8); // the shared IPC namespace's queues: open read-only, never create or unlink
        continue;
      }
      if (DESTRUCTIVE.has(op)) frame.writeUInt16LE(Op.ShmStat, 8);
      if (frame.length >= 16) frame.writeInt32LE(this.rng.chance(0.8) ? this.rng.pick(own) : -1 - this.rng.int(1000), 12);
    }
    return copy;
  }

  /** Sends a stream, optionally ends the input, and checks everything the helper does with it. */
  private async run(raw: Buffer, close: boolean): Promise<void> {
    const session = this.session!;
    const stream = this.makeSafe(raw);
    const { frames, end } = frameStream(stream, close);
    const wanted = frames.length + (end === 'eproto' ? 1 : 0);
    const mustExit = end !== 'open';
    session.replies.length = 0;
    session.child.stdin.write(stream);
    if (close) session.child.stdin.end();
    const settled = await session.until(() => {
      if (session.closed || session.decodeError) return true;
      if (session.stderr) return false; // dying, most likely: wait for the whole sanitizer report
      return !mustExit && session.replies.length >= wanted;
    }, FRAME_TIMEOUT_MS);
    const answered = session.replies.length;
    const pending = frames[Math.min(answered, frames.length - 1)];
    if (session.stderr) this.fail('the helper wrote to stderr (a sanitizer report?)', pending, session);
    if (session.decodeError) this.fail(`the helper sent an undecodable reply: ${session.decodeError}`, pending, session);
    if (!settled) this.fail(`the helper hung: no progress for ${FRAME_TIMEOUT_MS} ms after ${answered} of ${wanted} replies`, pending, session);
    if (answered > wanted) this.fail(`${answered} replies to ${wanted} requests`, undefined, session);
    if (answered < wanted) {
      const how = session.closed ? `exited (status ${session.closed.code}, signal ${session.closed.signal})` : 'stopped';
      this.fail(`the helper ${how} after ${answered} of ${wanted} replies`, frames[answered], session);
    }
    frames.forEach((frame, i) => {
      const samplerLength = frame.readUInt16LE(8) === Op.ShmSampleTake && frame.length >= 16 ? this.pool.samplers.get(frame.readUInt32LE(12)) : undefined;
      const bad = checkReply(frame, session.replies[i], samplerLength);
      if (bad) this.fail(`wrong reply: ${bad}`, frame, session);
      this.record(frame, session.replies[i]);
    });
    if (end === 'eproto') {
      const last = session.replies[frames.length];
      if (last.id !== 0 || last.op !== 0 || last.status !== EPROTO || checkError(last)) {
        this.fail(`bad length answered with id ${last.id} op ${last.op} status ${last.status}`, undefined, session);
      }
    }
    if (mustExit) {
      const expected = end === 'eof' ? 0 : 2;
      if (session.closed?.code !== expected) {
        this.fail(`stream end "${end}": expected exit status ${expected}, got ${session.closed?.code} (signal ${session.closed?.signal})`, undefined, session);
      }
      this.session = undefined;
    }
    this.stats.frames += frames.length + (end === 'eproto' ? 1 : 0) + (end === 'midframe' ? 1 : 0);
    this.framesInSession += frames.length;
  }

  /** Counts outcomes per operation, and keeps the pool of live segments up to date. */
  private record(frame: Buffer, reply: Reply): void {
    const op = frame.readUInt16LE(8);
    const flagsOk = frame.readUInt16LE(10) === 0;
    const status = reply.status === 0 ? 'ok' : reply.payload.subarray(1, 1 + reply.payload[0]).toString('latin1');
    const key = `${Op[op] ?? 'unknown op'} ${status}`;
    this.stats.outcomes.set(key, (this.stats.outcomes.get(key) ?? 0) + 1);
    if (FILE_OPS.has(op)) {
      if (flagsOk && reply.status === 0) this.recordFile(op, frame.subarray(12), reply.payload);
      return;
    }
    if (MQ_OPS.has(op)) {
      const name = frame.subarray(12 + ARG_LENGTH[op]).toString('latin1');
      if (flagsOk && reply.status === 0 && op === Op.MqCreate && this.pool.mqNames.size < 16) this.pool.mqNames.add(name);
      if (flagsOk && reply.status === 0 && op === Op.MqUnlink) this.pool.mqNames.delete(name);
      return;
    }
    if (op === Op.SemCreate) {
      if (flagsOk && reply.status === 0) this.pool.sems.set(reply.payload.readInt32LE(4), frame.readUInt32LE(16));
      return;
    }
    const well = flagsOk && frame.length - 12 === ARG_LENGTH[op];
    if (!well || reply.status !== 0 || frame.length < 16) return;
    if (op === Op.ProcScan) {
      this.pool.memTarget ??= sharedMapping(reply.payload);
      return;
    }
    if (op === Op.ShmSampleStart) {
      this.pool.samplers.set(reply.payload.readUInt32LE(0), Number(frame.readBigUInt64LE(28)));
      return;
    }
    if (op === Op.ShmSampleStop || (op === Op.ShmSampleTake && (reply.payload.readUInt32LE(12) & 1) === 1)) {
      this.pool.samplers.delete(frame.readUInt32LE(12)); // stopped, or ended and told
      return;
    }
    const shmid = frame.readInt32LE(12);
    if (op === Op.ShmCreate) {
      const size = frame.readBigUInt64LE(28);
      this.pool.add(reply.payload.readInt32LE(4), size < 1n << 40n ? Number(size) : PAGE);
    } else if (op === Op.ShmStat) {
      this.pool.add(shmid, Number(reply.payload.readBigUInt64LE(40)));
      this.pool.identities.set(shmid, { cpid: reply.payload.readInt32LE(28), cuid: reply.payload.readUInt32LE(20) });
    } else if (op === Op.ShmRemove || op === Op.ShmRemoveIfUnattached) {
      if (shmid !== this.pool.holderId && shmid !== this.pool.bigId) this.pool.remove(shmid);
    } else if (op === Op.SemStat || op === Op.SemValues) {
      this.pool.sems.set(shmid, reply.payload.readUInt32LE(28));
    } else if (op === Op.MsgStat || op === Op.MsgPeek) {
      this.pool.queues.add(shmid);
    } else if (op === Op.MsgCreate) {
      this.pool.queues.add(reply.payload.readInt32LE(4));
    } else if (op === Op.SemRemove || op === Op.MsgRemove) {
      if (op === Op.SemRemove ? this.pool.sems.delete(shmid) : this.pool.queues.delete(shmid)) {
        this.pool.goneIpc = [shmid, ...this.pool.goneIpc].slice(0, 32);
      }
    }
  }

  /** Keeps the session's known objects up to date from a successful file operation. */
  private recordFile(op: number, args: Buffer, payload: Buffer): void {
    const path = args.subarray(ARG_LENGTH[op]).toString('latin1');
    const learn = (stat: Buffer) => {
      if ((stat.readUInt32LE(16) & 0o170000) !== 0o100000) return; // only regular files can be read
      this.pool.files.set(path, { id: Buffer.from(stat.subarray(0, 16)), size: Number(stat.readBigUInt64LE(32)) });
      if (this.pool.files.size > 64) this.pool.files.delete(this.pool.files.keys().next().value!);
    };
    if (op === Op.FileStat || op === Op.FileSet) learn(payload);
    else if (op === Op.FileCreate) learn(payload.subarray(8));
    else if (op === Op.FileUnlink) this.pool.files.delete(path);
  }

  /** A fresh helper in a fresh namespace, with a few segments to aim at. */
  private async start(): Promise<void> {
    this.session = new Session(helperCommand(this.mode, this.helper, this.disk?.dir));
    this.stats.sessions++;
    this.framesInSession = 0;
    this.pool = new Pool();
    this.gen = new Generator(this.rng, this.pool);
    if (this.mode === 'shared') {
      for (const [id, size] of this.sharedSegments) this.pool.add(id, size);
      await this.run(Buffer.concat([frameOf(this.gen.id(), Op.Hello, fields(['u32', PROTOCOL_VERSION]))]), false);
      return;
    }
    // In a fresh namespace the companion's segment is the first one made: id 0.
    const seeds = [1, PAGE, PAGE + 1, 12345, 1 << 20, MAX_READ + 1];
    // Objects in the private /dev/shm, and the companions' descriptors (fd 3 of a few of the
    // namespace's first processes: the unlinked fuzz-held and the memfd), so identities are known.
    const files: Array<[string, number]> = [
      ['/dev/shm/fuzz-a', PAGE + 1],
      ['/dev/shm/fuzz-big', MAX_READ + 1],
    ];
    const frames = [
      frameOf(this.gen.id(), Op.Hello, fields(['u32', PROTOCOL_VERSION])),
      frameOf(this.gen.id(), Op.ShmStat, fields(['i32', 0])),
      // The queue the namespace script filled is the first one made there: id 0. Two sets, one
      // with initial values, and a POSIX queue.
      frameOf(this.gen.id(), Op.MsgStat, fields(['i32', 0])),
      frameOf(this.gen.id(), Op.SemCreate, fields(['i32', 0], ['u32', 4], ['u32', 0o600], ['u32', 1])),
      frameOf(this.gen.id(), Op.SemCreate, Buffer.concat([fields(['i32', 0], ['u32', 2], ['u32', 0o600], ['u32', 1]), Buffer.from([1, 0, 0xff, 0x7f])])),
      frameOf(this.gen.id(), Op.MqCreate, Buffer.concat([fields(['u32', 0o600], ['u32', 0], ['u64', 0n], ['u64', 0n]), Buffer.from('/fuzz-q')])),
      ...seeds.map((size) => frameOf(this.gen.id(), Op.ShmCreate, fields(['i32', 0], ['u32', 0o600], ['u32', 0], ['u32', 0], ['u64', BigInt(size)]))),
      ...files.map(([file, size]) =>
        frameOf(this.gen.id(), Op.FileCreate, Buffer.concat([fields(['u32', 0o600], ['u32', 0], ['u64', BigInt(size)]), Buffer.from(file)])),
      ),
      ...[2, 3, 4, 5, 6, 7, 8, 9, 10].map((pid) => frameOf(this.gen.id(), Op.FileStat, Buffer.from(`/proc/${pid}/fd/3`))),
    ];
    await this.run(Buffer.concat(frames), false);
    const replies = this.session.replies;
    if (replies[1].status === 0) this.pool.holderId = 0;
    const big = replies[6 + seeds.length - 1];
    if (big.status === 0) this.pool.bigId = big.payload.readInt32LE(4);
    if (replies[6 + seeds.length + 1].status === 0) this.pool.bigFile = '/dev/shm/fuzz-big';
  }

  /** Replaces segments that fuzzed REMOVEs took away, so valid ids stay in play. */
  private replenish(): Buffer[] {
    if (this.mode === 'shared') return [];
    const frames: Buffer[] = [];
    if (this.pool.live.size < 4) {
      frames.push(
        ...[1, 3, 5000, 70000].map((size) =>
          frameOf(this.gen.id(), Op.ShmCreate, fields(['i32', 0], ['u32', 0o600], ['u32', 0], ['u32', 0], ['u64', BigInt(size)])),
        ),
      );
    }
    if (this.pool.sems.size < 2) frames.push(frameOf(this.gen.id(), Op.SemCreate, fields(['i32', 0], ['u32', 3], ['u32', 0o600], ['u32', 0])));
    if (this.pool.queues.size < 2) frames.push(frameOf(this.gen.id(), Op.MsgCreate, fields(['i32', 0], ['u32', 0o600], ['u32', 0])));
    return frames;
  }

  /** Well-framed requests, then one way of ending the stream badly or cleanly. */
  private junkTail(): { bytes: Buffer; close: boolean } {
    const r = this.rng;
    switch (r.int(4)) {
      case 0: {
        // a body length outside 8..4096, then anything
        const length = r.pick([0, 1, 7, MAX_REQUEST_BODY + 1, 0xffffffff, 0x80000000, 8 + MAX_REQUEST_BODY * 2, r.u32()]);
        const bad = Buffer.alloc(4);
        bad.writeUInt32LE(length >= 8 && length <= MAX_REQUEST_BODY ? 0 : length);
        return { bytes: Buffer.concat([bad, r.bytes(r.int(64))]), close: r.chance(0.5) };
      }
      case 1: {
        // end of input in the middle of a frame
        const frame = this.gen.next();
        return { bytes: frame.subarray(0, 1 + r.int(frame.length - 1)), close: true };
      }
      case 2: // end of input between frames
        return { bytes: Buffer.alloc(0), close: true };
      default: {
        // byte soup: plausible headers and garbage mixed
        const parts: Buffer[] = [];
        for (let n = 1 + r.int(8); n > 0; n--) {
          if (r.chance(0.6)) {
            const body = r.bytes(8 + r.int(40));
            const head = Buffer.alloc(4);
            head.writeUInt32LE(r.chance(0.9) ? body.length : r.u32());
            parts.push(head, body);
          } else {
            parts.push(r.bytes(r.int(12)));
          }
        }
        return { bytes: Buffer.concat(parts), close: true };
      }
    }
  }

  async fuzz(total: number): Promise<void> {
    try {
      while (this.stats.frames < total) {
        if (!this.session || this.framesInSession >= FRAMES_PER_SESSION) {
          if (this.session) await this.run(Buffer.alloc(0), true); // clean end: exit 0, no leaks
          await this.start();
        }
        const frames = [...this.replenish()];
        const count = Math.min(BATCH, Math.max(1, total - this.stats.frames));
        for (let i = frames.length; i < count; i++) frames.push(this.gen.next());
        if (this.rng.chance(JUNK_BATCH_SHARE)) {
          this.stats.junkBatches++;
          const tail = this.junkTail();
          await this.run(Buffer.concat([...frames.slice(0, this.rng.int(frames.length + 1)), tail.bytes]), tail.close);
        } else {
          await this.run(Buffer.concat(frames), false);
        }
      }
      if (this.session) await this.run(Buffer.alloc(0), true);
    } finally {
      this.session?.kill();
    }
  }
}

/**
 * A directory on disk (not tmpfs) that the namespace mounts where a hostile user would: its files
 * must come out of the fuzz exactly as they went in (names, modes, owners, bytes), whatever the
 * helper was asked to create, change or remove through those mounts.
 */
class DiskScratch {
  readonly dir: string;
  private readonly before: string;

  constructor(parent: string) {
    this.dir = fs.mkdtempSync(path.join(parent, 'ipcinsp-fuzz-disk-'));
    fs.chmodSync(this.dir, 0o755);
    for (const name of ['fuzz-a', 'fuzz-b', 'target']) fs.writeFileSync(path.join(this.dir, name), `${name} on disk\n`, { mode: 0o644 });
    this.before = this.state();
  }

  /** Where a directory on disk is: the first of these not on tmpfs, or none. */
  static parent(): string | undefined {
    const fsType = (dir: string) => spawnSync('findmnt', ['-n', '-o', 'FSTYPE', '-T', dir], { encoding: 'utf8' }).stdout.trim();
    return ['/var/tmp', os.tmpdir(), repoRoot].find((dir) => !['', 'tmpfs', 'hugetlbfs'].includes(fsType(dir)));
  }

  state(): string {
    return fs
      .readdirSync(this.dir)
      .sort()
      .map((name) => {
        const file = path.join(this.dir, name);
        const st = fs.lstatSync(file);
        return `${name} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isFile() ? fs.readFileSync(file, 'utf8') : ''}`;
      })
      .join('');
  }

  unchanged(): boolean {
    return this.state() === this.before;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('ipc-helper protocol fuzz', function () {
  this.timeout(300_000);

  it(`answers ${FRAMES} random and mutated frames without crashing, hanging or losing a reply`, async function () {
    const helper = process.env.FUZZ_HELPER ?? helperBinary('asan');
    const mode = (process.env.FUZZ_MODE as Mode | undefined) ?? chooseMode();
    const shared = new Map<number, number>();
    if (mode === 'shared') {
      // Our own segments, removed by the root hooks afterwards; nothing else is touched.
      for (const size of [1, PAGE, 12345, 1 << 20]) shared.set(createSegment('private', size), size);
    }
    if (!fs.existsSync(shmtoolPath)) console.warn('      (shmtool missing: the fuzz runs without a second attached process)');
    if (!fs.existsSync(posixtoolPath)) console.warn('      (posixtool missing: the fuzz runs without POSIX objects held by another process)');
    if (!fs.existsSync(ipctoolPath)) console.warn('      (ipctool missing: the fuzz runs without messages in a queue)');
    const parent = mode === 'shared' ? undefined : DiskScratch.parent();
    const disk = parent ? new DiskScratch(parent) : undefined;
    if (mode !== 'shared' && !disk) console.warn('      (no directory on disk: the fuzz runs without the mounts of a hostile user)');
    const fuzzer = new Fuzzer(SEED, mode, helper, shared, disk);
    const started = Date.now();
    try {
      await fuzzer.fuzz(FRAMES);
      if (disk) assert.ok(disk.unchanged(), `the files on disk mounted into the namespace changed:\n${disk.state()}`);
    } finally {
      disk?.remove();
    }
    const seconds = (Date.now() - started) / 1000;
    const { stats } = fuzzer;
    const table = [...stats.outcomes].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k}: ${v}`);
    console.log(
      `      ${stats.frames} frames in ${seconds.toFixed(1)} s (seed ${SEED}, mode ${mode}), ` +
        `${stats.sessions} helper sessions, ${stats.junkBatches} junk batches\n` +
        `      outcomes: ${table.join(', ')}`,
    );
    assert.ok(stats.frames >= FRAMES);
  });
});
