// The bytes of a System V segment for the contents view: read through the helper's read-only
// attachment, pages with data told by mincore (resident pages; reading any other one would
// allocate it), the header from IPC_STAT. A segment whose id now names another segment (ids are
// reused) is reported gone, never read.
import { readInPieces, type ByteSource, type HelperSampling } from '../byteSource';
import { HelperError, type HelperClient } from '../helperClient';
import type { Residency, ShmStat } from '../helperProtocol';
import { userName } from '../processes';
import { SHM_DEST, SHM_LOCKED } from '../family/sysvTables';
import type { ContentsHeader } from '../../shared/contentsProtocol';
import * as l10n from '../../shared/l10n';

/** What identifies a segment for its whole life: ids are reused, creator and size are not. */
interface Identity {
  shmid: number;
  cpid: number;
  size: number;
  cuid: number;
}

export class SegmentSource implements ByteSource {
  readonly id: string;
  readonly title: string;
  readonly memoryKey: string;
  readonly gaps = 'not-resident' as const;
  /** A segment marked for removal is not refreshed: each read would attach it once more. */
  readonly refreshWhileRemoved = false;
  bytesRead = 0;
  private readonly identity: Identity;
  private last: ContentsHeader;

  /**
   * @param stat IPC_STAT of the segment, just taken
   * @param key the key as users know it ("0x7e001234", "private")
   * @param swapped whether the segment has pages in swap now (then a page without data may hold some)
   */
  constructor(
    private readonly client: HelperClient,
    stat: ShmStat,
    private readonly key: string,
    private readonly swapped: () => boolean,
  ) {
    this.identity = { shmid: stat.shmid, cpid: stat.cpid, size: stat.size, cuid: stat.cuid };
    this.id = `shm:${stat.shmid}`;
    this.title = `${key} · ${stat.shmid}`;
    // A private segment has no key to find it by next time: its id is all there is.
    this.memoryKey = /^0x[0-9a-f]+$/i.test(key) ? `sysv:${key.toLowerCase()}` : `sysv:id:${stat.shmid}`;
    this.last = this.headerFrom(stat);
  }

  get shmid(): number {
    return this.identity.shmid;
  }

  /** True when stat describes this source's segment (not another one that got its id since). */
  isSegment(stat: ShmStat): boolean {
    const id = this.identity;
    return stat.shmid === id.shmid && stat.cpid === id.cpid && stat.size === id.size && stat.cuid === id.cuid;
  }

  /** The header from the stat taken when the source was made, before any helper call. */
  get header(): ContentsHeader {
    return this.last;
  }

  async describe(): Promise<ContentsHeader> {
    let stat: ShmStat;
    try {
      stat = await this.client.shmStat(this.identity.shmid);
    } catch (error) {
      if (error instanceof HelperError && (error.code === 'EINVAL' || error.code === 'EIDRM')) return this.gone();
      throw error;
    }
    if (!this.isSegment(stat)) return this.gone();
    this.last = this.headerFrom(stat);
    return this.last;
  }

  dataMap(offset: number, length: number): Promise<Residency> {
    return this.client.shmResidency(this.identity.shmid, offset, length);
  }

  async read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const { maxRead } = await this.client.hello();
    const bytes = await readInPieces(maxRead, offset, length, into, (at, size, piece) => this.client.shmRead(this.identity.shmid, at, size, piece));
    this.bytesRead += length;
    return bytes;
  }

  gapsAreZeros(): boolean {
    return !this.swapped();
  }

  async sampleInHelper(offset: number, length: number, periodMs: number): Promise<HelperSampling> {
    const { shmid, cpid, cuid, size } = this.identity;
    const sampler = await this.client.shmSampleStart(shmid, Math.round(periodMs * 1000), offset, length, { cpid, cuid, size });
    return {
      take: () => this.client.shmSampleTake(sampler),
      stop: () => this.client.shmSampleStop(sampler),
    };
  }

  private gone(): ContentsHeader {
    this.last = { ...this.last, phase: 'gone', facts: this.last.facts.map(([k, v]) => (k === 'State' ? [k, 'removed'] : [k, v])) };
    return this.last;
  }

  private headerFrom(stat: ShmStat): ContentsHeader {
    const dest = (stat.mode & SHM_DEST) !== 0;
    // The helper's own cached read attachment is this view looking, not a process of the user's.
    const nattch = stat.nattch - stat.cachedByHelper;
    const words = dest ? 'removed, still attached' : nattch > 0 ? 'attached' : 'not attached';
    const key = dest && !this.key.endsWith('(removed)') && this.key !== 'private' ? `${this.key} (removed)` : this.key;
    return {
      id: this.id,
      title: l10n.t('Key {0}', key),
      subtitle: `id ${stat.shmid}`,
      noun: 'segment',
      size: stat.size,
      facts: [
        ['Attached', nattch === 1 ? '1 process' : `${nattch} processes`],
        ['Owner', userName(stat.uid) ?? String(stat.uid)],
        ['State', (stat.mode & SHM_LOCKED) !== 0 ? `${words}, locked` : words],
      ],
      phase: dest ? 'removed-held' : 'live',
      removedNotice: 'Marked for removal: disappears when the last process detaches.',
      gaps: 'not-resident',
    };
  }
}
