import { DESKTOP, PHONE, useConsoleTestBed } from './console-browser';

const PAGES = ['Connect your IdP', 'Users', 'Groups', 'Fields and option lists', 'Mapping', 'Settings', 'Logs', 'Apps'];

/** Form controls without a label (a <label for>, a wrapping label, or aria-label), by id or name. */
const UNLABELLED_CONTROLS = `[...document.querySelectorAll('input, select, textarea')]
  .filter((control) => control.labels.length === 0 && !control.getAttribute('aria-label') && control.type !== 'hidden')
  .map((control) => control.id || control.name || control.outerHTML.slice(0, 60))`;
/** Buttons and links with no text for a screen reader. */
const NAMELESS_BUTTONS = `[...document.querySelectorAll('button, a')].filter((element) => !(element.textContent.trim() || element.getAttribute('aria-label'))).length`;
const OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';

describe('console accessibility: labels, keyboard, 1280 px and 390 px (Chromium)', () => {
  const bed = useConsoleTestBed();

  it.each([
    ['1280 px', DESKTOP],
    ['390 px', PHONE],
  ])('every page at %s: each control labelled, each button named, nothing wider than the screen', async (_width, viewport) => {
    const { page, context } = await bed.signedIn(viewport);
    for (const name of PAGES) {
      if (viewport === PHONE) await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name, exact: true }).click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
      // The page's data arrives after its heading; its panels render then.
      await page.getByText('Loading').first().waitFor({ state: 'hidden' });
      await page.waitForTimeout(300);
      expect({ page: name, unlabelled: await page.evaluate<string[]>(UNLABELLED_CONTROLS) }).toEqual({ page: name, unlabelled: [] });
      expect({ page: name, nameless: await page.evaluate<number>(NAMELESS_BUTTONS) }).toEqual({ page: name, nameless: 0 });
      expect({ page: name, overflow: Math.max(0, await page.evaluate<number>(OVERFLOW)) }).toEqual({ page: name, overflow: 0 });
    }
    if (viewport === PHONE) await bed.screenshot(page, 'apps-390px');
    await context.close();
  });

  it('works with the keyboard: skip link, navigation by Tab and Enter', async () => {
    const { page, context } = await bed.signedIn();
    await page.keyboard.press('Tab');
    await expect(page.evaluate<string>('document.activeElement.textContent')).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate<string>('document.activeElement.id')).resolves.toBe('main');
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Logs' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();
    await context.close();
  });
});
