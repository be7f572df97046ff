// The ids of the page's requests (reads, searches): one sequence, so every answer names its
// request. They keep growing across reloads of the page (the saved state carries the last one), so
// a late answer to a request of the previous page is never taken for an answer to a new one.

/** How far past the saved id a reloaded page starts (requests sent after the state was saved). */
const RELOAD_GAP = 1000;

export class RequestIds {
  private last = 0;

  next(): number {
    this.last += 1;
    return this.last;
  }

  /** The last id given out (saved with the page's state). */
  get current(): number {
    return this.last;
  }

  /** A reloaded page: go on from the previous page's ids. */
  continueAfter(saved: number): void {
    this.last = saved + RELOAD_GAP;
  }
}
