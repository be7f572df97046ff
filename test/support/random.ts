// Deterministic pseudo-random numbers (mulberry32), so a failing seed can be replayed.

/** A generator of unsigned 32-bit integers from a seed. */
export function seededU32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A generator of numbers in [0, 1) from a seed. */
export function seededRandom(seed: number): () => number {
  const next = seededU32(seed);
  return () => next() / 4294967296;
}
