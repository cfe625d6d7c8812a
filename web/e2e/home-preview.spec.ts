/**
 * The landing page's preview of the app looks like the app (issue 13): it
 * is drawn with the app's own bubbles, avatars and composer, so their
 * computed styles match the real conversation's. At 1366 and 375 px, light
 * and dark, with screenshots of the preview.
 */
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { collectErrors } from './console';
import { resultsDir } from './server';

/** Computed styles that make a bubble, an avatar and the composer look like the app's. */
function looks(page: Page, root: string) {
  return page.evaluate((r) => {
    const css = (sel: string, props: string[]) => {
      const el = document.querySelector(`${r} ${sel}`);
      if (!el) return null;
      const s = getComputedStyle(el);
      return Object.fromEntries(props.map((p) => [p, s.getPropertyValue(p)]));
    };
    return {
      bubble: css('.msg-first:not(.msg-mine) .msg-bubble', ['border-top-left-radius', 'border-bottom-right-radius', 'background-color']),
      mine: css('.msg-mine .msg-bubble', ['background-color', 'color']),
      avatar: css('.msg-avatar .avatar', ['border-top-left-radius']),
      composer: css('.composer-row', ['border-top-left-radius', 'background-color']),
      send: css('.composer-send', ['background-color', 'border-top-left-radius']),
    };
  }, root);
}

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test(`the landing page's preview is drawn like the app (${label}, ${viewport.width} px)`, async ({ page }) => {
    const errors = collectErrors(page);
    await page.setViewportSize(viewport);
    await page.goto('/welcome');
    const preview = page.getByRole('figure', { name: 'Preview of a Parley group conversation' });
    await expect(preview).toBeVisible();
    await expect(preview.locator('.msg-bubble')).toHaveCount(4);
    await expect(preview.locator('.composer-row')).toBeVisible();
    if (label === 'phone') await expect(preview.locator('.preview-sidebar')).toBeHidden();
    else await expect(preview.locator('.grouplist-item')).toHaveCount(4);

    // Nothing inside is reachable by Tab: the page's links come before and after it.
    const inside = await preview.evaluate((f) => Array.from(f.querySelectorAll('*')).some((el) => (el as HTMLElement).tabIndex >= 0 && !(el as HTMLElement).closest('[inert]')));
    expect(inside).toBe(false);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
    // No message's text wider than its bubble.
    const clipped = await preview.evaluate((f) => Array.from(f.querySelectorAll('.msg-bubble')).filter((b) => b.scrollWidth > b.clientWidth + 1).length);
    expect(clipped).toBe(0);

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const l = await looks(page, '.preview');
      // The app's bubble: round, the corner by the author's picture tucked in on the first of a run.
      expect(l.bubble?.['border-top-left-radius']).toBe('6px');
      expect(l.bubble?.['border-bottom-right-radius']).toBe('18px');
      expect(l.composer?.['border-top-left-radius']).toBe('24px');
      // The bubble colours are the theme's surface and accent, as in the app.
      const tokens = await page.evaluate(() => {
        const probe = document.createElement('div');
        document.body.append(probe);
        probe.style.background = 'var(--surface)';
        const surface = getComputedStyle(probe).backgroundColor;
        probe.style.background = 'var(--accent)';
        const accent = getComputedStyle(probe).backgroundColor;
        probe.remove();
        return { surface, accent };
      });
      expect(l.bubble?.['background-color']).toBe(tokens.surface);
      expect(l.mine?.['background-color']).toBe(tokens.accent);
      expect(l.send?.['background-color']).toBe(tokens.accent);
      await preview.scrollIntoViewIfNeeded();
      await preview.screenshot({ path: join(resultsDir, `home-preview-${viewport.width}-${scheme}.png`), animations: 'disabled' });
    }
    expect(errors).toEqual([]);
  });
}
