// Work over many items without holding the event loop: the extension host's thread is shared by
// every extension, so a long loop (the rows of 32,768 segments) runs in slices of about `sliceMs`,
// with a turn of the event loop between two. The tree builds its large groups' rows this way, and
// the benchmark measures the longest block with the same function.

/** Calls `work` on each item, giving the event loop a turn whenever a slice has run `sliceMs`. */
export async function eachInSlices<T>(items: readonly T[], work: (item: T) => void, sliceMs = 20): Promise<void> {
  let sliceStart = performance.now();
  for (const item of items) {
    work(item);
    if (performance.now() - sliceStart > sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
