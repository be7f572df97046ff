// Growable columns of numbers in typed arrays: the index keeps hundreds of thousands of types as
// a few arrays of numbers (no object per type), which a worker thread hands over without copying
// and the on-disk cache stores as they are. A column is a list of chunks of 16,384 values: it grows
// a chunk at a time and never copies. (One big array doubled instead is one big allocation, zeroed,
// every page of it touched at once: on a virtual machine that held the thread for tens of
// milliseconds, longer than the work itself.)

type NumberArray = Float64Array | Int32Array | Uint8Array;
type Constructor<A extends NumberArray> = { new (length: number): A };

const SHIFT = 14;
const SIZE = 1 << SHIFT;
const MASK = SIZE - 1;

/** A column's values as they are handed over: its chunks (shared, not copied) and how many values there are. */
export interface ColumnData<A extends NumberArray> {
  chunks: A[];
  length: number;
}

/** Value `i` of handed-over column data. */
export function valueAt<A extends NumberArray>(data: ColumnData<A>, i: number): number {
  return data.chunks[i >>> SHIFT][i & MASK];
}

export class Column<A extends NumberArray> {
  chunks: A[] = [];
  length = 0;

  constructor(private readonly make: Constructor<A>) {}

  push(value: number): void {
    const i = this.length;
    if ((i & MASK) === 0 && i >>> SHIFT === this.chunks.length) this.chunks.push(new this.make(SIZE));
    this.chunks[i >>> SHIFT][i & MASK] = value;
    this.length = i + 1;
  }

  get(i: number): number {
    return this.chunks[i >>> SHIFT][i & MASK];
  }

  /** Forgets every value (the chunks are kept for reuse). */
  clear(): void {
    this.length = 0;
  }

  values(): ColumnData<A> {
    return { chunks: this.chunks.slice(0, Math.ceil(this.length / SIZE)), length: this.length };
  }

  /** A column holding handed-over data (no copy). */
  static of<A extends NumberArray>(make: Constructor<A>, data: ColumnData<A>): Column<A> {
    const column = new Column(make);
    column.chunks = data.chunks.slice();
    column.length = data.length;
    return column;
  }
}
