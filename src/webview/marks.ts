// Bytes marked while a recording's moment or comparison is shown: sorted, merged ranges, looked up
// by offset as the grid paints (a binary search, with the last range found kept for the next byte).

export class Marks {
  private starts: number[] = [];
  private ends: number[] = [];
  private last = 0;

  get any(): boolean {
    return this.starts.length > 0;
  }

  /** Marks these [offset, length] ranges (in any order, possibly overlapping) and nothing else. */
  set(ranges: ReadonlyArray<readonly [number, number]>): void {
    const sorted = ranges.filter(([, length]) => length > 0).sort((a, b) => a[0] - b[0]);
    this.starts = [];
    this.ends = [];
    for (const [offset, length] of sorted) {
      const n = this.ends.length;
      if (n > 0 && offset <= this.ends[n - 1]) this.ends[n - 1] = Math.max(this.ends[n - 1], offset + length);
      else {
        this.starts.push(offset);
        this.ends.push(offset + length);
      }
    }
    this.last = 0;
  }

  clear(): void {
    this.set([]);
  }

  at(offset: number): boolean {
    const n = this.starts.length;
    if (n === 0) return false;
    const i = this.last;
    if (i < n && offset >= this.starts[i] && offset < this.ends[i]) return true;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    this.last = low;
    return offset >= this.starts[low] && offset < this.ends[low];
  }

  /** Marked bytes in all. */
  get total(): number {
    let sum = 0;
    for (let i = 0; i < this.starts.length; i++) sum += this.ends[i] - this.starts[i];
    return sum;
  }
}
