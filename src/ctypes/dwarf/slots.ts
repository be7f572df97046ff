// An open-addressing hash table of ids (id + 1 per slot, 0 empty) keyed by 32-bit hashes, split in
// 64 shards by the hash's top bits, each growing on its own: growing one shard copies a 64th of the
// table, never all of it at once (a rehash of the whole table, a fresh array of megabytes zeroed and
// filled, was among the longest holds of the thread). The caller compares candidates (equal hash
// does not mean equal key).

const SHARD_BITS = 6;
export const SHARDS = 1 << SHARD_BITS;
const FIRST = 256;

export class ShardedSlots {
  readonly shards: Int32Array[] = Array.from({ length: SHARDS }, () => new Int32Array(FIRST));
  private readonly counts = new Int32Array(SHARDS);

  static shardOf(hash: number): number {
    return hash >>> (32 - SHARD_BITS);
  }

  static start(hash: number, mask: number): number {
    return Math.imul(hash, 0x9e3779b1) & mask;
  }

  /**
   * Visits the ids stored under `hash` until `match` says yes (returns that id) or an empty slot
   * ends the run (returns -1 - the empty slot's index, for insert).
   */
  find(hash: number, match: (id: number) => boolean): number {
    const slots = this.shards[ShardedSlots.shardOf(hash)];
    const mask = slots.length - 1;
    for (let slot = ShardedSlots.start(hash, mask); ; slot = (slot + 1) & mask) {
      const id = slots[slot] - 1;
      if (id < 0) return -1 - slot;
      if (match(id)) return id;
    }
  }

  /** Stores `id` under `hash` in the empty slot find() returned (-1 - slot); `hashOf` rehashes a growing shard. */
  insert(hash: number, id: number, empty: number, hashOf: (id: number) => number): void {
    const shard = ShardedSlots.shardOf(hash);
    const slots = this.shards[shard];
    slots[-1 - empty] = id + 1;
    if (++this.counts[shard] * 2 <= slots.length) return;
    const bigger = new Int32Array(slots.length * 2);
    const mask = bigger.length - 1;
    for (const stored of slots) {
      if (stored === 0) continue;
      let slot = ShardedSlots.start(hashOf(stored - 1), mask);
      while (bigger[slot] !== 0) slot = (slot + 1) & mask;
      bigger[slot] = stored;
    }
    this.shards[shard] = bigger;
  }
}
