// A row of the IPC view that may be out of sight: the list draws only the rows on screen, and a
// busy machine's other segments can push a test's row below the pane's fold. Scrolled to as a
// person would, with the mouse wheel, until the row is drawn and clear of the sticky group row at
// the top of the pane (which takes the pointer when a row lies under it).
import type { Locator, Page } from 'playwright-core';

/**
 * Scrolls until `row` is drawn and clear of the sticky group row. With `nearTop`, it ends near the
 * top of the pane, so that the rows under it (its children once expanded, its next siblings) are
 * drawn too; at the end of the list it stays where the last rows are.
 */
export async function scrollToRow(page: Page, row: Locator, options: { nearTop?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const list = page.locator('.part.sidebar .pane-body .monaco-list').first();
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  // The row may lie above what is shown (an earlier step scrolled down), below it, or not be drawn
  // yet (the next refresh adds it): down most of a pane at a time (the steps overlap by two rows,
  // so that no row is skipped), and back to the top from the bottom to look again.
  while ((await row.count()) === 0 && Date.now() < deadline) {
    const pane = (await list.boundingBox())?.height ?? 200;
    if ((await wheelBy(page, list, Math.max(22, pane - 44))) === 0 && (await row.count()) === 0) {
      await wheelBy(page, list, -Number.MAX_SAFE_INTEGER);
      await row.waitFor({ timeout: 500 }).catch(() => undefined);
    }
  }
  await row.waitFor({ timeout: 30_000 });
  if (options.nearTop) {
    const [rowBox, listBox] = await Promise.all([row.boundingBox(), list.boundingBox()]);
    if (rowBox && listBox && rowBox.y - listBox.y > 2 * rowBox.height) await wheelBy(page, list, rowBox.y - listBox.y - 2 * rowBox.height);
  }
  const sticky = page.locator('.part.sidebar .monaco-tree-sticky-container').first();
  for (let step = 0; step < 20; step++) {
    const [rowBox, stickyBox] = await Promise.all([row.boundingBox(), sticky.isVisible().then((shown) => (shown ? sticky.boundingBox() : null))]);
    if (!rowBox || !stickyBox || stickyBox.height === 0 || rowBox.y >= stickyBox.y + stickyBox.height) return;
    if ((await wheelBy(page, list, -(stickyBox.y + stickyBox.height - rowBox.y))) === 0) return;
  }
}

/**
 * Scrolls the list by about `pixels` (up when negative) with wheel turns, or as far as it goes;
 * returns how far it went. VS Code scrolls a fixed step per wheel event whatever its size, so the
 * turns are counted by what they did, not sized.
 */
async function wheelBy(page: Page, list: Locator, pixels: number): Promise<number> {
  const start = await scrollTop(list);
  let now = start;
  await list.hover();
  while (Math.abs(now - start) < Math.abs(pixels)) {
    await page.mouse.wheel(0, Math.sign(pixels) * 100);
    // The wheel is handled a moment later: wait until the list has moved (it does not at an end).
    const before = now;
    for (let poll = 0; poll < 10 && now === before; poll++) {
      await page.waitForTimeout(30);
      now = await scrollTop(list);
    }
    if (now === before) break;
  }
  return now - start;
}

/** How far the list is scrolled, in pixels: its rows' container is drawn that far up. */
async function scrollTop(list: Locator): Promise<number> {
  return list.evaluate((el) => {
    const rows = (el as unknown as { querySelector(s: string): { style: { top: string } } | null }).querySelector('.monaco-list-rows');
    return -(parseFloat(rows?.style.top ?? '0') || 0);
  });
}
