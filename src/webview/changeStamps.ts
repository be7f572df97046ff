// When each byte last changed, for the highlight that fades over FADE_MS: the grid draws a box
// behind every byte changed recently, one run per bytes changed together. Bounded, oldest first.

/** How long a change stays highlighted (the CSS animations last as long). */
export const FADE_MS = 1500;
/** Bound on remembered change stamps (a whole 1 MiB window changing at once still fits). */
const MAX_CHANGES = 1 << 20;

export class ChangeStamps {
  /** Offset -> performance.now() of its last change, in the order they changed (oldest first). */
  private readonly changes = new Map<number, number>();

  get any(): boolean {
    return this.changes.size > 0;
  }

  clear(): void {
    this.changes.clear();
  }

  /** These offsets changed at `now`. */
  note(offsets: number[], now: number): void {
    for (const o of offsets) {
      this.changes.delete(o); // re-insert: the map stays ordered oldest first
      this.changes.set(o, now);
    }
    this.prune(now);
  }

  /** performance.now() of the byte's last change while it is still highlighted, else undefined. */
  at(offset: number): number | undefined {
    const at = this.changes.get(offset);
    if (at === undefined) return undefined;
    if (performance.now() - at >= FADE_MS) {
      this.changes.delete(offset);
      return undefined;
    }
    return at;
  }

  private prune(now: number): void {
    for (const [o, at] of this.changes) {
      if (now - at < FADE_MS && this.changes.size <= MAX_CHANGES) break;
      this.changes.delete(o);
    }
  }
}
