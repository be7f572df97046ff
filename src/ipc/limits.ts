// System V IPC limits from /proc/sys/kernel, as `ipcs -l` and `lsipc -g` show them, plus the usage
// the shm limits are measured against. Raw values are bigint: shmmax and shmall default to
// ULONG_MAX - 2^24 (18446744073692774399), which a double cannot hold.
import { pageSize as systemPageSize } from './auxv';
import { ownTables, type TableReader } from './tables';
import type { ShmSegment } from './family/sysvTables';

export interface KernelLimit {
  raw: bigint;
  /**
   * True for values no machine can reach (>= 2^62: 4 EiB, or 4 Ei pages), such as the default
   * ULONG_MAX - 2^24 of shmmax/shmall: show "unlimited" rather than a 20-digit number.
   */
  unlimited: boolean;
}

export interface IpcLimits {
  /** Bytes per page: shmall and usage.pages count in pages. */
  pageSize: number;
  /** Largest segment, bytes. */
  shmmax?: KernelLimit;
  /** Total of all segments, in PAGES. */
  shmall?: KernelLimit;
  /** Most segments. */
  shmmni?: KernelLimit;
  /** 1: segments die when their last attached process exits, and orphans are destroyed. */
  shmRmidForced?: boolean;
  /** Id forced on the next segment created, once; -1 = none. */
  shmNextId?: number;
  msgmax?: KernelLimit;
  msgmnb?: KernelLimit;
  msgmni?: KernelLimit;
  msgNextId?: number;
  /** The four fields of kernel/sem: per set, system wide, per semop call, sets. */
  semmsl?: KernelLimit;
  semmns?: KernelLimit;
  semopm?: KernelLimit;
  semmni?: KernelLimit;
  semNextId?: number;
  /** POSIX message queues (/proc/sys/fs/mqueue): queues per namespace, messages per queue, bytes per message. */
  mqQueuesMax?: KernelLimit;
  mqMsgMax?: KernelLimit;
  mqMsgsizeMax?: KernelLimit;
}

const UNLIMITED_FROM = 1n << 62n;

/** A limit from its text (a file of /proc/sys/kernel), or undefined when not a whole number. */
export function parseLimit(text: string): KernelLimit | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const raw = BigInt(trimmed);
  return { raw, unlimited: raw >= UNLIMITED_FROM };
}

function parseSigned(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  return trimmed !== undefined && /^-?\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

async function readOptional(tables: TableReader, name: string): Promise<string | undefined> {
  try {
    return (await tables(name)).toString('latin1');
  } catch {
    return undefined; // absent on older kernels (shm_rmid_forced: 3.1+, *_next_id: 3.19+ with CHECKPOINT_RESTORE)
  }
}

/** Reads the limits; a file that is missing or unreadable leaves its field undefined. */
export async function readLimits(tables: TableReader = ownTables, procRoot = '/proc'): Promise<IpcLimits> {
  const names = ['shmmax', 'shmall', 'shmmni', 'shm_rmid_forced', 'shm_next_id', 'msgmax', 'msgmnb', 'msgmni', 'msg_next_id', 'sem', 'sem_next_id'] as const;
  const texts = await Promise.all(names.map((name) => readOptional(tables, `sys/kernel/${name}`)));
  const t = Object.fromEntries(names.map((name, i) => [name, texts[i]])) as Record<(typeof names)[number], string | undefined>;
  const limit = (text: string | undefined) => (text === undefined ? undefined : parseLimit(text));
  const sem = t.sem?.trim().split(/\s+/) ?? [];
  const mq = await Promise.all(['queues_max', 'msg_max', 'msgsize_max'].map((name) => readOptional(tables, `sys/fs/mqueue/${name}`)));
  const forced = parseSigned(t.shm_rmid_forced);
  return {
    pageSize: systemPageSize(procRoot),
    shmmax: limit(t.shmmax),
    shmall: limit(t.shmall),
    shmmni: limit(t.shmmni),
    shmRmidForced: forced === undefined ? undefined : forced !== 0,
    shmNextId: parseSigned(t.shm_next_id),
    msgmax: limit(t.msgmax),
    msgmnb: limit(t.msgmnb),
    msgmni: limit(t.msgmni),
    msgNextId: parseSigned(t.msg_next_id),
    semmsl: sem.length === 4 ? limit(sem[0]) : undefined,
    semmns: sem.length === 4 ? limit(sem[1]) : undefined,
    semopm: sem.length === 4 ? limit(sem[2]) : undefined,
    semmni: sem.length === 4 ? limit(sem[3]) : undefined,
    semNextId: parseSigned(t.sem_next_id),
    mqQueuesMax: limit(mq[0]),
    mqMsgMax: limit(mq[1]),
    mqMsgsizeMax: limit(mq[2]),
  };
}

export interface ShmUsage {
  segments: number;
  /** Sum of the sizes as asked for. */
  bytes: number;
  /** Sum of the page-rounded sizes: what shmall is compared with (the kernel's shm_tot). */
  pages: number;
}

/** What the segments use, in the units of shmmni, shmmax and shmall. */
export function shmUsage(segments: readonly Pick<ShmSegment, 'size'>[], pageSize: number): ShmUsage {
  let bytes = 0;
  let pages = 0;
  for (const { size } of segments) {
    bytes += size;
    pages += Math.ceil(size / pageSize);
  }
  return { segments: segments.length, bytes, pages };
}

/** "unlimited" or the value in decimal. */
export function formatLimit(limit: KernelLimit | undefined): string {
  if (!limit) return 'unknown';
  return limit.unlimited ? 'unlimited' : limit.raw.toString();
}
