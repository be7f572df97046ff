// The bytes of a POSIX shared memory object (or a shared memfd) for the contents view: read by the
// helper with pread on an O_RDONLY descriptor, never through a mapping (reading a hole through a
// mapping allocates a page; pread does not), pages with data told by SEEK_DATA/SEEK_HOLE (mincore
// lies about files). Every request names the object by device and inode, so a name taken over by
// another object is never read. When the name goes (shm_unlink) while processes still hold the
// object, reading goes on through a holder's /proc/PID/fd/N (or map_files, as root).
import { readInPieces, type ByteSource } from '../byteSource';
import { HelperError, type HelperClient } from '../helperClient';
import type { FileIdentity, FileStat, Residency } from '../helperProtocol';
import { userName } from '../processes';
import type { ContentsHeader } from '../../shared/contentsProtocol';
import { formatBytes } from '../format';
import type { PosixObjectInfo } from './types';
import { posixStateWords, posixTitle, rowId } from './present';

/** Errors that mean "not through this path any more": try another one. */
const MOVED = new Set(['ENOENT', 'ESTALE', 'ENOTDIR', 'ELOOP']);
/** How much of the object the first describe() asks the residency of: one page is enough to be refused. */
const PAGE_PROBE = 4096;

const SUBTITLE: Record<PosixObjectInfo['origin'], (ino: number, removed: boolean) => string> = {
  'dev-shm': (_, removed) => (removed ? 'POSIX shared memory, removed' : 'POSIX shared memory'),
  memfd: (ino) => `memfd, inode ${ino}`,
  anonymous: () => 'anonymous shared memory, shared over fork',
};

const REMOVED_NOTICE: Record<PosixObjectInfo['origin'], string> = {
  'dev-shm': "Removed (shm_unlink): the name is gone; the memory stays while processes hold it. Read through a holder's descriptor.",
  memfd: "A memfd has no name: it lives while a process holds it. Read through a holder's descriptor.",
  anonymous: "Anonymous shared memory has no name: it lives while a process maps it. Read through a holder's mapping (root).",
};

export class PosixObjectSource implements ByteSource {
  readonly id: string;
  readonly title: string;
  readonly memoryKey: string;
  readonly gaps = 'hole' as const;
  /** Reading a removed object through a holder's descriptor keeps nothing alive: go on refreshing. */
  readonly refreshWhileRemoved = true;
  bytesRead = 0;
  private readonly identity: FileIdentity;
  private path: string;
  private info: PosixObjectInfo;
  private last: ContentsHeader;
  /** Whether the kernel has let this user open the object for reading (asked at the first describe). */
  private readChecked = false;

  /**
   * @param info the object as the view listed it
   * @param fresh the same object in the newest snapshot, or undefined once it is not listed
   */
  constructor(
    private readonly client: HelperClient,
    info: PosixObjectInfo,
    private readonly fresh: () => PosixObjectInfo | undefined,
  ) {
    this.identity = { devMajor: info.devMajor, devMinor: info.devMinor, ino: info.ino };
    this.info = info;
    this.id = rowId(info);
    this.title = posixTitle(info);
    this.memoryKey = info.origin === 'anonymous' ? `anon:${info.key}` : `posix:${info.name}`;
    this.path = info.readPaths[0] ?? '';
    this.last = this.headerFrom(info.file?.size ?? 0, info.file?.allocated ?? 0, info.file?.uid);
  }

  get header(): ContentsHeader {
    return this.last;
  }

  /** Where it is read from now: its name, or a holder's /proc link once the name is gone. */
  get readPath(): string {
    return this.path;
  }

  async describe(): Promise<ContentsHeader> {
    this.info = this.fresh() ?? this.info;
    const stat = await this.locate();
    if (!stat) {
      this.last = { ...this.last, phase: 'gone', facts: this.last.facts.map(([k, v]) => (k === 'State' ? [k, 'removed'] : [k, v])) };
      return this.last;
    }
    if (!this.readChecked && stat.size > 0) {
      // stat needs no read permission, opening does: ask the kernel once, so an object this user
      // may not read fails to open (EACCES, in words) instead of opening onto errors.
      await this.client.fileData(this.path, this.identity, 0, Math.min(stat.size, PAGE_PROBE));
      this.readChecked = true;
    }
    this.last = this.headerFrom(stat.size, stat.blocks * 512, stat.uid, stat.nlink === 0 || this.info.removed);
    return this.last;
  }

  dataMap(offset: number, length: number): Promise<Residency> {
    return this.withPath((path) => this.client.fileData(path, this.identity, offset, length));
  }

  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const { maxRead } = await this.client.hello();
    const bytes = await this.withPath((path) =>
      readInPieces(maxRead, offset, length, into, (at, size, piece) => this.client.fileRead(path, this.identity, at, size, piece)),
    );
    this.bytesRead += length;
    return bytes;
  }

  gapsAreZeros(): boolean {
    return true;
  }

  /** Runs a request on the current path; if the object moved (unlinked, holder gone), finds it again once. */
  private async withPath<T>(request: (path: string) => Promise<T>): Promise<T> {
    try {
      return await request(this.path);
    } catch (error) {
      if (!(error instanceof HelperError && MOVED.has(error.code))) throw error;
      this.info = this.fresh() ?? this.info;
      if (!(await this.locate())) throw error;
      return request(this.path);
    }
  }

  /** The first path that still reaches this very object (same device and inode), with its stat. */
  private async locate(): Promise<FileStat | undefined> {
    const candidates = [this.path, ...this.info.readPaths.filter((p) => p !== this.path)];
    let denied: unknown;
    for (const candidate of candidates) {
      if (!candidate) continue;
      try {
        const stat = await this.client.fileStat(candidate);
        if (stat.devMajor !== this.identity.devMajor || stat.devMinor !== this.identity.devMinor || stat.ino !== this.identity.ino) continue;
        this.path = candidate;
        return stat;
      } catch (error) {
        if (error instanceof HelperError && MOVED.has(error.code)) continue;
        denied ??= error; // EACCES/EPERM through one path: another may still work
      }
    }
    if (denied) throw denied;
    return undefined;
  }

  private headerFrom(size: number, allocated: number, uid: number | undefined, removed = this.info.removed): ContentsHeader {
    const info = this.info;
    const holders = new Set(info.holders.map((h) => h.pid)).size;
    return {
      id: this.id,
      title: info.origin === 'anonymous' ? this.title : info.name,
      subtitle: SUBTITLE[info.origin](info.ino, removed),
      noun: 'object',
      size,
      facts: [
        ['Allocated', formatBytes(allocated)],
        ['Held by', holders === 1 ? '1 process' : `${holders} processes`],
        ['Owner', uid === undefined ? '?' : (userName(uid) ?? String(uid))],
        ['State', removed && holders > 0 ? posixStateWords({ ...info, state: 'removed-held' }) : posixStateWords(info)],
      ],
      phase: removed ? 'removed-held' : 'live',
      removedNotice: REMOVED_NOTICE[info.origin],
      gaps: 'hole',
    };
  }
}
