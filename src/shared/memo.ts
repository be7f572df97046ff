// Answers remembered, bounded (see Memo): the classification's names and times, the words' templates.

/**
 * Answers remembered across refreshes (names and times rarely change, and thousands of objects are
 * classified every refresh), dropped wholesale when they grow past a bound.
 */
export class Memo<K, V> {
  private readonly values = new Map<K, V>();
  constructor(
    private readonly compute: (key: K) => V,
    private readonly limit = 20_000,
  ) {}

  get(key: K): V {
    const known = this.values.get(key);
    if (known !== undefined || this.values.has(key)) return known as V;
    const value = this.compute(key);
    if (this.values.size >= this.limit) this.values.clear();
    this.values.set(key, value);
    return value;
  }

  clear(): void {
    this.values.clear();
  }
}
