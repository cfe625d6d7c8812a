/**
 * The details of issue 13's findings 6 and 7 that the other specs do not
 * hold, at 1366 px and at 375 px: the marker at the start of a
 * conversation's history, one time per run of messages with the full date
 * on hover, WCAG AA contrast of the small text as the browser renders it
 * in light and dark, and emoji drawn in colour.
 */
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import { apiAs, groupWith, postText } from './chatApi';
import { collectErrors } from './console';
import { lowContrast } from './contrast';
import { resultsDir } from './server';
import { newUser, registerVerified, signIn } from './users';

const expect = baseExpect.configure({ timeout: 20_000 });

function messages(page: Page): Locator {
  return page.getByRole('list', { name: /^Messages in / });
}

function message(page: Page, text: string): Locator {
  return messages(page).getByRole('listitem').filter({ hasText: text });
}

/** Whether `emoji`, drawn with the font of `el`, comes out in colour (not a black-and-white glyph). */
function drawnInColour(el: Locator, emoji: string): Promise<boolean> {
  return el.evaluate(async (node, e) => {
    const font = getComputedStyle(node).font;
    await document.fonts.load(font, e);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d');
    if (!ctx) return false;
    ctx.font = font.replace(/\d+(\.\d+)?px/, '48px');
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#000';
    ctx.fillText(e, 4, 4);
    const px = ctx.getImageData(0, 0, 64, 64).data;
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b, a] = [px[i] ?? 0, px[i + 1] ?? 0, px[i + 2] ?? 0, px[i + 3] ?? 0];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) return true;
    }
    return false;
  }, emoji);
}

for (const [label, viewport] of [['desktop', { width: 1366, height: 800 }], ['phone', { width: 375, height: 812 }]] as const) {
  test.describe(`at ${viewport.width} px (${label})`, () => {
    test.use({ viewport });

    test('the start of the history, one time per run, AA contrast in light and dark, emoji in colour', async ({ browser, baseURL }, testInfo) => {
      if (!baseURL) throw new Error('no baseURL: run through playwright.config.ts');
      const alice = newUser('alice');
      const bob = newUser('bob');
      await Promise.all([registerVerified(baseURL, alice), registerVerified(baseURL, bob)]);
      const [asA, asB] = await Promise.all([apiAs(baseURL, alice), apiAs(baseURL, bob)]);
      const groupName = `Details ${alice.username.slice(-4)}`;
      const groupId = await groupWith(asA, [asB], groupName);
      await postText(asB, groupId, 'Bob opens the day 🎉');
      await postText(asB, groupId, 'and keeps talking');
      await postText(asA, groupId, 'Alice answers 👍');

      const ctx = await browser.newContext({ baseURL, viewport });
      const page = await ctx.newPage();
      const errors = collectErrors(page);
      await signIn(page, alice);
      await page.getByRole('navigation', { name: 'Groups' }).getByRole('link', { name: new RegExp(groupName) }).click();
      await expect(message(page, 'Alice answers')).toBeVisible();

      await test.step('the whole history is loaded: a marker says where it starts', async () => {
        const note = messages(page).getByRole('note');
        await expect(note).toHaveText(`This is the start of ${groupName}.`);
        // It comes before the first message.
        await expect(messages(page).locator(':scope > li').first()).toHaveAttribute('role', 'note');
      });

      await test.step('a run of one author\'s messages shows its time once; every bubble has the full date on hover', async () => {
        await expect(message(page, 'Bob opens the day').locator('time')).toHaveCount(0);
        await expect(message(page, 'and keeps talking').locator('time')).toHaveCount(1);
        await expect(message(page, 'Alice answers').locator('time')).toHaveCount(1);
        // The author's name heads the run, once.
        await expect(messages(page).getByText(bob.username, { exact: true })).toHaveCount(1);
        const year = String(new Date().getFullYear());
        for (const text of ['Bob opens the day', 'and keeps talking', 'Alice answers']) {
          await expect(message(page, text).locator('.msg-bubble')).toHaveAttribute('title', new RegExp(year));
        }
      });

      await test.step('small text meets WCAG AA, light and dark', async () => {
        await page.mouse.move(0, 0);
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          // Hovering a message shows its actions: check that state too.
          await message(page, 'Bob opens the day').hover();
          expect(await lowContrast(page), `text under AA contrast (${scheme})`).toEqual([]);
          await page.mouse.move(0, 0);
          expect(await lowContrast(page), `text under AA contrast (${scheme})`).toEqual([]);
          const path = join(resultsDir, `conversation-details-${viewport.width}-${scheme}.png`);
          await page.screenshot({ path, animations: 'disabled' });
          await testInfo.attach(`conversation-details-${viewport.width}-${scheme}`, { path, contentType: 'image/png' });
        }
        await page.emulateMedia({ colorScheme: 'light' });
      });

      await test.step('emoji are drawn in colour in messages and the composer', async () => {
        expect(await drawnInColour(message(page, 'Bob opens the day').locator('.msg-text'), '🎉')).toBe(true);
        expect(await drawnInColour(page.getByRole('textbox', { name: 'Message' }), '👍')).toBe(true);
        // The check can fail: a font without colour glyphs draws black.
        expect(await drawnInColour(page.getByRole('textbox', { name: 'Message' }), 'A')).toBe(false);
      });

      expect(errors).toEqual([]);
      await Promise.all([asA.api.dispose(), asB.api.dispose(), ctx.close()]);
    });
  });
}
