// The VS Code workbench from the outside, for the UI tests: what a person does to it that is not
// about the extension itself.
import * as fs from 'fs';
import type { Locator, Page } from 'playwright-core';
import { waitFor } from './waitFor';

/** Drags the sash on the side bar's right edge, so the rows' descriptions are readable. */
/** The extension's status bar item (its screen-reader label starts with the product's name; its text is what is shown). */
export function statusBarItem(page: Page): Locator {
  return page.locator('.statusbar-item [aria-label^="IPC Inspector: "], .statusbar-item[aria-label^="IPC Inspector: "]').first();
}

/** Waits until the status bar item's text says `words` (the item comes with the first look, its text with a later refresh). */
export async function untilStatusBarSays(page: Page, words: RegExp, timeoutMs = 30_000): Promise<Locator> {
  const item = statusBarItem(page);
  await item.waitFor({ timeout: timeoutMs });
  await page.waitForFunction(
    ([el, source]) => new RegExp(source as string).test((el as { textContent: string | null } | null)?.textContent ?? ''),
    [await item.elementHandle(), words.source] as const,
    { timeout: timeoutMs },
  );
  return item;
}

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
    await page.waitForFunction(
      (el) => (el as { getAttribute(n: string): string | null } | null)?.getAttribute('aria-expanded') === 'false',
      await header.elementHandle(),
    );
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

/**
 * Clicks an item of the open context menu. VS Code ignores a click that comes right after the
 * menu opens, and how long "right after" lasts depends on the machine's load: so click until the
 * menu is gone (the state a person would see), never after a fixed pause.
 */
export async function clickMenuItem(page: Page, label: string): Promise<void> {
  const item = page.locator('.context-view .action-label', { hasText: label });
  await item.waitFor({ timeout: 10_000 });
  for (let attempt = 0; attempt < 20 && (await item.count()) > 0; attempt++) {
    await item.hover({ timeout: 2000 }).catch(() => undefined);
    await item.click({ delay: 50, timeout: 2000 }).catch(() => undefined);
    await item.waitFor({ state: 'detached', timeout: 1000 }).catch(() => undefined);
  }
  if ((await item.count()) > 0) throw new Error(`the menu item "${label}" did not take a click`);
}

/**
 * Runs `open` (a menu click that starts a command asking questions) until the quick input shows
 * with a prompt (or a title) matching `question`. On a busy machine a click can be lost, or land twice and
 * dismiss the box the first one opened (the command then ends): what is waited for is the box.
 */
export async function untilQuickInput(page: Page, open: () => Promise<void>, question: RegExp, patienceMs = 10_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; attempt < 5; attempt++) {
    const opened = await open().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (opened && attempt === 4) throw opened;
    if (opened) {
      await input.press('Escape').catch(() => undefined); // the opening failed: nothing to wait for
      continue;
    }
    const shown = await page
      .waitForFunction(
        (pattern) => {
          const document = (
            globalThis as unknown as {
              document: { querySelector(s: string): { offsetParent: unknown; textContent: string | null; getAttribute(n: string): string | null } | null };
            }
          ).document;
          const box = document.querySelector('.quick-input-widget input');
          const title = document.querySelector('.quick-input-widget .quick-input-title')?.textContent ?? '';
          return !!box && box.offsetParent !== null && (new RegExp(pattern).test(box.getAttribute('aria-label') ?? '') || new RegExp(pattern).test(title));
        },
        question.source,
        { timeout: patienceMs },
      )
      .then(() => true)
      .catch(() => false);
    if (shown) return;
    await input.press('Escape').catch(() => undefined); // whatever half-open box is left
  }
  throw new Error(`no quick input asking ${question} appeared`);
}

/**
 * Answers the quick input's boxes one after the other: each answer goes in only once the box
 * before it has closed (its text is gone), so none lands in the box that is on its way out.
 */
export async function answerInputs(page: Page, answers: string[]): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (const answer of answers) {
    await input.waitFor();
    await input.fill(answer);
    await input.press('Enter');
    await page.waitForFunction(
      ([selector, text]) => {
        const box = (
          globalThis as unknown as { document: { querySelector(s: string): { value: string; offsetParent: unknown } | null } }
        ).document.querySelector(selector);
        return !box || box.offsetParent === null || box.value !== text;
      },
      ['.quick-input-widget input', answer] as const,
    );
  }
}

/**
 * Expands a tree row the way a person does with the keyboard: select it, press → until the row says
 * it is expanded. A redraw of the tree between the click and the key (the view refreshes while
 * other programs change IPC objects) can drop either; the row's own state says when it worked.
 */
export async function expandRow(row: Locator): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    if ((await row.getAttribute('aria-expanded')) === 'true') return;
    await row.click();
    await row.press('ArrowRight');
    await row
      .page()
      .waitForFunction((el) => (el as { getAttribute(n: string): string | null } | null)?.getAttribute('aria-expanded') === 'true', await row.elementHandle(), {
        timeout: 2000,
      })
      .catch(() => undefined);
  }
  throw new Error('the row did not expand');
}

/**
 * An item of a row's context menu, chosen until what it leads to is on screen (a dialog, a toast):
 * a menu click can be lost to a tree redraw on a busy machine, so the outcome is what is waited for.
 */
export async function chooseFromRowMenu(row: Locator, label: string, outcome: Locator): Promise<void> {
  const page = row.page();
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('Escape'); // no menu or dialog left over from an attempt before
    await row.click({ button: 'right' });
    await clickMenuItem(page, label);
    if (
      await outcome.waitFor({ timeout: 5000 }).then(
        () => true,
        () => false,
      )
    ) {
      return;
    }
  }
  throw new Error(`"${label}" from the row's menu led to nothing on screen`);
}

/** Runs a command from the Command Palette (F1) by its title, as a person types it. */
export async function runCommand(page: Page, title: string, question: RegExp): Promise<void> {
  await untilQuickInput(
    page,
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').fill(`>${title}`);
      // Enter, as people run commands from the palette: once the command is the focused row. (A
      // click hands the focus back to the view after the palette closed, which could come after
      // the command's question showed and dismiss it.)
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
    },
    question,
    // A click on the palette's row is not lost (the palette would stay open): what takes long is
    // the command's own work before its question (Export reads every object first). A retry's
    // Escape would dismiss the question when it comes.
    60_000,
  );
}

/**
 * In a multi-select pick (Clean Up's), ticks only the items whose text has one of `wanted`, as a
 * person facing a long list would: untick everything with the box above the list, then find each
 * wanted item through the filter and tick it. The list draws only the rows on screen, so going
 * through its rows would miss the ones below the fold.
 */
export async function tickOnly(page: Page, wanted: string[]): Promise<void> {
  // The box ticks or unticks every item the filter lets through (all of them, the filter empty); it
  // shows ticked only when every item is: tick all first if some are not, then untick all.
  const all = page.locator('.quick-input-widget .quick-input-header .monaco-checkbox').first();
  const input = page.locator('.quick-input-widget .quick-input-filter input');
  await page.locator('.quick-input-list').waitFor();
  if ((await all.getAttribute('aria-checked')) !== 'true') await all.click();
  await waitForAttribute(all, 'aria-checked', 'true');
  await all.click();
  await waitForAttribute(all, 'aria-checked', 'false');
  for (const text of wanted) {
    await input.fill(text);
    const item = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    await item.waitFor({ timeout: 15_000 });
    if ((await item.getAttribute('aria-checked')) !== 'true') await item.click();
    await waitForAttribute(item, 'aria-checked', 'true');
  }
  await input.fill('');
}

async function waitForAttribute(element: Locator, name: string, value: string): Promise<void> {
  await element
    .page()
    .waitForFunction(([el, n, v]) => (el as { getAttribute(n: string): string | null }).getAttribute(n) === v, [
      await element.elementHandle(),
      name,
      value,
    ] as const);
}

/**
 * Answers the browser VS Code's save dialog (a path in the quick input) with `file`, and waits for
 * Export's notification. The dialog reads the folder of what was typed before it takes Enter (an
 * Enter meanwhile is ignored): Enter again until the file is written, as a person would.
 */
export async function saveExportAs(page: Page, file: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.fill(file);
  await waitFor(
    async () => {
      if (fs.existsSync(file)) return true;
      if (await input.isVisible()) await input.press('Enter');
      return undefined;
    },
    30_000,
    `the export to be written to ${file}`,
    500,
  );
  await page.locator('.notification-toast', { hasText: /Exported \d+ IPC objects? to/ }).waitFor({ timeout: 30_000 });
}
