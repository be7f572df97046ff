import * as l10n from '../shared/l10n';
import type { RawDescriptor, RawProcess, RawScan, RawTasks, RawWait } from './rawProcess';
// The ipc-helper wire protocol (native/PROTOCOL.md), encoding and decoding only: no I/O here, so
// the client, the tests, the fuzzer and the benchmarks all speak exactly the same bytes. Over 600
// lines on purpose: it is PROTOCOL.md in code, record by record, and whoever checks one against
// the other reads it whole (its op table is checked against native/ops.h by the unit tests).

export const PROTOCOL_VERSION = 8;
export const HEADER_BYTES = 12; // u32 bodyLength, u32 id, u16 op, u16 flags/status
export const MAX_REQUEST_BODY = 4096; // 8 header bytes + the largest fixed part (32) + MAX_PATH_BYTES fit
/** Longest path the file operations take, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 4000;
export const MAX_READ = 16 * 1024 * 1024;
/** Largest reply body the client accepts: a full read plus the 8 header bytes and some slack. */
export const MAX_REPLY_BODY = 8 + MAX_READ + 64;
export const KEEP = 0xffffffff; // "keep the current value" in SHM_SET, SEM_SET, MSG_SET, FILE_SET
/** "Keep the current capacity" in MSG_SET's u64 qbytes. */
export const KEEP64 = 0xffffffffffffffffn;
/** MSG_PEEK limits: messages per request, preview bytes per message. */
export const MAX_PEEK_COUNT = 1000;
export const MAX_PREVIEW_BYTES = 4096;
/** Initial values SEM_CREATE can carry in one request (u16 each, after 16 fixed bytes). */
export const MAX_SEM_VALUES = (MAX_REQUEST_BODY - 8 - 16) / 2;
/** The largest value a System V semaphore holds (SEMVMX). */
export const SEMVMX = 32767;
/** PROC_SCAN's limits: the threads it reads /proc with, the cmdline bytes a record carries. */
export const MAX_SCAN_THREADS = 8;
export const MAX_SCAN_CMDLINE = 4096;
/** PROC_SCAN's waiting calls: at most this many (number | role << 16 each), and the flag that reads them. */
export const MAX_SCAN_CALLS = 16;
export const SCAN_TASKS = 1;

export enum Op {
  Hello = 1,
  ShmStat = 2,
  ShmRead = 3,
  ShmResidency = 4,
  ShmAttach = 5,
  ShmDetach = 6,
  ShmCreate = 7,
  ShmRemove = 8,
  ShmRemoveIfUnattached = 9,
  ShmSet = 10,
  ShmLock = 11,
  ShmUnlock = 12,
  ShmLimits = 13,
  FileStat = 14,
  FileRead = 15,
  FileData = 16,
  FileCreate = 17,
  FileUnlink = 18,
  FileSet = 19,
  SemStat = 20,
  SemValues = 21,
  SemCreate = 22,
  SemRemove = 23,
  SemSet = 24,
  MsgStat = 25,
  MsgPeek = 26,
  MsgRead = 27,
  MsgCreate = 28,
  MsgRemove = 29,
  MsgSet = 30,
  MqAttr = 31,
  MqCreate = 32,
  MqUnlink = 33,
  NsEnter = 34,
  Table = 35,
  ProcScan = 36,
  ProcMemData = 37,
  ProcMemRead = 38,
  ShmSampleStart = 39,
  ShmSampleTake = 40,
  ShmSampleStop = 41,
}

/**
 * How an operation's arguments are laid out (native/ops.h): exactly `bytes` ('fixed'); `bytes`,
 * then a path or queue name of 1 to MAX_PATH_BYTES ('path'); `bytes`, then nothing or a u16 per
 * semaphore ('semValues').
 */
export type ArgForm = 'fixed' | 'path' | 'semValues';

export interface OpSpec {
  /** The name native/ops.h and PROTOCOL.md give it. */
  name: string;
  form: ArgForm;
  /** Fixed argument bytes. */
  bytes: number;
}

/**
 * Every operation as native/ops.h declares it, the one source of the op table: the unit tests
 * (test/unit/ipc/opsTable.test.ts) check that this table, Op's numbers, the client's requests and
 * PROTOCOL.md all agree with ops.h; the fuzzer takes its argument lengths from here.
 */
export const OPS: Readonly<Record<Op, OpSpec>> = {
  [Op.Hello]: { name: 'HELLO', form: 'fixed', bytes: 4 },
  [Op.ShmStat]: { name: 'SHM_STAT', form: 'fixed', bytes: 4 },
  [Op.ShmRead]: { name: 'SHM_READ', form: 'fixed', bytes: 16 },
  [Op.ShmResidency]: { name: 'SHM_RESIDENCY', form: 'fixed', bytes: 24 },
  [Op.ShmAttach]: { name: 'SHM_ATTACH', form: 'fixed', bytes: 4 },
  [Op.ShmDetach]: { name: 'SHM_DETACH', form: 'fixed', bytes: 4 },
  [Op.ShmCreate]: { name: 'SHM_CREATE', form: 'fixed', bytes: 24 },
  [Op.ShmRemove]: { name: 'SHM_REMOVE', form: 'fixed', bytes: 4 },
  [Op.ShmRemoveIfUnattached]: { name: 'SHM_REMOVE_IF_UNATTACHED', form: 'fixed', bytes: 4 },
  [Op.ShmSet]: { name: 'SHM_SET', form: 'fixed', bytes: 16 },
  [Op.ShmLock]: { name: 'SHM_LOCK', form: 'fixed', bytes: 4 },
  [Op.ShmUnlock]: { name: 'SHM_UNLOCK', form: 'fixed', bytes: 4 },
  [Op.ShmLimits]: { name: 'SHM_LIMITS', form: 'fixed', bytes: 0 },
  [Op.FileStat]: { name: 'FILE_STAT', form: 'path', bytes: 0 },
  [Op.FileRead]: { name: 'FILE_READ', form: 'path', bytes: 32 },
  [Op.FileData]: { name: 'FILE_DATA', form: 'path', bytes: 32 },
  [Op.FileCreate]: { name: 'FILE_CREATE', form: 'path', bytes: 16 },
  [Op.FileUnlink]: { name: 'FILE_UNLINK', form: 'path', bytes: 16 },
  [Op.FileSet]: { name: 'FILE_SET', form: 'path', bytes: 28 },
  [Op.SemStat]: { name: 'SEM_STAT', form: 'fixed', bytes: 4 },
  [Op.SemValues]: { name: 'SEM_VALUES', form: 'fixed', bytes: 4 },
  [Op.SemCreate]: { name: 'SEM_CREATE', form: 'semValues', bytes: 16 },
  [Op.SemRemove]: { name: 'SEM_REMOVE', form: 'fixed', bytes: 4 },
  [Op.SemSet]: { name: 'SEM_SET', form: 'fixed', bytes: 16 },
  [Op.MsgStat]: { name: 'MSG_STAT', form: 'fixed', bytes: 4 },
  [Op.MsgPeek]: { name: 'MSG_PEEK', form: 'fixed', bytes: 20 },
  [Op.MsgRead]: { name: 'MSG_READ', form: 'fixed', bytes: 12 },
  [Op.MsgCreate]: { name: 'MSG_CREATE', form: 'fixed', bytes: 12 },
  [Op.MsgRemove]: { name: 'MSG_REMOVE', form: 'fixed', bytes: 4 },
  [Op.MsgSet]: { name: 'MSG_SET', form: 'fixed', bytes: 24 },
  [Op.MqAttr]: { name: 'MQ_ATTR', form: 'path', bytes: 0 },
  [Op.MqCreate]: { name: 'MQ_CREATE', form: 'path', bytes: 24 },
  [Op.MqUnlink]: { name: 'MQ_UNLINK', form: 'path', bytes: 0 },
  [Op.NsEnter]: { name: 'NS_ENTER', form: 'fixed', bytes: 16 },
  [Op.Table]: { name: 'TABLE', form: 'path', bytes: 0 },
  [Op.ProcScan]: { name: 'PROC_SCAN', form: 'fixed', bytes: 80 },
  [Op.ProcMemData]: { name: 'PROC_MEM_DATA', form: 'fixed', bytes: 40 },
  [Op.ProcMemRead]: { name: 'PROC_MEM_READ', form: 'fixed', bytes: 40 },
  [Op.ShmSampleStart]: { name: 'SHM_SAMPLE_START', form: 'fixed', bytes: 40 },
  [Op.ShmSampleTake]: { name: 'SHM_SAMPLE_TAKE', form: 'fixed', bytes: 8 },
  [Op.ShmSampleStop]: { name: 'SHM_SAMPLE_STOP', form: 'fixed', bytes: 8 },
};

export interface Reply {
  id: number;
  op: number;
  /** 0 = ok, otherwise the errno value. */
  status: number;
  payload: Buffer;
}

/** IPC_STAT of a segment, as the helper reports it. */
export interface ShmStat {
  key: number;
  shmid: number;
  /** shm_perm.mode including SHM_DEST (0o1000) and SHM_LOCKED (0o2000). */
  mode: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  cpid: number;
  lpid: number;
  /** 1 when the helper's own read cache has the segment attached (counted in nattch), else 0. */
  cachedByHelper: number;
  size: number;
  nattch: number;
  atime: number;
  dtime: number;
  ctime: number;
}

export interface HelperHello {
  protocolVersion: number;
  pageSize: number;
  euid: number;
  maxRead: number;
  version: string;
}

export interface Residency {
  firstPage: number;
  pageCount: number;
  pageSize: number;
  /**
   * Bit i % 8 of byte i / 8 (LSB first) is set when page firstPage + i is resident (RESIDENCY) or
   * holds data rather than a hole (FILE_DATA).
   */
  bitmap: Buffer;
}

export interface KernelShmLimits {
  shmmax: bigint;
  shmmin: bigint;
  shmmni: bigint;
  shmseg: bigint;
  /** In pages. */
  shmall: bigint;
  usedIds: bigint;
  totalPages: bigint;
  rssPages: bigint;
  swapPages: bigint;
}

/** Which file a POSIX object is: a name can be reused by another object, an identity cannot. */
export interface FileIdentity {
  devMajor: number;
  devMinor: number;
  ino: number;
}

/** stat of a POSIX shared memory object (a file in /dev/shm, or one reached through /proc/PID). */
export interface FileStat extends FileIdentity {
  /** The whole st_mode: file type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  /** st_blocks, in 512-byte units: what is really allocated. */
  blocks: number;
  /** Milliseconds since the epoch, to the microsecond (the helper sends nanoseconds). */
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** IPC_STAT of a System V semaphore set. Times are seconds since the epoch (0: never). */
export interface SemStat {
  key: number;
  semid: number;
  /** sem_perm.mode: the permission bits (0o777) as the kernel keeps them. */
  mode: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  nsems: number;
  /** Time of the last semop. */
  otime: number;
  ctime: number;
}

/** One semaphore of a set: its value and who last operated on it or waits for it. */
export interface SemaphoreValue {
  value: number;
  /** Pid of the last process that did a semop on it (GETPID; 0: none, or one in another pid namespace). */
  lastPid: number;
  /** Processes waiting for the value to increase (GETNCNT). */
  ncnt: number;
  /** Processes waiting for the value to become zero (GETZCNT). */
  zcnt: number;
}

export interface SemValues {
  stat: SemStat;
  semaphores: SemaphoreValue[];
}

/** IPC_STAT of a System V message queue. Times are seconds since the epoch (0: never). */
export interface MsgStat {
  key: number;
  msqid: number;
  mode: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
  /** Bytes of message text in the queue. */
  cbytes: number;
  /** Messages in the queue. */
  qnum: number;
  /** The queue's capacity in bytes. */
  qbytes: number;
  /** Pid of the last msgsnd, of the last msgrcv. */
  lspid: number;
  lrpid: number;
  stime: number;
  rtime: number;
  ctime: number;
}

/**
 * A message seen through MSG_PEEK (copied, not received). `mtype` is a C long (1 .. 2^63 - 1),
 * beyond what a number holds exactly: a bigint.
 */
export interface PeekedMessage {
  /** Position in the queue, 0 = the oldest. */
  index: number;
  mtype: bigint;
  /**
   * A 32-bit helper read it: `mtype` is the type's low 32 bits (unsigned), the kernel showing it
   * no more; a 64-bit sender's type of 2^32 or more is not what it looks like.
   */
  mtypeLow32?: boolean;
  /** The message's true size in bytes. */
  size: number;
  /** Its first bytes (at most the previewBytes asked for). */
  preview: Buffer;
}

export interface MsgPeek {
  messages: PeekedMessage[];
  /** There are messages after the last one returned. */
  more: boolean;
}

/** One whole message (MSG_READ). */
export interface QueuedMessage {
  mtype: bigint;
  /** As PeekedMessage's: `mtype` is only the low 32 bits of the type. */
  mtypeLow32?: boolean;
  text: Buffer;
}

/** mq_getattr of a POSIX message queue. */
export interface MqAttr {
  maxmsg: number;
  msgsize: number;
  curmsgs: number;
  /** mq_flags of the helper's own descriptor (O_NONBLOCK, 0o4000): the queue has no flags of its own. */
  flags: number;
}

export class ProtocolError extends Error {}

export function encodeRequest(id: number, op: Op, args: Buffer = Buffer.alloc(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + args.length);
  frame.writeUInt32LE(8 + args.length, 0);
  frame.writeUInt32LE(id >>> 0, 4);
  frame.writeUInt16LE(op, 8);
  frame.writeUInt16LE(0, 10);
  args.copy(frame, HEADER_BYTES);
  return frame;
}

/** Builds an argument block from little-endian fields, in order. */
export function packArgs(...fields: Array<['i32' | 'u32', number] | ['u64', number | bigint]>): Buffer {
  const size = fields.reduce((sum, [type]) => sum + (type === 'u64' ? 8 : 4), 0);
  const buf = Buffer.alloc(size);
  let at = 0;
  for (const [type, value] of fields) {
    if (type === 'i32') at = buf.writeInt32LE(value as number, at);
    else if (type === 'u32') at = buf.writeUInt32LE((value as number) >>> 0, at);
    else at = buf.writeBigUInt64LE(BigInt(value), at);
  }
  return buf;
}

/** A path as the file operations take it: UTF-8 (or the exact bytes given), 1 to 4000 bytes, no NUL. */
export function pathBytes(path: string | Uint8Array, what = 'the path of an IPC object'): Buffer {
  const bytes = typeof path === 'string' ? Buffer.from(path, 'utf8') : Buffer.from(path);
  const shown = JSON.stringify(typeof path === 'string' ? path.slice(0, 200) : bytes.subarray(0, 200).toString('latin1'));
  if (bytes.length === 0) throw new ProtocolError(l10n.t('{0} must not be empty', what));
  if (bytes.includes(0)) throw new ProtocolError(l10n.t('the path {0} contains a NUL byte', shown));
  if (bytes.length > MAX_PATH_BYTES) {
    throw new ProtocolError(l10n.t('the path {0}... is {1} bytes long; the helper takes at most {2}', shown, bytes.length, MAX_PATH_BYTES));
  }
  return bytes;
}

function identityFields(id: FileIdentity): Array<['u32', number] | ['u64', number | bigint]> {
  return [
    ['u32', id.devMajor],
    ['u32', id.devMinor],
    ['u64', id.ino],
  ];
}

export const args = {
  hello: () => packArgs(['u32', PROTOCOL_VERSION]),
  shmid: (shmid: number) => packArgs(['i32', shmid]),
  shmRead: (shmid: number, offset: number, length: number) => packArgs(['i32', shmid], ['u32', length], ['u64', offset]),
  shmResidency: (shmid: number, offset: number, length: number) => packArgs(['i32', shmid], ['u32', 0], ['u64', offset], ['u64', length]),
  shmCreate: (key: number, size: number, mode: number, exclusive: boolean) =>
    packArgs(['i32', key | 0], ['u32', mode & 0o777], ['u32', exclusive ? 1 : 0], ['u32', 0], ['u64', size]),
  shmSet: (shmid: number, uid: number, gid: number, mode: number) => packArgs(['i32', shmid], ['u32', uid], ['u32', gid], ['u32', mode]),
  fileStat: (path: string | Uint8Array) => pathBytes(path),
  fileRead: (path: string | Uint8Array, id: FileIdentity, offset: number, length: number) =>
    Buffer.concat([packArgs(...identityFields(id), ['u64', offset], ['u32', length], ['u32', 0]), pathBytes(path)]),
  fileData: (path: string | Uint8Array, id: FileIdentity, offset: number, length: number) =>
    Buffer.concat([packArgs(...identityFields(id), ['u64', offset], ['u64', length]), pathBytes(path)]),
  fileCreate: (path: string | Uint8Array, size: number, mode: number, exclusive: boolean) =>
    Buffer.concat([packArgs(['u32', mode & 0o777], ['u32', exclusive ? 1 : 0], ['u64', size]), pathBytes(path)]),
  fileUnlink: (path: string | Uint8Array, id: FileIdentity) => Buffer.concat([packArgs(...identityFields(id)), pathBytes(path)]),
  fileSet: (path: string | Uint8Array, id: FileIdentity, uid: number, gid: number, mode: number) =>
    Buffer.concat([packArgs(...identityFields(id), ['u32', uid], ['u32', gid], ['u32', mode]), pathBytes(path)]),
  /** semid or msqid alone (SEM_STAT, SEM_VALUES, SEM_REMOVE, MSG_STAT, MSG_REMOVE). */
  ipcId: (id: number) => packArgs(['i32', id]),
  semCreate: (key: number, nsems: number, mode: number, exclusive: boolean, values?: readonly number[]) => {
    const fixed = packArgs(['i32', key | 0], ['u32', nsems], ['u32', mode & 0o777], ['u32', exclusive ? 1 : 0]);
    if (values === undefined) return fixed;
    if (values.length !== nsems) {
      throw new ProtocolError(l10n.t('{0} initial values for {1} semaphores: give one per semaphore, or none', values.length, nsems));
    }
    if (nsems > MAX_SEM_VALUES) throw new ProtocolError(l10n.t('initial values fit one request for at most {0} semaphores, not {1}', MAX_SEM_VALUES, nsems));
    const tail = Buffer.alloc(2 * nsems);
    values.forEach((value, i) => {
      if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new ProtocolError(l10n.t('initial value {0} is not a u16', value));
      tail.writeUInt16LE(value, 2 * i);
    });
    return Buffer.concat([fixed, tail]);
  },
  ipcSet: (id: number, uid: number, gid: number, mode: number) => packArgs(['i32', id], ['u32', uid], ['u32', gid], ['u32', mode]),
  msgPeek: (msqid: number, first: number, count: number, previewBytes: number) =>
    packArgs(['i32', msqid], ['u32', first], ['u32', count], ['u32', previewBytes], ['u32', 0]),
  msgRead: (msqid: number, index: number) => packArgs(['i32', msqid], ['u32', index], ['u32', 0]),
  msgCreate: (key: number, mode: number, exclusive: boolean) => packArgs(['i32', key | 0], ['u32', mode & 0o777], ['u32', exclusive ? 1 : 0]),
  msgSet: (msqid: number, uid: number, gid: number, mode: number, qbytes: number | bigint) =>
    packArgs(['i32', msqid], ['u32', uid], ['u32', gid], ['u32', mode], ['u64', qbytes]),
  /** A POSIX queue name as the helper takes it: "/NAME" (the helper checks the form: EINVAL). */
  mqName: (name: string | Uint8Array) => pathBytes(name, 'the name of a POSIX message queue'),
  /** NS_ENTER: the IPC namespace of process `pid`, which must still be the one of inode `inode`. */
  nsEnter: (pid: number, inode: number) => packArgs(['u32', pid], ['u32', 0], ['u64', inode]),
  /** TABLE: one of the kernel's IPC tables or limit files, by its exact path (the helper's list). */
  table: (file: string) => pathBytes(file, 'an IPC table'),
  /**
   * PROC_SCAN: how much of a holder's cmdline to read (0 to MAX_SCAN_CMDLINE), on how many threads
   * (1 to MAX_SCAN_THREADS), and, to read every task's waits, the waiting calls (number | role <<
   * 16, at most MAX_SCAN_CALLS; src/ipc/waits/syscalls.ts).
   */
  procScan: (cmdlineHead: number, threads: number, calls?: readonly number[]) => {
    if (calls && calls.length > MAX_SCAN_CALLS) throw new RangeError(l10n.t('PROC_SCAN takes at most {0} waiting calls', MAX_SCAN_CALLS));
    const table = Array.from({ length: MAX_SCAN_CALLS }, (_, i): ['u32', number] => ['u32', calls?.[i] ?? 0]);
    return packArgs(['u32', cmdlineHead], ['u32', threads], ['u32', calls ? SCAN_TASKS : 0], ['u32', 0], ...table);
  },
  /** PROC_MEM_DATA and PROC_MEM_READ: a range of process pid, where it maps the shared object `id`. */
  procMem: (pid: number, address: bigint, length: number, id: FileIdentity) =>
    packArgs(['u32', pid], ['u32', 0], ['u64', address], ['u64', length], ...identityFields(id)),
  /**
   * SHM_SAMPLE_START: sample [offset, offset + length) of segment shmid every periodUs microseconds,
   * the segment that `expected` describes (ids are reused: its creator pid, creator uid and size).
   */
  shmSampleStart: (shmid: number, periodUs: number, offset: number, length: number, expected: SegmentIdentity) =>
    packArgs(['i32', shmid], ['u32', periodUs], ['u64', offset], ['u64', length], ['i32', expected.cpid], ['u32', expected.cuid], ['u64', expected.size]),
  /** SHM_SAMPLE_TAKE and SHM_SAMPLE_STOP: a sampler's handle. */
  sampler: (handle: number) => packArgs(['u32', handle], ['u32', 0]),
  mqCreate: (name: string | Uint8Array, mode: number, exclusive: boolean, maxmsg: number, msgsize: number) =>
    Buffer.concat([
      packArgs(['u32', mode & 0o777], ['u32', exclusive ? 1 : 0], ['u64', maxmsg], ['u64', msgsize]),
      pathBytes(name, 'the name of a POSIX message queue'),
    ]),
};

function expectLength(payload: Buffer, length: number, what: string): void {
  if (payload.length < length) {
    throw new ProtocolError(l10n.t('helper sent a {0} of {1} bytes, expected {2}', what, payload.length, length));
  }
}

export const SHM_STAT_BYTES = 80;

export function decodeShmStat(payload: Buffer): ShmStat {
  expectLength(payload, SHM_STAT_BYTES, 'segment stat record');
  return {
    key: payload.readInt32LE(0),
    shmid: payload.readInt32LE(4),
    mode: payload.readUInt32LE(8),
    uid: payload.readUInt32LE(12),
    gid: payload.readUInt32LE(16),
    cuid: payload.readUInt32LE(20),
    cgid: payload.readUInt32LE(24),
    cpid: payload.readInt32LE(28),
    lpid: payload.readInt32LE(32),
    cachedByHelper: payload.readUInt32LE(36),
    size: Number(payload.readBigUInt64LE(40)),
    nattch: Number(payload.readBigUInt64LE(48)),
    atime: Number(payload.readBigInt64LE(56)),
    dtime: Number(payload.readBigInt64LE(64)),
    ctime: Number(payload.readBigInt64LE(72)),
  };
}

export const FILE_STAT_BYTES = 72;

/** Nanoseconds since the epoch (i64) as milliseconds, exact to the microsecond. */
function nsToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

export function decodeFileStat(payload: Buffer): FileStat {
  expectLength(payload, FILE_STAT_BYTES, 'file stat record');
  return {
    devMajor: payload.readUInt32LE(0),
    devMinor: payload.readUInt32LE(4),
    ino: Number(payload.readBigUInt64LE(8)),
    mode: payload.readUInt32LE(16),
    uid: payload.readUInt32LE(20),
    gid: payload.readUInt32LE(24),
    nlink: payload.readUInt32LE(28),
    size: Number(payload.readBigUInt64LE(32)),
    blocks: Number(payload.readBigUInt64LE(40)),
    atimeMs: nsToMs(payload.readBigInt64LE(48)),
    mtimeMs: nsToMs(payload.readBigInt64LE(56)),
    ctimeMs: nsToMs(payload.readBigInt64LE(64)),
  };
}

/** FILE_CREATE's reply: u32 created, u32 reserved, then the object's FileStat. */
export function decodeFileCreate(payload: Buffer): { created: boolean; stat: FileStat } {
  expectLength(payload, 8 + FILE_STAT_BYTES, 'file create reply');
  return { created: payload.readUInt32LE(0) === 1, stat: decodeFileStat(payload.subarray(8)) };
}

export const SEM_STAT_BYTES = 48;
export const SEM_VALUE_BYTES = 16;
export const MSG_STAT_BYTES = 88;
export const MQ_ATTR_BYTES = 32;

/** A u64 count as a number (the kernel's are far below 2^53). */
const u64 = (payload: Buffer, at: number) => Number(payload.readBigUInt64LE(at));

export function decodeSemStat(payload: Buffer): SemStat {
  expectLength(payload, SEM_STAT_BYTES, 'semaphore stat record');
  return {
    key: payload.readInt32LE(0),
    semid: payload.readInt32LE(4),
    mode: payload.readUInt32LE(8),
    uid: payload.readUInt32LE(12),
    gid: payload.readUInt32LE(16),
    cuid: payload.readUInt32LE(20),
    cgid: payload.readUInt32LE(24),
    nsems: payload.readUInt32LE(28),
    otime: Number(payload.readBigInt64LE(32)),
    ctime: Number(payload.readBigInt64LE(40)),
  };
}

/** SEM_VALUES' reply: a SemStat, then 16 bytes per semaphore (i32 value, i32 pid, u32 ncnt, u32 zcnt). */
export function decodeSemValues(payload: Buffer): SemValues {
  const stat = decodeSemStat(payload);
  const expected = SEM_STAT_BYTES + stat.nsems * SEM_VALUE_BYTES;
  if (payload.length !== expected) {
    throw new ProtocolError(l10n.t('helper sent semaphore values of {0} bytes for {1} semaphores, expected {2}', payload.length, stat.nsems, expected));
  }
  const semaphores: SemaphoreValue[] = [];
  for (let at = SEM_STAT_BYTES; at < payload.length; at += SEM_VALUE_BYTES) {
    semaphores.push({
      value: payload.readInt32LE(at),
      lastPid: payload.readInt32LE(at + 4),
      ncnt: payload.readUInt32LE(at + 8),
      zcnt: payload.readUInt32LE(at + 12),
    });
  }
  return { stat, semaphores };
}

export function decodeMsgStat(payload: Buffer): MsgStat {
  expectLength(payload, MSG_STAT_BYTES, 'message queue stat record');
  return {
    key: payload.readInt32LE(0),
    msqid: payload.readInt32LE(4),
    mode: payload.readUInt32LE(8),
    uid: payload.readUInt32LE(12),
    gid: payload.readUInt32LE(16),
    cuid: payload.readUInt32LE(20),
    cgid: payload.readUInt32LE(24),
    lspid: payload.readInt32LE(28),
    lrpid: payload.readInt32LE(32),
    cbytes: u64(payload, 40),
    qnum: u64(payload, 48),
    qbytes: u64(payload, 56),
    stime: Number(payload.readBigInt64LE(64)),
    rtime: Number(payload.readBigInt64LE(72)),
    ctime: Number(payload.readBigInt64LE(80)),
  };
}

/** MSG_PEEK's and MSG_READ's flag: the types are their low 32 bits (a 32-bit helper). */
const MTYPE_LOW32 = 2;

/** MSG_PEEK's reply: u32 n, u32 flags (bit 0: more; bit 1: types are their low 32 bits), then n records (u32 index, i64 mtype, u32 size, u32 previewLength, preview). */
export function decodeMsgPeek(payload: Buffer): MsgPeek {
  expectLength(payload, 8, 'message peek header');
  const n = payload.readUInt32LE(0);
  const low32 = (payload.readUInt32LE(4) & MTYPE_LOW32) !== 0;
  const messages: PeekedMessage[] = [];
  let at = 8;
  for (let i = 0; i < n; i++) {
    if (payload.length - at < 20) throw new ProtocolError(l10n.t('helper sent a message peek cut short after {0} of {1} records', i, n));
    const previewLength = payload.readUInt32LE(at + 16);
    if (payload.length - at - 20 < previewLength) throw new ProtocolError(l10n.t('helper sent a message preview cut short (record {0})', i));
    messages.push({
      index: payload.readUInt32LE(at),
      mtype: payload.readBigInt64LE(at + 4),
      size: payload.readUInt32LE(at + 12),
      preview: payload.subarray(at + 20, at + 20 + previewLength),
      ...(low32 ? { mtypeLow32: true } : {}),
    });
    at += 20 + previewLength;
  }
  if (at !== payload.length) throw new ProtocolError(l10n.t('helper sent {0} bytes after the last peeked message', payload.length - at));
  return { messages, more: (payload.readUInt32LE(4) & 1) === 1 };
}

const SCAN_HEAD = 24;
const RECORD_HEAD = 20;
const DESCRIPTOR_HEAD = 36;
const TASK_HEAD = 16;
const WAIT_HEAD = 68;
const NO_MODE = 0xffffffff;
const NO_FDINFO = 0xffff;
const FLAG_NS = 1;
const FLAG_CMDLINE = 2;
const FLAG_INCOMPLETE = 4;
const FLAG_TASKS = 8;

/**
 * PROC_SCAN's reply (PROTOCOL.md): u32 listed, u32 nothing, u32 records, u32 reserved, u64 clockNs,
 * then each record: a 20-byte head (u32 pid, u8 lengths of the maps, ns and fd errors' names, u8
 * flags (1: the ns link is there, 2: the cmdline head is, 4: the record was cut short, holds may be
 * missing, 8: a task section ends it), u32 maps length, u16 ns length, u16 cmdline length, u32
 * descriptors), then the maps error's name (and then only the task section), or the ns error's
 * name, the maps lines, the ns link, the descriptors (36-byte head: u32 fd, u32 link mode, u64 dev,
 * u64 ino, u64 size, u16 target length, u16 fdinfo length; then the target and fdinfo), the fd
 * error's name, the cmdline head and the task section (u32 tasks, unreadable, private waits, waits;
 * the thread ids; each wait: u32 tid, u32 nr, six u64 arguments, u64 sinceNs, u8 wchan length, u8
 * comm length, u16 memory length, then those). Every length is checked against what is left
 * before anything is read.
 */
export function decodeProcScan(payload: Buffer): RawScan {
  expectLength(payload, SCAN_HEAD, 'process scan header');
  const listed = payload.readUInt32LE(0);
  const nothing = payload.readUInt32LE(4);
  const count = payload.readUInt32LE(8);
  const clockNs = payload.readBigUInt64LE(16);
  const records: RawScan['records'] = [];
  let at = SCAN_HEAD;
  // Where the next `length` bytes start, once it is sure they are there. Offsets, not subarrays:
  // a scan has thousands of fields, and each view would be one more object.
  const skip = (length: number, what: string, pid: number): number => {
    if (payload.length - at < length) throw new ProtocolError(l10n.t('helper sent a process scan cut short in the {0} of process {1}', what, pid));
    at += length;
    return at - length;
  };
  const text = (length: number, what: string, pid: number, encoding: 'latin1' | 'utf8'): string => {
    const from = skip(length, what, pid);
    return payload.toString(encoding, from, from + length);
  };
  const tasks = (pid: number): RawTasks => {
    const head = skip(TASK_HEAD, 'task head', pid);
    const count = payload.readUInt32LE(head);
    const section: RawTasks = {
      tids: new Array<number>(count),
      unreadable: payload.readUInt32LE(head + 4),
      privateWaits: payload.readUInt32LE(head + 8),
      waits: [],
    };
    const tids = skip(count * 4, 'thread ids', pid);
    for (let i = 0; i < count; i++) section.tids[i] = payload.readUInt32LE(tids + 4 * i);
    const waits = payload.readUInt32LE(head + 12);
    for (let w = 0; w < waits; w++) {
      const from = skip(WAIT_HEAD, 'wait', pid);
      const args: bigint[] = [];
      for (let i = 0; i < 6; i++) args.push(payload.readBigUInt64LE(from + 8 + 8 * i));
      const wait: RawWait = {
        tid: payload.readUInt32LE(from),
        nr: payload.readUInt32LE(from + 4),
        args,
        sinceNs: payload.readBigUInt64LE(from + 56),
        wchan: text(payload[from + 64], 'wchan', pid, 'latin1'),
        comm: text(payload[from + 65], 'comm', pid, 'utf8'),
      };
      const memory = payload.readUInt16LE(from + 66);
      if (memory > 0) wait.memory = payload.subarray(skip(memory, 'wait memory', pid), at);
      section.waits.push(wait);
    }
    if (section.unreadable > count) throw new ProtocolError(l10n.t('helper sent {0} unreadable threads of {1} (process {2})', section.unreadable, count, pid));
    return section;
  };
  let lastPid = 0;
  for (let i = 0; i < count; i++) {
    const head = skip(RECORD_HEAD, 'record head', i);
    const pid = payload.readUInt32LE(head);
    if (pid <= lastPid) throw new ProtocolError(l10n.t('helper sent the process scan out of order (pid {0} after {1})', pid, lastPid));
    lastPid = pid;
    const raw: RawProcess = { fds: [] };
    records.push({ pid, raw });
    const flags = payload[head + 7];
    if (flags & FLAG_INCOMPLETE) raw.incomplete = true;
    if (payload[head + 4] > 0) {
      raw.mapsError = text(payload[head + 4], 'maps error', pid, 'latin1');
      if (flags & FLAG_TASKS) raw.tasks = tasks(pid);
      continue;
    }
    if (payload[head + 5] > 0) raw.nsError = text(payload[head + 5], 'ns error', pid, 'latin1');
    const mapsLength = payload.readUInt32LE(head + 8);
    if (mapsLength > 0) raw.maps = payload.subarray(skip(mapsLength, 'maps', pid), at);
    if (flags & FLAG_NS) raw.ns = text(payload.readUInt16LE(head + 12), 'ns link', pid, 'utf8');
    const descriptors = payload.readUInt32LE(head + 16);
    for (let d = 0; d < descriptors; d++) {
      const fd = skip(DESCRIPTOR_HEAD, 'descriptor', pid);
      const target = text(payload.readUInt16LE(fd + 32), 'descriptor link', pid, 'utf8');
      const fdinfoLength = payload.readUInt16LE(fd + 34);
      const mode = payload.readUInt32LE(fd + 4);
      raw.fds.push([
        String(payload.readUInt32LE(fd)),
        target,
        Number(payload.readBigUInt64LE(fd + 8)),
        Number(payload.readBigUInt64LE(fd + 16)),
        Number(payload.readBigUInt64LE(fd + 24)),
        mode === NO_MODE ? -1 : mode,
        fdinfoLength === NO_FDINFO ? undefined : text(fdinfoLength, 'fdinfo', pid, 'latin1'),
      ] satisfies RawDescriptor);
    }
    if (payload[head + 6] > 0) raw.fdError = text(payload[head + 6], 'fd error', pid, 'latin1');
    const cmdlineLength = payload.readUInt16LE(head + 14);
    const cmdline = skip(cmdlineLength, 'cmdline', pid);
    if (flags & FLAG_CMDLINE) raw.cmdline = payload.subarray(cmdline, cmdline + cmdlineLength);
    if (flags & FLAG_TASKS) raw.tasks = tasks(pid);
  }
  if (at !== payload.length) throw new ProtocolError(l10n.t('helper sent {0} bytes after the last process of its scan', payload.length - at));
  if (count + nothing > listed) throw new ProtocolError(l10n.t('helper sent {0} records and {1} idle processes of {2} listed', count, nothing, listed));
  return { listed, nothing, clockNs, records };
}

/** MSG_READ's reply: i64 mtype, u32 flags (bit 1: the type is its low 32 bits), u32 reserved, then the whole text. */
export const MSG_READ_HEAD = 16;

export function decodeMsgRead(payload: Buffer): QueuedMessage {
  expectLength(payload, MSG_READ_HEAD, 'message');
  const low32 = (payload.readUInt32LE(8) & MTYPE_LOW32) !== 0;
  return { mtype: payload.readBigInt64LE(0), ...(low32 ? { mtypeLow32: true } : {}), text: payload.subarray(MSG_READ_HEAD) };
}

export function decodeMqAttr(payload: Buffer): MqAttr {
  expectLength(payload, MQ_ATTR_BYTES, 'message queue attributes');
  return { maxmsg: u64(payload, 0), msgsize: u64(payload, 8), curmsgs: u64(payload, 16), flags: u64(payload, 24) };
}

/** MQ_CREATE's reply: u32 created, u32 reserved, then the queue's attributes. */
export function decodeMqCreate(payload: Buffer): { created: boolean; attr: MqAttr } {
  expectLength(payload, 8 + MQ_ATTR_BYTES, 'message queue create reply');
  return { created: payload.readUInt32LE(0) === 1, attr: decodeMqAttr(payload.subarray(8)) };
}

/** SHM_CREATE's, SEM_CREATE's and MSG_CREATE's reply: u32 created (1: made now; 0: an existing one of that key), i32 id. */
export function decodeCreatedId(payload: Buffer): { created: boolean; id: number } {
  expectLength(payload, 8, 'create reply');
  return { created: payload.readUInt32LE(0) === 1, id: payload.readInt32LE(4) };
}

export function decodeHello(payload: Buffer): HelperHello {
  expectLength(payload, 16, 'hello');
  return {
    protocolVersion: payload.readUInt32LE(0),
    pageSize: payload.readUInt32LE(4),
    euid: payload.readUInt32LE(8),
    maxRead: payload.readUInt32LE(12),
    version: payload.subarray(16).toString('utf8'),
  };
}

export function decodeResidency(payload: Buffer): Residency {
  expectLength(payload, 16, 'residency header');
  const pageCount = payload.readUInt32LE(8);
  const bitmap = payload.subarray(16);
  expectLength(bitmap, Math.ceil(pageCount / 8), 'residency bitmap');
  return { firstPage: Number(payload.readBigUInt64LE(0)), pageCount, pageSize: payload.readUInt32LE(12), bitmap };
}

export function isPageResident(residency: Residency, page: number): boolean {
  const i = page - residency.firstPage;
  if (i < 0 || i >= residency.pageCount) return false;
  return (residency.bitmap[i >> 3] & (1 << (i & 7))) !== 0;
}

export function decodeShmLimits(payload: Buffer): KernelShmLimits {
  expectLength(payload, 72, 'limits record');
  const u64 = (i: number) => payload.readBigUInt64LE(i * 8);
  return {
    shmmax: u64(0),
    shmmin: u64(1),
    shmmni: u64(2),
    shmseg: u64(3),
    shmall: u64(4),
    usedIds: u64(5),
    totalPages: u64(6),
    rssPages: u64(7),
    swapPages: u64(8),
  };
}

export function decodeU32(payload: Buffer): number {
  expectLength(payload, 4, 'u32');
  return payload.readUInt32LE(0);
}

export function decodeI32(payload: Buffer): number {
  expectLength(payload, 4, 'i32');
  return payload.readInt32LE(0);
}

/** What tells a segment from another that got its id since: its creator and its size. */
export interface SegmentIdentity {
  cpid: number;
  cuid: number;
  size: number;
}

/** SHM_SAMPLE_START's reply: the sampler's handle and the bytes its log holds between two takes. */
export function decodeSampleStart(payload: Buffer): { handle: number; logCapacity: number } {
  expectLength(payload, 8, 'sampler record');
  return { handle: payload.readUInt32LE(0), logCapacity: payload.readUInt32LE(4) };
}

/** The longest range a sampler of the helper takes (SHM_SAMPLE_START). */
export const MAX_SAMPLE_LENGTH = MAX_READ / 2;
export const SAMPLE_TAKE_HEAD = 16;
const SAMPLE_RECORD_HEAD = 16;
const SAMPLE_RUN_HEAD = 8;
const SAMPLE_ENDED = 1;

/** One sample the helper took: when (its CLOCK_MONOTONIC, ns), and the runs that changed since the one before. */
export interface SampledRecord {
  monotonicNs: bigint;
  changes: Array<{ offset: number; bytes: Buffer }>;
}

export interface SampleTake {
  records: SampledRecord[];
  /** Ticks that came late (the helper was busy) and samples skipped (its log was full), since the last take. */
  late: number;
  skipped: number;
  /** Why the sampler ended (it is gone once this is said), as an error reply would say it. */
  end?: { name: string; message: string };
}

/**
 * SHM_SAMPLE_TAKE's reply, for a sampler of `length` bytes: every run inside the range, in order,
 * not overlapping, each record's byte count what its runs hold. Anything else is a broken helper.
 */
export function decodeSampleTake(payload: Buffer, length: number): SampleTake {
  expectLength(payload, SAMPLE_TAKE_HEAD, 'sample take head');
  const count = payload.readUInt32LE(0);
  const flags = payload.readUInt32LE(12);
  if ((flags & ~SAMPLE_ENDED) !== 0) throw new ProtocolError(l10n.t('helper sent sample flags {0}', flags));
  const records: SampledRecord[] = [];
  let at = SAMPLE_TAKE_HEAD;
  for (let r = 0; r < count; r++) {
    expectLength(payload.subarray(at), SAMPLE_RECORD_HEAD, 'sample record head');
    const runs = payload.readUInt32LE(at + 8);
    const end = at + SAMPLE_RECORD_HEAD + payload.readUInt32LE(at + 12);
    if (end > payload.length) throw new ProtocolError(l10n.t('helper sent a sample record past the end of its reply'));
    const record: SampledRecord = { monotonicNs: payload.readBigUInt64LE(at), changes: [] };
    let next = at + SAMPLE_RECORD_HEAD;
    let covered = 0;
    for (let k = 0; k < runs; k++) {
      if (end - next < SAMPLE_RUN_HEAD) throw new ProtocolError(l10n.t('helper sent a sample run past the end of its record'));
      const offset = payload.readUInt32LE(next);
      const size = payload.readUInt32LE(next + 4);
      next += SAMPLE_RUN_HEAD;
      if (size === 0 || size > end - next || offset < covered || offset + size > length) {
        throw new ProtocolError(l10n.t('helper sent a sample run of {0} bytes at {1} in a {2}-byte range', size, offset, length));
      }
      record.changes.push({ offset, bytes: payload.subarray(next, next + size) });
      covered = offset + size;
      next += size;
    }
    if (next !== end) throw new ProtocolError(l10n.t('helper sent a sample record whose runs do not fill it'));
    records.push(record);
    at = end;
  }
  const take: SampleTake = { records, late: payload.readUInt32LE(4), skipped: payload.readUInt32LE(8) };
  if (flags & SAMPLE_ENDED) take.end = decodeError(payload.subarray(at));
  else if (at !== payload.length) throw new ProtocolError(l10n.t('helper sent {0} bytes after the samples', payload.length - at));
  return take;
}

export function decodeError(payload: Buffer): { name: string; message: string } {
  const nameLength = payload.length > 0 ? payload[0] : 0;
  const name = payload.subarray(1, 1 + nameLength).toString('latin1') || 'EUNKNOWN';
  return { name, message: payload.subarray(1 + nameLength).toString('utf8') };
}

/**
 * Where a reply's payload should land: a buffer of exactly `payloadLength` bytes (a slice of the
 * caller's own result, so a large read is copied once, from the pipe into place), or undefined
 * to get a buffer of its own.
 */
export type PayloadDestination = (id: number, op: number, status: number, payloadLength: number) => Buffer | undefined;

/**
 * Splits the helper's stdout into reply frames. Large replies (reads of up to 16 MiB) are assembled
 * into one buffer allocated once (or given by `destination`), not by concatenating chunks.
 */
export class FrameDecoder {
  private header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  private payload: Buffer | undefined;
  private payloadFill = 0;

  constructor(private readonly destination?: PayloadDestination) {}

  /** Feeds a chunk; returns the complete replies it finished. Throws ProtocolError on a bad frame. */
  push(chunk: Buffer): Reply[] {
    const replies: Reply[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (!this.payload) {
        const take = Math.min(HEADER_BYTES - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill >= 4) this.checkLength();
        if (this.headerFill < HEADER_BYTES) break;
        this.payload = this.payloadBuffer();
        this.payloadFill = 0;
      }
      const take = Math.min(this.payload.length - this.payloadFill, chunk.length - at);
      chunk.copy(this.payload, this.payloadFill, at, at + take);
      this.payloadFill += take;
      at += take;
      if (this.payloadFill === this.payload.length) {
        replies.push({ id: this.header.readUInt32LE(4), op: this.header.readUInt16LE(8), status: this.header.readUInt16LE(10), payload: this.payload });
        this.payload = undefined;
        this.headerFill = 0;
      }
    }
    return replies;
  }

  /** True when a frame has started but not finished (the stream ended in the middle of it). */
  get midFrame(): boolean {
    return this.headerFill > 0;
  }

  /** Refuses a bad length as soon as its 4 bytes are in, before waiting for (or allocating) the rest. */
  private checkLength(): void {
    const bodyLength = this.header.readUInt32LE(0);
    if (bodyLength < 8 || bodyLength > MAX_REPLY_BODY) {
      throw new ProtocolError(l10n.t('helper sent a frame of {0} bytes (allowed 8 to {1})', bodyLength, MAX_REPLY_BODY));
    }
  }

  private payloadBuffer(): Buffer {
    const length = this.header.readUInt32LE(0) - 8;
    const given = this.destination?.(this.header.readUInt32LE(4), this.header.readUInt16LE(8), this.header.readUInt16LE(10), length);
    return given && given.length === length ? given : Buffer.allocUnsafe(length);
  }
}
