// The VS Code workbench from the outside, for the UI tests: what a person does to it that is not
// about the extension itself.
import type { Page } from 'playwright-core';

/** Drags the sash on the side bar's right edge, so the rows' descriptions are readable. */
export async function widenSideBar(page: Page, by: number): Promise<void> {
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (!sidebar) return;
  const edge = sidebar.x + sidebar.width;
  for (const sash of await page.locator('.monaco-sash.vertical').all()) {
    const box = await sash.boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 6) continue;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + by, y, { steps: 8 });
    await page.mouse.up();
    return;
  }
}

/** The header of a view (pane) of the side bar by its title, e.g. "Shared Memory". */
export function paneHeader(page: Page, title: string) {
  return page.locator('.part.sidebar .pane-header', { has: page.locator('h3.title', { hasText: title }) });
}

/** Collapses these views of the side bar (if open), so the others get the room: what a person does. */
export async function collapsePanes(page: Page, titles: string[]): Promise<void> {
  for (const title of titles) {
    const header = paneHeader(page, title);
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    await page.waitForFunction((el) => (el as { getAttribute(n: string): string | null } | null)?.getAttribute('aria-expanded') === 'false', await header.elementHandle());
  }
}

/**
 * An action of a view's title bar (its icons and its "More Actions..." menu button). They show
 * while the pointer is over the header, as for a person.
 */
export async function paneAction(page: Page, title: string, label: string) {
  const header = paneHeader(page, title);
  await header.hover();
  return header.locator(`.actions [aria-label^="${label}"]`);
}
