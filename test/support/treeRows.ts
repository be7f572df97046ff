// A row of the IPC view that may be out of sight: the list draws only the rows on screen, and a
// busy machine's other segments can push a test's row below the pane's fold. Scrolled to as a
// person would, with the mouse wheel, until the row is drawn whole and clear of the sticky group
// row at the top of the pane (which takes the pointer when a row lies under it).
import type { Locator, Page } from 'playwright-core';

/**
 * Scrolls until `row` is drawn whole and clear of the sticky group row. With `nearTop`, it ends
 * near the top of the pane, so that the rows under it (its children once expanded, its next
 * siblings) are drawn too; at the end of the list it stays where the last rows are.
 */
export async function scrollToRow(page: Page, row: Locator, options: { nearTop?: boolean; timeoutMs?: number } = {}): Promise<void> {
  await scrollRowIntoView(page, row, options);
  // The wheel was turned with the pointer over the list: a row's tooltip may have opened there and
  // would take the next click.
  await movePointerAway(page);
}

/** The pointer to the window's corner, and any tooltip it opened closed (it would take the next click, or show in a picture). */
export async function movePointerAway(page: Page): Promise<void> {
  await page.mouse.move(1, 1);
  await page
    .locator('.context-view .monaco-hover, .workbench-hover')
    .first()
    .waitFor({ state: 'hidden', timeout: 5_000 })
    .catch(() => undefined);
}

async function scrollRowIntoView(page: Page, row: Locator, options: { nearTop?: boolean; timeoutMs?: number }): Promise<void> {
  const list = page.locator('.part.sidebar .pane-body .monaco-list').first();
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  // The row may lie above what is shown (an earlier step scrolled down), below it, or not be drawn
  // yet (the next refresh adds it): down most of a pane at a time (the steps overlap by two rows,
  // so that no row is skipped), and back to the top from the bottom to look again.
  while ((await row.count()) === 0 && Date.now() < deadline) {
    const pane = (await list.boundingBox())?.height ?? 200;
    if ((await wheelBy(page, list, Math.max(22, pane - 44), deadline)) === 0 && (await row.count()) === 0) {
      await wheelBy(page, list, -Number.MAX_SAFE_INTEGER, deadline);
      await row.waitFor({ timeout: 500 }).catch(() => undefined);
    }
  }
  await row.waitFor({ timeout: 30_000 });
  const [rowBox, listBox] = await Promise.all([row.boundingBox(), list.boundingBox()]);
  if (rowBox && listBox) {
    const below = rowBox.y + rowBox.height - (listBox.y + listBox.height);
    const fromTop = rowBox.y - listBox.y - 2 * rowBox.height;
    // Cut by the pane's bottom edge, a click would land outside it: up by what is cut (or to the top).
    if (options.nearTop ? fromTop > 0 : below > 0) await wheelBy(page, list, options.nearTop ? fromTop : below, deadline);
  }
  const sticky = page.locator('.part.sidebar .monaco-tree-sticky-container').first();
  for (let step = 0; step < 20; step++) {
    const [box, stickyBox] = await Promise.all([row.boundingBox(), sticky.isVisible().then((shown) => (shown ? sticky.boundingBox() : null))]);
    if (!box || !stickyBox || stickyBox.height === 0 || box.y >= stickyBox.y + stickyBox.height) return;
    if ((await wheelBy(page, list, -(stickyBox.y + stickyBox.height - box.y), deadline)) === 0) return;
  }
}

/**
 * Scrolls the list by at most `pixels` (up when negative) with wheel turns: it stops before a turn
 * would pass the target (one turn at least), so that a step over most of a pane skips no row. VS
 * Code scrolls a fixed step per wheel event whatever its size (50 px here), so the turns are
 * counted by what they did, not sized. Returns how far it went.
 */
async function wheelBy(page: Page, list: Locator, pixels: number, deadline: number): Promise<number> {
  const start = await scrollTop(list);
  let now = start;
  let step = 0;
  await list.hover();
  do {
    await page.mouse.wheel(0, Math.sign(pixels) * 100);
    // The wheel is handled a moment later: wait until the list has moved (it does not at an end).
    const before = now;
    for (let poll = 0; poll < 20 && now === before; poll++) {
      await page.waitForTimeout(50);
      now = await scrollTop(list);
    }
    if (now === before) break;
    step = Math.max(step, Math.abs(now - before));
  } while (Math.abs(now - start) + step <= Math.abs(pixels) && Date.now() < deadline);
  return now - start;
}

/** How far the list is scrolled, in pixels: its rows' container is drawn that far up. */
async function scrollTop(list: Locator): Promise<number> {
  return list.evaluate((el) => {
    const rows = (el as unknown as { querySelector(s: string): { style: { top: string } } | null }).querySelector('.monaco-list-rows');
    return -(parseFloat(rows?.style.top ?? '0') || 0);
  });
}
