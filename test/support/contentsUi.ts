// The contents view from the outside, for the UI test and the benchmark: where its page is, and what
// the helper sent (from the kernel's own count, /proc/PID/io).
import * as fs from 'fs';
import type { Frame, Locator, Page } from 'playwright-core';
import { scrollToRow } from './treeRows';

/** Bytes the running ipc-helper processes wrote to their stdout (their replies), from /proc. */
export function helperBytesSent(): number {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('ipc-helper')) continue;
      const wchar = /wchar: (\d+)/.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'));
      total += Number(wchar?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** The frame of the contents view's page (VS Code nests webviews two iframes deep). */
export async function contentsFrame(page: Page, title: RegExp, timeoutMs = 20_000): Promise<Frame> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const frame of page.frames()) {
      const header = await frame.$('.contents-view').catch(() => null);
      if (header && title.test((await frame.textContent('body').catch(() => '')) ?? '')) return frame;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no contents view matching ${title}`);
}

/**
 * Does what opens a contents view (a click, a double click) and returns the view's frame. A click can be
 * lost when the tree redraws under it (other programs changing IPC objects on the machine), so it
 * is done again until the view is there: the view appearing is what is waited for.
 */
export async function untilContentsView(page: Page, open: () => Promise<void>, title: RegExp): Promise<Frame> {
  for (let attempt = 1; ; attempt++) {
    await open();
    try {
      return await contentsFrame(page, title, 10_000);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** Opens the contents view from a row's inline Open Contents button (again if a click is lost). */
export async function openContentsFromRow(page: Page, row: Locator, title: RegExp): Promise<Frame> {
  // Other objects on the machine can push the row below the fold, where the list does not draw it.
  await scrollToRow(page, row);
  return untilContentsView(
    page,
    async () => {
      await row.hover();
      await row.locator('[aria-label^="Open Contents"]').click();
    },
    title,
  );
}

/** True in the page once the first row shows its bytes (hex digits, or ·· for a non-resident page). */
export const FIRST_ROW_SHOWN = (): boolean =>
  /[0-9a-f]{2}|··/.test(
    (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.rowbox .row .hexcol')
      ?.textContent ?? '',
  );
