// A row of the IPC view that may be out of sight: the list draws only the rows on screen, and a
// busy machine's other segments can push a test's row below the pane's fold. Scrolled to as a
// person would, with the mouse wheel, until the row is drawn and clear of the sticky group row at
// the top of the pane (which takes the pointer when a row lies under it).
import type { Locator, Page } from 'playwright-core';

export async function scrollToRow(page: Page, row: Locator): Promise<void> {
  const list = page.locator('.part.sidebar .pane-body .monaco-list').first();
  for (let step = 0; step < 200 && (await row.count()) === 0; step++) {
    await list.hover();
    await page.mouse.wheel(0, 120);
    await row.waitFor({ timeout: 500 }).catch(() => undefined);
  }
  await row.waitFor({ timeout: 30_000 });
  const sticky = page.locator('.part.sidebar .monaco-tree-sticky-container').first();
  for (let step = 0; step < 20; step++) {
    const [rowBox, stickyBox] = await Promise.all([row.boundingBox(), sticky.isVisible().then((shown) => (shown ? sticky.boundingBox() : null))]);
    if (!rowBox || !stickyBox || stickyBox.height === 0 || rowBox.y >= stickyBox.y + stickyBox.height) return;
    await list.hover();
    await page.mouse.wheel(0, -(stickyBox.y + stickyBox.height - rowBox.y + rowBox.height));
    // The wheel is handled a moment later: wait until the row has moved before looking again.
    for (let poll = 0; poll < 40 && (await row.boundingBox())?.y === rowBox.y; poll++) await page.waitForTimeout(50);
  }
}
